"""Small modal forms: ask for a name, or confirm/edit a text before saving.

Free text only (a search, a name, a path): an answer with structure is a typed form
(tui/screens/form_base.py), and a choice among stored things is picked (PickOne).

Titles quote names and the fields hold text from data (a model's answer, a
dataset line): titles are Content built from parts, the fields show control
characters (tui/widgets/visible_fields.py) and keep the text exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Static, TextArea

from tui.core.untrusted import count_controls
from tui.core.wording import count_of
from tui.ui_text import plain, styled
from tui.widgets.visible_fields import VisibleInput, VisibleTextArea


class AskName(ModalScreen[str | None]):
    """One line of input; enter accepts, esc cancels (None).

    With `allow_empty`, enter on an empty line answers "" (for prompts whose
    empty answer means something: clear a search, the items' own samples);
    otherwise it is ignored.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ask.cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "", *,
                 allow_empty: bool = False,
                 check: Callable[[str], str | None] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.allow_empty = allow_empty
        # Why an answer cannot be taken (a path that does not exist), or None: the
        # dialog then stays open with the text, instead of closing and losing it.
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(styled((self.title_text, "b"), "  (enter to accept, esc to cancel)"))
            yield VisibleInput(self.value, placeholder=self.placeholder, id="ask-input")
            error = Static("", id="ask-error")
            error.display = False
            yield error

    def on_input_changed(self) -> None:
        self.query_one("#ask-error", Static).display = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        problem = self.check(value) if self.check is not None and value else None
        if problem:
            error = self.query_one("#ask-error", Static)
            error.update(plain(problem, "b red"))  # it quotes what was typed: plain text
            error.display = True
            return
        if value or self.allow_empty:
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class EditAndSave(ModalScreen[tuple[str, str] | None]):
    """A target name and an editable text (e.g. a model answer before it becomes data)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="edit.save"),
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
    ]

    def __init__(self, title: str, target: str, text: str, target_label: str = "dataset",
                 *, describe: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.target = target
        self.text = text
        self.target_label = target_label
        # What saving to the typed target will do (which version it extends), kept current.
        self.describe = describe

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box tall"):
            yield Static(styled((self.title_text, "b"), "  (ctrl+s saves, esc cancels)"))
            yield Static(f"{self.target_label}:", markup=False)
            yield VisibleInput(self.target, id="edit-target")
            if self.describe is not None:
                yield Static(plain(self.describe(self.target)), id="edit-target-hint")
            yield Static("text (edit freely):")
            controls = count_controls(self.text)
            if controls:
                # Drawn as ␛, \u009b…; saved as they are unless edited away.
                verb = "is" if controls == 1 else "are"
                yield Static(f"{count_of(controls, 'control character')} in this text {verb} shown as "
                             "escapes (␛ ␇ \\u009b …); saving keeps them as they are",
                             id="edit-controls", markup=False)
            yield VisibleTextArea(self.text, id="edit-text", soft_wrap=True)

    def on_mount(self) -> None:
        self.query_one("#edit-text", TextArea).focus()

    @on(Input.Changed, "#edit-target")
    def _target_changed(self, event: Input.Changed) -> None:
        if self.describe is not None:
            self.query_one("#edit-target-hint", Static).update(plain(self.describe(event.value)))

    def action_save(self) -> None:
        target = self.query_one("#edit-target", Input).value.strip()
        if not target:
            self.notify(f"A {self.target_label} name is needed", severity="warning")
            return
        self.dismiss((target, self.query_one("#edit-text", TextArea).text))

    def action_cancel(self) -> None:
        self.dismiss(None)


class AskPath(AskName):
    """A file path, typed (with inline completion: → accepts it) or picked from a tree of
    the files with `suffixes` under `start_dir`. A path that does not name a file keeps
    the dialog open with the text."""

    def __init__(self, title: str, value: str = "", placeholder: str = "", *,
                 start_dir: Path | None = None, suffixes: tuple[str, ...] = ()) -> None:
        from tui.core.path_check import file_problem

        super().__init__(title, value, placeholder, check=file_problem)
        self.start_dir = start_dir or Path.cwd()
        self.suffixes = suffixes

    @classmethod
    def for_eval_file(cls) -> AskPath:
        return cls("Eval file (JSON)", placeholder="evals/my.eval.json", suffixes=(".json",))

    def compose(self) -> ComposeResult:
        from tui.widgets.path_suggester import PathSuggester
        from tui.widgets.visible_fields import FileTree

        with Vertical(classes="modal-box tall"):
            yield Static(styled((self.title_text, "b"), "  (enter to accept, → completes "
                                "the path, tab to the tree, esc to cancel)"))
            yield VisibleInput(self.value, placeholder=self.placeholder, id="ask-input",
                               suggester=PathSuggester())
            error = Static("", id="ask-error")
            error.display = False
            yield error
            yield FileTree(self.start_dir, suffixes=self.suffixes, id="ask-tree")

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        field = self.query_one("#ask-input", Input)
        field.value = str(event.path)
        field.focus()
