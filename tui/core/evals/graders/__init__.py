"""OpenAI's grader schema, run locally: `validate(criterion)` and `grade(...)`.

Types: string_check, text_similarity, score_model, label_model, python, multi.
A grader that cannot run (bad config, model call failed) gives an errored
GradeResult rather than raising, so one item never stops a run.
"""

from __future__ import annotations

from typing import Any

from tui.core.evals.context import grading_context
from tui.core.evals.graders import calc, model_graders, python_grader, string_check
from tui.core.evals.graders import text_similarity as similarity
from tui.core.evals.graders.base import (
    GraderConfigError,
    GraderEnv,
    GradeResult,
    errored,
    threshold_pass,
)

__all__ = ["GradeResult", "GraderEnv", "GraderConfigError", "TYPES", "validate", "grade",
           "grade_all", "uses_models"]

TYPES = ("string_check", "text_similarity", "score_model", "label_model", "python", "multi")

_VALIDATORS = {
    "string_check": string_check.validate,
    "text_similarity": similarity.validate,
    "score_model": model_graders.validate_score,
    "label_model": model_graders.validate_label,
    "python": python_grader.validate,
}


def validate(criterion: Any) -> list[str]:
    """Every problem with one testing criterion, as readable messages (empty: it can run)."""
    if not isinstance(criterion, dict):
        return ["a testing criterion must be a JSON object"]
    kind = criterion.get("type")
    if kind not in TYPES:
        return [f"type must be one of {', '.join(TYPES)} (got {kind!r})"]
    errors = [] if isinstance(criterion.get("name"), str) and criterion["name"] else [
        f"{kind}: 'name' is required"]
    if kind != "multi":
        return errors + _VALIDATORS[kind](criterion)
    graders = criterion.get("graders")
    if not isinstance(graders, dict) or not graders:
        return errors + ["multi: 'graders' must map names to graders"]
    for key, sub in graders.items():
        sub = {"name": key, **sub} if isinstance(sub, dict) else sub
        errors += [f"multi.{key}: {e}" for e in validate(sub)]
    expression = criterion.get("calculate_output")
    if not isinstance(expression, str):
        return errors + ["multi: 'calculate_output' must be an expression"]
    try:
        unknown = calc.names(expression) - set(graders)
    except calc.CalcError as exc:
        return errors + [str(exc)]
    if unknown:
        errors.append(f"multi: calculate_output names unknown graders: {', '.join(sorted(unknown))}")
    return errors


def validate_all(criteria: Any) -> list[str]:
    if not isinstance(criteria, list) or not criteria:
        return ["testing_criteria must be a non-empty list"]
    errors = []
    names: set[str] = set()
    for i, criterion in enumerate(criteria):
        errors += [f"testing_criteria[{i}]: {e}" for e in validate(criterion)]
        name = criterion.get("name") if isinstance(criterion, dict) else None
        if name in names:
            errors.append(f"testing_criteria[{i}]: the name {name!r} is used twice")
        names.add(name)
    return errors


def uses_models(criterion: dict[str, Any]) -> bool:
    kind = criterion.get("type")
    if kind in ("score_model", "label_model"):
        return True
    if kind == "text_similarity":
        return criterion.get("evaluation_metric") == "cosine"
    if kind == "multi":
        return any(uses_models(g) for g in (criterion.get("graders") or {}).values())
    return False


async def _dispatch(criterion: dict[str, Any], context: dict[str, Any], env: GraderEnv):
    kind = criterion["type"]
    if kind == "string_check":
        return string_check.grade(criterion, context)
    if kind == "text_similarity":
        return await similarity.grade(criterion, context, env)
    if kind == "score_model":
        return await model_graders.grade_score(criterion, context, env)
    if kind == "label_model":
        return await model_graders.grade_label(criterion, context, env)
    if kind == "python":
        return await python_grader.grade(criterion, context, env)
    return await _multi(criterion, context, env)


async def _multi(criterion: dict[str, Any], context: dict[str, Any], env: GraderEnv):
    scores: dict[str, float] = {}
    for key, sub in criterion["graders"].items():
        result = await _grade_context({"name": key, **sub}, context, env)
        if result.error:
            raise GraderConfigError(f"{key}: {result.error}")
        scores[key] = result.score
    score = calc.evaluate(criterion["calculate_output"], scores)
    return GradeResult(
        name=criterion.get("name", "multi"), type="multi", score=score,
        passed=threshold_pass(score, criterion, 0.5), sub=scores,
        reasoning=f"{criterion['calculate_output']} with "
        + ", ".join(f"{k}={v:.4g}" for k, v in scores.items()),
    )


async def _grade_context(criterion: dict[str, Any], context: dict[str, Any],
                         env: GraderEnv) -> GradeResult:
    problems = validate(criterion)
    if problems:
        return errored(criterion, "; ".join(problems))
    try:
        return await _dispatch(criterion, context, env)
    except Exception as exc:  # noqa: BLE001 - one grader's failure is that item's error
        return errored(criterion, f"{type(exc).__name__}: {exc}")


async def grade(criterion: dict[str, Any], item: dict[str, Any], sample: Any,
                env: GraderEnv | None = None) -> GradeResult:
    """Grade one sample of one item against one testing criterion."""
    return await _grade_context(criterion, grading_context(item, sample), env or GraderEnv())


async def grade_all(criteria: list[dict[str, Any]], item: dict[str, Any], sample: Any,
                    env: GraderEnv | None = None) -> list[GradeResult]:
    context = grading_context(item, sample)
    return [await _grade_context(c, context, env or GraderEnv()) for c in criteria]
