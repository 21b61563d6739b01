"""Retrain elsewhere, step 2: the plan (what was carried over, what could not be mapped)
above the new job's pre-flight on the target's rules, prices and budget.

The same planning `tunedeck jobs retrain` does (tui.core.retrain), in a thread with its
own store connection; the screen answers (plan, pre-flight) to start, or None.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import work

from tui.core.config import Settings
from tui.core.jobs.spec import JobSpec
from tui.screens.job_preflight import JobPreflight
from tui.screens.job_retrain import RetrainRequest


class RetrainPreflight(JobPreflight):
    def __init__(self, job_id: int, request: RetrainRequest, db_path: Path,
                 settings: Settings) -> None:
        from tui.core.pricing import training_prices_for

        target = settings.profile(request.profile)
        confirm = ("y starts the loop: the eval on the old model, this job, then the same "
                   "eval on the new one" if request.eval_id is not None
                   else "y launches the job on " + target.name)
        placeholder = JobSpec(model=request.model, training_version_id=0)
        super().__init__(placeholder, target.name, db_path,
                         training_prices_for(target.kind, settings.prices.training,
                                             profile=target),
                         settings=settings, title="Retrain elsewhere · pre-flight",
                         confirm_text=confirm)
        self.job_id = job_id
        self.request = request
        self.plan: Any = None

    @work(thread=True, exclusive=True, group="jobs-preflight", exit_on_error=False,
          name="retrain pre-flight")
    def check(self) -> None:
        from store import Store
        from tui.core.retrain import RetrainError, plan_retrain, preflight
        from tui.core.spend import check_budget, estimate_eval_run

        settings = self.settings
        assert settings is not None
        request = self.request
        try:
            with Store(self.db_path) as store:
                source = store.jobs.get(self.job_id)
                plan = plan_retrain(store, settings, source, settings.profile(request.profile),
                                    request.model, eval_id=request.eval_id)
                pre = preflight(store, plan, self.prices)
                evals = 0.0
                if request.eval_id is not None:  # the same eval on the old and the new model
                    evals = sum(estimate_eval_run(store, request.eval_id, model)
                                for model in (plan.replaces or "", plan.spec.model))
                budget = check_budget(store, settings, request.profile,
                                      (pre.estimated_cost_usd or 0.0) + evals)
        except RetrainError as exc:
            self.post_message(self.Ready(None, str(exc)))
            return
        except Exception as exc:  # noqa: BLE001 - shown on the screen, not a crash
            self.post_message(self.Ready(None, f"{type(exc).__name__}: {exc}"))
            return
        self.plan = plan
        # What could not be mapped is among the pre-flight's warnings: said once, there.
        self.head_lines = [line for line in plan.lines()
                           if not line.startswith("Not carried over")]
        self.post_message(self.Ready(pre, budget=budget))

    def action_launch(self) -> None:
        if self.preflight is not None and self.preflight.ok and self.plan is not None:
            self.dismiss((self.plan, self.preflight))  # type: ignore[arg-type]
