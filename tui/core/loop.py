"""The guided flywheel loop: baseline eval -> fine-tuning job -> the same eval again -> compare.

A loop's state lives in the store (`loops`): every stage writes the id of its
eval run or job *before* it starts that work, and `drive` only ever continues
from what the row says. Killing the process at any point and calling `drive`
again resumes the same run (the runner skips graded items) or watches the same
job; a job created just before a crash is found again by the loop id it
carries in its metadata (or, where a provider keeps no metadata, by its model and
training file), so it is never launched twice.

The job goes through the fine-tuning port, so a loop runs on any provider. A
"retrain elsewhere" loop (tui.core.retrain) runs its baseline on the model being
replaced, on that model's own profile; the tuned model is made to answer first where
its provider needs a deployment (Azure), and is evaluated by the name it answers to.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from store.jobs import FINAL_STATUSES
from store.loops import FINAL_STAGES
from store.records import Loop
from tui.core.evals.runner import Progress, RunnerOptions
from tui.core.jobs.spec import LOOP_METADATA_KEY


class LoopError(Exception):
    """The loop cannot go on; the message says why (and is stored on the loop)."""


@dataclass
class LoopOptions:
    runner: RunnerOptions = field(default_factory=RunnerOptions)
    poll_s: float = 5.0
    training_prices: dict[str, float] | None = None


def create(store: Any, *, profile: str, eval_id: int, training_version_id: int,
           base_model: str, validation_version_id: int | None = None,
           hyperparameters: dict[str, Any] | None = None, method: str = "supervised",
           suffix: str | None = None, seed: int | None = None,
           eval_checkpoints: bool = False, name: str | None = None,
           options: dict[str, Any] | None = None, grader: dict[str, Any] | None = None,
           baseline_model: str | None = None, baseline_profile: str | None = None,
           source_job_id: int | None = None) -> Loop:
    eval_row = store.evals.get(eval_id)
    version = store.datasets.version(training_version_id)
    dataset = next(d for d in store.datasets.list() if d.id == version.dataset_id)
    # Loop ids are only unique within one store; the token that marks the loop's
    # job on the provider must not match a job another store's loop launched.
    spec = {"method": method, "hyperparameters": dict(hyperparameters or {}),
            "suffix": suffix, "seed": seed, "token": uuid.uuid4().hex,
            "options": dict(options or {}), "grader": grader}
    return store.loops.create(
        name=name or f"{dataset.name} v{version.version} · {eval_row.name} · {base_model}",
        profile=profile, base_model=base_model, eval_id=eval_id,
        training_version_id=training_version_id, validation_version_id=validation_version_id,
        job_spec=spec, eval_checkpoints=eval_checkpoints, baseline_model=baseline_model,
        baseline_profile=baseline_profile, source_job_id=source_job_id)


def job_spec(loop: Loop) -> Any:
    from tui.core.jobs.spec import JobSpec

    spec = loop.job_spec or {}
    return JobSpec(model=loop.base_model, training_version_id=loop.training_version_id,
                   validation_version_id=loop.validation_version_id,
                   method=spec.get("method") or "supervised",
                   hyperparameters=dict(spec.get("hyperparameters") or {}),
                   suffix=spec.get("suffix"), seed=spec.get("seed"),
                   grader=spec.get("grader"), options=dict(spec.get("options") or {}),
                   metadata={LOOP_METADATA_KEY: loop_token(loop)})


def loop_token(loop: Loop) -> str:
    return str((loop.job_spec or {}).get("token") or f"loop-{loop.id}")


def preflight(store: Any, loop: Loop, prices: dict[str, float] | None = None,
              profile: Any = None) -> Any:
    """The loop's job pre-flight; with its Profile, against that provider's rules."""
    from tui.core.jobs.preflight import run_preflight

    return run_preflight(store, profile if profile is not None else loop.profile,
                         job_spec(loop), prices=prices)


Say = Callable[[str], None]


class LoopDriver:
    """Advances one loop to its end (or until cancelled). One driver per loop at a time."""

    def __init__(self, store: Any, loop_id: int, *, provider: Any, options: LoopOptions,
                 say: Say | None = None,
                 on_progress: Callable[[Progress], None] | None = None,
                 baseline_client: Any = None) -> None:
        self.store = store
        self.loop_id = loop_id
        self.provider = provider  # the fine-tuning port of the loop's profile
        self.client = provider.inference_client()
        # A retrain's baseline model may live on another profile: its own client.
        self.baseline_client = baseline_client or self.client
        self.options = options
        self._blocked = False  # stopped until something outside changes (a deployment)
        self.say = say or (lambda _text: None)
        self.on_progress = on_progress
        self._runner: Any = None
        self._cancelled = False
        self._wake: asyncio.Event | None = None

    def cancel(self) -> None:
        """Stop at the next safe point; the loop keeps its stage and can be driven again.

        Call it on the driver's event loop (from another thread: call_soon_threadsafe).
        """
        self._cancelled = True
        if self._runner is not None:
            self._runner.cancel()
        if self._wake is not None:
            self._wake.set()

    async def _sleep(self, seconds: float) -> None:
        """A poll interval that ends early when the driver is cancelled."""
        assert self._wake is not None
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except TimeoutError:
            pass

    async def drive(self) -> Loop:
        self._wake = asyncio.Event()
        if self._cancelled:
            self._wake.set()
        loop = self.store.loops.get(self.loop_id)
        self._blocked = False
        while loop.stage not in FINAL_STAGES and not self._cancelled and not self._blocked:
            try:
                if loop.stage == "baseline":
                    loop = await self._baseline(loop)
                elif loop.stage == "training":
                    loop = await self._training(loop)
                elif loop.stage == "evaluating":
                    loop = await self._evaluating(loop)
                else:
                    raise LoopError(f"unknown stage {loop.stage!r}")
            except LoopError as exc:
                loop = self.store.loops.update(loop.id, stage="failed", error=str(exc))
                self.say(f"Loop failed: {exc}")
        return loop

    # -- stages -------------------------------------------------------------
    async def _run_eval(self, loop: Loop, model: str, run_id: int | None, label: str,
                        remember: Callable[[int], object], *, client: Any = None,
                        profile: str | None = None) -> int | None:
        """Create (once: `remember` stores the new id on the loop) and run an eval run of
        the loop's eval on `model`; its id, or None when it was cancelled."""
        from tui.core.evals import service
        from tui.core.evals.definition import DefinitionError, from_store

        store = self.store
        if run_id is None:
            eval_row = store.evals.get(loop.eval_id)
            try:
                run = service.new_run(store, eval_row, from_store(eval_row), model=model,
                                      profile=profile or loop.profile, name=label)
            except (DefinitionError, ValueError, OSError) as exc:
                raise LoopError(f"cannot start the {label} eval run: {exc}") from exc
            run_id = run.id
            remember(run_id)
        run = store.evals.run(run_id)
        if run.status != "completed":
            self.say(f"Evaluating {model} ({label}, run {run_id})")
            run = await service.execute(store, run_id, client=client or self.client,
                                        options=self.options.runner,
                                        on_progress=self.on_progress,
                                        runner_ref=self._keep_runner)
            self._runner = None
        if run.status == "canceled" or self._cancelled:
            return None
        if run.status != "completed":
            raise LoopError(f"the {label} eval run {run_id} {run.status}: {run.error or ''}"
                            .rstrip(": "))
        return run_id

    def _keep_runner(self, runner: Any) -> None:
        self._runner = runner
        if self._cancelled:
            runner.cancel()

    async def _baseline(self, loop: Loop) -> Loop:
        model, profile = loop.baseline
        run_id = await self._run_eval(
            loop, model, loop.baseline_run_id, "baseline",
            lambda rid: self.store.loops.update(loop.id, baseline_run_id=rid),
            client=self.baseline_client, profile=profile)
        if run_id is None:
            return loop
        return self.store.loops.update(loop.id, stage="training")

    async def _find_launched(self, loop: Loop, training_file: str | None) -> dict[str, Any] | None:
        """A job this loop created whose id never reached the store (a crash right after)."""
        from tui.core.finetune.shapes import epoch
        from tui.core.pagination import PaginationStopped

        try:
            # The port searches the newest jobs through the pager (OpenAIShaped.FIND_WINDOW).
            return await self.provider.find_job(
                LOOP_METADATA_KEY, loop_token(loop), model=loop.base_model,
                training_file=training_file, since=epoch(loop.created_at) or 0)
        except PaginationStopped as exc:
            # Without a complete answer a second job might be launched: stop instead.
            raise LoopError(f"cannot tell whether this loop launched a job already: {exc}") \
                from exc

    async def _launch(self, loop: Loop) -> Loop:
        from tui.core.jobs.actions import ActionError, launch

        pre = preflight(self.store, loop, self.options.training_prices, self.provider.profile)
        found = await self._find_launched(loop, pre.training.existing_file_id)
        if found is not None:
            job = self.store.jobs.upsert(
                loop.profile, found, training_version_id=loop.training_version_id,
                validation_version_id=loop.validation_version_id)
            self.say(f"Found the job this loop launched before: {job.remote_id}")
        else:
            if not pre.ok:
                raise LoopError("pre-flight: " + "; ".join(pre.problems))
            for line in pre.summary_lines():
                self.say(line)
            for line in pre.warnings:
                self.say(f"! {line}")
            try:
                job = await launch(self.provider, self.store, pre, say=self.say)
            except ActionError as exc:
                raise LoopError(str(exc)) from exc
            self.say(f"Launched {job.remote_id}")
        return self.store.loops.update(loop.id, job_id=job.id)

    async def _training(self, loop: Loop) -> Loop:
        import openai

        from tui.core.jobs.job_sync import sync_job
        from tui.core.jobs.watch import PollPolicy, retry_after_of

        if loop.job_id is None:
            loop = await self._launch(loop)
        assert loop.job_id is not None
        job = self.store.jobs.get(loop.job_id)
        policy = PollPolicy(self.options.poll_s)
        errors = 0
        while not self._cancelled:
            # The loop polls its own job even where the jobs pane's watcher also does:
            # one request a poll, and the loop never waits on a watcher that stopped
            # (another profile) or cannot see the job any more.
            try:
                job = (await sync_job(self.provider, self.store, loop.profile, job,
                                      retrieve=True)).job
                errors = 0
            except openai.NotFoundError as exc:
                raise LoopError(
                    f"the provider no longer knows the fine-tuning job {job.remote_id} (404); "
                    "a sandbox started without --state forgets its jobs when it stops") from exc
            except openai.APIError as exc:
                errors += 1
                wait = policy.backoff(errors, retry_after_of(exc))
                self.say(f"Polling {job.remote_id} failed ({type(exc).__name__}); "
                         f"trying again in {wait:.0f}s")
                await self._sleep(wait)
                continue
            if loop.eval_checkpoints:
                loop = await self._evaluate_checkpoints(loop)
            if job.status in FINAL_STATUSES:
                break
            await self._sleep(self.options.poll_s)
        if self._cancelled:
            return loop
        if job.status != "succeeded":
            reason = (job.error or {}).get("message") or job.status
            raise LoopError(f"the fine-tuning job {job.remote_id} {job.status}: {reason}")
        self.say(f"{job.remote_id} succeeded: {job.fine_tuned_model}")
        return self.store.loops.update(loop.id, stage="evaluating")

    async def _evaluate_checkpoints(self, loop: Loop) -> Loop:
        done = dict(loop.checkpoint_runs or {})

        def remember(name: str) -> Callable[[int], object]:
            def store_id(run_id: int) -> None:
                done[name] = run_id
                self.store.loops.update(loop.id, checkpoint_runs=done)
            return store_id

        for checkpoint in self.store.jobs.checkpoints(loop.job_id):
            name = checkpoint.fine_tuned_model_checkpoint
            if await self._run_eval(loop, name, done.get(name),
                                    f"step {checkpoint.step_number}", remember(name)) is None:
                break
        return self.store.loops.get(loop.id)

    async def _answerable(self, loop: Loop, job: Any) -> str | None:
        """The name the tuned model answers to, after deploying it where that is needed;
        None (the loop waits at this stage, saying why) while it does not answer yet."""
        answer = await self.provider.make_answerable(self.store, job)
        if answer.ready:
            if answer.model != job.fine_tuned_model:
                self.say(answer.message)
            return answer.model
        text = answer.message + (f"\n  run: {answer.command}" if answer.command else "")
        self.say(text)
        self.store.loops.update(loop.id, error=f"waiting: {answer.message}"
                                + (f" (run: {answer.command})" if answer.command else ""))
        self._blocked = True
        return None

    async def _evaluating(self, loop: Loop) -> Loop:
        from tui.core.evals.compare import compare_runs
        from tui.core.lineage import pass_rate_of

        job = self.store.jobs.get(loop.job_id)
        if not job.fine_tuned_model:
            raise LoopError(f"{job.remote_id} succeeded without a fine-tuned model name")
        if loop.eval_checkpoints:
            loop = await self._evaluate_checkpoints(loop)
        served = job.fine_tuned_model
        if loop.tuned_run_id is None:
            served = await self._answerable(loop, job)
            if served is None:
                return loop
        run_id = await self._run_eval(
            loop, served, loop.tuned_run_id, "fine-tuned",
            lambda rid: self.store.loops.update(loop.id, tuned_run_id=rid))
        if run_id is None:
            return loop
        assert loop.baseline_run_id is not None
        comparison = compare_runs(self.store, loop.baseline_run_id, run_id).as_dict()
        base = self.store.evals.run(loop.baseline_run_id)
        tuned = self.store.evals.run(run_id)
        comparison["base_pass_rate"] = pass_rate_of(base.result_counts)[0]
        comparison["tuned_pass_rate"] = pass_rate_of(tuned.result_counts)[0]
        comparison["model"] = job.fine_tuned_model
        comparison["served_as"] = tuned.model
        comparison["profile"] = loop.profile
        comparison["baseline_model"], comparison["baseline_profile"] = loop.baseline
        self.say(f"Baseline {_pct(comparison['base_pass_rate'])} → fine-tuned "
                 f"{_pct(comparison['tuned_pass_rate'])} "
                 f"(fail→pass {len(comparison['fail_to_pass'])}, "
                 f"pass→fail {len(comparison['pass_to_fail'])}, "
                 f"McNemar p = {comparison['mcnemar_p']:.4g})")
        return self.store.loops.update(loop.id, stage="done", comparison=comparison, error=None)


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.1f}%"


def stage_lines_summary(loop: Loop) -> str:
    """One line for a finished loop's outcome (notifications, lists)."""
    c = loop.comparison or {}
    if not c:
        return loop.stage
    return (f"{_pct(c.get('base_pass_rate'))} → {_pct(c.get('tuned_pass_rate'))} on "
            f"{c.get('model', 'the fine-tuned model')}")


def stage_lines(store: Any, loop: Loop) -> list[tuple[str, str, str]]:
    """(state, title, detail) per stage for a progress view; state is done|active|todo|failed."""
    order = ["baseline", "training", "evaluating", "done"]
    position = order.index(loop.stage) if loop.stage in order else -1

    def state(index: int) -> str:
        if loop.stage == "done" or index < position:
            return "done"
        if loop.stage in ("failed", "cancelled"):
            reached = {"baseline": loop.baseline_run_id, "training": loop.job_id,
                       "evaluating": loop.tuned_run_id}
            if index == 3:
                return "todo"
            stage_name = order[index]
            later = order[index + 1] if index + 1 < 3 else None
            if later and reached.get(later) is not None:
                return "done"
            return "failed" if reached.get(stage_name) is not None or index == 0 else "todo"
        return "active" if index == position else "todo"

    def run_detail(run_id: int | None) -> str:
        if run_id is None:
            return "not started"
        from tui.core.lineage import pass_rate_of

        run = store.evals.run(run_id)
        total = (run.data_source or {}).get("total")
        done = store.evals.count_results(run_id)
        rate = pass_rate_of(run.result_counts)[0]
        text = f"run {run_id} on {run.model}: {run.status}"
        if run.status == "completed":
            return text + f", pass rate {_pct(rate)}"
        return text + (f", {done}/{total} items" if total else f", {done} items")

    if loop.job_id is None:
        job_detail = "not launched"
    else:
        job = store.jobs.get(loop.job_id)
        progress = store.jobs.latest_step(job.id)
        job_detail = f"{job.remote_id}: {job.status}"
        if progress and progress[1]:
            job_detail += f", step {progress[0]}/{progress[1]}"
        if job.fine_tuned_model:
            job_detail += f" → {job.fine_tuned_model}"
    compare = "—"
    if loop.comparison:
        c = loop.comparison
        compare = (f"{_pct(c.get('base_pass_rate'))} → {_pct(c.get('tuned_pass_rate'))}, "
                   f"fail→pass {len(c.get('fail_to_pass', []))}, "
                   f"pass→fail {len(c.get('pass_to_fail', []))}, "
                   f"McNemar p = {c.get('mcnemar_p', 1.0):.4g}")
    return [
        (state(0), "Baseline eval", run_detail(loop.baseline_run_id)),
        (state(1), "Fine-tuning job", job_detail),
        (state(2), "Eval of the fine-tuned model", run_detail(loop.tuned_run_id)),
        (state(3), "Comparison", compare),
    ]
