"""One prompt optimization from start to proof: plan, create, search (GEPA), prove, resume.

`plan` resolves the seed version and the eval, splits the items and estimates
calls and cost; nothing is sent. `create` writes it to the store. `run` drives
it (again after a quit or a crash: GEPA resumes from its run_dir and the
adapter reuses every batch already recorded) through the search, then the
held-out proof. `pause` (the TUI quitting) ends this process's run and leaves the
optimization where it was, to resume later: a `search_pause.Pause` at once, the
call in flight cancelled; any other callable after the current iteration.
`request_stop` ends the search gracefully after the current iteration (GEPA's
stop file); the best so far is still saved and proved, as
when the dollar cap or the metric-call budget is reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core.evals import definition as defs
from tui.core.evals.items import iter_source
from tui.core.optimize import few_shot, held_out
from tui.core.optimize.candidates import FEW_SHOT, base_messages, seed_candidate
from tui.core.optimize.item_split import ItemSplit, split_items
from tui.core.optimize.optimize_preflight import MINIBATCH, Estimate, estimate
from tui.core.optimize.search_pause import SearchPaused
from tui.core.optimize.spend_cap import BudgetReached, SpendCap

STOP_FILE = "gepa.stop"


class OptimizeError(ValueError):
    """The request cannot be planned (unknown prompt or eval, too few items, bad parts)."""


@dataclass
class Plan:
    version: Any
    eval_row: Any
    split: ItemSplit
    estimate: Estimate
    profile: str
    model: str
    reflection_profile: str
    reflection_model: str
    max_metric_calls: int
    max_usd: float | None
    parts: list[str] = field(default_factory=lambda: ["system"])


def resolve_version(store: Any, ref: str):
    """NAME (its latest version) or NAME@N, read by tui.core.refs as everywhere."""
    from tui.core.refs import RefError, parse_ref

    try:
        parsed = parse_ref(ref)
    except RefError as exc:
        raise OptimizeError(str(exc)) from None
    name = parsed.name
    versions = store.prompts.versions(name)
    if not versions:
        known = ", ".join(p.name for p in store.prompts.list()[:10]) or "none yet"
        raise OptimizeError(f"no prompt named {name!r} (prompts: {known})")
    if parsed.version is None:
        return versions[0]
    for version in versions:
        if version.version == parsed.version:
            return version
    raise OptimizeError(f"prompt {name!r} has no version {parsed.version} "
                        f"(versions 1..{versions[0].version})")


def load_items(store: Any, definition: defs.EvalDefinition) -> list[dict[str, Any]]:
    # An item's own stored sample is dropped: every candidate samples its own answer.
    return [{"item": row["item"]} for row in iter_source(definition.source, store)]


def sampling_params(definition: defs.EvalDefinition, version: Any) -> dict[str, Any]:
    from tui.core.evals.runner import CHAT_PARAMS

    own = {k: v for k, v in (version.params or {}).items() if k in CHAT_PARAMS}
    return {**(definition.sampling_params or {}), **own}


def plan(store: Any, settings: Any, *, prompt: str, eval_ref: str, model: str, profile: str,
         reflection_model: str, reflection_profile: str, max_metric_calls: int,
         max_usd: float | None, seed: int = 0, parts: list[str] | None = None) -> Plan:
    from tui.core.evals.service import EvalNotFound, resolve

    if max_metric_calls < 1:
        raise OptimizeError("the metric-call budget must be at least 1")
    if max_usd is not None and max_usd <= 0:
        raise OptimizeError("the dollar cap must be above 0")
    version = resolve_version(store, prompt)
    try:
        eval_row, definition = resolve(store, eval_ref, profile=profile)
    except (EvalNotFound, defs.DefinitionError) as exc:
        raise OptimizeError(str(exc)) from None
    from tui.core.optimize.candidates import CandidateError
    from tui.core.optimize.item_split import SplitError

    try:
        items = load_items(store, definition)
        split = split_items(len(items), seed=seed)
        messages = base_messages(version.messages, definition.input_messages)
        seed_candidate(messages, parts or ["system"])
    except (SplitError, CandidateError, ValueError) as exc:
        raise OptimizeError(str(exc)) from None
    est = estimate(items=[items[i] for i in split.train + split.val], messages=messages,
                   criteria=definition.testing_criteria, model=model,
                   reflection_model=reflection_model, max_metric_calls=max_metric_calls,
                   n_test=len(split.test), settings=settings)
    return Plan(version=version, eval_row=eval_row, split=split, estimate=est, profile=profile,
                model=model, reflection_profile=reflection_profile,
                reflection_model=reflection_model, max_metric_calls=max_metric_calls,
                max_usd=max_usd, parts=list(parts or ["system"]))


def plan_by_ids(store: Any, settings: Any, *, version_id: int, eval_id: int,
                **rest: Any) -> Plan:
    """`plan` for a version and an eval picked by id (the TUI's form)."""
    from tui.core.optimize.held_out import prompt_name

    version = store.prompts.version(version_id)
    return plan(store, settings, prompt=f"{prompt_name(store, version)}@{version.version}",
                eval_ref=store.evals.get(eval_id).name, **rest)


def parts_offered(store: Any, version_id: int, eval_id: int | None) -> list[tuple[str, str]]:
    """(part, label) of what may change in this seed on this eval (whose template completes
    a system-only prompt), as the form offers them."""
    from tui.core.optimize.candidates import CandidateError, available_parts

    version = store.prompts.version(version_id)
    template = store.evals.get(eval_id).input_messages if eval_id is not None else None
    try:
        return available_parts(base_messages(version.messages, template))
    except CandidateError:  # no user message yet: the plan says so
        return list(DEFAULT_OFFER)


DEFAULT_OFFER = (("system", "system prompt"), ("user", "user template message"))


def runs_root() -> Path:
    from tui.core.paths import home_dir

    return home_dir() / "optimizations"


def create(store: Any, chosen: Plan):
    root = runs_root()
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return store.optimizations.create(
        eval_id=chosen.eval_row.id, seed_version_id=chosen.version.id, profile=chosen.profile,
        model=chosen.model, reflection_profile=chosen.reflection_profile,
        reflection_model=chosen.reflection_model, parts=chosen.parts,
        split=chosen.split.as_dict(), seed=chosen.split.seed,
        max_metric_calls=chosen.max_metric_calls, max_usd=chosen.max_usd,
        estimate=chosen.estimate.as_dict(), run_dir_root=str(root))


def request_stop(store: Any, opt_id: int) -> Path:
    """Ask a running search to stop after its current iteration (any process may ask)."""
    row = store.optimizations.get(opt_id)
    path = Path(row.run_dir) / STOP_FILE
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text("stop requested by tunedeck\n", encoding="utf-8")
    return path


@dataclass
class Session:
    """What the search and the proof share for one process's run of an optimization."""

    store: Any
    row: Any
    definition: defs.EvalDefinition
    items: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    sampling_params: dict[str, Any]
    loop: asyncio.AbstractEventLoop
    client: Any
    reflection_client: Any
    options: Any
    reflection_options: Any
    pause: Callable[[], bool] | None = None

    def base_messages(self, version: Any) -> list[dict[str, Any]]:
        return base_messages(version.messages, self.definition.input_messages)


def _search(session: Session, on_change: Callable[[], None] | None,
            pause: Callable[[], bool] | None = None) -> None:
    import gepa

    from tui.core.optimize.gepa_adapter import SearchFailed, TunedeckAdapter
    from tui.core.optimize.reflection_lm import ReflectionModel
    from tui.core.optimize.search_events import RunLog, StoreRecorder

    store, opt = session.store, session.row
    cap = spend_cap(session)
    adapter = TunedeckAdapter(
        store, opt.id, eval_id=opt.eval_id, definition=session.definition,
        messages=session.messages, sampling_params=session.sampling_params, model=opt.model,
        profile=opt.profile, client=session.client, options=session.options,
        loop=session.loop, cap=cap, pause=pause)
    reflector = ReflectionModel(store, opt.id, client=session.reflection_client,
                                model=opt.reflection_model, loop=session.loop, cap=cap,
                                options=session.reflection_options, pause=pause)
    split = ItemSplit.from_dict(opt.split or {})

    def insts(indexes: list[int]) -> list[dict[str, Any]]:
        return [{"index": i, "item": session.items[i]["item"]} for i in indexes]

    Path(opt.run_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
    reason = "metric calls"
    best_idx: int | None = None
    parts = opt.parts or ["system"]
    # Few-shot examples are JSON, not an instruction: their own reflection prompt says so.
    templates = {FEW_SHOT: few_shot.REFLECTION_TEMPLATE} if FEW_SHOT in parts else None
    try:
        result = gepa.optimize(
            seed_candidate=seed_candidate(session.messages, parts),
            reflection_prompt_template=templates,
            trainset=insts(split.train), valset=insts(split.val), adapter=adapter,
            reflection_lm=reflector, reflection_minibatch_size=MINIBATCH,
            max_metric_calls=opt.max_metric_calls,
            stop_callbacks=[cap, reflector.failed, *([lambda _state: pause()] if pause else [])],
            run_dir=opt.run_dir,
            callbacks=[StoreRecorder(store, opt.id, on_change)], seed=opt.seed,
            raise_on_exception=True, display_progress_bar=False,
            logger=RunLog(str(Path(opt.run_dir) / "run_log.txt")))
        best_idx = result.best_idx
        if (Path(opt.run_dir) / STOP_FILE).exists():
            reason = "stopped"
        elif cap.reached:
            reason = "budget"
    except BudgetReached:
        reason = "budget"
    except SearchPaused:
        return  # mid-iteration: GEPA saved its state when the iteration began
    if pause is not None and pause() and reason == "metric calls" and not cap.reached:
        return  # still "searching": GEPA's run_dir and the store resume it at the next start
    if reflector.error is not None:
        raise SearchFailed(f"the reflection model failed: {reflector.error}")
    if best_idx is None:  # cut short: the best candidate scored so far on validation
        scored = [c for c in store.optimizations.candidates(opt.id) if c.val_score is not None]
        best_idx = max(scored, key=lambda c: (c.val_score, -c.idx)).idx if scored else 0
    with contextlib.suppress(FileNotFoundError):
        os.remove(Path(opt.run_dir) / STOP_FILE)
    store.optimizations.update(opt.id, status="proving", stop_reason=reason,
                               best_candidate_idx=best_idx)


def run(store: Any, settings: Any, opt_id: int, *,
        on_change: Callable[[], None] | None = None, pause: Callable[[], bool] | None = None):
    """Drive (or resume) an optimization to its end; returns the final row.

    Blocking: GEPA is synchronous, so this runs its own event loop for the calls. Call it
    from the CLI or a thread worker (with that thread's own Store), never from a running
    event loop.
    """
    from tui.core.evals import service

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("optimize_driver.run blocks: call it from a thread, not a running "
                           "event loop")

    row = store.optimizations.get(opt_id)
    if row.status in ("done", "failed"):
        return row
    eval_row = store.evals.get(row.eval_id)
    definition = defs.from_store(eval_row)
    version = store.prompts.version(row.seed_version_id)
    profile = settings.profile(row.profile)
    reflection_profile = settings.profile(row.reflection_profile)
    loop = asyncio.new_event_loop()
    client = service.client_for(profile)
    reflection_client = (client if reflection_profile.name == profile.name
                         else service.client_for(reflection_profile))
    session = Session(
        store=store, row=row, definition=definition, items=load_items(store, definition),
        messages=base_messages(version.messages, definition.input_messages),
        sampling_params=sampling_params(definition, version), loop=loop, client=client,
        reflection_client=reflection_client,
        options=service.options_for(profile, settings),
        reflection_options=service.options_for(reflection_profile, settings), pause=pause)
    try:
        if row.status == "searching":
            _search(session, on_change, pause)
        session.row = store.optimizations.get(opt_id)
        if session.row.status == "proving" and not (pause is not None and pause()):
            if session.row.stop_reason == "budget" and session.row.max_usd is not None:
                _check_proof_budget(session)
            held_out.prove(session)
            store.optimizations.update(opt_id, status="done")
    except SearchPaused:
        pass  # still "proving": the proof's runs are stored and resume where they stopped
    except Exception as exc:
        from tui.core.optimize.gepa_adapter import SearchFailed

        if isinstance(exc, SearchFailed | BudgetReached):
            store.optimizations.update(opt_id, status="failed", error=str(exc))
        else:
            raise
    finally:
        for each in dict.fromkeys((client, reflection_client)):
            loop.run_until_complete(each.close())
        loop.close()
    if on_change is not None:
        on_change()
    return store.optimizations.get(opt_id)


def spend_cap(session: Session) -> SpendCap:
    opt = session.row
    est = opt.estimate or {}
    return SpendCap(
        session.store, opt.id, opt.max_usd,
        per_item_usd=(est.get("search_usd") or 0.0) / max(1, est.get("search_calls") or 1),
        per_reflection_usd=(est.get("reflection_usd") or 0.0)
        / max(1, est.get("reflection_calls") or 1),
        proof_calls=int(est.get("proof_calls") or 0))


def _check_proof_budget(session: Session) -> None:
    """After the cap stopped the search, the proof runs only within what the cap left."""
    cap = spend_cap(session)
    cap.proof_calls = 0
    cap.check_items(int((session.row.estimate or {}).get("proof_calls") or 0))
