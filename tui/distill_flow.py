"""Distill from the TUI: form -> pre-flight on a small sample -> the run in the background
(the app's DistillRunner, the same drive as `tunedeck distill`) -> the new SFT version
-> the student loop (the guided loop's form, prefilled) -> at the loop's end, the
three-way comparison: teacher, student base, student tuned.

Called from the Datasets pane (a version) and the Evals pane (an eval) with the running
app, typed as Host (this module must not import the app: that would close a cycle).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.host import Host

DEFAULT_TEACHER = {"sandbox": "sandbox-teacher"}  # by profile kind; else the one below
FALLBACK_TEACHER = "gpt-4.1"


def from_version(app: Host, version_id: int | None) -> None:
    if version_id is None:
        app.notify("Pick a dataset version first", severity="warning")
        return
    store = app.store
    version = store.datasets.version(version_id)
    name = store.db.execute("SELECT name FROM datasets WHERE id = ?",
                            [version.dataset_id]).fetchone()[0]
    _form(app, ("dataset", version_id), f"{name} v{version.version} (its conversations up "
          "to their last user turn)", into=f"{name}-distilled")


def from_eval(app: Host, eval_id: int | None) -> None:
    if eval_id is None:
        app.notify("Open or pick an eval first", severity="warning")
        return
    name = app.store.evals.get(eval_id).name
    _form(app, ("eval", eval_id), f"eval {name} (its items through its input_messages)",
          into=f"{name}-distilled", filter_eval_id=eval_id)


def _form(app: Host, source: tuple[str, int], label: str, *, into: str,
          filter_eval_id: int | None = None) -> None:
    from tui.screens.distill_start import DistillForm

    if not app.store_ready.is_set():
        return
    profile = app.profile
    teachers = sorted({m.model_id for m in app.store.models.list(profile.name)})
    teacher = DEFAULT_TEACHER.get(profile.kind, FALLBACK_TEACHER)
    evals = [(e.name, e.id) for e in app.store.evals.list() if e.testing_criteria]

    def chosen(request: Any) -> None:
        if request is not None:
            _preflight(app, request, label)

    app.push_screen(DistillForm(source, label, sorted(app.settings.profiles), profile.name,
                                teacher, teachers, evals, filter_eval_id=filter_eval_id,
                                into=into, concurrency=int(profile.concurrency or 8)), chosen)


def _preflight(app: Host, request: Any, label: str) -> None:
    from tui.screens.distill_preflight import DistillPreflight

    if request.source[0] == "stored":
        label = "stored chat completions " + (", ".join(
            f"{k}={v}" for k, v in request.source[1].items()) or "(all)")

    def confirmed(run_id: int | None) -> None:
        if run_id is not None:
            app.distills.start(run_id)
            follow(app, run_id)

    app.push_screen(DistillPreflight(request, label, app.db_path, app.settings), confirmed)


def follow(app: Host, run_id: int) -> None:
    """The run's progress; at its end, `l` offers the student loop on what it wrote."""
    from tui.screens.distill_run import DistillRunScreen

    def closed(answer: str | None) -> None:
        if answer == "loop":
            app.action_new_loop(app.store.distills.get(run_id).output_version_id)

    app.push_screen(DistillRunScreen(run_id), closed)


def after_loop(app: Host, store: Any, loop: Any) -> None:
    """Called in the loop's worker thread when a guided loop is done: if it trained on a
    distilled version, the teacher's run of the eval is made (or reused) and the
    three-way comparison opens."""
    import asyncio

    from tui.core.distill.student import distilled_loop, three_way

    run = distilled_loop(store, loop)
    if run is None:
        return
    three = asyncio.run(three_way(store, app.settings, run, loop))
    if app.is_running:
        app.call_from_thread(show_three_way, app, three)


def show_three_way(app: Host, three: Any) -> None:
    from tui.screens.distill_compare import DistillCompareScreen, describe

    store = app.store
    distill = store.distills.producing(store.loops.get(three.loop_id).training_version_id)
    app.push_screen(DistillCompareScreen(describe(store, three, distill)))
