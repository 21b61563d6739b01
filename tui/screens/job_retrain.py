"""Retrain elsewhere, step 1: which profile, which base model there, and (optionally) the
eval that proves the replacement. Nothing is planned or sent here: the answer goes to
the retrain pre-flight (tui/screens/retrain_preflight.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select, Static

from tui.ui_text import plain, styled
from tui.widgets.visible_fields import VisibleInput


@dataclass(frozen=True)
class RetrainRequest:
    profile: str
    model: str
    eval_id: int | None


class RetrainForm(ModalScreen[RetrainRequest | None]):
    DEFAULT_CSS = """
    RetrainForm { align: center middle; }
    RetrainForm > #retrain-form {
        width: 96; max-width: 100%; height: auto; border: thick $accent;
        background: $surface; padding: 0 1;
    }
    RetrainForm .form-row { height: auto; }
    RetrainForm .form-row > Label { width: 16; padding: 1 1 0 0; text-align: right; }
    RetrainForm .form-row > Input, RetrainForm .form-row > Select { width: 1fr; }
    RetrainForm #retrain-form-errors { color: $error; height: auto; padding: 0 1; }
    RetrainForm #retrain-form-buttons { height: auto; margin-top: 1; }
    RetrainForm Button { margin-right: 2; }
    """
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "submit", "Pre-flight", id="retrain.form.submit"),
        Binding("escape", "cancel", "Cancel", id="retrain.form.cancel"),
    ]

    def __init__(self, job_line: str, profiles: list[tuple[str, str]],
                 models: dict[str, list[str]], evals: list[tuple[str, int]], *,
                 profile: str | None = None, eval_id: int | None = None) -> None:
        """`profiles`: (name, description) of those that fine-tune; `models`: their
        base models; `evals`: (name, id)."""
        super().__init__()
        self.job_line = job_line
        self.profiles = profiles
        self.models = models
        # Names of profiles, evals and jobs are data: Content prompts, not markup.
        self.evals = [(plain(name), eval_id) for name, eval_id in evals]
        self.profile = profile or (profiles[0][0] if profiles else "")
        self.eval_id = eval_id

    def compose(self) -> ComposeResult:
        with Vertical(id="retrain-form"):
            yield Static(styled(("Retrain elsewhere", "b"),
                                "  ctrl+s: pre-flight (nothing is sent yet) · esc: cancel"))
            yield Static(plain(self.job_line), id="retrain-form-job")
            yield Horizontal(Label("profile"), Select(
                [(plain(f"{name}  {about}"), name) for name, about in self.profiles],
                allow_blank=False, value=self.profile, id="retrain-form-profile"),
                classes="form-row")
            models = self.models.get(self.profile, [])
            yield Horizontal(Label("base model"), VisibleInput(
                models[0] if models else "", id="retrain-form-model",
                placeholder="the base model on that profile",
                suggester=SuggestFromList(models, case_sensitive=False)), classes="form-row")
            yield Horizontal(Label("eval"), Select(
                self.evals, prompt="none: launch the job only, no comparison",
                value=self.eval_id if self.eval_id is not None else Select.NULL,
                id="retrain-form-eval"), classes="form-row")
            yield Static(plain("With an eval, a guided loop runs it on the old model and on "
                               "the new one and stores the comparison on both model cards.",
                               "dim"))
            yield Static("", id="retrain-form-errors")
            with Horizontal(id="retrain-form-buttons"):
                yield Button("Pre-flight (ctrl+s)", variant="primary", id="retrain-form-submit")
                yield Button("Cancel (esc)", id="retrain-form-cancel")

    def on_mount(self) -> None:
        self.query_one("#retrain-form-profile", Select).focus()

    @on(Select.Changed, "#retrain-form-profile")
    def _profile_changed(self, event: Select.Changed) -> None:
        if not isinstance(event.value, str) or event.value == self.profile:
            return
        self.profile = event.value
        models = self.models.get(self.profile, [])
        field = self.query_one("#retrain-form-model", Input)
        field.suggester = SuggestFromList(models, case_sensitive=False)
        field.value = models[0] if models else ""

    def request(self) -> RetrainRequest:
        eval_value = self.query_one("#retrain-form-eval", Select).value
        return RetrainRequest(self.profile, self.query_one("#retrain-form-model", Input)
                              .value.strip(),
                              eval_value if isinstance(eval_value, int) else None)

    @on(Button.Pressed, "#retrain-form-submit")
    def action_submit(self) -> None:
        request = self.request()
        if not request.profile or not request.model:
            self.query_one("#retrain-form-errors", Static).update(
                plain("• pick a profile and a base model on it"))
            return
        self.dismiss(request)

    @on(Button.Pressed, "#retrain-form-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def describe_profiles(settings: Any, source_profile: str) -> list[tuple[str, str]]:
    """Profiles that fine-tune, the source's own last (retraining elsewhere is the point)."""
    from tui.core.config import Capability
    from tui.core.finetune import rules_of

    found = [(p.name, f"({rules_of(p).provider}{', key not set' if not p.key_is_set else ''})")
             for p in settings.profiles.values() if p.has(Capability.FINE_TUNING)]
    return sorted(found, key=lambda item: item[0] == source_profile)
