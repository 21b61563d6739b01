"""Jobs: fine-tuning jobs of the active profile, watched live, kept locally with their history.

The list is read from the store at once (after a restart too); an async
worker (`watch_jobs`) polls the unfinished jobs through tui.core.jobs.watch,
writes what it learns to the store and posts `Changed`; the pane re-reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from tui.core.config import Capability

# The catalogue per profile kind lives with the port's other form choices (re-exported).
from tui.core.finetune.form_choices import (  # noqa: F401
    LISTED_KINDS,
    SANDBOX_MODELS,
    base_model_choices,
)
from tui.core.finetune.form_choices import OPENAI_MODELS as DEFAULT_MODELS  # noqa: F401
from tui.core.jobs.present import age, eta, progress_bar, status_style
from tui.core.untrusted import visible
from tui.core.wording import count_of
from tui.panes.base import Pane
from tui.panes.job_launch import JobLaunch, is_api_error
from tui.panes.job_model_keys import JobModelKeys
from tui.ui_text import cells, lines, plain, rich_plain, styled
from tui.widgets.job_columns import COLUMNS, bar_width, key_cells, key_widths


class JobsPane(JobLaunch, JobModelKeys, Pane):
    pane_id = "jobs"
    pane_title = "Jobs"
    empty_text = (
        "[b]Jobs[/b]: fine-tuning jobs (supervised, DPO, reinforcement), watched live,\n"
        "with every event, metric and checkpoint kept here after the provider retires\n"
        "the model.\n\n"
        "No jobs for this profile yet: [b]n[/b] starts one from a dataset version, "
        "[b]s[/b] imports the provider's jobs."
    )
    BINDINGS: ClassVar = [
        Binding("n", "new_job", "New job", id="jobs.new"),
        Binding("o", "open", "Open", id="jobs.open"),
        # Out of the footer, in help and the palette: at 120 columns twelve keys did not fit
        # (the watcher refreshes by itself; pause and resume are for some providers only).
        Binding("r", "refresh", "Refresh now", id="jobs.refresh", show=False),
        Binding("s", "sync", "Sync jobs", id="jobs.sync"),
        Binding("c", "job('cancel')", "Cancel job", id="jobs.cancel"),
        Binding("z", "job('pause')", "Pause", id="jobs.pause", show=False),
        Binding("u", "job('resume')", "Resume", id="jobs.resume", show=False),
        Binding("y", "copy", "Copy model id", id="jobs.copy", show=False),
        Binding("g", "try_model", "Try in playground", id="jobs.playground"),
        Binding("e", "eval_model", "Eval vs base", id="jobs.eval"),
        Binding("k", "model_card", "Model card", id="jobs.card"),
        Binding("R", "retrain", "Retrain elsewhere", id="jobs.retrain"),
    ]
    # Wall clock for ages and ETAs; tests pin it for deterministic snapshots.
    clock: ClassVar[Callable[[], float]] = time.time

    class Changed(Message):
        """The poller stored something new about these jobs."""

        def __init__(self, results: list[Any]) -> None:
            super().__init__()
            self.results = results

    class Status(Message):
        """A line for the status bar (watching, backing off, why not watching)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watching: str | None = None
        self._fitted_width = 0  # the width the table's columns were last fitted to
        self._fitted_widths: dict[str, int] = {}
        self.watcher: Any = None

    def now(self) -> float:
        return type(self).clock()

    def compose_body(self) -> ComposeResult:
        yield Static("", id="jobs-capability", classes="notice")
        yield Static("", id="jobs-retiring", classes="notice")
        table = DataTable(id="jobs-table", cursor_type="row", zebra_stripes=True)
        for column in COLUMNS:
            table.add_column(column, key=column)
        yield table
        yield Static("", id="jobs-status")

    # -- reading the store ---------------------------------------------------
    def reload(self) -> None:
        profile = self.tunedeck.profile
        notice = self.query_one("#jobs-capability", Static)
        can = profile.has(Capability.FINE_TUNING)
        if can:
            notice.display = False
        else:
            notice.update(styled(
                "Profile ", (profile.name, "b"), f" ({profile.kind}) has no fine-tuning "
                "capability: jobs can be browsed but not created. Switch profile with ",
                ("p", "b"), "."))
            notice.display = True
        store = self.tunedeck.store
        table = self.query_one("#jobs-table", DataTable)
        selected = self.selected_job_id()
        progress = store.jobs.progress(profile.name)
        now = self.now()
        dates = self._show_retiring()
        width = self._fitted_width = self.size.width or self.app.size.width
        jobs = store.jobs.list(profile.name)
        bases = [retiring_cell(job.model, dates.get((profile.name, job.model)))
                 for job in jobs]
        rows = [{**self._key_row(job, progress.get(job.id, (None, None)), now, width),
                 "base name": visible(job.model), "base model": base.plain}
                for job, base in zip(jobs, bases, strict=True)]
        widths = key_widths(width, rows)
        if rows and widths != self._fitted_widths:
            # Columns again when the fit changes: a DataTable's auto widths only grow.
            self._fitted_widths = widths
            table.clear(columns=True)
            for column in COLUMNS:
                table.add_column(column, key=column, width=widths.get(column))
        else:
            table.clear()
        for job, row in zip(jobs, rows, strict=True):
            # The provider's fields are Text cells (a str cell is markup).
            table.add_row(
                *key_cells(row, widths, rich_plain(job.status, status_style(job.status),
                                                   end="")),
                retiring_cell(job.model, dates.get((profile.name, job.model)),
                              widths.get("base model")),
                *cells(job.method or "-"),
                f"{job.trained_tokens:,}" if job.trained_tokens else "-",
                key=str(job.id),
            )
        if selected is not None:
            try:
                table.move_cursor(row=table.get_row_index(str(selected)))
            except Exception:  # noqa: BLE001 - the row is gone: keep the cursor where it is
                pass
        self.show_empty(table.row_count == 0)
        table.display = table.row_count > 0
        self._ensure_watching(can)

    @staticmethod
    def _key_row(job: Any, progress: tuple[int | None, int | None], now: float,
                 width: int) -> dict[str, str]:
        """The key columns' text (ids made visible: they are the provider's)."""
        step, total = progress
        shown = job.status != "succeeded" or step
        return {"job": visible(job.remote_id), "status": visible(job.status),
                "progress": progress_bar(step, total, bar_width(width)) if shown else "-",
                "ETA": eta(job, now), "age": age(job.remote_created_at, now),
                "fine-tuned model": visible(job.fine_tuned_model or "-")}

    def on_resize(self) -> None:
        # The key columns are fitted to the width: again only when it changed (a reload
        # as the pane first mounts delayed its focus, and a key typed at once was lost).
        if self.tunedeck.store_ready.is_set() and self.size.width != self._fitted_width:
            self.reload()

    def _show_retiring(self) -> dict[tuple[str, str], str]:
        """The notice of models in use that retire soon; the profile's shutdown dates."""
        from tui.core.retirement import notice_lines

        store, name = self.tunedeck.store, self.tunedeck.profile.name
        notice = self.query_one("#jobs-retiring", Static)
        found = notice_lines(store, name)
        notice.update(lines(plain(line, "yellow") for line in found))  # model names: data
        notice.display = bool(found)
        return store.models.shutdown_dates(name)

    def selected_job_id(self) -> int | None:
        table = self.query_one("#jobs-table", DataTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key
        except Exception:  # noqa: BLE001
            return None
        return int(key.value) if key.value is not None else None

    def chosen_job_id(self) -> int | None:
        """The job under the cursor for a key that needs one; with none, say how to get one."""
        job_id = self.selected_job_id()
        if job_id is None:
            self.notify("No job yet: n starts one from a dataset version, s imports the "
                        "provider's jobs", severity="warning")
        return job_id

    # -- watching -------------------------------------------------------------
    def _ensure_watching(self, can: bool) -> None:
        profile = self.tunedeck.profile
        if self._watching == profile.name:
            return
        self._watching = profile.name
        self.workers.cancel_group(self, "jobs-watch")
        self.watcher = None
        if not can:
            self._status(f"Not watching: profile {profile.name} has no fine-tuning capability.")
            return
        if not profile.key_is_set:
            self._status(f"Not watching: no API key (${profile.api_key_env} is not set); "
                         "showing what the store holds.")
            return
        self.watch_jobs()

    def _status(self, text: str) -> None:
        # Status lines quote profile names and provider errors: plain text.
        self.query_one("#jobs-status", Static).update(styled(text))

    def _provider(self, *, max_retries: int = 2) -> Any:
        """The profile's fine-tuning port (tui.core.finetune): any provider kind."""
        from tui.core.finetune import provider_for
        from tui.core.providers import require

        require(self.tunedeck.profile, Capability.FINE_TUNING)
        return provider_for(self.tunedeck.profile, max_retries=max_retries)

    @work(exclusive=True, group="jobs-watch", exit_on_error=False, name="watch jobs")
    async def watch_jobs(self) -> None:
        from tui.core.errors import explain
        from tui.core.jobs.watch import PollPolicy, Watcher
        from tui.core.pagination import PaginationStopped

        profile = self.tunedeck.profile
        # No SDK retries: the watcher does its own backoff and honours Retry-After.
        provider = self._provider(max_retries=0)

        def changed(results: list[Any]) -> None:
            self.post_message(self.Changed(results))

        def failed(exc: BaseException, delay: float) -> None:
            text = explain(exc, key_env=profile.api_key_env).title
            if isinstance(exc, PaginationStopped):  # that job is left; the others go on
                self.notify(text, title="A provider's list was cut short", markup=False,
                            severity="warning", timeout=15)
                self.post_message(self.Changed([]))  # what was read is stored: redraw
                self.post_message(self.Status(
                    "A job's events could not be read to the end: kept as stored, not "
                    "polled; the other jobs are still watched."))
                return
            if delay == 0.0:  # one job the provider no longer knows; the others go on
                self.post_message(self.Status(
                    f"A job is no longer known to {profile.name} ({text}): kept as stored, "
                    "not polled; the other jobs are still watched."))
                return
            self.post_message(self.Status(f"Polling paused {delay:.0f}s: {text}"))

        self.watcher = Watcher(provider, self.tunedeck.store, profile.name,
                               PollPolicy(self.tunedeck.settings.poll_interval_s),
                               on_change=changed, on_error=failed)
        self.post_message(self.Status(
            f"Watching unfinished jobs (every ~{self.tunedeck.settings.poll_interval_s:g}s, "
            "faster while they move); r refreshes now."))
        try:
            await self.watcher.run()
        finally:
            await provider.close()

    def on_jobs_pane_status(self, message: Status) -> None:
        self._status(message.text)

    def on_jobs_pane_changed(self, message: Changed) -> None:
        self.reload()
        self._reload_details()
        for result in message.results:
            if result.finished:
                self._notify_finished(result.job)
        if self.watcher is not None and not any(r.finished for r in message.results):
            self._status(f"Watching unfinished jobs · {self.watcher.stats.requests} requests "
                         "so far; r refreshes now.")

    def _notify_finished(self, job: Any) -> None:
        app = self.tunedeck
        if job.status == "succeeded":
            app.notify(f"{job.remote_id} succeeded: {job.fine_tuned_model or ''} (y copies it)",
                       title="Fine-tuning job finished", timeout=15)
        else:
            detail = (job.error or {}).get("message") or job.status
            app.notify(f"{job.remote_id} {job.status}: {detail}", title="Fine-tuning job ended",
                       severity="error" if job.status == "failed" else "warning", timeout=15)
        app.bell()

    def _reload_details(self) -> None:
        # An open JobDetail re-reads on store_changed; the watcher wrote on the UI thread's
        # connection, which data_version does not count, so it is announced here.
        self.tunedeck.store_changes.announce()

    # -- actions ----------------------------------------------------------------
    def action_refresh(self) -> None:
        if self.watcher is not None:
            self.watcher.refresh_now()
            self._status("Refreshing now…")
        else:
            self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "jobs-table":
            event.stop()
            self.action_open()

    def action_open(self) -> None:
        from tui.screens.job_detail import JobDetail

        job_id = self.chosen_job_id()
        if job_id is None:
            return
        self.tunedeck.push_screen(JobDetail(self, job_id))
        job = self.tunedeck.store.jobs.get(job_id)
        if job.last_event_id is None and self.tunedeck.profile.key_is_set \
                and self.tunedeck.profile.has(Capability.FINE_TUNING):
            self.hydrate_job(job_id)

    @work(exclusive=True, group="jobs-hydrate", exit_on_error=False, name="fetch job history")
    async def hydrate_job(self, job_id: int) -> None:
        from tui.core.jobs.job_sync import hydrate

        provider = self._provider()
        try:
            job = self.tunedeck.store.jobs.get(job_id)
            result = await hydrate(provider, self.tunedeck.store, job.profile, job)
        finally:
            await provider.close()
        self.post_message(self.Changed([result]))

    def action_sync(self) -> None:
        self.sync_jobs()

    @work(exclusive=True, group="jobs-sync", exit_on_error=False, name="sync jobs")
    async def sync_jobs(self) -> None:
        from tui.core.sync import sync_job_list

        profile = self.tunedeck.profile
        provider = self._provider()
        try:
            jobs = await sync_job_list(provider, self.tunedeck.store, profile.name)
        finally:
            await provider.close()
        self.notify(f"Synced {count_of(len(jobs), 'job')} from {profile.name}")
        self.reload()
        if self.watcher is not None:
            self.watcher.refresh_now()

    def action_job(self, action: str) -> None:
        job_id = self.chosen_job_id()
        if job_id is not None:
            self.confirm_action(job_id, action)

    def confirm_action(self, job_id: int, action: str) -> None:
        from tui.core.jobs.actions import ActionError, check_action
        from tui.screens.job_confirm import JobConfirm

        job = self.tunedeck.store.jobs.get(job_id)
        try:
            _provider_can(self.tunedeck.settings.profiles.get(job.profile), action)
            check_action(job, action)
        except ActionError as exc:
            self.notify(str(exc), severity="warning")
            return
        verb, rest = {
            "cancel": ("Cancel", "? Training stops for good; steps already done are billed."),
            "pause": ("Pause", "? It keeps its progress and can be resumed."),
            "resume": ("Resume", "?"),
        }[action]
        question = styled(f"{verb} ", (job.remote_id, "b"), rest)

        def answered(yes: bool | None) -> None:
            if yes:
                self.act_on_job(job_id, action)

        self.tunedeck.push_screen(JobConfirm(question, yes=action.capitalize()), answered)

    @work(exclusive=True, group="jobs-action", exit_on_error=False, name="job action")
    async def act_on_job(self, job_id: int, action: str) -> None:
        from tui.core.errors import explain
        from tui.core.jobs.actions import act

        provider = self._provider()
        try:
            job = await act(provider, self.tunedeck.store, self.tunedeck.store.jobs.get(job_id),
                            action)
        except Exception as exc:  # noqa: BLE001
            text = str(explain(exc)) if is_api_error(exc) else str(exc)
            self.notify(text, title=f"Could not {action}", severity="error", timeout=10)
            return
        finally:
            await provider.close()
        self.notify(f"{job.remote_id}: {job.status}")
        self.post_message(self.Changed([]))
        if self.watcher is not None:
            self.watcher.add(job.id)


def retiring_cell(model: str, shutdown: str | None, width: int | None = None) -> Any:
    """The base model, with its shutdown date where one is announced (data: a Text cell).
    In a column `width` wide only the date is kept ("retires" cut to "reti" read badly),
    then only the name."""
    from rich.text import Text

    from tui.core.retirement import shutdown_note

    (cell,) = cells(model)
    note = shutdown_note(shutdown)
    if note is None:
        return cell
    text, style = note
    for shown in (Text.assemble(cell, Text(text, style)),
                  Text.assemble(cell, Text(" " + text.split()[-1], style))):
        if width is None or shown.cell_len <= width:
            return shown
    return cell


def _provider_can(profile: Any, action: str) -> None:
    """Refuse before asking, not after: Together has no pause, Fireworks none either."""
    from tui.core.finetune import capabilities_for, rules_of
    from tui.core.finetune.port import Feature
    from tui.core.jobs.actions import ActionError

    if profile is not None and not capabilities_for(profile).can(Feature(action)):
        raise ActionError(f"{rules_of(profile).provider} cannot {action} a job: "
                          f"{capabilities_for(profile).why_not(Feature(action))}")
