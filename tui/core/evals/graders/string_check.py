"""string_check: eq, ne, like (case-sensitive contains), ilike (case-insensitive)."""

from __future__ import annotations

from typing import Any

from tui.core.evals.context import render
from tui.core.evals.graders.base import GradeResult

OPERATIONS = ("eq", "ne", "like", "ilike")


def validate(criterion: dict[str, Any]) -> list[str]:
    errors = []
    for key in ("input", "reference"):
        if not isinstance(criterion.get(key), str):
            errors.append(f"string_check: {key!r} must be a string template")
    if criterion.get("operation") not in OPERATIONS:
        errors.append(f"string_check: operation must be one of {', '.join(OPERATIONS)}")
    return errors


def check(operation: str, value: str, reference: str) -> bool:
    if operation == "eq":
        return value == reference
    if operation == "ne":
        return value != reference
    if operation == "like":
        return reference in value
    if operation == "ilike":
        return reference.lower() in value.lower()
    raise ValueError(operation)


def grade(criterion: dict[str, Any], context: dict[str, Any]) -> GradeResult:
    value = render(criterion["input"], context)
    reference = render(criterion["reference"], context)
    passed = check(criterion["operation"], value, reference)
    return GradeResult(
        name=criterion.get("name", "string_check"),
        type="string_check",
        score=1.0 if passed else 0.0,
        passed=passed,
        reasoning=f"{value!r} {criterion['operation']} {reference!r}",
    )
