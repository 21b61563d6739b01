"""The sandbox's grader checks and its RFT reward: templates and string_check.

Eval runs are graded by the project's engine (tui.core.evals.graders, see
eval_runner). Here: request-time checks of grader definitions, and the reward
of sandbox reinforcement jobs, which uses string_check (with the engine's own
comparison) and falls back to text similarity for other grader types.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from tui.core.evals.graders.string_check import OPERATIONS as STRING_CHECK_OPERATIONS
from tui.core.evals.graders.string_check import check as string_check

KNOWN_TYPES = ("string_check", "text_similarity", "score_model", "label_model", "python", "multi")
_TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_][\w.\[\]]*)\s*\}\}")


class GraderError(ValueError):
    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class GradeResult:
    name: str
    type: str
    score: float
    passed: bool
    error: str | None = None


def _lookup(path: str, scope: dict[str, Any]) -> Any:
    node: Any = scope
    for part in re.split(r"\.|\[|\]", path):
        if part == "":
            continue
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def render(template: str, item: dict[str, Any], sample: dict[str, Any] | None = None) -> str:
    """Substitute `{{item.path}}` and `{{sample.path}}`; unknown paths become ''."""
    scope = {"item": item, "sample": sample or {}}

    def one(match: re.Match[str]) -> str:
        value = _lookup(match.group(1), scope)
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False)

    return _TEMPLATE.sub(one, template)


def check(grader: Any, param: str) -> None:
    """Reject a grader definition the API would reject (400 with `param`)."""
    if not isinstance(grader, dict):
        raise GraderError("A grader must be an object", param)
    kind = grader.get("type")
    if kind not in KNOWN_TYPES:
        raise GraderError(f"Unknown grader type {kind!r}; expected one of {', '.join(KNOWN_TYPES)}",
                          f"{param}.type")
    if kind == "string_check":
        for key in ("name", "input", "reference", "operation"):
            if not isinstance(grader.get(key), str):
                raise GraderError(f"string_check grader needs a string '{key}'", f"{param}.{key}")
        if grader["operation"] not in STRING_CHECK_OPERATIONS:
            raise GraderError(
                f"Invalid value {grader['operation']!r} for 'operation': expected one of "
                f"{', '.join(STRING_CHECK_OPERATIONS)}",
                f"{param}.operation",
            )


def grade(grader: dict[str, Any], item: dict[str, Any], sample: dict[str, Any]) -> GradeResult:
    name = str(grader.get("name") or grader.get("type") or "grader")
    kind = str(grader.get("type"))
    if kind != "string_check":
        return GradeResult(name, kind, 0.0, False,
                           f"grader type {kind!r} is not implemented by the sandbox yet "
                           "(only string_check is)")
    value = render(grader["input"], item, sample)
    reference = render(grader["reference"], item, sample)
    passed = string_check(grader["operation"], value, reference)  # the evals engine's rule
    return GradeResult(name, "string-check-grader", 1.0 if passed else 0.0, passed)
