"""The base of the small typed forms, and the pick-one list.

A prompt whose answer has structure (a ratio and a seed; a dataset, a version and a
line) used to be one line of text in a private mini-syntax that only the pane
parsed. A form has one labelled widget per field, checks each with the rules in
`tui.core.form_fields`, shows what is wrong under the fields (the form stays open
with what was typed) and answers a typed dataclass. Enter in a field or ctrl+s
accepts, esc cancels (None). A choice among stored things is picked, not typed:
`PickOne` is a list where enter takes the highlighted entry.

Field labels are ours; everything else shown (dataset, prompt, model names) is data
and reaches the screen as Content built from parts, never markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, RadioSet, Select, Static
from textual.widgets.option_list import Option

from tui.core.form_fields import FieldError
from tui.ui_text import plain, styled

T = TypeVar("T")


def form_row(label: str, field: Widget) -> Horizontal:
    """A labelled field: the label on the left, the widget filling the rest."""
    return Horizontal(Label(label), field, classes="form-row")


class TypedForm(ModalScreen[T | None], Generic[T]):
    """Subclasses give `title_text`, `compose_fields()` and `answer()`; `hint()` is the
    live line under the fields (sizes, what a choice will do), refreshed on each change."""

    DEFAULT_CSS = """
    TypedForm { align: center middle; }
    TypedForm > #form {
        width: 84; max-width: 100%; height: auto; border: thick $accent;
        background: $surface; padding: 0 1;
    }
    TypedForm .form-row { height: auto; }
    TypedForm .form-row > Label { width: 14; padding: 1 1 0 0; text-align: right; }
    TypedForm .form-row > Input, TypedForm .form-row > Select,
    TypedForm .form-row > RadioSet { width: 1fr; }
    TypedForm #form-hint { height: auto; padding: 0 1; }
    TypedForm #form-error { color: $error; height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "submit", "Accept", id="form.submit"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]
    title_text: str = ""
    # The hooks every form defines. Declared, not given a body: a form without one fails
    # when its class is made (__init_subclass__), not when it is first opened. (ABCMeta
    # would say the same, but its metaclass clashes with Textual's.)
    REQUIRED_HOOKS: ClassVar = ("compose_fields", "answer")
    compose_fields: Callable[[], ComposeResult]  # the labelled fields, in order
    answer: Callable[[], T]  # the typed answer read from the fields; FieldError: which one

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        missing = [name for name in cls.REQUIRED_HOOKS if not callable(getattr(cls, name, None))]
        if missing:
            raise TypeError(f"{cls.__name__} is a TypedForm without {', '.join(missing)}")

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(styled((self.title_text, "b"),
                                "  (enter or ctrl+s to accept, esc to cancel)"),
                         id="form-title")
            yield from self.compose_fields()
            yield Static("", id="form-hint")
            yield Static("", id="form-error")

    def hint(self) -> Content:
        return Content("")

    def on_mount(self) -> None:
        self._refresh_hint()
        fields = self.query(Input)
        if fields:
            fields.first().focus()

    def value(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def _refresh_hint(self) -> None:
        self.query_one("#form-hint", Static).update(self.hint())

    @on(Input.Changed)
    @on(Select.Changed)
    @on(RadioSet.Changed)
    def _changed(self) -> None:
        self.query_one("#form-error", Static).update("")
        self._refresh_hint()

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        try:
            result = self.answer()
        except FieldError as exc:
            # The message may quote what was typed or a stored name: plain text.
            self.query_one("#form-error", Static).update(plain(f"✗ {exc}", "b"))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickOne(ModalScreen[Any]):
    """Pick one of `choices` ((label, value) pairs; labels may hold data): enter takes the
    highlighted one (`highlighted`, default the first), esc cancels (None)."""

    DEFAULT_CSS = """
    PickOne { align: center middle; }
    PickOne #pick-options { height: auto; max-height: 16; }
    """
    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel", id="pick.cancel")]

    def __init__(self, title: str, choices: Sequence[tuple[str | Content, Any]], *,
                 highlighted: int = 0, note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.highlighted = highlighted
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(styled((self.title_text, "b"), "  (enter picks, esc cancels)"),
                         id="pick-title")
            if self.note:
                yield Static(plain(self.note, "dim"), id="pick-note")
            yield OptionList(*(Option(label if isinstance(label, Content) else plain(label),
                                      id=str(i))
                               for i, (label, _) in enumerate(self.choices)),
                             id="pick-options")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = min(self.highlighted, len(self.choices) - 1)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.choices[int(event.option.id or 0)][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
