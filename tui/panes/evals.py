"""Evals: definitions and runs, live progress, item results, drill-down and compare.

Runs execute in a thread worker with its own event loop and its own store
connection (the runner writes every item's result as it finishes); the pane
re-reads the store when the worker reports progress. Several models run at
once as one run each (r or b with "model-a, model-b"). A batch run (b)
samples through the provider's Batch API and shows the batch's status and
request_counts while it waits; one left in flight by a quit is polled again
as soon as the pane opens.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, ProgressBar, Static

from tui.core.wording import count_of
from tui.panes.base import Pane
from tui.panes.eval_definition_edits import DefinitionEdits
from tui.panes.eval_results_out import ResultsOut
from tui.panes.eval_run_start import RunStarts
from tui.panes.eval_run_summary import RunSummaries
from tui.ui_text import lines, styled
from tui.widgets.eval_items import COLUMNS, EvalItemSource
from tui.widgets.eval_runs import (
    RunList,
    eta_text,
    fit,
    list_rows,
    live_status,
    pass_rate,
)
from tui.widgets.virtual_table import VirtualTable

FILTERS = (None, "pass", "fail", "error")


class EvalsPane(RunStarts, RunSummaries, DefinitionEdits, ResultsOut, Pane):
    pane_id = "evals"
    pane_title = "Evals"
    empty_text = (
        "[b]Evals[/b] measure a model before and after every change, with OpenAI's grader\n"
        "schema, run locally against any provider. Results stay here after the hosted\n"
        "Evals API shuts down (2026-11-30).\n\n"
        "No evals yet: press [b]o[/b] to open an eval file (JSON in OpenAI's shapes).\n\n"
        "No eval file yet? In a shell, [b]tunedeck eval init[/b] writes a commented example\n"
        "that runs as it is; [b]tunedeck eval init --from-dataset NAME[/b] makes one from a\n"
        "stored dataset (each conversation's last answer is the reference)."
    )
    DEFAULT_CSS = """
    EvalsPane #evals-body { height: 1fr; }
    EvalsPane #eval-runs-table { width: 2fr; height: 1fr; }
    EvalsPane #eval-detail { width: 3fr; height: 1fr; padding-left: 1; }
    EvalsPane #evals-body.-narrow { layout: vertical; }
    EvalsPane #evals-body.-narrow #eval-runs-table { width: 1fr; max-height: 40%; }
    EvalsPane #evals-body.-narrow #eval-detail { width: 1fr; padding-left: 0; }
    EvalsPane #eval-summary { height: auto; max-height: 9; }
    EvalsPane #eval-progress { height: 1; }
    EvalsPane #eval-items { height: 1fr; }
    """
    batch_poll_s: ClassVar[float] = 10.0  # how often a batch run asks after its batch
    BINDINGS: ClassVar = [
        Binding("o", "open_file", "Open eval file", id="evals.open"),
        Binding("r", "run", "Run", id="evals.run"),
        Binding("b", "run_batch", "Batch run", id="evals.batch"),
        Binding("x", "cancel", "Cancel", id="evals.cancel"),
        Binding("u", "resume", "Resume", id="evals.resume"),
        Binding("f", "cycle_filter", "Filter", id="evals.filter"),
        Binding("s", "sort", "Sort by score", id="evals.sort"),
        # One key to the items: tabbing there took 2-4 presses (issue 21, item 20). Out of
        # the footer, which is already full at 120 columns; help and the palette list it.
        Binding("i", "focus_items", "Focus the items", id="evals.items", show=False),
        Binding("enter", "drill", "Item", id="evals.drill", show=False),
        Binding("m", "mark", "Mark run", id="evals.mark"),
        Binding("c", "compare", "Compare", id="evals.compare"),
        Binding("e", "edit_graders", "Graders", id="evals.graders"),
        Binding("space", "select_item", "Select item", id="evals.select_item", show=False),
        Binding("w", "export", "Export", id="evals.export"),
        Binding("t", "to_dataset", "Failures/selected → data", id="evals.to_dataset"),
        # P, not p: p switches the profile in every pane, as README and help say.
        Binding("P", "use_prompt", "Use a saved prompt", id="evals.prompt"),
        Binding("k", "model_card", "Model card", id="evals.card"),
        Binding("C", "chooser", "Model chooser", id="evals.chooser"),
        Binding("D", "distill", "Distill", id="evals.distill"),
        Binding("O", "optimize", "Optimize a prompt", id="evals.optimize"),
    ]

    class RunProgress(Message):
        """A running eval advanced (coalesced: only the newest matters)."""

        def __init__(self, run_id: int, done: int, total: int | None, pass_rate: float,
                     eta_s: float | None, status: str,
                     batch: dict[str, Any] | None = None) -> None:
            super().__init__()
            self.run_id, self.done, self.total = run_id, done, total
            self.pass_rate, self.eta_s, self.status = pass_rate, eta_s, status
            self.batch = batch

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, EvalsPane.RunProgress) and message.run_id == self.run_id

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.selected_run: int | None = None
        self.selected_eval: int | None = None
        self.marked_run: int | None = None
        self.filter_index = 0
        self.order = "item"
        self.running: dict[int, tuple[asyncio.AbstractEventLoop, Any]] = {}
        self.launched: set[int] = set()  # started, their worker not yet running
        self.selected_items: dict[int, set[int]] = {}  # run id -> items chosen with space
        self._batches_resumed = False
        # (base run, fine-tuned run): open their comparison once both finish.
        self.compare_when_done: tuple[int, int] | None = None
        self.live: dict[int, Any] = {}
        self._init_summaries()

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="evals-body"):
            yield RunList(id="eval-runs-table", cursor_type="row", zebra_stripes=True)
            with Vertical(id="eval-detail"):
                yield Static("", id="eval-summary")
                yield ProgressBar(id="eval-progress", show_eta=False)
                yield VirtualTable(COLUMNS, id="eval-items")

    # -- reading the store -------------------------------------------------
    def reload(self) -> None:
        self._resume_batches()
        rows = list_rows(self.tunedeck.store.evals, live=self.live, running=self.running,
                         launched=self.launched, marked=self.marked_run)
        runs_list = self.query_one(RunList)
        runs_list.show(rows, fallback_width=self.size.width // 2)
        empty = not rows
        self.show_empty(empty)
        self.query_one("#evals-body").display = not empty
        if self.selected_run is None and self.selected_eval is None and not empty:
            first = next((r for r in rows if not r.is_eval), rows[0])
            self._select_key(first.key)
        runs_list.keep_cursor(self._selected_key())
        self.show_run()

    def on_resize(self) -> None:
        # Below 160 columns the list goes above the detail, each the full width: side by
        # side at 120, the list had ~45 columns for six and cut models to "sandb".
        narrow = self.size.width < 160
        self.query_one("#evals-body").set_class(narrow, "-narrow")
        # Set here: app.tcss gives every DataTable height 1fr, and app CSS outranks a pane's.
        self.query_one(RunList).styles.height = "auto" if narrow else "1fr"
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        self.query_one(RunList).refit(self._selected_key())

    def _selected_key(self) -> str:
        return f"r{self.selected_run}" if self.selected_run is not None else \
            f"e{self.selected_eval}"

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value:
            self._select_key(event.row_key.value)
            self.show_run()

    def _select_key(self, key: str) -> None:
        repo = self.tunedeck.store.evals
        if key.startswith("r"):
            self.selected_run = int(key[1:])
            self.selected_eval = repo.run(self.selected_run).eval_id
        else:
            self.selected_run, self.selected_eval = None, int(key[1:])

    def show_run(self) -> None:
        items = self.query_one("#eval-items", VirtualTable)
        if self.selected_run is None:
            self.query_one("#eval-summary", Static).update(
                "Select a run, or press r to run the selected eval.")
            items.set_source(None)
            self.query_one("#eval-progress", ProgressBar).display = False
            return
        run = self.tunedeck.store.evals.run(self.selected_run)
        self.show_summary(run)
        items.set_source(EvalItemSource(self.tunedeck.store, run.id,
                                        status=FILTERS[self.filter_index], order=self.order,
                                        marked=self.selected_items.get(run.id)))

    def show_summary(self, run: Any) -> None:
        """The run's heading, scores (from its summary, made in a thread) and progress."""
        summary = self.query_one("#eval-summary", Static)
        bar = self.query_one("#eval-progress", ProgressBar)
        # The eval's and graders' names, the model and the run's error are data: the
        # summary is built from parts (an eval named "support QA [/draft]" is text).
        rows: list = [styled((self.tunedeck.store.evals.get(run.eval_id).name, "b"),
                             f" · run {run.id} · ", run.model or "given samples",
                             f" · {run.status}",
                             *((" · ", (run.error, "red")) if run.error else ())),
                      *self.summary_rows(run, filter_label=FILTERS[self.filter_index] or "all",
                                         order=self.order)]
        from tui.core.evals.batch import FINAL, batch_state, describe, is_batch_run

        state = batch_state(run) if is_batch_run(run) else None
        if state is not None:
            rows.append(describe(state) + " · sampled at the batch price (50%)")
        chosen = self.selected_items.get(run.id)
        if chosen:
            rows.append(f"{count_of(len(chosen), 'item')} selected (space): t turns "
                        f"{'it' if len(chosen) == 1 else 'them'} into data")
        live = self.live.get(run.id)
        counts_b = (state or {}).get("request_counts") or {}
        if live is not None and run.id in self.running:
            if state is not None and state.get("status") not in FINAL and not live.done:
                bar.display = True
                bar.update(total=counts_b.get("total") or None,
                           progress=counts_b.get("completed", 0) + counts_b.get("failed", 0))
            else:
                rows.append(f"running: {live.done}/{live.total or '?'} · live pass "
                            f"{100 * live.pass_rate:.1f}% · {eta_text(live.eta_s)}")
                bar.display = True
                bar.update(total=live.total or None, progress=live.done)
        else:
            bar.display = False
        summary.update(lines(rows))

    # -- actions -----------------------------------------------------------
    def action_open_file(self) -> None:
        from tui.screens.text_prompt import AskPath

        def chosen(path: str | None) -> None:
            if path:
                self.load_file(path.strip())

        self.app.push_screen(AskPath.for_eval_file(), chosen)

    @work(thread=True, exclusive=True, group="eval-load", exit_on_error=False,
          name="open eval file")
    def load_file(self, path: str) -> None:
        from store.store import Store
        from tui.core.evals import definition as defs

        with Store(self.tunedeck.db_path) as store:
            try:
                row = defs.save_to_store(store, defs.load(path),
                                         profile=self.tunedeck.profile.name)
            except (defs.DefinitionError, OSError) as exc:
                self.app.call_from_thread(self.app.notify, str(exc), title="Eval file",
                                          severity="error", timeout=10)
                return
        self.app.call_from_thread(self._loaded, row.id, row.name)

    def _loaded(self, eval_id: int, name: str) -> None:
        self.selected_eval, self.selected_run = eval_id, None
        self.app.notify(f"eval {name!r} ready: press r to run it", title="Evals")
        self.reload()

    def action_run(self) -> None:
        self._ask_models(batch=False)

    def launch(self, run_id: int) -> None:
        self.launched.add(run_id)
        self.execute(run_id)

    def action_resume(self) -> None:
        run_id = self.selected_run
        if run_id is None or run_id in self.running:
            return
        if self.tunedeck.store.evals.run(run_id).status == "completed":
            return self.app.notify("this run is complete", severity="warning")
        self.launch(run_id)
        self.reload()

    def on_unmount(self) -> None:
        """Closing: stop every run's thread without cancelling anything at the provider.
        Runs stay in progress; a batch run is polled again when the pane next opens."""
        from tui.core.background import call_in_loop

        for loop, runner in list(self.running.values()):
            call_in_loop(loop, runner.detach)

    def action_cancel(self) -> None:
        entry = self.running.get(self.selected_run or -1)
        if entry is not None:
            loop, runner = entry
            loop.call_soon_threadsafe(runner.cancel)

    @work(thread=True, group="eval-run", exit_on_error=False, name="eval run")
    def execute(self, run_id: int) -> None:
        import time

        from tui.core.evals import service

        workbench = self.tunedeck.workbench
        last = [0.0]

        def progress(p) -> None:
            now = time.monotonic()
            if now - last[0] < 0.1 and p.status == "in_progress" and p.done != p.total:
                return
            last[0] = now
            self.post_message(self.RunProgress(run_id, p.done, p.total, p.pass_rate,
                                               p.eta_s, p.status,
                                               dict(p.batch) if p.batch else None))

        def keep(runner) -> None:
            self.running[run_id] = (asyncio.get_running_loop(), runner)
            self.launched.discard(run_id)

        async def go(store):
            notice = workbench.eval_jail_notice(run_id, store=store)
            if notice:  # no OS jail here: said before the run, not only per item
                self.notify(notice, title="Python graders", severity="warning", timeout=15,
                            markup=False)
            options = service.options_for(workbench.profile, workbench.settings,
                                          batch_poll_s=self.batch_poll_s)
            return await workbench.execute_eval(run_id, store=store, options=options,
                                                on_progress=progress, runner_ref=keep)

        try:
            run = workbench.run_in_thread(go)
        finally:
            self.running.pop(run_id, None)
            self.launched.discard(run_id)
        if run.status in ("queued", "in_progress"):
            return  # detached: the app is closing, the run resumes next time
        self.post_message(self.RunProgress(run_id, 0, 0, 0.0, None, run.status))
        self.app.call_from_thread(
            self.app.notify, f"run {run_id}: {run.status} · pass rate "
            f"{pass_rate(run.result_counts)}", title="Eval run",
            severity="error" if run.status == "failed" else "information")

    def action_model_card(self) -> None:
        """The card of the selected run's model: where it came from, how it scores."""
        if self.selected_run is None:
            return self.app.notify("Pick a run first", severity="warning")
        self.tunedeck.show_model_card(self.tunedeck.store.evals.run(self.selected_run).model)

    def action_optimize(self) -> None:
        from tui.optimize_flow import start_optimize  # GEPA on this eval (a prompt it used)

        start_optimize(self.tunedeck, eval_id=self.selected_eval)

    def action_chooser(self) -> None:
        """Every run of the selected eval on pass rate against cost: which to ship."""
        from tui.screens.model_chooser import ModelChooserScreen

        if self.selected_eval is None:
            return self.app.notify("Open or pick an eval first", severity="warning")
        self.app.push_screen(ModelChooserScreen(self.tunedeck.db_path, self.selected_eval,
                                                prices=self.tunedeck.settings.prices))

    def action_distill(self) -> None:
        """A teacher's graded answers to this eval's items, as a new SFT version."""
        from tui.distill_flow import from_eval

        from_eval(self.tunedeck, self.selected_eval)

    def on_evals_pane_run_progress(self, message: RunProgress) -> None:
        self.live[message.run_id] = message
        if message.status != "in_progress":
            self.live.pop(message.run_id, None)
            self.reload()
            self._maybe_compare()
        else:
            self._show_live_status(message)
            if message.run_id == self.selected_run:
                self.show_run()

    def _show_live_status(self, message: RunProgress) -> None:
        from textual.widgets.data_table import CellDoesNotExist

        table = self.query_one(RunList)
        try:
            # Never update_width: a live status re-widened the column on every beat.
            table.update_cell(f"r{message.run_id}", "status",
                              fit(live_status(message), table.widths.get("status", 12)))
        except (CellDoesNotExist, KeyError):
            self.reload()  # a run the table does not show yet

    def action_cycle_filter(self) -> None:
        self.filter_index = (self.filter_index + 1) % len(FILTERS)
        self.show_run()

    def action_sort(self) -> None:
        self.order = {"item": "score", "score": "-score", "-score": "item"}[self.order]
        self.show_run()

    def action_focus_items(self) -> None:
        """Focus the selected run's items table, where enter, space and t act."""
        if self.selected_run is None:
            return self.app.notify("select a run first", severity="warning")
        self.query_one("#eval-items", VirtualTable).focus()

    def action_drill(self) -> None:
        items = self.query_one("#eval-items", VirtualTable)
        if self.selected_run is None or not items.has_focus:
            return
        row = items.row_at(items.cursor_row)
        if row is None:
            return
        from tui.screens.eval_item import EvalItemScreen

        self.app.push_screen(EvalItemScreen(self.tunedeck.store.evals.result(self.selected_run,
                                                                              row.key)))

    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        if self.selected_run is None:
            return
        from tui.screens.eval_item import EvalItemScreen

        self.app.push_screen(EvalItemScreen(
            self.tunedeck.store.evals.result(self.selected_run, event.row.key)))

    def action_mark(self) -> None:
        if self.selected_run is not None:
            self.marked_run = None if self.marked_run == self.selected_run else self.selected_run
            self.reload()

    def action_compare(self) -> None:
        a, b = self.marked_run, self.selected_run
        if a is None or b is None or a == b:
            self.app.notify("mark a run with m, then select another run of the same eval and "
                            "press c", severity="warning")
            return
        self.tunedeck.open_comparison(a, b)

    def action_select_item(self) -> None:
        """Select or unselect the item under the cursor (t then uses only the selected)."""
        items = self.query_one("#eval-items", VirtualTable)
        run_id = self.selected_run
        row = items.row_at(items.cursor_row) if run_id is not None else None
        if run_id is None or row is None:
            return self.app.notify("select a run with results first", severity="warning")
        chosen = self.selected_items.setdefault(run_id, set())
        chosen.symmetric_difference_update({row.key})
        if not chosen:
            del self.selected_items[run_id]
        cursor = items.cursor_row
        self.show_run()
        items.cursor_row = min(cursor + 1, max(0, items.row_count - 1))

