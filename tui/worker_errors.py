"""Worker failures become notifications, wherever the worker was started.

Textual posts `Worker.StateChanged` to the node that started the worker and
does not bubble it, so a handler on the App alone only ever sees the App's own
workers: a pane's or a screen's failed worker (all run with
`exit_on_error=False`) would vanish without a word. Panes and screens that
start workers take this mixin; it hands the failure to the one reporting
function the App uses too.
"""

from __future__ import annotations

from textual.app import App
from textual.worker import Worker, WorkerState


def report_worker_error(app: App, worker: Worker) -> None:
    """Notify a failed worker's error, explained (a provider error says what to do next),
    keys redacted; never raise."""
    error = worker.error
    if error is None:
        return
    from tui.core.errors import describe_failure

    settings = getattr(app, "settings", None)
    profile = getattr(app, "profile", None)
    message = describe_failure(error, settings=settings,
                               key_env=getattr(profile, "api_key_env", "OPENAI_API_KEY"),
                               profile=getattr(profile, "name", None))
    app.notify(message, title=worker.name or "Background task failed", severity="error",
               timeout=10)


class ReportsWorkerErrors:
    """Mixin for a widget or screen that starts workers: their failures reach the user."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            report_worker_error(self.app, event.worker)  # type: ignore[attr-defined]
