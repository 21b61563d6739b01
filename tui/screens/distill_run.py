"""Distill, step 3: a confirmed run's progress, then what it wrote and the student loop.

The app's DistillRunner drives the run; this screen only follows it (closing it
leaves the run going, and the Datasets pane shows the version when it is written).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import ProgressBar, Static

from tui.ui_text import lines, styled

if TYPE_CHECKING:
    from tui.host import Host


def result_rows(info: dict[str, Any]) -> list[Any]:
    cost = "unpriced" if info["cost_usd"] is None else f"${info['cost_usd']:.4f}"
    kept = "—" if info["kept_fraction"] is None else f"{info['kept_fraction']:.0%}"
    filt = info["filter"]
    return [
        styled(("Written  ", "b"), info["into"] or "—"),
        styled(("Teacher  ", "b"), info["teacher"], f" on {info['teacher_profile']}"
               + (" (Batch API)" if info["batch"] else "")),
        styled(("Source   ", "b"), info["source"] or "—",
               f" · prompt {info['prompt_version']}" if info["prompt_version"] else ""),
        styled(("Filter   ", "b"), "none" if filt is None else f"{filt['eval']}: {filt['keep']}"),
        styled(("Kept     ", "b"), f"{info['kept']} of {info['sampled']} answers ({kept})"),
        styled(("Cost     ", "b"), cost),
    ]


class DistillRunScreen(ModalScreen[str | None]):
    """Answers "loop" when the user asks for the student loop, else None."""

    DEFAULT_CSS = """
    DistillRunScreen { align: center middle; }
    DistillRunScreen > #distill-run-box {
        width: 90; max-width: 100%; height: auto; border: thick $accent;
        background: $surface; padding: 0 1;
    }
    """
    BINDINGS: ClassVar = [
        Binding("l", "loop", "Student loop", id="distill.run.loop"),
        Binding("escape", "close", "Close", id="distill.run.close"),
    ]

    def __init__(self, run_id: int) -> None:
        super().__init__()
        self.run_id = run_id
        self.done = False

    @property
    def host(self) -> Host:
        return cast("Host", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="distill-run-box"):
            yield Static(styled((f"Distillation #{self.run_id}", "b")), id="distill-run-title")
            yield Static("", id="distill-run-text")
            yield ProgressBar(total=None, show_eta=False, id="distill-run-progress")
            yield Static("", id="distill-run-keys")

    def on_mount(self) -> None:
        self.host.store_changes.subscribe(self, self._changed)
        self._changed()

    def _changed(self) -> None:
        from tui.core.distill.distill_lineage import lineage

        if not self.is_mounted:
            return
        run_id = self.run_id
        store = self.host.store
        run = store.distills.get(run_id)
        totals = store.distills.totals(run_id)
        total = (run.n_prompts or 0) * run.samples
        text = self.query_one("#distill-run-text", Static)
        keys = self.query_one("#distill-run-keys", Static)
        bar = self.query_one(ProgressBar)
        if run.status == "done":
            self.done = True
            bar.display = False
            text.update(lines(result_rows(lineage(store, run))))
            keys.update(styled("\n", ("l", "b"), " the student loop on this version (the guided"
                               " loop's form, prefilled) · ", ("esc", "b"), " close"))
            return
        bar.update(total=max(1, total), progress=totals["sampled"])
        mode = "through the Batch API" if (run.params or {}).get("batch") else "live"
        state = ("" if self.host.distills.is_running(run_id) or run.status != "sampling"
                 else " (stopped: it resumes at the next start)")
        rows: list[Any] = [f"Asking {run.teacher} {mode}: {totals['sampled']} of {total} "
                           f"answers, {totals['kept']} kept{state}"]
        if run.error:
            rows.append(styled(("last error: ", "red"), run.error))
        text.update(lines(rows))
        keys.update(styled("\n", ("esc", "b"), " closes; the run goes on in the background"))

    def action_loop(self) -> None:
        if self.done:
            self.dismiss("loop")

    def action_close(self) -> None:
        self.dismiss(None)
