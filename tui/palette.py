"""Command palette: every pane's actions, the pane switches and app actions."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from tui.host import Host


class TunedeckCommands(Provider):
    def _commands(self) -> list[tuple[str, str, object]]:
        app: Host = self.app  # type: ignore[assignment]
        commands: list[tuple[str, str, object]] = []
        for pane_cls in app.PANES:
            commands.append(
                (
                    f"Go to {pane_cls.pane_title}",
                    f"Show the {pane_cls.pane_title} pane",
                    partial(app.run_action, f"show_pane('{pane_cls.pane_id}')"),
                )
            )
            for binding in pane_cls.BINDINGS:
                if isinstance(binding, Binding) and binding.description:
                    commands.append(
                        (
                            f"{pane_cls.pane_title}: {binding.description}",
                            f"key {binding.key}",
                            partial(app.run_pane_action, pane_cls.pane_id, binding.action),
                        )
                    )
        commands.append(("Switch profile", "Pick the provider profile", app.action_switch_profile))
        commands.append(("Guided loops", "key f8: baseline eval → fine-tune → eval → compare",
                         app.action_loops))
        commands.append(("New guided loop", "Start a loop from a dataset and an eval",
                         app.action_new_loop))
        commands.append(("Spend ledger", "key f9: cost by day, provider, model, job, eval run",
                         app.action_spend))
        from tui.screens.optimizations import open_optimizations

        commands.append(("Prompt optimizations", "GEPA on an eval's feedback: candidates, "
                         "scores, spend, best vs seed", partial(open_optimizations, app)))
        commands.append(("Help: keys", "List every binding", app.action_help))
        return commands

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)  # type: ignore[arg-type]
