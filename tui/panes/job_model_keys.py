"""The Jobs pane's keys that act on a job's model: copy, try, eval vs base, card, and
retrain elsewhere. A mixin of JobsPane (kept apart so the pane stays under its size cap);
it reaches the app only through `self.tunedeck`, as the pane does."""

from __future__ import annotations

from typing import Any

from tui.navigation import EvaluateAgainstBase, TryModelInPlayground

_Base: Any = object


class JobModelKeys(_Base):
    def action_retrain(self) -> None:
        from tui.retrain_flow import start_retrain

        job_id = self.chosen_job_id()
        if job_id is not None:
            start_retrain(self.tunedeck, job_id)

    def action_copy(self) -> None:
        job_id = self.chosen_job_id()
        if job_id is not None:
            self.copy_model(job_id)

    def copy_model(self, job_id: int, name: str | None = None) -> None:
        """Copy the fine-tuned model (or a checkpoint's) id: OSC 52, works through tmux/SSH."""
        job = self.tunedeck.store.jobs.get(job_id)
        name = name or job.fine_tuned_model
        if not name:
            self.notify(f"{job.remote_id} has no fine-tuned model yet ({job.status})",
                        severity="warning")
            return
        self.tunedeck.copy_to_clipboard(name)
        self.notify(f"Copied {name}")

    async def try_model(self, job_id: int, name: str | None = None) -> None:
        """Open the playground comparing the fine-tuned model (or a checkpoint) with its base."""
        job = self.tunedeck.store.jobs.get(job_id)
        name = name or job.fine_tuned_model
        if not name:
            self.notify(f"{job.remote_id} has no fine-tuned model yet ({job.status})",
                        severity="warning")
            return
        await self.tunedeck.navigate(TryModelInPlayground(name))

    async def eval_model(self, job_id: int, name: str | None = None) -> None:
        """Run an eval on the fine-tuned model and on its base, then compare the two runs."""
        from tui.screens.form_base import PickOne

        job = self.tunedeck.store.jobs.get(job_id)
        name = name or job.fine_tuned_model
        evals = self.tunedeck.store.evals.list()
        if not name:
            self.notify(f"{job.remote_id} has no fine-tuned model yet ({job.status})",
                        severity="warning")
            return
        if not evals:
            self.notify("No evals yet: open an eval file in the Evals pane (3, then o)",
                        severity="warning")
            return

        async def chosen(match: Any) -> None:
            if match is None:
                return
            if await self.tunedeck.navigate(EvaluateAgainstBase(match.id, job.model, name)):
                self.notify(f"Evaluating {name} and {job.model} on {match.name}; the "
                            "comparison opens when both runs finish")

        self.tunedeck.push_screen(PickOne(f"Eval to run on {name} and on {job.model}",
                                          [(e.name, e) for e in evals]), chosen)

    async def action_eval_model(self) -> None:
        job_id = self.chosen_job_id()
        if job_id is not None:
            await self.eval_model(job_id)

    def action_model_card(self) -> None:
        job_id = self.chosen_job_id()
        if job_id is None:
            return
        job = self.tunedeck.store.jobs.get(job_id)
        self.tunedeck.show_model_card(job.fine_tuned_model or job.model)

    async def action_try_model(self) -> None:
        job_id = self.chosen_job_id()
        if job_id is not None:
            await self.try_model(job_id)
