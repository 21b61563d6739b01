"""One job in full: state, error in plain words, charts, events, checkpoints, result CSV.

Everything is read from the store; the Jobs pane's poller writes there and
asks this screen to re-read (`reload`) when something arrived.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Log, Static, TabbedContent, TabPane

from tui.core.jobs.present import (
    age,
    eta,
    explain_job_error,
    metric_series,
    offending_line,
    progress_bar,
    status_style,
)
from tui.core.untrusted import visible
from tui.ui_text import cells, lines, plain, rich_plain, styled
from tui.widgets.metric_plot import MetricPlot
from tui.worker_errors import ReportsWorkerErrors

if TYPE_CHECKING:
    from tui.host import Host


def _clock_time(epoch: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


class DetailOwner(Protocol):
    """What the detail asks of the Jobs pane that opened it (the pane's actions on a job),
    so the detail does not import the pane, nor the pane through it the App."""

    @property
    def tunedeck(self) -> Host: ...
    def now(self) -> float: ...
    def action_refresh(self) -> None: ...
    def confirm_action(self, job_id: int, action: str) -> None: ...
    def copy_model(self, job_id: int, name: str | None = None) -> None: ...
    async def try_model(self, job_id: int, name: str | None = None) -> None: ...
    async def eval_model(self, job_id: int, name: str | None = None) -> None: ...


class JobDetail(ReportsWorkerErrors, Screen[None]):
    DEFAULT_CSS = """
    JobDetail #job-detail-head { height: auto; padding: 0 1; background: $boost; }
    JobDetail #job-detail-error {
        height: auto; padding: 0 1; border: round $error; display: none;
    }
    JobDetail #job-detail-provider { height: auto; padding: 0 1; color: $text-muted; }
    JobDetail #job-detail-answer {
        height: auto; padding: 0 1; border: round $accent; display: none;
    }
    JobDetail #job-detail-charts { height: 12; }
    JobDetail #job-detail-tabs { height: 1fr; }
    JobDetail Log { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "close", "Back", id="jobs.detail.close"),
        Binding("r", "refresh", "Refresh now", id="jobs.detail.refresh"),
        Binding("c", "job('cancel')", "Cancel job", id="jobs.detail.cancel"),
        Binding("z", "job('pause')", "Pause", id="jobs.detail.pause"),
        Binding("u", "job('resume')", "Resume", id="jobs.detail.resume"),
        Binding("y", "copy", "Copy model id", id="jobs.detail.copy"),
        Binding("g", "try_model", "Try in playground", id="jobs.detail.playground"),
        Binding("e", "eval_model", "Eval vs base", id="jobs.detail.eval"),
        Binding("d", "make_answerable", "Make it answer", id="jobs.detail.deploy"),
        Binding("R", "retrain", "Retrain elsewhere", id="jobs.detail.retrain"),
        # The charts' view (both charts at once); the mouse wheel over a chart zooms too.
        Binding("s", "smooth", "Smooth charts (EMA)", id="jobs.detail.smooth", show=False),
        Binding("plus,equals_sign", "zoom(1)", "Zoom onto the latest steps",
                id="jobs.detail.zoom_in", show=False),
        Binding("minus", "zoom(-1)", "Zoom out", id="jobs.detail.zoom_out", show=False),
    ]

    def __init__(self, pane: DetailOwner, job_id: int) -> None:
        super().__init__()
        self.pane = pane
        self.job_id = job_id
        self._shown_events: set[str] = set()
        # What each part shows now: a reload that brings nothing new changes nothing, so a
        # poll of a running job costs no relayout (keys and dialogs stay instant).
        self._shown: dict[str, object] = {}
        # The poller may ask for a reload between the push and on_mount (its columns).
        self._ready = False

    def compose(self) -> ComposeResult:
        yield Static("", id="job-detail-head")
        yield Static("", id="job-detail-provider")
        yield Static("", id="job-detail-answer")
        yield Static("", id="job-detail-error")
        with Horizontal(id="job-detail-charts"):
            yield MetricPlot("loss", id="chart-loss")
            yield MetricPlot("token accuracy", id="chart-accuracy")
        with TabbedContent(id="job-detail-tabs"):
            with TabPane("Events", id="job-tab-events"):
                yield Log(id="job-events", auto_scroll=True)
            with TabPane("Checkpoints", id="job-tab-checkpoints"):
                yield DataTable(id="job-checkpoints", cursor_type="row")
            with TabPane("Result CSV", id="job-tab-result"), VerticalScroll():
                yield Static("", id="job-result")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#job-checkpoints", DataTable)
        table.add_columns("step", "checkpoint model", "train loss", "valid loss",
                          "train acc", "valid acc")
        self._ready = True
        self.pane.tunedeck.store_changes.subscribe(self, self.reload)
        self.reload()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        # Ours, not the app's pane tabs: the app's handler must not see it.
        event.stop()

    def reload(self) -> None:
        if not self._ready:
            return  # on_mount reads everything anyway
        store = self.pane.tunedeck.store
        try:
            job = store.jobs.get(self.job_id)
        except KeyError:
            return
        now = self.pane.now()
        progress = store.jobs.progress(job.profile).get(job.id)
        step, total = progress if progress else (None, None)
        hyper = (job.raw.get("method") or {}).get(job.method or "", {}) or {}
        # A new job answers null for each value it will choose itself: that is "auto".
        hp = ", ".join(f"{k}={'auto' if v is None else v}"
                       for k, v in (hyper.get("hyperparameters") or {}).items())
        # Every field is the provider's (ids, status, models, suffix): parts, not markup.
        head = [
            styled((job.remote_id, "b"), "  ", (job.status, status_style(job.status)), "  ",
                   job.method or "-", " on ", (job.model, "b"),
                   f"   progress {progress_bar(step, total, 20)}   ETA {eta(job, now)}   "
                   f"age {age(job.remote_created_at, now)}"),
            styled("fine-tuned model: ", (job.fine_tuned_model or "-", "b"),
                   "   trained tokens: "
                   f"{f'{job.trained_tokens:,}' if job.trained_tokens else '-'}   files: ",
                   job.training_file or "-",
                   f" / {job.validation_file}" if job.validation_file else None),
            styled(f"hyperparameters: {hp or 'auto'}",
                   f"   suffix: {job.suffix}" if job.suffix else None,
                   f"   seed: {job.seed}" if job.seed is not None else None),
        ]
        self._update("#job-detail-head", lines(head))
        self._show_provider(job.profile)
        self._show_error(job)
        charts = metric_series(store.jobs.metrics(job.id))
        if self._changed("charts", charts):
            self.query_one("#chart-loss", MetricPlot).set_series(charts.get("loss", {}))
            second = self.query_one("#chart-accuracy", MetricPlot)
            if "reward" in charts and "accuracy" not in charts:
                second.title = "reward"
                second.set_series(charts["reward"])
            else:
                second.set_series(charts.get("accuracy", {}))
        self._show_events(store.jobs.events(job.id, limit=2000))
        self._show_checkpoints(store.jobs.checkpoints(job.id))
        result = store.jobs.result_file(job.id)
        self._update("#job-result", rich_plain(result) if result else Text(
            "No result file yet (fetched when the job ends).", style="dim"))

    def _changed(self, key: str, value: object) -> bool:
        """Whether `value` differs from what `key` shows (and remember it)."""
        if key in self._shown and self._shown[key] == value:
            return False
        self._shown[key] = value
        return True

    def _update(self, selector: str, content: Content | Text) -> None:
        # Content's == compares text only: the spans (styles) count as a change too.
        if self._changed(selector, (str(content), list(content.spans))):
            self.query_one(selector, Static).update(content)

    def _show_provider(self, profile_name: str) -> None:
        """What the job's provider cannot do, so an empty tab or a dead key is explained."""
        from tui.core.finetune.capability_notes import capability_lines

        profile = self.pane.tunedeck.settings.profiles.get(profile_name)
        notes = capability_lines(profile) if profile is not None else []
        self._update("#job-detail-provider", lines(plain(note) for note in notes))
        self.query_one("#job-detail-provider", Static).display = bool(notes)

    def action_make_answerable(self) -> None:
        job = self.pane.tunedeck.store.jobs.get(self.job_id)
        if not job.fine_tuned_model:
            self.notify(f"{job.remote_id} has no fine-tuned model yet ({job.status}): "
                        "nothing to make answer", severity="warning")
            return
        if job.profile not in self.pane.tunedeck.settings.profiles:
            self.notify(f"profile {job.profile!r} is not configured now", severity="warning")
            return
        self._answer_box(plain(f"Making {job.fine_tuned_model} answer on {job.profile}…"))
        self.make_answerable(job.profile)

    def _answer_box(self, text) -> None:  # noqa: ANN001 - Content
        box = self.query_one("#job-detail-answer", Static)
        box.update(text)
        box.display = True

    @work(exclusive=True, group="job-answer", exit_on_error=False, name="make it answer")
    async def make_answerable(self, profile_name: str) -> None:
        """The port's deploy step (Azure's deployment, Fireworks' LoRA load…), or how to."""
        from tui.core.finetune import provider_for

        app = self.pane.tunedeck
        provider = provider_for(app.settings.profile(profile_name), max_retries=2)
        try:
            answer = await provider.make_answerable(app.store, app.store.jobs.get(self.job_id))
        finally:
            await provider.close()
        # The provider's names and messages: plain parts.
        parts = [plain(("✓ " if answer.ready else "… ") + answer.message,
                       "green" if answer.ready else "yellow")]
        if answer.ready and answer.model != (app.store.jobs.get(self.job_id).fine_tuned_model):
            parts.append(styled("call it as ", (answer.model, "b")))
        if answer.command:
            parts.append(styled("run: ", (answer.command, "b")))
        self._answer_box(lines(parts))

    def _show_error(self, job) -> None:  # noqa: ANN001
        box = self.query_one("#job-detail-error", Static)
        explained = explain_job_error(job.error)
        if explained is None:
            box.display = False
            return
        # The provider's message and the dataset's line: parts, never markup.
        parts = [plain(explained.title, "b red"), plain(explained.detail),
                 plain(f"→ {explained.hint}", "dim")]
        line = offending_line(self.pane.tunedeck.store, job, explained.line)
        if line is not None:
            shown = line if len(line) <= 300 else line[:300] + "…"
            parts.append(styled(f"line {explained.line}: ", (shown, "yellow")))
        box.update(lines(parts))
        box.display = True

    def _show_events(self, events) -> None:  # noqa: ANN001 - newest first
        log = self.query_one("#job-events", Log)
        fresh = [e for e in reversed(events) if e.remote_id not in self._shown_events]
        if not fresh:
            return
        # Follow new events like tail -f, unless the reader scrolled up to read older ones.
        follow = not self._shown_events or log.is_vertical_scroll_end
        for event in fresh:
            self._shown_events.add(event.remote_id)
            level = (event.level or "info").upper()
            # The provider's words: Log writes text as it is, so controls are made visible.
            log.write_line(visible(f"{_clock_time(event.remote_created_at)}  {level:<5} "
                                   f"{event.message}"), scroll_end=False)
        if follow:
            # After the refresh: the Log's size is known only then (at mount it is zero, so
            # scrolling at write time left the first screenful showing).
            self.call_after_refresh(log.scroll_end, animate=False, immediate=True)

    def _show_checkpoints(self, checkpoints) -> None:  # noqa: ANN001
        table = self.query_one("#job-checkpoints", DataTable)
        if not self._changed("checkpoints", [(c.remote_id, c.step_number, c.metrics)
                                              for c in checkpoints]):
            return
        table.clear()

        def metric(ckpt, key: str) -> str:  # noqa: ANN001
            value = (ckpt.metrics or {}).get(key)
            return f"{value:.4f}" if isinstance(value, int | float) else "-"

        for ckpt in checkpoints:
            table.add_row(
                str(ckpt.step_number), *cells(ckpt.fine_tuned_model_checkpoint),
                metric(ckpt, "train_loss"), metric(ckpt, "valid_loss"),
                metric(ckpt, "train_mean_token_accuracy"),
                metric(ckpt, "valid_mean_token_accuracy"),
                key=ckpt.remote_id,
            )

    def action_retrain(self) -> None:
        from tui.retrain_flow import start_retrain

        start_retrain(self.pane.tunedeck, self.job_id)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_refresh(self) -> None:
        self.pane.action_refresh()

    def _charts(self) -> list[MetricPlot]:
        return list(self.query(MetricPlot))

    def action_smooth(self) -> None:
        for chart in self._charts():
            chart.set_view(chart.view.next_smoothing())

    def action_zoom(self, by: int) -> None:
        for chart in self._charts():
            chart.set_view(chart.view.zoomed(by))

    def action_job(self, action: str) -> None:
        self.pane.confirm_action(self.job_id, action)

    def action_copy(self) -> None:
        self.pane.copy_model(self.job_id, self._checkpoint_under_cursor())

    async def action_eval_model(self) -> None:
        await self.pane.eval_model(self.job_id, self._checkpoint_under_cursor())

    async def action_try_model(self) -> None:
        await self.pane.try_model(self.job_id, self._checkpoint_under_cursor())

    def _checkpoint_under_cursor(self) -> str | None:
        tabs = self.query_one("#job-detail-tabs", TabbedContent)
        table = self.query_one("#job-checkpoints", DataTable)
        if tabs.active != "job-tab-checkpoints" or table.row_count == 0:
            return None
        # The cell shows the id with its controls made visible; copy the id itself.
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        store = self.pane.tunedeck.store
        return next((c.fine_tuned_model_checkpoint for c in store.jobs.checkpoints(self.job_id)
                     if c.remote_id == key), None)
