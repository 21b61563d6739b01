"""The Evals pane's ways to take a run's results out: export a file, turn items into data.

A mixin of EvalsPane. Export writes every result as CSV or JSONL; "failures → data"
appends the failed items (or those selected with space) to a dataset, as SFT lines
or as DPO preference pairs (picked in tui/screens/items_to_data_form.py), which is
how an eval feeds the next fine-tune.
"""

from __future__ import annotations

from tui.core.wording import count_of


class ResultsOut:
    """Mixed into EvalsPane: `self` is the pane (its store, selection and chosen items)."""

    def action_export(self) -> None:
        if self.selected_run is None:
            return
        from tui.core.paths import export_path
        from tui.screens.text_prompt import AskName

        run = self.tunedeck.store.evals.run(self.selected_run)
        name = self.tunedeck.store.evals.get(run.eval_id).name
        # The same folder as the Datasets pane's export (where tunedeck was started).
        default = str(export_path(f"{name}-run-{run.id}", ".csv"))

        def chosen(path: str | None) -> None:
            if not path:
                return
            try:
                n = self.tunedeck.workbench.export_eval_run(self.selected_run, path)
            except OSError as exc:
                self.app.notify(str(exc), severity="error")
                return
            self.app.notify(f"wrote {n} results to {path}", title="Export")

        self.app.push_screen(AskName("Export to (.csv or .jsonl)", value=default), chosen)

    def action_to_dataset(self) -> None:
        run_id = self.selected_run
        if run_id is None:
            return
        from tui.core.form_fields import DatasetTarget, append_hint
        from tui.screens.items_to_data_form import ItemsToDataForm

        chosen_items = set(self.selected_items.get(run_id) or ())
        store = self.tunedeck.store

        def chosen(target: DatasetTarget | None) -> None:
            if target is None:
                return
            from tui.core.evals.failures_to_data import failures_to_dataset

            try:
                version, n = failures_to_dataset(store, run_id, target.name, kind=target.kind,
                                                 indexes=chosen_items or None)
            except ValueError as exc:
                self.app.notify(str(exc), severity="warning")
                return
            if chosen_items:
                self.selected_items.pop(run_id, None)
                self.show_run()
            self.app.notify(f"{count_of(n, 'line')} added: dataset {target.name!r} "
                            f"v{version.version}",
                            title="Selected → data" if chosen_items else "Failures → data")

        what = (f"the {count_of(len(chosen_items), 'selected item')}" if chosen_items
                else "the failures (space selects items)")
        self.app.push_screen(ItemsToDataForm(
            what, [d.name for d in store.datasets.list()],
            describe=lambda name: append_hint(store, name)), chosen)
