"""Yes/no before an action that changes a job on the provider (cancel, pause, resume)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class JobConfirm(ModalScreen[bool]):
    DEFAULT_CSS = """
    JobConfirm { align: center middle; }
    JobConfirm > #job-confirm-box {
        width: 70; height: auto; border: thick $warning; background: $surface; padding: 1 2;
    }
    JobConfirm #job-confirm-buttons { height: auto; margin-top: 1; }
    JobConfirm Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="jobs.confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="jobs.confirm.no"),
    ]

    def __init__(self, question: Content, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="job-confirm-box"):
            yield Static(self.question, id="job-confirm-question")
            with Horizontal(id="job-confirm-buttons"):
                yield Button(f"{self.yes} (y)", variant="warning", id="job-confirm-yes")
                yield Button("No (n)", id="job-confirm-no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "job-confirm-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
