"""The create-job form: dataset versions, base model, method, hyperparameters, extras.

Every hyperparameter is `auto` or a value in the API's range; a field out of
range is marked at once and the form cannot go on to the pre-flight. Nothing
is sent from here: ctrl+s opens the pre-flight with the checked JobSpec.
"""

from __future__ import annotations

import json
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from tui.core.finetune.form_choices import FormChoices
from tui.core.jobs.spec import (
    HYPERPARAMETERS,
    METHODS,
    JobSpec,
    SpecError,
    parse_form,
    parse_hyperparameter,
)
from tui.ui_text import lines, plain, styled
from tui.widgets.visible_fields import VisibleInput, VisibleTextArea

HYPER_LABELS = {
    "n_epochs": "epochs (1–50)",
    "batch_size": "batch size (1–256)",
    "learning_rate_multiplier": "LR multiplier (>0)",
    "beta": "DPO beta (0–2]",
    "compute_multiplier": "compute multiplier (>0)",
    "eval_interval": "eval interval (≥1)",
    "eval_samples": "eval samples (≥1)",
    "reasoning_effort": "reasoning effort",
}
ALL_HYPER = tuple(dict.fromkeys(h for names in HYPERPARAMETERS.values() for h in names))
GRADER_EXAMPLE = (
    '{"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",\n'
    ' "reference": "{{item.answer}}", "operation": "eq"}'
)


class JobCreate(ModalScreen[JobSpec | None]):
    DEFAULT_CSS = """
    JobCreate { align: center middle; }
    JobCreate > #job-form {
        width: 96; max-width: 100%; height: 90%; border: thick $accent; background: $surface;
        padding: 0 1;
    }
    JobCreate .form-row { height: auto; }
    JobCreate .form-row > Label { width: 26; padding: 1 1 0 0; text-align: right; }
    JobCreate .form-row > Input, JobCreate .form-row > Select { width: 1fr; }
    JobCreate Input.-invalid { border: tall $error; }
    JobCreate #job-form-grader { height: 7; }
    JobCreate #job-form-method-note { height: auto; padding: 0 1 0 27; display: none; }
    JobCreate #job-form-errors { color: $error; height: auto; padding: 0 1; }
    JobCreate #job-form-buttons { height: auto; }
    JobCreate Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("ctrl+s", "submit", "Pre-flight", id="jobs.form.submit"),
        Binding("escape", "cancel", "Cancel", id="jobs.form.cancel"),
    ]

    def __init__(
        self,
        versions: list[tuple[str, int]],
        models: list[str],
        *,
        initial: dict[str, Any] | None = None,
        graders: list[tuple[str, dict[str, Any]]] | None = None,
        choices: FormChoices | None = None,
    ) -> None:
        super().__init__()
        # Labels name datasets and evals (data): Content prompts, not markup.
        self.versions = [(plain(label), value) for label, value in versions]
        self.models = models
        self.initial = initial or {}
        # (label, criterion) from the store's evals: RFT can reuse an eval's grader.
        self.graders = graders or []
        # The profile's provider: its methods, hyperparameters, options and suffix rule.
        self.choices = choices

    def _method_options(self) -> list[tuple[Any, str]]:
        if self.choices is None:
            return [(m, m) for m in METHODS]
        # A method the provider cannot train stays listed, marked, with the reason below.
        return [(m if why is None else styled(m, ("  not on " + self.choices.provider,
                                                      "dim")), m)
                for m, why in self.choices.methods]

    def compose(self) -> ComposeResult:
        value = self.initial.get
        with Vertical(id="job-form"):
            where = f" on {self.choices.provider}" if self.choices else ""
            yield Static(styled(("New fine-tuning job", "b"), where,
                                "  ctrl+s: pre-flight (nothing is sent yet) · esc: cancel"))
            with VerticalScroll():
                yield from self._row("training data", Select(
                    self.versions, prompt="pick a dataset version", id="job-form-training",
                    value=value("training_version_id", Select.NULL)))
                yield from self._row("validation data", Select(
                    self.versions, prompt="none", id="job-form-validation",
                    value=value("validation_version_id", Select.NULL)))
                yield from self._row("base model", VisibleInput(
                    value("model", self.models[0] if self.models else ""), id="job-form-model",
                    placeholder="e.g. gpt-4.1-mini-2025-04-14",
                    suggester=SuggestFromList(self.models, case_sensitive=False)))
                yield from self._row("method", Select(
                    self._method_options(), allow_blank=False, id="job-form-method",
                    value=value("method", "supervised")))
                yield Static("", id="job-form-method-note")
                for name in ALL_HYPER:
                    yield from self._row(HYPER_LABELS[name], Input(
                        str(value(name, "auto")), id=f"job-form-{name}", placeholder="auto"),
                        name=name)
                yield from self._row("grader from eval", Select(
                    [(plain(label), i) for i, (label, _) in enumerate(self.graders)],
                    prompt="none (write one below)" if self.graders else "no evals yet",
                    id="job-form-grader-pick"), name="grader")
                yield from self._row("grader (JSON)", VisibleTextArea(
                    value("grader", GRADER_EXAMPLE), id="job-form-grader", language=None),
                    name="grader")
                yield from self._row("", Static("", id="job-form-grader-check"), name="grader")
                yield from self._option_rows()
                limit = self.choices.suffix_max if self.choices else 64
                yield from self._row("suffix" + (f" (≤{limit})" if limit else " (none)"), Input(
                    value("suffix", ""), id="job-form-suffix", max_length=limit or 0,
                    disabled=limit is None,
                    placeholder=(self.choices.suffix_rule if self.choices else "") if limit
                    else f"{self.choices.provider if self.choices else ''} takes no suffix"))
                yield from self._row("seed", Input(value("seed", ""), id="job-form-seed",
                                                   placeholder="random"))
                yield from self._row("metadata", Input(
                    value("metadata", ""), id="job-form-metadata",
                    placeholder="key=value, key2=value2 (≤16 pairs)"))
            yield Static("", id="job-form-errors")
            with Horizontal(id="job-form-buttons"):
                yield Button("Pre-flight (ctrl+s)", variant="primary", id="job-form-submit")
                yield Button("Cancel (esc)", id="job-form-cancel")

    def _row(self, label: str, widget: Any, *, name: str | None = None) -> ComposeResult:
        row = Horizontal(Label(label), widget, classes="form-row")
        if name is not None:
            row.add_class(f"hp-{name}")
        yield row

    def _option_rows(self) -> ComposeResult:
        """The provider's own settings (Azure's training type, Nebius's LoRA…), blank = unset."""
        for option in self.choices.options if self.choices else ():
            given = str((self.initial.get("options") or {}).get(option.name, ""))
            if option.choices:
                widget: Any = Select([(c, c) for c in option.choices],
                                     prompt=f"profile default ({option.default})"
                                     if option.default else "provider default",
                                     value=given or Select.NULL,
                                     id=f"job-form-opt-{option.name}")
            else:
                widget = Input(given, id=f"job-form-opt-{option.name}",
                               placeholder=f"default · {option.wording}")
            yield from self._row(option.name.replace("_", " "), widget, name="option")

    def options(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for option in self.choices.options if self.choices else ():
            widget = self.query_one(f"#job-form-opt-{option.name}")
            value = widget.value if isinstance(widget, Input | Select) else None
            if isinstance(value, str) and value.strip():
                out[option.name] = value.strip()
        return out

    def on_mount(self) -> None:
        self._show_method_fields()
        # Start on the first field, so enter opens the dataset list at once.
        self.query_one("#job-form-training", Select).focus()

    @on(Select.Changed, "#job-form-method")
    def _method_changed(self) -> None:
        self._show_method_fields()

    @on(Select.Changed, "#job-form-grader-pick")
    def _grader_picked(self, event: Select.Changed) -> None:
        if isinstance(event.value, int):
            criterion = self.graders[event.value][1]
            self.query_one("#job-form-grader", TextArea).text = json.dumps(criterion, indent=2)

    @on(TextArea.Changed, "#job-form-grader")
    def _check_grader(self, event: TextArea.Changed) -> None:
        """Validate the grader as it is typed, with the evals engine's rules."""
        from tui.core.evals.graders import validate

        check = self.query_one("#job-form-grader-check", Static)
        try:
            criterion = json.loads(event.text_area.text)
        except json.JSONDecodeError as exc:
            check.update(plain(f"not JSON yet: {exc.msg} (line {exc.lineno})", "red"))
            return
        problems = validate(criterion) if isinstance(criterion, dict) else [
            "a grader is a JSON object"]
        # Problems quote the grader's own fields: plain text.
        check.update(plain("grader ok", "green") if not problems
                     else plain("; ".join(problems), "red"))

    def _method(self) -> str:
        value = self.query_one("#job-form-method", Select).value
        return value if isinstance(value, str) else "supervised"

    def _show_method_fields(self) -> None:
        method = self._method()
        shown = self.choices.hyperparameters[method] if self.choices else HYPERPARAMETERS[method]
        wanted = set(shown) | ({"grader"} if method == "reinforcement" else set())
        why = self.choices.method_problem(method) if self.choices else None
        note = self.query_one("#job-form-method-note", Static)
        note.update(plain(f"✗ {why}", "red") if why else "")
        note.display = why is not None
        for name in (*ALL_HYPER, "grader"):
            for row in self.query(f".hp-{name}"):
                row.display = name in wanted

    @on(Input.Changed)
    def _check_field(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("job-form-")
        if name in ALL_HYPER:
            try:
                parse_hyperparameter(name, event.value)
                event.input.remove_class("-invalid")
                event.input.tooltip = None
            except ValueError as exc:
                event.input.add_class("-invalid")
                event.input.tooltip = plain(f"{HYPER_LABELS[name]}: {exc}")

    def values(self) -> dict[str, Any]:
        def select(widget_id: str) -> int | None:
            value = self.query_one(widget_id, Select).value
            return value if isinstance(value, int) else None

        method = self._method()
        out: dict[str, Any] = {
            "training_version_id": select("#job-form-training"),
            "validation_version_id": select("#job-form-validation"),
            "model": self.query_one("#job-form-model", Input).value,
            "method": method,
            "suffix": self.query_one("#job-form-suffix", Input).value,
            "seed": self.query_one("#job-form-seed", Input).value,
            "metadata": self.query_one("#job-form-metadata", Input).value,
        }
        shown = self.choices.hyperparameters[method] if self.choices else HYPERPARAMETERS[method]
        for name in shown:
            out[name] = self.query_one(f"#job-form-{name}", Input).value
        out["options"] = self.options()
        if method == "reinforcement":
            out["grader"] = self.query_one("#job-form-grader", TextArea).text
        return out

    @on(Button.Pressed, "#job-form-submit")
    def action_submit(self) -> None:
        why = self.choices.method_problem(self._method()) if self.choices else None
        if why:
            self.query_one("#job-form-errors", Static).update(plain(f"• method: {why}"))
            return
        try:
            spec = parse_form(self.values())
        except SpecError as exc:
            labels = {**HYPER_LABELS, "training_version_id": "training data",
                      "validation_version_id": "validation data"}
            # The messages quote what was typed (a suffix, metadata): plain text.
            self.query_one("#job-form-errors", Static).update(
                lines(styled(f"• {labels.get(k, k)}: {v}") for k, v in exc.errors.items())
            )
            return
        self.dismiss(spec)

    @on(Button.Pressed, "#job-form-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
