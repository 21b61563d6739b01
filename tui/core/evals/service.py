"""What the pane and `tunedeck eval` share: find an eval, make its client, run or resume."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.core.evals import definition as defs
from tui.core.evals.items import count_source
from tui.core.evals.runner import EvalRunner, Progress, RunnerOptions, create_run


class EvalNotFound(LookupError):
    pass


def looks_like_file(target: str) -> bool:
    return target.endswith(".json") or "/" in target or Path(target).is_file()


def resolve(store: Any, target: str, *, profile: str | None = None):
    """(eval row, definition) for a stored eval's name or id, or an eval file (saved on load).

    A name may look like a path ("support QA [/draft]", "team/v2"): an existing
    file wins, then a stored eval of exactly that name, then the path is tried.
    """
    if looks_like_file(target) and (Path(target).is_file() or store.evals.find(target) is None):
        definition = defs.load(target)
        return defs.save_to_store(store, definition, profile=profile), definition
    row = store.evals.find(target)
    if row is None and target.isdigit():
        try:
            row = store.evals.get(int(target))
        except KeyError:
            row = None
    if row is None:
        known = ", ".join(e.name for e in store.evals.list()[:10]) or "none yet"
        raise EvalNotFound(f"no eval named {target!r} (evals: {known}); or give an eval file")
    return row, defs.from_store(row)


def options_for(profile: Any = None, settings: Any = None, **overrides: Any) -> RunnerOptions:
    options = RunnerOptions()
    if profile is not None:
        options.concurrency = max(1, int(getattr(profile, "concurrency", 8) or 8))
    if settings is not None:
        options.input_prices = dict(settings.prices.input) or None
        options.output_prices = dict(settings.prices.output) or None
        options.allow_unsandboxed_graders = bool(settings.allow_unsandboxed_graders)
    for key, value in overrides.items():
        setattr(options, key, value)
    return options


def client_for(profile: Any, *, timeout: float = 60.0):
    """A client that does not retry by itself: the runner retries, honouring retry-after."""
    from tui.core.providers import make_client

    return make_client(profile, max_retries=0, timeout=timeout)


def new_run(store: Any, eval_row: Any, definition: defs.EvalDefinition, *, model: str | None,
            profile: str | None = None, name: str = "", batch: bool = False):
    """A queued run; `batch` samples through the provider's Batch API (half price, slower)."""
    if not definition.source:
        raise defs.DefinitionError(f"eval {eval_row.name!r} names no items to run on")
    if batch and not model:
        raise defs.DefinitionError("a batch run needs a model (the items' own samples need none)")
    total = count_source(definition.source, store)
    return create_run(store, eval_row.id, definition, model=model, profile=profile,
                      name=name or ("batch" if batch else ""), total=total, batch=batch)


def parse_models(text: str | None) -> list[str | None]:
    """Models from a prompt or flag: comma- or space-separated, duplicates dropped;
    nothing means one run on the items' own samples."""
    models: list[str | None] = []
    for part in (text or "").replace(",", " ").split():
        if part not in models:
            models.append(part)
    return models or [None]


def jail_notice(store: Any, run_id: int, *, allowed: bool) -> str | None:
    """What to tell the user before this run when its python graders would run without
    the OS jail, or not at all (see python_grader.jail_notice); None: nothing to say."""
    from tui.core.evals.graders.python_grader import jail_notice as notice

    run = store.evals.run(run_id)
    criteria = ((run.data_source or {}).get("testing_criteria")
                or store.evals.get(run.eval_id).testing_criteria or [])
    return notice(criteria, allowed=allowed)


async def execute(store: Any, run_id: int, *, client: Any, options: RunnerOptions,
                  on_progress: Callable[[Progress], None] | None = None,
                  runner_ref: Callable[[EvalRunner], None] | None = None):
    """Run (or resume) a run to its end; returns the finished run row."""
    from tui.core.evals.batch import BatchEvalRunner, is_batch_run

    kind = BatchEvalRunner if is_batch_run(store.evals.run(run_id)) else EvalRunner
    runner = kind(store, run_id, client=client, options=options, on_progress=on_progress)
    if runner_ref is not None:
        runner_ref(runner)
    return await runner.run()
