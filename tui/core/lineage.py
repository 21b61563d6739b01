"""Where a model and its scores came from: job, exact dataset versions, eval runs, cost.

Everything is read from the store, so a model's card stays readable after the
provider has retired the job, the files and the model itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from tui.core.distill.distill_lineage import lineage as distillation_lineage
from tui.core.pricing import training_price_per_1m


@dataclass
class DatasetRef:
    role: str  # "training" | "validation"
    dataset: str | None
    version: int | None
    version_id: int | None
    content_hash: str | None
    examples: int | None
    file_id: str | None


@dataclass
class RunScore:
    eval_id: int
    eval_name: str
    run_id: int
    model: str | None
    status: str
    pass_rate: float | None
    passed: int
    total: int
    cost_usd: float | None
    prompt: str | None  # "name v3" of the prompt version the run used, when known
    created_at: str
    # Against the base model's latest finished run of the same eval.
    base_run_id: int | None = None
    base_pass_rate: float | None = None
    fail_to_pass: int = 0
    pass_to_fail: int = 0
    mcnemar_p: float | None = None

    @property
    def delta(self) -> float | None:
        if self.pass_rate is None or self.base_pass_rate is None:
            return None
        return self.pass_rate - self.base_pass_rate


@dataclass
class ModelLineage:
    model: str
    kind: str  # "fine-tuned" | "checkpoint" | "model"
    base_model: str | None = None
    profile: str | None = None
    job_id: int | None = None
    job_remote_id: str | None = None
    job_status: str | None = None
    method: str | None = None
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    checkpoint_step: int | None = None
    trained_tokens: int | None = None
    datasets: list[DatasetRef] = field(default_factory=list)
    runs: list[RunScore] = field(default_factory=list)
    loop_id: int | None = None
    # Retrain elsewhere: loops whose comparison this model is part of, as the model
    # replaced (`retrained_as`) or as the replacement (`replaces`).
    retrained_as: list[dict[str, Any]] = field(default_factory=list)
    replaces: dict[str, Any] | None = None
    shutdown_date: str | None = None  # when the provider stops serving it
    shutdown_via: str | None = None  # the base model whose date it follows
    deployments: list[str] = field(default_factory=list)  # names it answers to
    training_estimated_usd: float | None = None
    training_actual_usd: float | None = None
    evals_usd: float = 0.0
    playground_usd: float = 0.0
    # A distilled student: the distillation that wrote its training data (teacher, its
    # profile, the filter, the kept fraction and what the teacher's answers cost).
    distilled: dict[str, Any] | None = None

    @property
    def distill_usd(self) -> float:
        return float((self.distilled or {}).get("cost_usd") or 0.0)

    @property
    def total_usd(self) -> float:
        training = self.training_actual_usd
        if training is None:
            training = self.training_estimated_usd or 0.0
        return training + self.evals_usd + self.playground_usd + self.distill_usd

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["total_usd"] = self.total_usd
        data["distill_usd"] = self.distill_usd
        for run, score in zip(data["runs"], self.runs, strict=True):
            run["delta"] = score.delta
        return data


def pass_rate_of(counts: dict[str, int] | None) -> tuple[float | None, int, int]:
    counts = counts or {}
    passed, failed = int(counts.get("passed", 0)), int(counts.get("failed", 0))
    graded = passed + failed
    return (passed / graded if graded else None), passed, int(counts.get("total", graded))


def _prompt_label(store: Any, version_id: int | None) -> str | None:
    if version_id is None:
        return None
    try:
        version = store.prompts.version(version_id)
    except KeyError:
        return None
    names = {p.id: p.name for p in store.prompts.list()}
    return f"{names.get(version.prompt_id, 'prompt')} v{version.version}"


def _dataset_ref(store: Any, role: str, version_id: int | None, profile: str,
                 file_id: str | None) -> DatasetRef | None:
    content_hash = None
    if version_id is None and file_id:
        try:
            remote = store.files.get(profile, file_id)
        except KeyError:
            remote = None
        if remote is not None:
            version_id, content_hash = remote.dataset_version_id, remote.content_hash
    if version_id is None:
        return DatasetRef(role, None, None, None, content_hash, None, file_id) if file_id else None
    version = store.datasets.version(version_id)
    names = {d.id: d.name for d in store.datasets.list()}
    return DatasetRef(role, names.get(version.dataset_id), version.version, version.id,
                      version.content_hash, version.n_examples, file_id)


def _runs_of(store: Any, model: str, aliases: list[str] | None = None) -> list[tuple[Any, Any]]:
    """(eval, run) for every eval run made against `model` (or a deployment name of it),
    oldest first."""
    names = [model, *(aliases or [])]
    rows = store.db.execute(
        f"SELECT id, eval_id FROM eval_runs WHERE model IN ({', '.join('?' * len(names))}) "
        "ORDER BY id", names).fetchall()
    evals: dict[int, Any] = {}
    out = []
    for run_id, eval_id in rows:
        if eval_id not in evals:
            evals[eval_id] = store.evals.get(eval_id)
        out.append((evals[eval_id], store.evals.run(run_id)))
    return out


def _latest_finished(store: Any, eval_id: int, model: str) -> Any | None:
    done = [r for r in store.evals.runs(eval_id) if r.model == model and r.status == "completed"]
    return done[-1] if done else None


def _score(store: Any, eval_row: Any, run: Any, base_model: str | None) -> RunScore:
    from tui.core.evals.compare import compare_runs

    rate, passed, total = pass_rate_of(run.result_counts)
    score = RunScore(eval_row.id, eval_row.name, run.id, run.model, run.status, rate, passed,
                     total, run.cost_usd, _prompt_label(store, run.prompt_version_id),
                     run.created_at)
    base = _latest_finished(store, eval_row.id, base_model) if base_model else None
    if base is not None and run.status == "completed":
        score.base_run_id = base.id
        score.base_pass_rate = pass_rate_of(base.result_counts)[0]
        comparison = compare_runs(store, base.id, run.id, samples=500)
        score.fail_to_pass = len(comparison.fail_to_pass)
        score.pass_to_fail = len(comparison.pass_to_fail)
        score.mcnemar_p = comparison.mcnemar_p
    return score


def model_lineage(store: Any, model: str, *,
                  training_prices: dict[str, float] | None = None) -> ModelLineage:
    """The chain behind `model` (a fine-tuned model, a checkpoint, or any other model).

    A deployment's name (Azure) stands for the model it serves."""
    model = store.deployments.model_of(model) or model
    job = store.jobs.by_model(model)
    lineage = ModelLineage(model=model, kind="model")
    lineage.deployments = [d.name for d in store.deployments.for_model(model)
                           if d.status == "succeeded"]
    if job is not None:
        lineage.kind = "fine-tuned" if job.fine_tuned_model == model else "checkpoint"
        lineage.base_model = job.model
        lineage.profile = job.profile
        lineage.job_id, lineage.job_remote_id, lineage.job_status = job.id, job.remote_id, \
            job.status
        lineage.method = job.method
        method = (job.raw or {}).get("method") or {}
        lineage.hyperparameters = dict(
            (method.get(job.method or "", {}) or {}).get("hyperparameters")
            or (job.raw or {}).get("hyperparameters") or {})
        lineage.trained_tokens = job.trained_tokens
        if lineage.kind == "checkpoint":
            steps = [c.step_number for c in store.jobs.checkpoints(job.id)
                     if c.fine_tuned_model_checkpoint == model]
            lineage.checkpoint_step = steps[0] if steps else None
        for role, version_id, file_id in (
                ("training", job.training_version_id, job.training_file),
                ("validation", job.validation_version_id, job.validation_file)):
            ref = _dataset_ref(store, role, version_id, job.profile, file_id)
            if ref is not None:
                lineage.datasets.append(ref)
        distillation = (store.distills.producing(job.training_version_id)
                        if job.training_version_id is not None else None)
        if distillation is not None:
            lineage.distilled = distillation_lineage(store, distillation)
        lineage.training_estimated_usd = job.estimated_cost_usd
        price = training_price_per_1m(job.model, training_prices)
        if job.trained_tokens and price is not None and lineage.kind == "fine-tuned":
            lineage.training_actual_usd = job.trained_tokens * price / 1_000_000
        loop = store.loops.for_job(job.id)
        lineage.loop_id = loop.id if loop else None
        if loop is not None and loop.source_job_id is not None:
            lineage.replaces = _retrain_link(loop, "replaces")
    lineage.retrained_as = [_retrain_link(loop, "retrained_as")
                            for loop in store.loops.retrains(model)]
    lineage.shutdown_date, lineage.shutdown_via = _shutdown(store, lineage)
    for eval_row, run in _runs_of(store, model, lineage.deployments):
        lineage.runs.append(_score(store, eval_row, run, lineage.base_model))
        lineage.evals_usd += run.cost_usd or 0.0
    row = store.db.execute("SELECT SUM(cost_usd) FROM playground_runs WHERE model = ?",
                           [model]).fetchone()
    lineage.playground_usd = float(row[0] or 0.0)
    return lineage


def _retrain_link(loop: Any, side: str) -> dict[str, Any]:
    """One retrain loop as the card shows it: the other model, where, and the comparison."""
    c = loop.comparison or {}
    old_model, old_profile = loop.baseline
    other = ({"model": c.get("model") or loop.base_model, "profile": loop.profile}
             if side == "retrained_as" else {"model": old_model, "profile": old_profile})
    return {"loop_id": loop.id, "stage": loop.stage, **other,
            "old_pass_rate": c.get("base_pass_rate"), "new_pass_rate": c.get("tuned_pass_rate"),
            "fail_to_pass": len(c.get("fail_to_pass") or []),
            "pass_to_fail": len(c.get("pass_to_fail") or []), "mcnemar_p": c.get("mcnemar_p")}


def _shutdown(store: Any, lineage: ModelLineage) -> tuple[str | None, str | None]:
    from tui.core.retirement import shutdown_of

    if lineage.profile is not None:
        return shutdown_of(store, lineage.profile, lineage.model)
    dates = {m: d for (_, m), d in store.models.shutdown_dates().items()}
    return dates.get(lineage.model), None


def lineage_rows(lineage: ModelLineage) -> list[dict[str, Any]]:
    """Flat rows for export: one per link in the chain (CSV- and JSONL-friendly)."""
    rows: list[dict[str, Any]] = []
    if lineage.job_id is not None:
        rows.append({"model": lineage.model, "link": "job", "ref": lineage.job_remote_id,
                     "detail": f"{lineage.method or ''} on {lineage.base_model}",
                     "status": lineage.job_status, "cost_usd": lineage.training_actual_usd
                     if lineage.training_actual_usd is not None
                     else lineage.training_estimated_usd, "score": None, "base_score": None})
    for ref in lineage.datasets:
        rows.append({"model": lineage.model, "link": f"{ref.role}_data",
                     "ref": ref.content_hash, "detail": f"{ref.dataset} v{ref.version}"
                     if ref.dataset else (ref.file_id or ""), "status": None, "cost_usd": None,
                     "score": None, "base_score": None})
    for run in lineage.runs:
        rows.append({"model": lineage.model, "link": "eval_run", "ref": str(run.run_id),
                     "detail": run.eval_name + (f" · {run.prompt}" if run.prompt else ""),
                     "status": run.status, "cost_usd": run.cost_usd, "score": run.pass_rate,
                     "base_score": run.base_pass_rate})
    return rows


LINEAGE_CSV = ("model", "link", "ref", "detail", "status", "cost_usd", "score", "base_score")


def write_lineage(lineage: ModelLineage, handle: Any, *, fmt: str = "jsonl") -> int:
    """The chain as rows: JSONL (one object per link) or CSV with LINEAGE_CSV columns."""
    import json

    from tui.core.csv_cells import csv_writer

    rows = lineage_rows(lineage)
    if fmt == "csv":
        writer = csv_writer(handle)
        writer.writerow(LINEAGE_CSV)
        for row in rows:
            writer.writerow(["" if row[c] is None else row[c] for c in LINEAGE_CSV])
    else:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)
