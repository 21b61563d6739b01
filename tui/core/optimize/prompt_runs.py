"""Any eval run with any saved prompt version (`tunedeck eval run E --prompt NAME@N`).

The version's messages replace the eval's template (a system-only prompt keeps
the eval's user message, as in an optimization), and the run names the version
it sampled, so its lineage says which prompt produced the results.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tui.core.evals.definition import EvalDefinition
from tui.core.optimize.candidates import base_messages, template


def with_prompt(store: Any, definition: EvalDefinition, ref: str):
    """(the definition sampling with prompt NAME[@N], that version); OptimizeError if unknown."""
    from tui.core.optimize.candidates import CandidateError
    from tui.core.optimize.optimize_driver import OptimizeError, resolve_version, sampling_params

    version = resolve_version(store, ref)
    try:
        messages = base_messages(version.messages, definition.input_messages)
    except CandidateError as exc:
        raise OptimizeError(str(exc)) from None
    return dataclasses.replace(definition, input_messages=template(messages),
                               sampling_params=sampling_params(definition, version)), version


def name_prompt(store: Any, run_ids: list[int], version: Any) -> None:
    for run_id in run_ids:
        store.optimizations.set_run_prompt(run_id, version.id)
