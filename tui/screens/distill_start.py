"""The form that starts a distillation: source, teacher and profile, live or Batch API,
samples per prompt, an optional grader filter, the dataset the answers go into.

Nothing is sent from here: the pre-flight (tui/screens/distill_preflight.py) asks the
teacher about a few prompts first and shows what the whole run would cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select, Static

from tui.core.distill.stored import parse_metadata
from tui.ui_text import plain, styled
from tui.widgets.visible_fields import VisibleInput

NO_FILTER = -1
STORED = "stored"


@dataclass
class DistillRequest:
    source: tuple[str, Any]  # ("dataset", version id) | ("eval", eval id) | ("stored", {k: v})
    teacher: str
    profile: str
    batch: bool
    concurrency: int | None
    samples: int
    filter_eval_id: int | None
    min_score: float | None  # None: keep what passes
    into: str
    probe: int = 5
    params: dict[str, Any] = field(default_factory=dict)


class DistillForm(ModalScreen[DistillRequest | None]):
    DEFAULT_CSS = """
    DistillForm { align: center middle; }
    DistillForm > #distill-form {
        width: 96; max-width: 100%; height: auto; max-height: 100%; border: thick $accent;
        background: $surface; padding: 0 1; overflow-y: auto;
    }
    DistillForm .form-row { height: auto; }
    DistillForm .form-row > Label { width: 21; padding: 1 1 0 0; text-align: right; }
    DistillForm .form-row > Input, DistillForm .form-row > Select { width: 1fr; }
    DistillForm #distill-form-errors { color: $error; height: auto; padding: 0 1; }
    DistillForm #distill-form-buttons { height: auto; }
    DistillForm Button { margin-right: 2; }
    """
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "submit", "Pre-flight", id="distill.form.submit"),
        Binding("escape", "cancel", "Cancel", id="distill.form.cancel"),
    ]

    def __init__(self, source: tuple[str, int], source_label: str, profiles: list[str],
                 profile: str, teacher: str, teachers: list[str],
                 evals: list[tuple[str, int]], *, filter_eval_id: int | None = None,
                 into: str = "", concurrency: int = 8) -> None:
        super().__init__()
        self.source = source
        self.source_label = source_label
        self.profiles = profiles
        self.profile = profile
        self.teacher = teacher
        self.teachers = teachers
        # Eval and dataset names are data: Content prompts, not markup.
        self.evals = [(plain(label), value) for label, value in evals]
        self.filter_eval_id = filter_eval_id
        self.into = into
        self.concurrency = concurrency

    def compose(self) -> ComposeResult:
        with Vertical(id="distill-form"):
            yield Static(styled(("Distill", "b"), ": a teacher answers the prompts, a grader "
                                "filter keeps the good answers, they become a new SFT version."
                                " Nothing is sent before the pre-flight."))
            with Horizontal(classes="form-row"):
                yield Label("Source")
                yield Select([(plain(self.source_label), "given"),
                              ("stored chat completions (metadata filter)", STORED)],
                             value="given", allow_blank=False, id="distill-form-source")
            with Horizontal(classes="form-row"):
                yield Label("Stored metadata")
                yield VisibleInput("", id="distill-form-metadata",
                                   placeholder="key=value, … (with the stored source)")
            with Horizontal(classes="form-row"):
                yield Label("Teacher model")
                yield VisibleInput(self.teacher, id="distill-form-teacher",
                                   suggester=SuggestFromList(self.teachers,
                                                             case_sensitive=False))
            with Horizontal(classes="form-row"):
                yield Label("Teacher profile")
                yield Select([(plain(p), p) for p in self.profiles], value=self.profile,
                             allow_blank=False, id="distill-form-profile")
            with Horizontal(classes="form-row"):
                yield Label("Asked · in flight")
                yield Select([("live (bounded concurrency)", "live"),
                              ("Batch API (half price, slower)", "batch")], value="live",
                             allow_blank=False, id="distill-form-mode")
                yield Input(str(self.concurrency), id="distill-form-concurrency",
                            placeholder="concurrency")
            with Horizontal(classes="form-row"):
                yield Label("Samples per prompt")
                yield Input("1", id="distill-form-samples")
            with Horizontal(classes="form-row"):
                yield Label("Grader filter")
                yield Select([("none: keep every answer", NO_FILTER), *self.evals],
                             value=self.filter_eval_id if self.filter_eval_id is not None
                             else NO_FILTER, allow_blank=False, id="distill-form-filter")
                yield Input("pass", id="distill-form-keep", placeholder="pass or a min score")
            with Horizontal(classes="form-row"):
                yield Label("Into dataset")
                yield VisibleInput(self.into, id="distill-form-into")
            yield Static("", id="distill-form-errors")
            with Horizontal(id="distill-form-buttons"):
                yield Button("Pre-flight (ctrl+s)", variant="primary", id="distill-form-submit")
                yield Button("Cancel (esc)", id="distill-form-cancel")

    def on_mount(self) -> None:
        self.query_one("#distill-form-teacher", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "distill-form-submit":
            self.action_submit()
        else:
            self.action_cancel()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_submit()

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def request(self) -> tuple[DistillRequest | None, str]:
        teacher = self._value("distill-form-teacher")
        if not teacher:
            return None, "Teacher model: name the model whose answers are kept"
        into = self._value("distill-form-into")
        if not into:
            return None, "Into dataset: name the dataset the answers go into"
        samples = self._value("distill-form-samples")
        if not samples.isdigit() or not 1 <= int(samples) <= 20:
            return None, "Samples per prompt: an integer from 1 to 20"
        concurrency = self._value("distill-form-concurrency")
        if not concurrency.isdigit() or int(concurrency) < 1:
            return None, "Concurrency: a positive integer"
        source: tuple[str, Any] = self.source
        if self.query_one("#distill-form-source", Select).value == STORED:
            try:
                source = (STORED, parse_metadata(self._value("distill-form-metadata")))
            except ValueError as exc:
                return None, str(exc)
        chosen = int(self.query_one("#distill-form-filter", Select).value)  # type: ignore[arg-type]
        filter_eval = None if chosen == NO_FILTER else chosen
        keep = self._value("distill-form-keep").lower()
        min_score = None
        if filter_eval is not None and keep not in ("", "pass"):
            try:
                min_score = float(keep)
            except ValueError:
                return None, "Keep: pass, or the minimum mean grader score (a number)"
        return DistillRequest(
            source=source, teacher=teacher,
            profile=str(self.query_one("#distill-form-profile", Select).value),
            batch=self.query_one("#distill-form-mode", Select).value == "batch",
            concurrency=int(concurrency), samples=int(samples), filter_eval_id=filter_eval,
            min_score=min_score, into=into), ""

    def action_submit(self) -> None:
        request, error = self.request()
        self.query_one("#distill-form-errors", Static).update(plain(error))
        if request is not None:
            self.dismiss(request)

    def action_cancel(self) -> None:
        self.dismiss(None)
