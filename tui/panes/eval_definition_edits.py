"""The Evals pane's edits to an eval's definition: its graders and its prompt.

A mixin of EvalsPane. Both change what the next run does, not the runs already
stored: the grader editor (with a try on one item, the selected result or the
eval's first item) and "use a saved playground prompt" as the input messages.
"""

from __future__ import annotations

from typing import Any

from tui.core.wording import count_of
from tui.widgets.virtual_table import VirtualTable


class DefinitionEdits:
    """Mixed into EvalsPane: `self` is the pane (its store and selection)."""

    def action_use_prompt(self) -> None:
        """Make a saved playground prompt version the eval's input messages."""
        from tui.screens.prompt_pick_form import PromptChoice, PromptPickForm

        if self.selected_eval is None:
            return self.app.notify("Open or pick an eval first", severity="warning")
        store = self.tunedeck.store
        prompts = {p.name: store.prompts.versions(p.name) for p in store.prompts.list()}
        prompts = {name: versions for name, versions in prompts.items() if versions}
        if not prompts:
            return self.app.notify("No saved prompt yet: save one in the Playground "
                                   "(2, then ctrl+s)", severity="warning")

        def chosen(choice: PromptChoice | None) -> None:
            if choice is None or self.selected_eval is None:
                return
            from tui.core.evals.context import template_messages

            version = choice.version
            store.evals.update(self.selected_eval, prompt_version_id=version.id,
                               input_messages=template_messages(version.messages))
            self.app.notify(f"The eval now uses prompt {choice.name} (v{version.version}); "
                            "its {{variables}} are filled from each item")
            self.reload()

        self.app.push_screen(PromptPickForm("Saved prompt to use", prompts), chosen)

    def action_edit_graders(self) -> None:
        if self.selected_eval is None:
            return self.app.notify("open or pick an eval first", severity="warning")
        from tui.screens.grader_editor import GraderEditorScreen

        eval_id = self.selected_eval
        eval_row = self.tunedeck.store.evals.get(eval_id)

        def saved(criteria: list[dict[str, Any]] | None) -> None:
            if criteria is None:
                return
            self.tunedeck.store.evals.update(eval_id, testing_criteria=criteria)
            note = (" (the eval file on disk is unchanged)" if eval_row.definition_path
                    else "")
            self.app.notify(f"{count_of(len(criteria), 'grader')} saved for {eval_row.name!r}; the "
                            f"next run uses them{note}", title="Graders")
            self.reload()

        self.app.push_screen(GraderEditorScreen(eval_row.name, eval_row.testing_criteria or [],
                                                self._trial_item(eval_row), self._try_graders),
                             saved)

    def _trial_item(self, eval_row: Any):
        """The item a try grades: the selected result of this eval's run, else its first item."""
        from tui.core.evals.definition import from_store
        from tui.core.evals.items import ItemError, iter_source
        from tui.screens.grader_editor import TrialItem

        store = self.tunedeck.store
        run_id = self.selected_run
        if run_id is not None and store.evals.run(run_id).eval_id == eval_row.id:
            items = self.query_one("#eval-items", VirtualTable)
            row = items.row_at(items.cursor_row)
            result = store.evals.result(run_id, row.key) if row is not None else None
            if result is not None:
                return TrialItem(f"item {result.item_index} of run {run_id}", result.item or {},
                                 result.sample or None)
        try:
            first = next(iter_source(from_store(eval_row).source, store), None)
        except (ItemError, OSError, KeyError, ValueError):
            first = None
        if first is None:
            return None
        return TrialItem("item 0", first["item"], first.get("sample"))

    async def _try_graders(self, criteria: list[dict[str, Any]], trial_item: Any):
        """Grade one item with the editor's criteria (runs in the editor's async worker)."""
        from tui.core.evals import graders, service
        from tui.core.evals.context import normalize_sample
        from tui.core.evals.definition import from_store
        from tui.core.evals.grader_edit import try_criteria

        definition = from_store(self.tunedeck.store.evals.get(self.selected_eval or 0))
        sample = normalize_sample(trial_item.sample) if trial_item.sample else None
        needs_client = sample is None or any(graders.uses_models(c) for c in criteria)
        client = service.client_for(self.tunedeck.profile) if needs_client else None
        try:
            return await try_criteria(criteria, trial_item.item, sample, client=client,
                                      model=definition.model,
                                      input_messages=definition.input_messages,
                                      sampling_params=definition.sampling_params,
                                      allow_unsandboxed_graders=bool(
                                          self.tunedeck.settings.allow_unsandboxed_graders))
        finally:
            if client is not None:
                await client.close()
