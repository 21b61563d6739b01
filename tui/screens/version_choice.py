"""Dialogs about dataset versions: which one an action starts from, and yes/no before a
change that cannot be undone (deleting a version).

Dataset names and notes are data: every label is built from parts, never markup.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from store.records import DatasetVersion
from tui.core.wording import count_of
from tui.ui_text import styled


def version_label(name: str, version: DatasetVersion) -> Content:
    note = f" ({version.note})" if version.note else ""
    return styled((f"{name} v{version.version}", "b"),
                  f"  {count_of(version.n_examples, 'example')}{note}")


class ChooseVersion(ModalScreen[int | None]):
    """Start an action from the latest version (the default) or from the selected older one.

    Deriving from an older version silently dropped the fixes of every version after it:
    the user now sees both and picks; enter on the first line takes the latest.
    """

    DEFAULT_CSS = """
    ChooseVersion { align: center middle; }
    ChooseVersion #choice-versions { height: auto; max-height: 8; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="version_choice.cancel")]

    def __init__(self, action: str, name: str, latest: DatasetVersion,
                 selected: DatasetVersion) -> None:
        super().__init__()
        self.action = action
        self.name_text = name
        self.latest = latest
        self.selected = selected

    def compose(self) -> ComposeResult:
        skipped = self.latest.version - self.selected.version
        with Vertical(classes="modal-box"):
            yield Static(styled((f"{self.action}: from which version?", "b"),
                                "  (enter picks, esc cancels)"))
            yield Static(styled(
                f"The selected version is not the latest: starting from it leaves out "
                f"what the {count_of(skipped, 'later version')} changed."), id="choice-why")
            yield OptionList(
                Option(styled("the latest: ", version_label(self.name_text, self.latest)),
                       id=str(self.latest.id)),
                Option(styled("the selected: ", version_label(self.name_text, self.selected)),
                       id=str(self.selected.id)),
                id="choice-versions",
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or self.latest.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmChange(ModalScreen[bool]):
    """y does it, n or esc does not."""

    DEFAULT_CSS = "ConfirmChange { align: center middle; }"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm_change.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_change.no"),
    ]

    def __init__(self, question: Content) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(self.question, id="confirm-question")
            yield Static(styled(("y", "b"), " yes · ", ("n", "b"), " / esc no"))

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
