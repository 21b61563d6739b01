"""The Playground's examples from a dataset: fill the variables, or add few-shot turns.

A mixin of PlaygroundPane. Both read a stored dataset version's lines
(tui.core.playground.from_dataset): one example's fields become the prompt's
{{variables}}, or the first N conversations go before the prompt as turns, so a
prompt is tried on the data it will be fine-tuned or evaluated on. The dataset,
version and number are picked in a form (tui/screens/example_source_form.py).
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input

from tui.core import templates
from tui.core.form_fields import ExampleRequest
from tui.core.wording import count_of


class DatasetExamples:
    """Mixed into PlaygroundPane: `self` is the pane (its store, fields and turns)."""

    def _ask_example_source(self, title: str, number: str, default_name: str,
                            default_number: int,
                            then: Callable[[ExampleRequest], None]) -> None:
        from tui.core.form_fields import ready_versions
        from tui.screens.example_source_form import ExampleSourceForm

        datasets = ready_versions(self.tunedeck.store)
        if not datasets:
            self.notify("No dataset yet: import one in the Datasets pane (1, then i)",
                        severity="warning")
            return
        self.app.push_screen(ExampleSourceForm(title, datasets, number=number,
                                               default_name=default_name,
                                               default_number=default_number),
                             lambda request: then(request) if request is not None else None)

    def action_fill_from_dataset(self) -> None:
        def chosen(request: ExampleRequest) -> None:
            from tui.core.playground.from_dataset import example_at, example_variables

            store = self.tunedeck.store
            try:
                values = example_variables(example_at(
                    store, store.datasets.version(request.version_id), request.number))
            except (ValueError, KeyError) as exc:
                self.notify(str(exc).strip("'\""), severity="error")
                return
            wanted = templates.message_variables(self.template_messages())
            picked = {k: v for k, v in values.items() if not wanted or k in wanted}
            self.query_one("#pg-vars", Input).value = "; ".join(
                f"{k}={v.replace(';', ',')}" for k, v in picked.items())
            self.notify(f"Filled {', '.join(picked) or 'nothing'} from line {request.number}")

        self._ask_example_source("Fill variables from an example", "line",
                                 "playground-evals", 1, chosen)

    def action_few_shot(self) -> None:
        def chosen(request: ExampleRequest) -> None:
            from tui.core.playground.from_dataset import few_shot_turns

            store = self.tunedeck.store
            turns = few_shot_turns(store, store.datasets.version(request.version_id),
                                   request.number)
            self.turns = turns + self.turns
            self._show_turns()
            self.notify(f"Added {count_of(len(turns) // 2, 'example')} as few-shot turns")
            self._update_status()

        self._ask_example_source("Few-shot turns from a dataset", "count",
                                 "playground-sft", 3, chosen)
