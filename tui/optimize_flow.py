"""Optimize a prompt from the TUI: the pre-flight form, then the driver `tunedeck prompt
optimize` runs (tui.core.optimize.optimize_driver), in the background.

Each optimization runs in a thread worker with its own store connection and event
loop, so the user moves between panes while it runs; the live view
(tui/screens/optimizations.py) re-reads the store. Quitting pauses it at once
(`pause_all` from the app's unmount: the call in flight is cancelled, so the app
exits without waiting for a GEPA iteration that may take minutes; the process
may also end mid-call, as in a crash): GEPA's run_dir and the store keep where
it was, and the next start resumes the optimizations this TUI started (an owner
file in the run_dir names the process, so one the CLI or another live TUI drives
is left to it).

Called from the Playground and the Evals pane with the running app (typed loosely:
this module must not import the app, which would close an import cycle).
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import Any

from tui.core.optimize.ownership import OWNER_FILE, orphaned, worker_group

# The pauses of the optimizations each app drives, so quitting can pause them all.
_PAUSES: weakref.WeakKeyDictionary[Any, dict[int, Any]] = weakref.WeakKeyDictionary()


def pause_all(app: Any) -> None:
    """The app quits: every optimization it drives stops now, to resume next start."""
    for pause in list(_PAUSES.get(app, {}).values()):
        pause.now()


def start_optimize(app: Any, *, version_id: int | None = None,
                   eval_id: int | None = None) -> None:
    """Open the pre-flight form; on Start, create the optimization and run it."""
    from tui.screens.optimize_start import OptimizeChoices, OptimizeForm

    store = app.store
    if version_id is None and eval_id is not None:
        from tui.core.optimize.seed_prompt import seed_from_eval

        version_id = seed_from_eval(store, eval_id)
    versions = [(f"{p.name}@{v.version}", v.id) for p in store.prompts.list()
                for v in store.prompts.versions(p.name)]
    evals = [(e.name, e.id) for e in store.evals.list()]
    if not versions:
        app.notify("Save a prompt first (Playground, ctrl+s): the optimization starts from a "
                   "saved version", severity="warning")
        return
    if not evals:
        app.notify("Add an eval first (Evals, o): it scores the candidates", severity="warning")
        return
    from tui.core.optimize.optimize_driver import DEFAULT_OFFER, parts_offered

    model = ""
    if version_id is not None:
        model = store.prompts.version(version_id).model or ""
    version_id = version_id if version_id in {v for _, v in versions} else None
    eval_id = eval_id if eval_id is not None else (evals[0][1] if len(evals) == 1 else None)
    choices = OptimizeChoices(
        versions=versions, evals=evals, profiles=sorted(app.settings.profiles),
        version_id=version_id, eval_id=eval_id, profile=app.profile.name, model=model,
        parts=parts_offered(store, version_id, eval_id) if version_id is not None
        else list(DEFAULT_OFFER))

    def confirmed(chosen: Any) -> None:
        if chosen is not None:
            begin(app, chosen)

    app.push_screen(OptimizeForm(choices, app.db_path, app.settings), confirmed)


def begin(app: Any, chosen: Any) -> None:
    from tui.core.optimize import optimize_driver as driver
    from tui.screens.optimizations import OptimizationsScreen

    opt = driver.create(app.store, chosen)
    run_in_background(app, opt.id)
    app.notify(f"Optimization #{opt.id} started: it runs in the background (the command "
               "palette's Prompt optimizations shows it)", title="Optimize")
    app.push_screen(OptimizationsScreen(select=opt.id))


def is_running(app: Any, opt_id: int) -> bool:
    return any(w.group == worker_group(opt_id) and not w.is_finished for w in app.workers)


def run_in_background(app: Any, opt_id: int) -> None:
    if is_running(app, opt_id):
        return
    app.run_worker(lambda: _drive(app, opt_id), thread=True, exclusive=True,
                   group=worker_group(opt_id), exit_on_error=False,
                   name=f"prompt optimization #{opt_id}")


def resume_unfinished(app: Any) -> None:
    """At store-open: go on with the optimizations a TUI started whose process is gone."""
    for opt in app.store.optimizations.list():
        if opt.status in ("searching", "proving") and orphaned(opt.run_dir):
            resume(app, opt.id)


def resume(app: Any, opt_id: int) -> bool:
    """Go on with an optimization a TUI left (the live view's r, or at start)."""
    opt = app.store.optimizations.get(opt_id)
    missing = {opt.profile, opt.reflection_profile} - set(app.settings.profiles)
    if missing:
        app.notify(f"Optimization #{opt.id} uses profile {sorted(missing)[0]!r}, which is "
                   "not configured now", title="Optimize", severity="warning", timeout=8)
        return False
    run_in_background(app, opt.id)
    app.notify(f"Optimization #{opt.id} resumed where it stopped", title="Optimize")
    return True


def _drive(app: Any, opt_id: int) -> None:
    from textual.worker import get_current_worker

    from store import Store
    from tui.core.optimize import optimize_driver as driver
    from tui.core.optimize.search_pause import Pause

    worker = get_current_worker()
    # Asked by pause_all on quit; a cancelled worker or a stopped app pause it too.
    pause = Pause(also=lambda: worker.is_cancelled or not app.is_running)
    _PAUSES.setdefault(app, {})[opt_id] = pause
    with Store(app.db_path) as store:
        row = store.optimizations.get(opt_id)
        Path(row.run_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
        (Path(row.run_dir) / OWNER_FILE).write_text(str(os.getpid()), encoding="utf-8")
        try:
            final = driver.run(store, app.settings, opt_id, pause=pause)
        finally:
            _PAUSES.get(app, {}).pop(opt_id, None)
        if not app.is_running or final.status not in ("done", "failed"):
            return
        from tui.core.optimize.optimize_report import summary

        data = summary(store, opt_id)
    if final.status == "failed":
        app.call_from_thread(app.notify, f"Optimization #{opt_id} failed: {final.error}",
                             title="Optimize", severity="error", timeout=12)
        return
    held, best = data["held_out"] or {}, data["best"]

    def pct(value: float | None) -> str:
        return "?" if value is None else f"{100 * value:.0f}%"

    app.call_from_thread(
        app.notify, f"Optimization #{opt_id} done: {best.get('ref', '?')} · held-out "
        f"{pct(held.get('seed_pass_rate'))} → {pct(held.get('best_pass_rate'))} "
        "(c in the live view compares them)", title="Optimize", timeout=12)
