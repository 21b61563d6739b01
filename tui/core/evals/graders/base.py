"""What every grader returns, and what model-backed graders may call."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

# (model, messages, params) -> (output text, usage dict)
ModelCall = Callable[[str, list[dict[str, Any]], dict[str, Any]], Awaitable[tuple[str, dict]]]
# (model, texts) -> vectors
EmbedCall = Callable[[str, list[str]], Awaitable[list[list[float]]]]


class GraderConfigError(ValueError):
    """A testing criterion that cannot be run; the message names the field."""


@dataclass
class GradeResult:
    name: str
    type: str
    score: float
    passed: bool
    reasoning: str | None = None
    error: str | None = None
    sample: dict[str, Any] | None = None  # a model grader's own call (input/output/usage)
    sub: dict[str, float] = field(default_factory=dict)  # multi: each grader's score

    def as_dict(self) -> dict[str, Any]:
        # By hand: dataclasses.asdict deep-copies field by field, a tenth of the runner's
        # CPU per item at C=128 (issue 19). Only `sample` and `sub` hold containers.
        data: dict[str, Any] = {"name": self.name, "type": self.type, "score": self.score,
                                "passed": self.passed}
        if self.reasoning is not None:
            data["reasoning"] = self.reasoning
        if self.error is not None:
            data["error"] = self.error
        if self.sample not in (None, {}):
            data["sample"] = copy.deepcopy(self.sample)
        if self.sub != {}:
            data["sub"] = dict(self.sub)
        return data


@dataclass
class GraderEnv:
    """What graders that talk to a model need; tests pass fakes."""

    call_model: ModelCall | None = None
    embed: EmbedCall | None = None
    python_timeout_s: float = 10.0
    python_memory_mb: int = 512
    # Where the OS offers no jail, python graders run only when the user opted in.
    allow_unsandboxed_graders: bool = False


def errored(criterion: dict[str, Any], message: str) -> GradeResult:
    return GradeResult(
        name=str(criterion.get("name", criterion.get("type", "grader"))),
        type=str(criterion.get("type", "")),
        score=0.0,
        passed=False,
        error=message,
    )


def threshold_pass(score: float, criterion: dict[str, Any], default: float) -> bool:
    threshold = criterion.get("pass_threshold")
    return score >= (default if threshold is None else float(threshold))
