"""What the user wrote for a playground run: its prompt version's template and the values.

A run's input is the filled prompt it sent; re-opening that lost every {{name}}.
Runs keep their variable values (playground_runs.variables_json), so re-opening
gives back the template and the values; runs from before re-open as they were sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store import Store
from store.records import PlaygroundRun


@dataclass
class RunTemplate:
    messages: list[dict[str, Any]]
    variables: str  # the variables field's text: name=value; other=value
    prompt_name: str | None  # None: the run used no saved prompt (or predates templates)


def run_template(store: Store, run: PlaygroundRun) -> RunTemplate:
    sent = run.input if isinstance(run.input, list) else []
    if run.prompt_version_id is None or run.variables is None:
        return RunTemplate(sent, "", None)
    version = store.prompts.version(run.prompt_version_id)
    name = next((p.name for p in store.prompts.list() if p.id == version.prompt_id), None)
    values = "; ".join(f"{k}={v}" for k, v in run.variables.items())
    return RunTemplate(list(version.messages), values, name)
