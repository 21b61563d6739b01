"""What the HTTP layer needs from whatever trains and serves models.

The sandbox's deterministic engine (`sandbox_engine.SandboxEngine`) is one
implementation; a real one (TRL + PEFT training, vLLM/transformers serving)
can implement the same protocol and the endpoints, object shapes and job
lifecycle stay untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson


class TrainingDataError(ValueError):
    """The training data cannot be used by this engine (after validation passed)."""

    def __init__(self, message: str, *, param: str = "training_file") -> None:
        super().__init__(message)
        self.param = param


class ModelNotAvailable(LookupError):
    """An engine cannot answer as this model (not downloaded, not trained here); the
    server says 404 model_not_found with this message."""


class TrainingFailed(RuntimeError):
    """Training stopped with an error (a crashed trainer process); the message says why."""


@dataclass(frozen=True)
class GenerationParams:
    max_tokens: int | None = None
    # A JSON schema the answer must satisfy, or {} for "any JSON object" (json_object mode).
    json_schema: dict[str, Any] | None = None
    temperature: float | None = None
    seed: int | None = None


@dataclass(frozen=True)
class Generation:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str  # "stop" | "length"


@dataclass(frozen=True)
class TrainingSpec:
    method: str  # "supervised" | "dpo" | "reinforcement"
    base_model: str
    training: bytes
    validation: bytes | None
    hyperparameters: dict[str, Any]  # as sent: values may be "auto"
    seed: int
    grader: dict[str, Any] | None = None
    # The job's id (engines that keep files per job use it) and its metadata (local options).
    job_id: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainingPlan:
    spec: TrainingSpec
    n_examples: int
    n_epochs: int
    batch_size: int
    steps_per_epoch: int
    total_steps: int
    trained_tokens: int
    hyperparameters: dict[str, Any]  # resolved: no "auto" left
    private: Any = field(default=None, repr=False)  # the engine's own working data


@dataclass(frozen=True)
class StepResult:
    step: int
    # Keys as OpenAI's metrics events: train_loss, train_mean_token_accuracy, valid_loss, ...
    metrics: dict[str, float]
    epoch: int
    epoch_end: bool
    # A servable model (JSON-serializable) at epoch ends and after the last step.
    artifact: dict[str, Any] | None = None


class Engine(Protocol):
    name: str

    def base_models(self) -> list[str]: ...

    def plan(self, spec: TrainingSpec) -> TrainingPlan:
        """Parse and size the work; raises TrainingDataError."""
        ...

    def train(self, plan: TrainingPlan, start_step: int = 1) -> Iterator[StepResult]:
        """Run steps start_step..total_steps, one result each; deterministic per plan,
        so a job resumed after a restart reports the same numbers."""
        ...

    def generate(
        self,
        model: str,
        artifact: dict[str, Any] | None,
        messages: list[dict[str, Any]],
        params: GenerationParams,
    ) -> Generation:
        """Answer a conversation with a base model (artifact None) or a trained one."""
        ...


# Optional engine hooks, looked up with getattr by the job lifecycle and inference:
#   engine.paced = False             jobs take their real time: no simulated waits
#   engine.try_reserve(job_id)->bool a training slot for this job (FIFO queue); release(job_id)
#   engine.close()                   at server shutdown
#   engine.answers_inline(artifact, messages)->bool  generate on the event loop, not in a
#                                    thread (the sandbox's base models: cheaper than the hop)
# and on the iterator `train` returns:
#   steps.pause()                    checkpoint and free the device; the next `next` resumes
#   steps.close()                    stop now (cancel, shutdown): no more steps
#   steps.take_notes()->list[str]    what happened meanwhile (a process started, a cluster
#                                    job submitted): each becomes a job event, even between steps


# -- shared by the engines ----------------------------------------------------
def jsonl_rows(data: bytes, param: str) -> list[dict[str, Any]]:
    """The JSON objects of a training file, one per non-blank line."""
    rows = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise TrainingDataError(f"Line {number} cannot be parsed as JSON", param=param) from None
        if not isinstance(row, dict):
            raise TrainingDataError(f"Line {number} is not a JSON object", param=param)
        rows.append(row)
    return rows


def _given(value: Any, default: Any) -> Any:
    return default if value in (None, "auto") else value


def resolve_hyperparameters(method: str, given: dict[str, Any], n_examples: int) -> dict[str, Any]:
    """OpenAI's hyperparameters with every "auto" replaced the way OpenAI resolves it."""
    from tui.core.datasets.billing import default_epochs

    resolved: dict[str, Any] = {
        "n_epochs": int(_given(given.get("n_epochs"), max(1, default_epochs(n_examples)))),
        "batch_size": int(_given(given.get("batch_size"), max(1, min(256, n_examples // 100)))),
        "learning_rate_multiplier": float(_given(given.get("learning_rate_multiplier"), 1.0)),
    }
    if method == "dpo":
        resolved["beta"] = float(_given(given.get("beta"), 0.1))
    if method == "reinforcement":
        for key, default in (("compute_multiplier", 1.0), ("eval_interval", 1),
                             ("eval_samples", 1), ("reasoning_effort", "medium")):
            resolved[key] = _given(given.get(key), default)
    return resolved
