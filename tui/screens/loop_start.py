"""The form that starts a guided loop: dataset version, eval, base model, epochs.

Nothing is sent from here: the caller shows the job's pre-flight (with the
profile's budget) before the loop starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from tui.ui_text import plain
from tui.widgets.visible_fields import VisibleInput


@dataclass
class LoopRequest:
    training_version_id: int
    eval_id: int
    base_model: str
    epochs: int | None
    eval_checkpoints: bool


class LoopStart(ModalScreen[LoopRequest | None]):
    DEFAULT_CSS = """
    LoopStart { align: center middle; }
    LoopStart > #loop-form {
        width: 90; max-width: 100%; height: auto; border: thick $accent;
        background: $surface; padding: 0 1;
    }
    LoopStart .form-row { height: auto; }
    LoopStart .form-row > Label { width: 20; padding: 1 1 0 0; text-align: right; }
    LoopStart .form-row > Input, LoopStart .form-row > Select { width: 1fr; }
    LoopStart #loop-form-errors { color: $error; height: auto; padding: 0 1; }
    LoopStart #loop-form-buttons { height: auto; margin-top: 1; }
    LoopStart Button { margin-right: 2; }
    """
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "submit", "Pre-flight", id="loop.form.submit"),
        Binding("escape", "cancel", "Cancel", id="loop.form.cancel"),
    ]

    def __init__(self, versions: list[tuple[str, int]], evals: list[tuple[str, int]],
                 models: list[str], *, version_id: int | None = None,
                 base_model: str = "") -> None:
        super().__init__()
        # Dataset and eval names are data: Content prompts, not markup.
        self.versions = [(plain(label), value) for label, value in versions]
        self.evals = [(plain(label), value) for label, value in evals]
        self.models = models
        self.version_id = version_id if version_id is not None else versions[0][1]
        self.base_model = base_model or (models[0] if models else "")

    def compose(self) -> ComposeResult:
        with Vertical(id="loop-form"):
            yield Static(
                "[b]Guided loop[/b]: measure the base model on the eval, fine-tune it on the "
                "dataset, measure the fine-tuned model on the same eval, compare.")
            with Horizontal(classes="form-row"):
                yield Label("Training data")
                yield Select(self.versions, value=self.version_id, allow_blank=False,
                             id="loop-form-dataset")
            with Horizontal(classes="form-row"):
                yield Label("Eval")
                yield Select(self.evals, value=self.evals[0][1], allow_blank=False,
                             id="loop-form-eval")
            with Horizontal(classes="form-row"):
                yield Label("Base model")
                yield VisibleInput(self.base_model, id="loop-form-model",
                            suggester=SuggestFromList(self.models, case_sensitive=False))
            with Horizontal(classes="form-row"):
                yield Label("Epochs")
                yield Input("auto", id="loop-form-epochs", placeholder="auto or 1–50")
            yield Checkbox("Also evaluate each checkpoint as it appears",
                           id="loop-form-checkpoints")
            yield Static("", id="loop-form-errors")
            with Horizontal(id="loop-form-buttons"):
                yield Button("Pre-flight (ctrl+s)", variant="primary", id="loop-form-submit")
                yield Button("Cancel (esc)", id="loop-form-cancel")

    def on_mount(self) -> None:
        self.query_one("#loop-form-model", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "loop-form-submit":
            self.action_submit()
        else:
            self.action_cancel()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_submit()

    def request(self) -> tuple[LoopRequest | None, str]:
        model = self.query_one("#loop-form-model", Input).value.strip()
        if not model:
            return None, "Base model: name the model to fine-tune"
        raw = self.query_one("#loop-form-epochs", Input).value.strip().lower()
        epochs = None
        if raw not in ("", "auto"):
            if not raw.isdigit() or not 1 <= int(raw) <= 50:
                return None, "Epochs: auto, or an integer from 1 to 50"
            epochs = int(raw)
        return LoopRequest(
            training_version_id=int(self.query_one("#loop-form-dataset", Select).value),
            eval_id=int(self.query_one("#loop-form-eval", Select).value),
            base_model=model, epochs=epochs,
            eval_checkpoints=self.query_one("#loop-form-checkpoints", Checkbox).value), ""

    def action_submit(self) -> None:
        request, error = self.request()
        self.query_one("#loop-form-errors", Static).update(error)
        if request is not None:
            self.dismiss(request)

    def action_cancel(self) -> None:
        self.dismiss(None)
