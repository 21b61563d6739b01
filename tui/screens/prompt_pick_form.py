"""Pick a saved prompt, then one of its versions (the latest highlighted).

It replaced "Saved prompt[@version] to use", typed: the prompts are listed, enter
on one moves to its versions, enter on a version answers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from store.records import PromptVersion
from tui.ui_text import plain, styled


@dataclass(frozen=True)
class PromptChoice:
    name: str
    version: PromptVersion


def version_line(version: PromptVersion, latest: bool) -> str:
    first = next((m.get("content") for m in version.messages
                  if isinstance(m, dict) and isinstance(m.get("content"), str)), "")
    return (f"v{version.version}{' (latest)' if latest else ''}  "
            f"{' '.join((version.note or first).split())[:50]}")


class PromptPickForm(ModalScreen[PromptChoice | None]):
    DEFAULT_CSS = """
    PromptPickForm { align: center middle; }
    PromptPickForm #prompt-pick-lists { height: auto; }
    PromptPickForm OptionList { width: 1fr; height: auto; max-height: 14; }
    """
    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="prompt_pick.cancel"),
        Binding("left", "back", "Prompts", id="prompt_pick.back", show=False),
    ]

    def __init__(self, title: str, prompts: dict[str, list[PromptVersion]]) -> None:
        """`prompts`: each saved prompt's versions, newest first."""
        super().__init__()
        self.title_text = title
        self.prompts = prompts
        self.names = list(prompts)
        self.chosen = self.names[0]

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(styled((self.title_text, "b"),
                                "  (enter picks the prompt, then its version; esc cancels)"))
            with Horizontal(id="prompt-pick-lists"):
                yield OptionList(*(Option(plain(n), id=str(i))
                                   for i, n in enumerate(self.names)), id="prompt-pick-names")
                yield OptionList(id="prompt-pick-versions")

    def on_mount(self) -> None:
        names = self.query_one("#prompt-pick-names", OptionList)
        names.highlighted = 0
        names.focus()
        self._show_versions()

    def _show_versions(self) -> None:
        versions = self.query_one("#prompt-pick-versions", OptionList)
        versions.clear_options()
        versions.add_options([Option(plain(version_line(v, i == 0)), id=str(i))
                              for i, v in enumerate(self.prompts[self.chosen])])
        versions.highlighted = 0

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "prompt-pick-names":
            self.chosen = self.names[int(event.option.id or 0)]
            self._show_versions()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list.id == "prompt-pick-names":
            self.query_one("#prompt-pick-versions", OptionList).focus()
            return
        self.dismiss(PromptChoice(self.chosen,
                                  self.prompts[self.chosen][int(event.option.id or 0)]))

    def action_back(self) -> None:
        self.query_one("#prompt-pick-names", OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
