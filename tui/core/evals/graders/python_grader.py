"""python: `def grade(sample, item) -> float`, run inside an OS-level jail.

Each grade is a fresh `python -I -S` process in a fresh temp directory, with
an environment that holds no API keys, that locks itself in before it reads
the grader's code (jail/child.py: resource limits, no new privileges, no
capabilities, Landlock, seccomp): no network, no processes, no signals to
others, reads only of what Python and its libraries need, writes only in its
temp directory. The parent (jail/process.py) bounds the wall time and the
output, and kills the whole process group. An eval file's timeout_s and
memory_mb are clamped (jail.clamp). An exception inside `grade` scores 0
(OpenAI's rule) and its message becomes the reasoning.

Where the OS offers no jail, a python grader is an error that names the
opt-in, unless the user opted in (GraderEnv.allow_unsandboxed_graders); then
it runs with the limits alone and every result says so.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import tempfile
from typing import Any

from tui.core.evals.graders import jail
from tui.core.evals.graders.base import GraderEnv, GradeResult, threshold_pass
from tui.core.evals.graders.jail import process

UNJAILED_NOTE = ("ran WITHOUT the OS jail (allowed by allow_unsandboxed_graders / "
                 "--allow-unsandboxed-graders): {reason}")


class JailUnavailable(RuntimeError):
    """The OS offers no jail and the user did not opt in to running graders without one."""

_SAFE_ENV_KEYS = ("PATH", "LANG", "LC_ALL", "TZ")


def validate(criterion: dict[str, Any]) -> list[str]:
    source = criterion.get("source")
    if not isinstance(source, str) or not source.strip():
        return ["python: 'source' must hold the grader's code"]
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return [f"python: syntax error on line {exc.lineno}: {exc.msg}"]
    if not any(isinstance(n, ast.FunctionDef) and n.name == "grade" for n in tree.body):
        return ["python: the source must define grade(sample, item)"]
    return []


def child_env() -> dict[str, str]:
    env = {k: os.environ[k] for k in _SAFE_ENV_KEYS if k in os.environ}
    # One BLAS thread: a grader needs no more, and each would cost address space.
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def unavailable_message(reason: str) -> str:
    return (f"python graders run only inside the OS jail, and this system offers none "
            f"({reason}). To run them without it, only for eval files you trust, use "
            f"{jail.OPT_IN}.")


def uses_python(criteria: Any) -> bool:
    """Whether any of these testing criteria (multi's graders included) is a python grader."""
    for criterion in criteria if isinstance(criteria, list) else [criteria]:
        if not isinstance(criterion, dict):
            continue
        if criterion.get("type") == "python":
            return True
        graders = criterion.get("graders")
        if isinstance(graders, dict) and uses_python(list(graders.values())):
            return True
    return False


def jail_notice(criteria: Any, *, allowed: bool) -> str | None:
    """What to tell the user before a run whose python graders would run unjailed or
    not at all; None when there is nothing to say (a jail, or no python grader)."""
    if not uses_python(criteria):
        return None
    state = jail.status()
    if state.available:
        return None
    if allowed:
        return f"python graders run WITHOUT the OS jail ({state.reason}), as allowed by the opt-in"
    return unavailable_message(state.reason) + " Until then each python grade is an error."


async def run_grade(source: str, sample: Any, item: Any, *, timeout_s: float = 10.0,
                    memory_mb: int = 512,
                    allow_unsandboxed: bool = False) -> tuple[float | None, str | None]:
    """(score, None), or (None, why) when the grader raised, timed out or was stopped.

    Raises JailUnavailable when there is no jail and `allow_unsandboxed` is false."""
    timeout_s, memory_mb = jail.clamp(timeout_s, memory_mb)
    state = jail.status()
    if not state.available and not allow_unsandboxed:
        raise JailUnavailable(unavailable_message(state.reason))
    payload = json.dumps({"source": source, "sample": sample, "item": item}).encode()
    with tempfile.TemporaryDirectory(prefix="tunedeck-grader-") as cwd:
        config = {
            "jail": state.available, "read": jail.read_roots(), "write": [cwd, "/dev/null"],
            "site": jail.site_dirs(),
            "limits": {"memory_mb": memory_mb, "cpu_s": max(1, int(timeout_s + 0.999)),
                       "file_mb": jail.FILE_LIMIT_MB, "open_files": jail.OPEN_FILES},
        }
        outcome = await process.run(config, payload, cwd=cwd, env=child_env(),
                                    timeout_s=timeout_s)
    return _verdict(outcome, timeout_s)


def _verdict(outcome: process.Outcome, timeout_s: float) -> tuple[float | None, str | None]:
    result = outcome.result
    if outcome.output_limited:
        return None, (f"output limit: the grader wrote more than {jail.OUTPUT_LIMIT // 1024} "
                      "KiB to stdout/stderr and was stopped")
    if outcome.timed_out:
        return None, f"timed out after {timeout_s:g}s"
    if "jail_error" in result:
        return None, f"the grader jail could not be set up, so it did not run: " \
                     f"{result['jail_error']}"
    if isinstance(result.get("score"), (int, float)):
        return float(result["score"]), None
    if "exception" in result:
        return None, str(result["exception"])
    code = outcome.returncode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return None, f"killed by {name} (memory or CPU limit?) {outcome.tail}".strip()
    return None, f"grader process failed (exit {code}) {outcome.tail}".strip()


async def grade(criterion: dict[str, Any], context: dict[str, Any], env: GraderEnv) -> GradeResult:
    name = criterion.get("name", "python")
    try:
        score, why = await run_grade(
            criterion["source"], context["sample"], context["item"],
            timeout_s=float(criterion.get("timeout_s", env.python_timeout_s)),
            memory_mb=int(criterion.get("memory_mb", env.python_memory_mb)),
            allow_unsandboxed=env.allow_unsandboxed_graders,
        )
    except JailUnavailable as exc:
        return GradeResult(name=name, type="python", score=0.0, passed=False, error=str(exc))
    state = jail.status()
    note = None if state.available else UNJAILED_NOTE.format(reason=state.reason)
    if score is None:
        reasoning = f"scored 0: {why}" + (f" ({note})" if note else "")
        return GradeResult(name=name, type="python", score=0.0, passed=False,
                           reasoning=reasoning)
    return GradeResult(name=name, type="python", score=score,
                       passed=threshold_pass(score, criterion, 0.5), reasoning=note)
