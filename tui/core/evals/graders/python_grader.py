"""python: `def grade(sample, item) -> float` in a child process with limits.

The child runs `python -I` (no user site, no PYTHON* variables) in a fresh temp
directory, with an environment that holds no API keys (only PATH and locale),
an address-space limit (RLIMIT_AS), a CPU-time limit (RLIMIT_CPU) and a
wall-clock timeout after which it is killed; an audit hook refuses writes
outside its temp directory, new processes and network connections. An exception inside `grade`
scores 0 (OpenAI's rule) and its message becomes the reasoning.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import sys
import tempfile
from typing import Any

from tui.core.evals.graders.base import GraderEnv, GradeResult, threshold_pass

_CHILD = r"""
import json, os, sys
payload = json.loads(sys.stdin.read())

# A guard, not a jail: an audit hook refuses writes outside the temp directory,
# new processes and network connections, so a careless grader is stopped and
# reported instead of touching the user's files. (The limits above still apply.)
_ROOT = os.path.realpath(os.getcwd())
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_PATH_EVENTS = {"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.truncate", "os.chmod",
                "os.chown", "os.link", "os.symlink", "os.utime", "shutil.rmtree",
                "shutil.copyfile", "shutil.move"}
_BLOCKED_PREFIXES = ("subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                     "os.fork", "os.forkpty", "os.kill", "os.killpg", "socket.connect",
                     "socket.bind", "socket.sendto", "ctypes.", "pty.spawn")

def _inside(path):
    try:
        real = os.path.realpath(os.fsdecode(path))
    except Exception:
        return False
    return real == _ROOT or real.startswith(_ROOT + os.sep)

def _guard(event, args):
    if event == "open":
        path, mode, flags = args
        if isinstance(path, int) or path is None:
            return
        writing = any(c in (mode or "") for c in "wax+") or bool((flags or 0) & _WRITE_FLAGS)
        if writing and not _inside(path):
            raise PermissionError(f"grader may not write {os.fsdecode(path)!r}: "
                                  "only its own temp directory")
    elif event in _PATH_EVENTS:
        for arg in args[:2]:
            if isinstance(arg, (str, bytes, os.PathLike)) and not _inside(arg):
                raise PermissionError(f"grader may not change {os.fsdecode(arg)!r}")
    elif event.startswith(_BLOCKED_PREFIXES):
        raise PermissionError(f"grader may not use {event} (no processes, no network)")

sys.addaudithook(_guard)
namespace = {"__name__": "grader"}
try:
    exec(compile(payload["source"], "<grader>", "exec"), namespace)
    value = namespace["grade"](payload["sample"], payload["item"])
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"grade() must return a number, not {type(value).__name__}")
    out = {"score": float(value)}
except BaseException as exc:
    out = {"exception": f"{type(exc).__name__}: {exc}"}
sys.stdout.write("\n" + json.dumps(out))
"""

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
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _limits(memory_mb: int, cpu_s: float):
    def apply() -> None:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        cpu = max(1, int(cpu_s + 0.999))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


async def run_grade(source: str, sample: Any, item: Any, *, timeout_s: float = 10.0,
                    memory_mb: int = 512) -> tuple[float | None, str | None]:
    """(score, None), or (None, why) when the grader raised, timed out or was killed."""
    payload = json.dumps({"source": source, "sample": sample, "item": item}).encode()
    with tempfile.TemporaryDirectory(prefix="tunedeck-grader-") as cwd:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-I", "-S", "-c", _CHILD,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, cwd=cwd, env=child_env(),
            preexec_fn=_limits(memory_mb, timeout_s), start_new_session=True,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(payload), timeout_s)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            return None, f"timed out after {timeout_s:g}s"
        except asyncio.CancelledError:
            proc.kill()
            await proc.wait()
            raise
    lines = out.decode("utf-8", "replace").strip().splitlines()
    try:
        result = json.loads(lines[-1]) if lines else {}
    except ValueError:
        result = {}
    if "score" in result:
        return result["score"], None
    if "exception" in result:
        return None, result["exception"]
    tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    if proc.returncode and proc.returncode < 0:
        return None, f"killed by signal {-proc.returncode} (memory or CPU limit?) {tail[0]}".strip()
    return None, f"grader process failed (exit {proc.returncode}) {tail[0]}".strip()


async def grade(criterion: dict[str, Any], context: dict[str, Any], env: GraderEnv) -> GradeResult:
    score, why = await run_grade(
        criterion["source"], context["sample"], context["item"],
        timeout_s=float(criterion.get("timeout_s", env.python_timeout_s)),
        memory_mb=int(criterion.get("memory_mb", env.python_memory_mb)),
    )
    name = criterion.get("name", "python")
    if score is None:
        return GradeResult(name=name, type="python", score=0.0, passed=False,
                           reasoning=f"scored 0: {why}")
    return GradeResult(name=name, type="python", score=score,
                       passed=threshold_pass(score, criterion, 0.5))
