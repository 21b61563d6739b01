"""The app's flywheel actions: guided loops, model cards, comparisons and the spend ledger.

A mixin of TunedeckApp, kept apart so app.py stays about panes and focus.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.navigation import (
    EvaluateAgainstBase,
    NavigationRequest,
    TryModelInPlayground,
)

if TYPE_CHECKING:
    from tui.host import Host

_Base: Any = object


class FlywheelActions(_Base):
    def action_loops(self: Host, select: int | None = None) -> None:
        from tui.screens.loops import LoopsScreen

        if self.store_ready.is_set() and not self._already_open(LoopsScreen, "loops view"):
            self.push_screen(LoopsScreen(select))

    def action_spend(self: Host) -> None:
        from tui.screens.spend import SpendScreen

        if self.store_ready.is_set() and not self._already_open(SpendScreen, "spend ledger"):
            self.push_screen(SpendScreen())

    def _already_open(self: Host, kind: type, what: str) -> bool:
        """One of each view in the stack: F8 over F9 over F8 would pile them up."""
        if isinstance(self.screen, kind):
            return True
        if any(isinstance(screen, kind) for screen in self.screen_stack):
            self.notify(f"The {what} is already open beneath this one: esc goes back to it.")
            return True
        return False

    def show_model_card(self: Host, model: str | None) -> None:
        if not model:
            self.notify("No model selected", severity="warning")
            return
        from tui.screens.model_card import ModelCardScreen

        self.push_screen(ModelCardScreen(model, self.db_path,
                                         dict(self.settings.prices.training)))

    def open_comparison(self: Host, run_a: int, run_b: int) -> None:
        from tui.core.evals.compare import compare_runs, trend
        from tui.screens.eval_compare import EvalCompareScreen, describe

        store = self.store
        try:
            comparison = compare_runs(store, run_a, run_b)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        a, b = store.evals.run(run_a), store.evals.run(run_b)
        self.push_screen(EvalCompareScreen(describe(comparison, a, b, trend(store, a.eval_id))))

    def resume_optimization(self: Host, opt_id: int) -> bool:
        """Drive a paused prompt optimization in this TUI again (the live view's r)."""
        from tui.optimize_flow import resume

        return resume(self, opt_id)

    async def navigate(self: Host, request: NavigationRequest) -> bool:
        """Route a pane's or a screen's typed request (tui.navigation); False: not done."""
        while len(self.screen_stack) > 1:  # close the card, the job's detail or the picker
            self.pop_screen()
        if isinstance(request, TryModelInPlayground):
            job = self.store.jobs.by_model(request.model)
            models = [job.model, request.model] if job is not None else [request.model]
            await self.action_show_pane("playground")
            self.pane("playground").use_models(models)
            self.notify(f"Playground: {' vs '.join(models)}; write a message and press ctrl+r")
            return True
        if isinstance(request, EvaluateAgainstBase):
            await self.action_show_pane("evals")
            return self.pane("evals").evaluate_against_base(
                request.eval_id, request.base_model, request.tuned_model)
        raise TypeError(f"no route for {request!r}")

    def action_new_loop(self: Host, version_id: int | None = None) -> None:
        """Form -> the job's pre-flight with the budget -> the loop starts and is shown."""
        from tui.core.config import Capability
        from tui.core.providers import MissingCapabilityError, require
        from tui.screens.loop_start import LoopStart

        if not self.store_ready.is_set():
            return
        profile = self.profile
        try:
            require(profile, Capability.FINE_TUNING)
        except MissingCapabilityError as exc:
            self.notify(str(exc), severity="warning")
            return
        store = self.store
        from tui.core.dataset_versions import ready_version_choices

        versions = ready_version_choices(store)
        evals = [(e.name, e.id) for e in store.evals.list()]
        if not versions or not evals:
            missing = "a dataset (Datasets, 1)" if not versions else "an eval (Evals, 3: o)"
            self.notify(f"A loop needs a dataset and an eval: add {missing} first.",
                        severity="warning")
            return
        from tui.panes.jobs import base_model_choices

        models = base_model_choices(profile.kind,
                                    [m.model_id for m in store.models.list(profile.name)])

        def chosen(request: Any) -> None:
            if request is not None:
                self._loop_preflight(request)

        if version_id is None:  # the version in view in Datasets, when it can train
            current = self.workbench.current_version_id
            version_id = current if current in {v for _, v in versions} else None
        self.push_screen(LoopStart(versions, evals, models, version_id=version_id), chosen)

    def _loop_preflight(self: Host, request: Any) -> None:
        from tui.core.jobs.spec import JobSpec
        from tui.core.pricing import training_prices_for
        from tui.core.spend import estimate_loop_evals
        from tui.screens.job_preflight import JobPreflight

        hyper = {"n_epochs": request.epochs} if request.epochs else {}
        spec = JobSpec(model=request.base_model,
                       training_version_id=request.training_version_id,
                       hyperparameters=hyper)
        evals_cost = estimate_loop_evals(self.store, request.eval_id, request.base_model)

        def confirmed(preflight: Any) -> None:
            if preflight is None:
                return
            from tui.core import loop as loops

            loop = loops.create(self.store, profile=self.profile.name,
                                eval_id=request.eval_id,
                                training_version_id=request.training_version_id,
                                base_model=request.base_model, hyperparameters=hyper,
                                eval_checkpoints=request.eval_checkpoints)
            self.loops.start(loop.id)
            self.action_loops(loop.id)

        self.push_screen(JobPreflight(spec, self.profile.name, self.db_path,
                                      training_prices_for(self.profile.kind,
                                                          self.settings.prices.training),
                                      settings=self.settings, extra_cost_usd=evals_cost,
                                      title="Guided loop · pre-flight of its job",
                                      confirm_text="y starts the loop: the baseline eval "
                                      "first, then this job, then the eval again"), confirmed)
