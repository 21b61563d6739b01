"""The pre-flight: what will be uploaded and what it will cost, before anything is sent.

The checks run in a thread with its own store connection; the screen answers
the Preflight to launch (enter / y) or None (esc).
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.core.config import Settings
from tui.core.jobs.preflight import Preflight
from tui.core.jobs.spec import JobSpec
from tui.core.spend import BudgetCheck
from tui.ui_text import lines, plain, styled
from tui.worker_errors import ReportsWorkerErrors


class JobPreflight(ReportsWorkerErrors, ModalScreen[Preflight | None]):
    DEFAULT_CSS = """
    JobPreflight { align: center middle; }
    JobPreflight > #job-preflight-box {
        width: 100; max-width: 100%; height: auto; max-height: 90%; border: thick $accent;
        background: $surface; padding: 0 1;
    }
    JobPreflight #job-preflight-body { height: auto; max-height: 24; }
    JobPreflight #job-preflight-buttons { height: auto; margin-top: 1; }
    JobPreflight Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("y", "launch", "Launch", id="jobs.preflight.launch"),
        Binding("escape,n", "back", "Back", id="jobs.preflight.back"),
    ]

    class Ready(Message):
        def __init__(self, preflight: Preflight | None, error: str | None = None,
                     budget: BudgetCheck | None = None) -> None:
            super().__init__()
            self.preflight = preflight
            self.error = error
            self.budget = budget

    def __init__(self, spec: JobSpec, profile: str, db_path: Path,
                 prices: dict[str, float] | None = None, *, settings: Settings | None = None,
                 extra_cost_usd: float = 0.0, title: str = "Pre-flight",
                 confirm_text: str = "y launches (uploads, then creates the job)") -> None:
        super().__init__()
        self.spec = spec
        self.profile = profile
        self.db_path = db_path
        self.prices = prices
        # With settings, the profile's monthly budget is checked against the estimate
        # (plus `extra_cost_usd`: e.g. the eval runs of a guided loop).
        self.settings = settings
        self.extra_cost_usd = extra_cost_usd
        self.title = title
        self.confirm_text = confirm_text
        self.preflight: Preflight | None = None
        # Lines shown above the pre-flight (a retrain's plan: what was carried over).
        self.head_lines: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="job-preflight-box"):
            yield Static(styled((self.title, "b"), ": nothing has been sent yet"),
                         id="job-preflight-title")
            with VerticalScroll(id="job-preflight-body"):
                yield Static("Checking the data…", id="job-preflight-text")
            with Horizontal(id="job-preflight-buttons"):
                yield Button("Launch (y)", variant="success", id="job-preflight-launch",
                             disabled=True)
                yield Button("Back (esc)", id="job-preflight-back")

    def on_mount(self) -> None:
        self.check()

    @work(thread=True, exclusive=True, group="jobs-preflight", exit_on_error=False,
          name="pre-flight")
    def check(self) -> None:
        from store import Store
        from tui.core.jobs.preflight import run_preflight
        from tui.core.spend import check_budget

        budget = None
        try:
            with Store(self.db_path) as store:
                # With settings, against the profile's provider's rules (not only OpenAI's).
                target = self.settings.profiles.get(self.profile, self.profile) \
                    if self.settings is not None else self.profile
                result = run_preflight(store, target, self.spec, prices=self.prices)
                if self.settings is not None:
                    budget = check_budget(store, self.settings, self.profile,
                                          (result.estimated_cost_usd or 0.0)
                                          + self.extra_cost_usd)
        except Exception as exc:  # noqa: BLE001 - shown on the screen, not a crash
            self.post_message(self.Ready(None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.Ready(result, budget=budget))

    def on_job_preflight_ready(self, message: Ready) -> None:
        text = self.query_one("#job-preflight-text", Static)
        if message.preflight is None:
            text.update(styled(("The pre-flight failed:", "red"), " ", message.error or ""))
            return
        pre = self.preflight = message.preflight
        # Lines name datasets, files and models, and quote the data: parts, not markup.
        rows: list = [plain(line, "b" if i == 0 else "") for i, line in
                      enumerate(self.head_lines)]
        rows += [plain(line) for line in pre.summary_lines()]
        rows += [plain(f"⚠ {w}", "yellow") for w in pre.warnings]
        rows += [plain(f"✗ {p}", "red") for p in pre.problems]
        budget = message.budget
        if budget is not None and budget.budget_usd is not None:
            if budget.exceeds:
                rows.append(styled(("Over budget:", "b red"), f" {budget.message()} "
                                   "Launching anyway is your call."))
            else:
                rows.append(plain(f"Budget: {budget.message()}"))
        if pre.ok:
            rows.append(styled("\n", ("Launch?", "b"),
                               f" {self.confirm_text}; esc goes back to the form."))
        else:
            rows.append(styled("\n", ("This job cannot be launched as it is.", "red"),
                               " esc: back to the form"))
        text.update(lines(rows))
        self.query_one("#job-preflight-launch", Button).disabled = not pre.ok

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "job-preflight-launch":
            self.action_launch()
        else:
            self.action_back()

    def action_launch(self) -> None:
        if self.preflight is not None and self.preflight.ok:
            self.dismiss(self.preflight)

    def action_back(self) -> None:
        self.dismiss(None)
