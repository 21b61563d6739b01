"""The result as data: the best candidate saved as a prompt version, proved on held-out items.

The seed and the best each run on the test split (items GEPA never saw) as
ordinary eval runs of the same eval, naming the prompt version they sampled;
the paired comparison (flips, McNemar p) of the two is the claim. Each run's
id is stored before it starts, so a resumed proof continues the same runs.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tui.core.evals.compare import compare_runs
from tui.core.evals.runner import create_run
from tui.core.evals.summary import pass_rate, summarize
from tui.core.optimize.candidates import messages_for, template
from tui.core.optimize.search_pause import run_call


def prompt_name(store: Any, version: Any) -> str:
    for prompt in store.prompts.list():
        if prompt.id == version.prompt_id:
            return prompt.name
    return f"prompt {version.prompt_id}"


def save_best(session: Any) -> int:
    """The best candidate as a new version of the seed's prompt (the seed's id when the
    seed stayed best); its note names the seed, the eval, the optimization and the scores."""
    store, opt = session.store, session.row
    if opt.best_version_id is not None:
        return opt.best_version_id
    candidates = {c.idx: c for c in store.optimizations.candidates(opt.id)}
    best = candidates.get(opt.best_candidate_idx or 0)
    seed = store.prompts.version(opt.seed_version_id)
    if best is None or best.idx == 0:
        version_id = seed.id
    else:
        seed_score = candidates[0].val_score if 0 in candidates else None
        eval_name = store.evals.get(opt.eval_id).name
        note = (f"optimized from v{seed.version} by eval {eval_name!r} (optimization "
                f"#{opt.id}): validation {_pct(seed_score)} → {_pct(best.val_score)}")
        version = store.prompts.save(prompt_name(store, seed),
                                     messages_for(session.messages, best.candidate),
                                     params=seed.params, model=seed.model, note=note)
        version_id = version.id
    store.optimizations.update(opt.id, best_version_id=version_id)
    return version_id


def _pct(score: float | None) -> str:
    return "?" if score is None else f"{100 * score:.0f}%"


def _test_run(session: Any, field: str, version_id: int) -> int:
    store, opt = session.store, session.store.optimizations.get(session.row.id)
    existing = getattr(opt, field)
    if existing is not None:
        return existing
    version = store.prompts.version(version_id)
    rows = [{"item": session.items[i]["item"]} for i in opt.split["test"]]
    definition = dataclasses.replace(
        session.definition, source={"type": "file_content", "content": rows},
        input_messages=template(session.base_messages(version)),
        sampling_params=session.sampling_params)
    which = "seed" if field == "seed_test_run_id" else "best"
    run = create_run(store, opt.eval_id, definition, model=opt.model, profile=opt.profile,
                     name=f"optimize #{opt.id} held-out · {which} v{version.version}",
                     total=len(rows))
    store.optimizations.set_run_prompt(run.id, version_id)
    store.optimizations.update(opt.id, **{field: run.id})
    return run.id


def prove(session: Any) -> dict[str, Any]:
    """Run seed and best on the test items (resuming either) and compare them paired."""
    from tui.core.evals.service import execute

    store = session.store
    best_version = save_best(session)
    opt = store.optimizations.get(session.row.id)
    seed_run = _test_run(session, "seed_test_run_id", opt.seed_version_id)
    best_run = (seed_run if best_version == opt.seed_version_id
                else _test_run(session, "best_test_run_id", best_version))
    for run_id in dict.fromkeys((seed_run, best_run)):
        if store.evals.run(run_id).status != "completed":
            run_call(session.pause, session.loop, execute(
                store, run_id, client=session.client, options=session.options))
    comparison = compare_runs(store, seed_run, best_run).as_dict()
    comparison["seed_pass_rate"] = pass_rate(summarize(store, seed_run)["result_counts"])
    comparison["best_pass_rate"] = pass_rate(summarize(store, best_run)["result_counts"])
    store.optimizations.update(opt.id, comparison=comparison, best_test_run_id=best_run)
    return comparison
