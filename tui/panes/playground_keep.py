"""The Playground's keeping keys: save the prompt, turn an answer into data, re-open a run.

A mixin of PlaygroundPane (kept apart so the pane module stays one concept: composing
and running). Saving to a dataset says which version it extends and lets the user pick
another (`name@N`); re-opening a run gives back its {{template}} and variables.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.containers import Horizontal
from textual.widgets import Input, Select, TextArea

from tui.core.data_lines import dpo_pair, eval_item, sft_example
from tui.core.wording import count_of
from tui.widgets.output_panel import OutputPanel


class KeepOutputs:
    """Mixed into PlaygroundPane: `self` is the pane (its fields, runs and outputs)."""

    def action_save_prompt(self) -> None:
        from tui.screens.text_prompt import AskName

        def save(name: str | None) -> None:
            if not name:
                return
            self.prompt_name = name
            version = self.tunedeck.store.prompts.save(
                name,
                self.template_messages(),
                params=self._safe_params(),
                model=(self.models() or [None])[0],
            )
            self.notify(f"Saved prompt {name} v{version.version}")
            self._update_status()

        self.app.push_screen(AskName("Save prompt as", self.prompt_name), save)

    def _safe_params(self) -> dict[str, Any]:
        try:
            return self.params().as_dict()
        except ValueError:
            return {}

    def _chosen_output(self) -> OutputPanel | None:
        panels = [p for p in self._panels() if p.text]
        better = [p for p in panels if p.has_class("-better")]
        return (better or panels or [None])[0]

    def _describe_target(self, spec: str) -> str:
        from tui.core.dataset_versions import describe_append

        return describe_append(self.tunedeck.store, spec)

    def action_save_sft(self) -> None:
        from tui.screens.text_prompt import EditAndSave

        panel = self._chosen_output()
        if panel is None:
            self.notify("No answer to save yet: run first (ctrl+r)", severity="warning")
            return

        def save(result: tuple[str, str] | None) -> None:
            if result:
                dataset, text = result
                self.save_lines(dataset, [sft_example(self.last_messages, text)], "SFT example")

        self.app.push_screen(
            EditAndSave("Save as an SFT example", "playground-sft", panel.text,
                        describe=self._describe_target), save
        )

    def action_mark_better(self) -> None:
        panels = [p for p in self._panels() if p.text]
        if len(panels) < 2:
            self.notify(
                "Compare two models first (model-a, model-b in the model box)", severity="warning"
            )
            return
        from tui.screens.form_base import PickOne

        def chosen(best: OutputPanel | None) -> None:
            if best is None:
                return
            worst = next(p for p in panels if p is not best)
            for p in panels:
                p.mark_better(p is best)
            self.save_lines(
                "playground-dpo", [dpo_pair(self.last_messages, best.text, worst.text)], "DPO pair"
            )

        self.app.push_screen(PickOne("Which answer is better?",
                                     [(f"{p.slot + 1}: {p.model}", p) for p in panels]), chosen)

    def action_save_eval_item(self) -> None:
        from tui.screens.text_prompt import EditAndSave

        panel = self._chosen_output()
        if not self.last_messages or panel is None:
            self.notify("Run first: the answer is offered as the reference", severity="warning")
            return

        def save(result: tuple[str, str] | None) -> None:
            if result:
                dataset, reference = result
                line = eval_item(self.last_messages, reference, self.variables())
                self.save_lines(dataset, [line], "eval item")

        self.app.push_screen(
            EditAndSave(
                "Add as an eval item (edit the reference answer)", "playground-evals", panel.text,
                describe=self._describe_target,
            ),
            save,
        )

    @work(thread=True, exclusive=False, group="dataset-write", exit_on_error=False)
    def save_lines(self, spec: str, lines: list[dict[str, Any]], what: str) -> None:
        """Append to `spec`: a dataset's latest version, or `name@N` for version N."""
        from store import Store
        from tui.core.dataset_versions import append_lines, append_target

        with Store(self.tunedeck.db_path) as store:
            try:
                dataset, parent = append_target(store, spec)
            except ValueError as exc:
                self.app.call_from_thread(self.notify, str(exc), severity="error")
                return
            version = append_lines(store, dataset, lines, parent)
        source = f" from v{parent.version}" if parent else ""
        self.app.call_from_thread(
            self.notify,
            f"Saved {what} to {dataset} v{version.version}{source} "
            f"({count_of(version.n_examples, 'example')}, {version.n_invalid:,} invalid)",
        )

    async def action_clear_conversation(self) -> None:
        """Start over: no earlier turns, no answers; the system prompt and models stay."""
        running = [w for w in self.workers if w.group == "playground-run" and w.is_running]
        if running:
            self.notify("A run is streaming: esc stops it first", severity="warning")
            return
        self.turns = []
        self.last_messages = []
        self.query_one("#pg-user", TextArea).text = ""
        self._show_turns()
        await self.query(OutputPanel).remove()
        self.query_one("#pg-hint").display = True
        self._update_status()
        self.notify("New conversation: earlier turns and answers cleared (all kept in ctrl+o)")

    def action_history(self) -> None:
        from tui.screens.history import HistoryScreen

        async def reopen(run_id: int | None) -> None:
            if run_id is not None:
                await self.reopen(run_id)

        self.app.push_screen(HistoryScreen(self.tunedeck.store), reopen)

    async def reopen(self, run_id: int) -> None:
        from tui.core.playground.run_template import run_template

        store = self.tunedeck.store
        run = store.prompts.run(run_id)
        template = run_template(store, run)
        self.prompt_name = template.prompt_name or self.prompt_name
        system = next((m["content"] for m in template.messages if m.get("role") == "system"), "")
        chat = [m for m in template.messages if m.get("role") != "system"]
        self.turns = chat[:-1]
        self.query_one("#pg-system", TextArea).text = system
        self.query_one("#pg-user", TextArea).text = str(chat[-1]["content"]) if chat else ""
        self.query_one("#pg-vars", Input).value = template.variables
        self.query_one("#pg-models", Input).value = run.model
        self.query_one("#pg-api", Select).value = run.api
        self._show_turns()
        self._update_status()
        self.last_messages = run.input if isinstance(run.input, list) else []
        await self.query(OutputPanel).remove()
        self.query_one("#pg-hint").display = False
        panel = OutputPanel(0, run.model)
        await self.query_one("#pg-outputs", Horizontal).mount(panel)
        panel.run_id = run.id
        panel.show_run(run)
