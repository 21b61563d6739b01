"""Typed records for rows of the store.

JSON columns are decoded into Python values; `from_row` accepts the dicts
sqlite-utils returns.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # Column name -> field name for JSON-encoded columns ("x_json" -> "x").
    json_columns: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        values = dict(row)
        for column in cls.json_columns:
            raw = values.pop(f"{column}_json", None)
            values[column] = json.loads(raw) if raw else None
        return cls.model_validate(values)


class Dataset(Record):
    id: int
    name: str
    description: str = ""
    created_at: str


class DatasetVersion(Record):
    json_columns: ClassVar[tuple[str, ...]] = ("report",)
    id: int
    dataset_id: int
    version: int
    content_hash: str
    source_path: str | None = None
    parent_version_id: int | None = None
    note: str = ""
    status: str
    format: str | None = None
    model: str | None = None
    n_lines: int = 0
    n_examples: int = 0
    n_invalid: int = 0
    bytes: int = 0
    report: dict[str, Any] | None = None
    created_at: str


class Example(Record):
    id: int
    version_id: int
    line: int
    status: str
    format: str | None = None
    category: str | None = None
    message: str | None = None
    tokens: int | None = None
    assistant_tokens: int | None = None
    n_messages: int | None = None
    data: str


class Prompt(Record):
    id: int
    name: str
    created_at: str


class PromptVersion(Record):
    json_columns: ClassVar[tuple[str, ...]] = ("messages", "params")
    id: int
    prompt_id: int
    version: int
    content_hash: str
    messages: list[dict[str, Any]]
    params: dict[str, Any] | None = None
    model: str | None = None
    note: str = ""
    remote_id: str | None = None
    created_at: str


class PlaygroundRun(Record):
    json_columns: ClassVar[tuple[str, ...]] = ("params", "input", "variables")
    id: int
    prompt_version_id: int | None = None
    profile: str
    model: str
    api: str = "chat"
    params: dict[str, Any] | None = None
    input: Any = None
    output_text: str = ""
    status: str
    error: str | None = None
    input_tokens: int | None = None
    cached_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    ttft_ms: float | None = None
    latency_ms: float | None = None
    cost_usd: float | None = None
    compare_group: str | None = None
    # The {{name}} values that filled the prompt version's template (None: older runs).
    variables: dict[str, str] | None = None
    created_at: str


class Eval(Record):
    json_columns: ClassVar[tuple[str, ...]] = (
        "data_source_config",
        "testing_criteria",
        "input_messages",
        "metadata",
    )
    id: int
    name: str
    source: str = "local"
    profile: str | None = None
    remote_id: str | None = None
    definition_path: str | None = None
    data_source_config: dict[str, Any] | None = None
    testing_criteria: list[dict[str, Any]] | None = None
    input_messages: Any = None
    prompt_version_id: int | None = None
    dataset_version_id: int | None = None
    metadata: dict[str, Any] | None = None
    created_at: str
    updated_at: str


class EvalRun(Record):
    json_columns: ClassVar[tuple[str, ...]] = (
        "data_source",
        "result_counts",
        "per_testing_criteria_results",
        "usage",
    )
    id: int
    eval_id: int
    name: str = ""
    profile: str | None = None
    remote_id: str | None = None
    model: str | None = None
    status: str
    prompt_version_id: int | None = None
    data_source: dict[str, Any] | None = None
    result_counts: dict[str, int] | None = None
    per_testing_criteria_results: list[dict[str, Any]] | None = None
    usage: Any = None
    cost_usd: float | None = None
    error: str | None = None
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None


class EvalResult(Record):
    json_columns: ClassVar[tuple[str, ...]] = ("item", "sample", "results")
    id: int
    run_id: int
    item_index: int
    remote_id: str | None = None
    item: Any = None
    sample: Any = None
    status: str
    score: float | None = None
    results: list[dict[str, Any]] | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: float | None = None
    cost_usd: float | None = None
    error: str | None = None
    created_at: str


class ProviderFile(Record):
    id: int
    profile: str
    remote_id: str
    purpose: str
    filename: str
    bytes: int | None = None
    content_hash: str | None = None
    dataset_version_id: int | None = None
    status: str | None = None
    remote_created_at: int | None = None
    created_at: str


class Job(Record):
    json_columns: ClassVar[tuple[str, ...]] = ("error", "raw")
    id: int
    profile: str
    remote_id: str
    status: str
    method: str | None = None
    model: str
    fine_tuned_model: str | None = None
    training_file: str | None = None
    validation_file: str | None = None
    training_version_id: int | None = None
    validation_version_id: int | None = None
    suffix: str | None = None
    seed: int | None = None
    trained_tokens: int | None = None
    estimated_finish: int | None = None
    error: dict[str, Any] | None = None
    raw: dict[str, Any]
    remote_created_at: int | None = None
    finished_at: int | None = None
    last_event_id: str | None = None
    estimated_cost_usd: float | None = None
    created_at: str
    updated_at: str


class JobEvent(Record):
    json_columns: ClassVar[tuple[str, ...]] = ("data",)
    id: int
    job_id: int
    remote_id: str
    remote_created_at: int
    level: str | None = None
    type: str | None = None
    message: str
    data: Any = None


class JobMetric(Record):
    json_columns: ClassVar[tuple[str, ...]] = ("data",)
    id: int
    job_id: int
    step: int
    total_steps: int | None = None
    train_loss: float | None = None
    train_mean_token_accuracy: float | None = None
    valid_loss: float | None = None
    valid_mean_token_accuracy: float | None = None
    full_valid_loss: float | None = None
    full_valid_mean_token_accuracy: float | None = None
    data: dict[str, Any] | None = None


class JobCheckpoint(Record):
    json_columns: ClassVar[tuple[str, ...]] = ("metrics",)
    id: int
    job_id: int
    remote_id: str
    step_number: int
    fine_tuned_model_checkpoint: str
    metrics: dict[str, Any] | None = None
    remote_created_at: int | None = None


class CachedModel(Record):
    profile: str
    model_id: str
    owned_by: str | None = None
    remote_created: int | None = None
    shutdown_date: str | None = None  # YYYY-MM-DD the provider stops serving it
    fetched_at: str


class Deployment(Record):
    """A deployment that makes a tuned model answer (Azure: called by this name)."""

    json_columns: ClassVar[tuple[str, ...]] = ("detail",)
    id: int
    profile: str
    model: str
    name: str
    status: str  # creating | succeeded | failed | instructions
    detail: dict[str, Any] | None = None
    created_at: str
    updated_at: str


class Loop(Record):
    json_columns: ClassVar[tuple[str, ...]] = ("job_spec", "checkpoint_runs", "comparison")
    id: int
    name: str
    profile: str
    base_model: str
    eval_id: int
    training_version_id: int
    validation_version_id: int | None = None
    job_spec: dict[str, Any] | None = None
    eval_checkpoints: bool = False
    stage: str
    baseline_run_id: int | None = None
    job_id: int | None = None
    tuned_run_id: int | None = None
    checkpoint_runs: dict[str, int] | None = None  # checkpoint model name -> eval run id
    comparison: dict[str, Any] | None = None
    error: str | None = None
    # Retrain elsewhere: the baseline eval runs on the model being replaced (on its own
    # profile) instead of `base_model`; `source_job_id` is the job being retrained.
    baseline_model: str | None = None
    baseline_profile: str | None = None
    source_job_id: int | None = None
    created_at: str
    updated_at: str

    @property
    def baseline(self) -> tuple[str, str]:
        """(model, profile) the baseline eval runs on."""
        return self.baseline_model or self.base_model, self.baseline_profile or self.profile
