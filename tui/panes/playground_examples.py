"""The Playground's examples from a dataset: fill the variables, or add few-shot turns.

A mixin of PlaygroundPane. Both read a stored dataset version's lines
(tui.core.playground.from_dataset): one example's fields become the prompt's
{{variables}}, or the first N conversations go before the prompt as turns, so a
prompt is tried on the data it will be fine-tuned or evaluated on.
"""

from __future__ import annotations

from textual.widgets import Input

from tui.core import templates


class DatasetExamples:
    """Mixed into PlaygroundPane: `self` is the pane (its store, fields and turns)."""

    def action_fill_from_dataset(self) -> None:
        from tui.screens.text_prompt import AskName

        def chosen(answer: str | None) -> None:
            if not answer:
                return
            from tui.core.playground.from_dataset import (
                example_at,
                example_variables,
                find_version,
            )

            spec, _, line = answer.rpartition(" ")
            try:
                version = find_version(self.tunedeck.store, spec or answer)
                values = example_variables(example_at(self.tunedeck.store, version,
                                                      int(line or 1)))
            except (ValueError, KeyError) as exc:
                self.notify(str(exc).strip("'\""), severity="error")
                return
            wanted = templates.message_variables(self.template_messages())
            picked = {k: v for k, v in values.items() if not wanted or k in wanted}
            self.query_one("#pg-vars", Input).value = "; ".join(
                f"{k}={v.replace(';', ',')}" for k, v in picked.items())
            self.notify(f"Filled {', '.join(picked) or 'nothing'} from line {line or 1}")

        self.app.push_screen(AskName("Fill variables from an example: dataset[@version] line",
                                     "playground-evals 1"), chosen)

    def action_few_shot(self) -> None:
        from tui.screens.text_prompt import AskName

        def chosen(answer: str | None) -> None:
            if not answer:
                return
            from tui.core.playground.from_dataset import few_shot_turns, find_version

            spec, _, count = answer.rpartition(" ")
            try:
                version = find_version(self.tunedeck.store, spec or answer)
                turns = few_shot_turns(self.tunedeck.store, version, int(count or 3))
            except ValueError as exc:
                self.notify(str(exc), severity="error")
                return
            self.turns = turns + self.turns
            self._show_turns()
            self.notify(f"Added {len(turns) // 2} example(s) as few-shot turns")
            self._update_status()

        self.app.push_screen(AskName("Few-shot from a dataset: dataset[@version] count",
                                     "playground-sft 3"), chosen)
