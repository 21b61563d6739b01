"""The Evals pane's ways to start runs: ask for models, check the budget, start one run each.

A mixin of EvalsPane, kept apart so the pane reads as its view. Starting is more
than a call: a batch run needs a profile with the Batch API, an estimate over the
budget asks first, and the flywheel's "evaluate a fine-tune against its base" starts
two runs and opens their comparison once both have finished. The run's execution
itself (the thread worker) stays in the pane.
"""

from __future__ import annotations

from tui.ui_text import plain


class RunStarts:
    """Mixed into EvalsPane: `self` is the pane (its store, selection and `launch`)."""

    def _resume_batches(self) -> None:
        """Once per session: poll again the batches a quit left in flight (this profile's)."""
        if self._batches_resumed:
            return
        self._batches_resumed = True
        from tui.core.evals.batch import is_batch_run

        for run in self.tunedeck.store.evals.unfinished_runs():
            if is_batch_run(run) and run.profile in (None, self.tunedeck.profile.name):
                self.launch(run.id)

    def action_run_batch(self) -> None:
        from tui.core.config import Capability

        profile = self.tunedeck.profile
        if not profile.has(Capability.BATCH):
            self.app.notify(f"Profile {profile.name!r} has no Batch API (capability 'batch'): "
                            "r runs the eval live instead", title="Evals", severity="warning")
            return
        self._ask_models(batch=True)

    def _ask_models(self, *, batch: bool) -> None:
        if self.selected_eval is None:
            return self.app.notify("open an eval file first (o)", severity="warning")
        from tui.core.evals.definition import from_store
        from tui.screens.text_prompt import AskName

        definition = from_store(self.tunedeck.store.evals.get(self.selected_eval))
        eval_id = self.selected_eval

        def chosen(answer: str | None) -> None:
            if answer is not None:
                self._start_within_budget(eval_id, answer, batch=batch)

        title = ("Models to sample through the Batch API, half price (comma-separated: "
                 "one run each)" if batch else
                 "Models to evaluate, comma-separated: one run each (empty: the items' "
                 "own samples)")
        # Empty means the items' own samples, so a non-batch run accepts it.
        self.app.push_screen(AskName(title, value=definition.model or "", allow_empty=not batch),
                             chosen)

    def _start_within_budget(self, eval_id: int, models: str, *, batch: bool) -> None:
        """Start the runs, asking first when their estimated cost would pass the budget."""
        from tui.core.evals.service import parse_models
        from tui.core.spend import check_budget, estimate_eval_runs

        store, tunedeck = self.tunedeck.store, self.tunedeck
        estimate = estimate_eval_runs(store, eval_id, parse_models(models), batch=batch)
        check = check_budget(store, tunedeck.settings, tunedeck.profile.name, estimate)
        if not check.exceeds:
            self.start_runs(eval_id, models, batch=batch)
            return
        from tui.screens.job_confirm import JobConfirm

        def answered(yes: bool | None) -> None:
            if yes:
                self.start_runs(eval_id, models, batch=batch)

        self.app.push_screen(JobConfirm(plain(f"{check.message()} Run anyway?"), yes="Run"),
                             answered)

    def start_runs(self, eval_id: int, models: str, *, batch: bool = False) -> list[int]:
        """One run per model in a comma-separated list, all started at once."""
        from tui.core.evals.service import parse_models

        started = [self.start_run(eval_id, m, batch=batch) for m in parse_models(models)]
        return [r for r in started if r is not None]

    def start_run(self, eval_id: int, model: str | None, *, batch: bool = False) -> int | None:
        from tui.core.evals import service
        from tui.core.evals.definition import DefinitionError, from_store

        store = self.tunedeck.store
        eval_row = store.evals.get(eval_id)
        try:
            run = service.new_run(store, eval_row, from_store(eval_row), model=model,
                                  profile=self.tunedeck.profile.name, batch=batch)
        except (DefinitionError, ValueError, OSError) as exc:
            self.app.notify(str(exc), title="Evals", severity="error")
            return None
        self.selected_run = run.id
        self.launch(run.id)
        self.reload()
        return run.id

    def evaluate_against_base(self, eval_id: int, base_model: str, tuned_model: str) -> bool:
        """Run the eval on a fine-tuned model (and its base, unless a finished run exists),
        then open the comparison when both are done."""
        store = self.tunedeck.store
        done = [r for r in store.evals.runs(eval_id)
                if r.model == base_model and r.status == "completed"]
        base_id = done[-1].id if done else self.start_run(eval_id, base_model)
        tuned_id = self.start_run(eval_id, tuned_model)
        if base_id is None or tuned_id is None:
            return False
        self.compare_when_done = (base_id, tuned_id)
        self._maybe_compare()
        return True

    def _maybe_compare(self) -> None:
        if self.compare_when_done is None:
            return
        base_id, tuned_id = self.compare_when_done
        store = self.tunedeck.store
        if any(store.evals.run(r).status in ("queued", "in_progress")
               for r in (base_id, tuned_id)):
            return
        self.compare_when_done = None
        self.marked_run, self.selected_run = base_id, tuned_id
        self.reload()
        self.action_compare()
