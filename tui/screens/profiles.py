"""Switching the active provider profile."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.core.config import Profile
from tui.core.providers import effective_base_url
from tui.ui_text import styled


class ProfileScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="profiles.cancel")]

    def __init__(self, profiles: list[Profile], active: str) -> None:
        super().__init__()
        self.profiles = profiles
        self.active = active

    def compose(self) -> ComposeResult:
        options = []
        for profile in self.profiles:
            key = "key set" if profile.key_is_set else f"no key (${profile.api_key_env})"
            marker = "●" if profile.name == self.active else " "
            # Where the key really goes (not $OPENAI_BASE_URL's guess for a config profile).
            where = effective_base_url(profile) or "no base_url set"
            # Names and URLs may come from a shared config: a plain prompt, not markup.
            options.append(
                Option(
                    styled(f"{marker} {profile.name:<12} {profile.kind:<10} {key:<28} {where}"),
                    id=profile.name,
                )
            )
        with Vertical(id="profile-box"):
            yield Static(styled(("Switch profile", "b"), "  (enter to pick, esc to cancel)"))
            yield OptionList(*options, id="profile-list")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        names = [p.name for p in self.profiles]
        if self.active in names:
            option_list.highlighted = names.index(self.active)
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
