"""The Evals pane's run summaries, made in a thread and kept until the run changes.

A mixin of EvalsPane. A run's summary (pass rate per grader, usage, cost, latency)
sums every result, which for 100k items is most of a second: on the UI thread that
froze the pane on every highlight and, while a run was live, on every progress beat.
Summaries are made by one thread worker at a time; a request made while one is in
flight is served once it is back (with the newest state), and a summary is kept
for as long as its run has not changed, so moving between finished runs is instant
after the first look.
"""

from __future__ import annotations

import time
from typing import Any

from textual import work
from textual.message import Message

SUMMARY_GAP_S = 0.5  # the least time between two summaries of a live run


class RunSummaryReady(Message):
    def __init__(self, run_id: int, key: tuple, summary: dict[str, Any] | None,
                 error: str | None, *, took: float) -> None:
        super().__init__()
        self.run_id, self.key, self.summary, self.error = run_id, key, summary, error
        self.took = took


class RunSummaries:
    """Mixed into EvalsPane: `self` is the pane (its store, selection and live runs)."""

    def _init_summaries(self) -> None:
        # run id -> (the run's state when summarized, the summary or None, an error or None)
        self._summaries: dict[int, tuple[tuple, dict[str, Any] | None, str | None]] = {}
        self._summarizing = False  # a worker is out
        self._summary_wanted = False  # asked for while it was out
        self._summary_timer: Any = None
        self._summary_done_at = 0.0
        self._summary_took = 0.0

    def _summary_key(self, run: Any) -> tuple:
        """What a run's summary depends on: it is made again when any of these moves."""
        live = self.live.get(run.id)
        return (run.status, run.finished_at, live.done if live is not None else None)

    def summary_of(self, run: Any) -> tuple[dict[str, Any] | None, str | None, bool]:
        """(the newest summary made for the run, its error, whether it is current); asks
        for a new one when it is not."""
        key, summary, error = self._summaries.get(run.id, (None, None, None))
        current = key == self._summary_key(run)
        if not current:
            self._want_summary()
        return summary, error, current

    def summary_rows(self, run: Any, *, filter_label: str, order: str) -> list[Any]:
        """The run's score lines from its newest summary, and what is missing, said."""
        from tui.core.evals.summary_text import score_lines
        from tui.ui_text import styled

        summary, error, current = self.summary_of(run)
        rows = list(score_lines(summary, filter_label=filter_label, order=order)
                    if summary is not None else [])
        if error is not None:
            rows.append(styled(("the summary could not be made: ", "red"), error))
        elif summary is None or not current and run.id not in self.live:
            rows.append(styled(("summing the results…", "dim")))
        return rows

    def _want_summary(self) -> None:
        if self._summarizing:
            self._summary_wanted = True  # made for the then-selected run once this one is back
            return
        run_id = self.selected_run
        if run_id is None:
            return
        key = self._summary_key(self.tunedeck.store.evals.run(run_id))
        if self._summaries.get(run_id, (None,))[0] == key:
            return
        # A live run moves on every beat: summing it back to back would keep a core busy
        # (and share the GIL with the UI); at most a third of the time goes to summaries.
        wait = max(SUMMARY_GAP_S, 2 * self._summary_took) - (time.monotonic()
                                                            - self._summary_done_at)
        if wait > 0 and run_id in self.live:
            if self._summary_timer is None:  # one timer, however many beats ask meanwhile
                self._summary_timer = self.set_timer(wait, self._summary_wait_over)
            return
        self._summarizing = True
        self._summarize(run_id, key)

    def _summary_wait_over(self) -> None:
        self._summary_timer = None
        self._want_summary()

    @work(thread=True, group="eval-summary", exit_on_error=False, name="summarize run")
    def _summarize(self, run_id: int, key: tuple) -> None:
        from store.store import Store
        from tui.core.evals.summary import summarize

        started = time.monotonic()
        try:
            with Store(self.tunedeck.db_path) as store:
                summary = summarize(store, run_id)
        except Exception as exc:  # noqa: BLE001 - shown in the summary; the pane goes on
            summary, error = None, f"{type(exc).__name__}: {exc}"
        else:
            error = None
        self.post_message(RunSummaryReady(run_id, key, summary, error,
                                          took=time.monotonic() - started))

    def on_run_summary_ready(self, message: RunSummaryReady) -> None:
        self._summarizing = False
        self._summary_done_at, self._summary_took = time.monotonic(), message.took
        self._summaries[message.run_id] = (message.key, message.summary, message.error)
        if self._summary_wanted:
            self._summary_wanted = False
            self._want_summary()
        if message.run_id == self.selected_run:
            self.show_summary(self.tunedeck.store.evals.run(message.run_id))

    def summary_pending(self) -> bool:
        """Whether the selected run's summary on screen is still to be (re)made."""
        return self._summarizing or (self.selected_run is not None
                                     and not self._is_current(self.selected_run))

    def _is_current(self, run_id: int) -> bool:
        key = self._summaries.get(run_id, (None,))[0]
        return key == self._summary_key(self.tunedeck.store.evals.run(run_id))
