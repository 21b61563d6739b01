"""The spend ledger: estimated and billed cost grouped by day, provider, model, source or item,
with each profile's monthly budget. Summed in a thread from the store's rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from tui.core.wording import count_of, money
from tui.ui_text import lines, rich_plain, styled
from tui.worker_errors import ReportsWorkerErrors

if TYPE_CHECKING:
    from tui.host import Host

BAR = 30


def budget_line(check: Any) -> Content:
    share = min(1.0, check.spent_usd / check.budget_usd) if check.budget_usd else 1.0
    filled = round(share * BAR)
    colour = "red" if check.over else "yellow" if share >= 0.8 else "green"
    # Past the budget is said in words too, not only by the bar's colour.
    return styled(f"{check.profile:<12} ", ("█" * filled, colour), f"{'░' * (BAR - filled)} ",
                  (check.spent_text(), "b red" if check.over else ""))


class SpendScreen(ReportsWorkerErrors, ModalScreen[None]):
    DEFAULT_CSS = """
    SpendScreen { align: center middle; }
    SpendScreen > #spend-box {
        width: 96%; height: 90%; border: thick $accent; background: $surface; padding: 0 1;
    }
    SpendScreen #spend-budgets { height: auto; margin-bottom: 1; }
    SpendScreen #spend-table { height: 1fr; }
    SpendScreen #spend-keys { height: 1; color: $text-muted; }
    """
    BINDINGS: ClassVar = [
        Binding("escape,q", "dismiss", "Close", id="spend.close"),
        Binding("g", "cycle_grouping", "Group by", id="spend.group"),
    ]

    def __init__(self) -> None:
        super().__init__()
        from tui.core.spend import GROUPINGS

        self.groupings = GROUPINGS
        self.by = "day"

    @property
    def tunedeck(self) -> Host:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(id="spend-box"):
            yield Static("[b]Spend[/b]", id="spend-title")
            yield Static("", id="spend-budgets")
            yield DataTable(id="spend-table", cursor_type="row", zebra_stripes=True)
            yield Static("g group by (day, provider, profile, model, source, item) · esc close",
                         id="spend-keys")

    def on_mount(self) -> None:
        self.load()

    def action_cycle_grouping(self) -> None:
        self.by = self.groupings[(self.groupings.index(self.by) + 1) % len(self.groupings)]
        self.load()

    @work(thread=True, exclusive=True, group="spend", exit_on_error=False, name="spend ledger")
    def load(self) -> None:
        from tui.core.spend import totals

        workbench = self.tunedeck.workbench
        with workbench.connect() as store:  # this worker thread's own connection
            entries, budgets = workbench.spend(store=store)
        self.app.call_from_thread(self.show, totals(entries, self.by), budgets, entries)

    def show(self, groups: list[Any], budgets: list[Any], entries: list[Any]) -> None:
        label = "item" if self.by == "ref" else self.by
        total = sum(g.usd for g in groups)
        self.query_one("#spend-title", Static).update(styled(
            ("Spend", "b"), f" by {label} · {count_of(len(entries), 'entry', 'entries')} · total {money(total)} "
            "(billed where known, else estimated)"))
        self.query_one("#spend-budgets", Static).update(
            lines(budget_line(b) for b in budgets) if budgets
            else "No budget set: add budget_usd = N to a profile in config.toml to be asked "
                 "before a job or loop would pass it.")
        table = self.query_one("#spend-table", DataTable)
        table.clear(columns=True)
        table.add_columns(label, "estimated", "billed", "total", "entries")
        for g in groups:
            # The key is a model, a dataset or an eval's name: a Text cell, never markup.
            table.add_row(rich_plain(g.key), Text(money(g.estimated_usd), justify="right"),
                          Text(money(g.actual_usd), justify="right"),
                          Text(money(g.usd), justify="right", style="bold"),
                          Text(str(g.entries), justify="right"))
        if not groups:
            table.add_row("nothing spent yet", "", "", "", "")
