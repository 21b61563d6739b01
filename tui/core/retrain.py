"""Retrain elsewhere: the same data, method and settings of a stored job, on another
profile and base model; with an eval, a guided loop that proves the replacement.

The plan says what was carried over and what could not be (another provider's
learning rate, a suffix its rules refuse, a seed it ignores); the pre-flight shows both.
With an eval, the loop's baseline runs on the model being replaced (on its own
profile), the new job trains, the same eval runs on the new model, and the comparison
is stored on the loop, so both models' cards show it (tui.core.lineage).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from store.records import Job
from tui.core.config import Capability, Profile, Settings
from tui.core.jobs.spec import JobSpec


class RetrainError(Exception):
    """The job cannot be retrained as asked; the message says why and what to do."""


@dataclass
class RetrainPlan:
    source: Job
    target: Profile
    spec: JobSpec
    carried: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    eval_id: int | None = None

    @property
    def replaces(self) -> str | None:
        return self.source.fine_tuned_model

    def lines(self) -> list[str]:
        head = (f"Retrain {self.source.remote_id} ({self.source.method or 'supervised'} on "
                f"{self.source.model}, profile {self.source.profile}) as "
                f"{self.spec.model} on {self.target.name}")
        out = [head, "Carried over: " + (", ".join(self.carried) or "the data and the method")]
        out += [f"Not carried over: {note}" for note in self.unmapped]
        return out


def find_job(store: Any, ref: str, profile: str | None = None) -> Job:
    """A stored job by local number or provider id (on `profile`, else on any profile)."""
    if ref.isdigit():
        try:
            return store.jobs.get(int(ref))
        except KeyError:
            pass
    found = [j for j in store.jobs.list(profile) if j.remote_id == ref]
    if len(found) == 1:
        return found[0]
    if found:
        names = ", ".join(j.profile for j in found)
        raise RetrainError(f"job {ref} is stored on several profiles ({names}): name one with "
                           "--profile before the command (tunedeck --profile P jobs retrain …)")
    raise RetrainError(f"no job {ref!r} in the store (tunedeck jobs list, or tunedeck sync)")


def _version_of(store: Any, job: Job, role: str) -> int | None:
    version = job.training_version_id if role == "training" else job.validation_version_id
    file_id = job.training_file if role == "training" else job.validation_file
    if version is None and file_id:
        try:
            version = store.files.get(job.profile, file_id).dataset_version_id
        except KeyError:
            version = None
    return version


def _suffix_of(job: Job) -> str | None:
    """The job's suffix; OpenAI keeps it only in the name `ft:BASE:ORG:SUFFIX:ID`."""
    if job.suffix:
        return job.suffix
    parts = (job.fine_tuned_model or "").split(":")
    if len(parts) == 5 and parts[0] == "ft" and parts[3]:
        return parts[3]
    return None


def plan_retrain(store: Any, settings: Settings, job: Job, target: Profile, model: str, *,
                 eval_id: int | None = None, suffix: str | None = None) -> RetrainPlan:
    from tui.core.finetune import capabilities_for, rules_of
    from tui.core.finetune.mapping import map_settings
    from tui.core.finetune.port import Feature

    if not target.has(Capability.FINE_TUNING):
        raise RetrainError(f"profile {target.name!r} ({target.provider_label}) does not "
                           "fine-tune; pick one that does")
    training = _version_of(store, job, "training")
    if training is None:
        raise RetrainError(f"{job.remote_id} trained on {job.training_file or 'a file'} that "
                           "no stored dataset version holds: import the data (or run tunedeck "
                           "sync, which links files tunedeck uploaded) and try again")
    if eval_id is not None and not job.fine_tuned_model:
        raise RetrainError(f"{job.remote_id} has no fine-tuned model ({job.status}) to compare "
                           "the new one with: retrain without --eval, or pick a job that "
                           "succeeded")
    method = job.method or "supervised"
    raw_method = (job.raw or {}).get("method") or {}
    inner = raw_method.get(method) or {}
    source_hyper = dict(inner.get("hyperparameters") or (job.raw or {}).get("hyperparameters")
                        or {})
    rules, caps = rules_of(target), capabilities_for(target)
    mapped = map_settings(method, source_hyper, rules)
    carried, unmapped = mapped.carried, mapped.unmapped
    grader = inner.get("grader") if method == "reinforcement" else None
    validation = _version_of(store, job, "validation")
    if validation is None and job.validation_file:
        unmapped.append(f"the validation file {job.validation_file}: no stored dataset version "
                        "holds it")
    wanted_suffix = suffix if suffix is not None else _suffix_of(job)
    if wanted_suffix and rules.suffix_problem(wanted_suffix):
        unmapped.append(f"suffix {wanted_suffix!r}: {rules.suffix_problem(wanted_suffix)}")
        wanted_suffix = None
    elif wanted_suffix:
        carried.append(f"suffix={wanted_suffix}")
    seed = job.seed
    if seed is not None and not caps.can(Feature.SEED):
        unmapped.append(f"seed={seed}: {caps.why_not(Feature.SEED)}")
        seed = None
    elif seed is not None:
        carried.append(f"seed={seed}")
    spec = JobSpec(model=model, training_version_id=training, method=method,
                   validation_version_id=validation, hyperparameters=mapped.hyperparameters,
                   grader=grader, suffix=wanted_suffix, seed=seed, options=mapped.options)
    return RetrainPlan(job, target, spec, carried, unmapped, eval_id)


def preflight(store: Any, plan: RetrainPlan, prices: dict[str, float] | None = None) -> Any:
    """The new job's pre-flight on the target's rules, with what stays behind as warnings."""
    from tui.core.jobs.preflight import run_preflight

    pre = run_preflight(store, plan.target, plan.spec, prices=prices)
    pre.warnings[:0] = [f"not carried over: {note}" for note in plan.unmapped]
    return pre


def loop_for(store: Any, plan: RetrainPlan) -> Any:
    """The guided loop that trains the replacement and compares it with the model it replaces."""
    from tui.core import loop as loops

    if plan.eval_id is None:
        raise RetrainError("a comparison needs an eval (--eval NAME)")
    spec = plan.spec
    return loops.create(
        store, profile=plan.target.name, eval_id=plan.eval_id,
        training_version_id=spec.training_version_id,
        validation_version_id=spec.validation_version_id, base_model=spec.model,
        hyperparameters=spec.hyperparameters, method=spec.method, suffix=spec.suffix,
        seed=spec.seed, options=spec.options, grader=spec.grader,
        baseline_model=plan.source.fine_tuned_model, baseline_profile=plan.source.profile,
        source_job_id=plan.source.id,
        name=f"retrain {plan.source.fine_tuned_model} as {spec.model} on {plan.target.name}")

