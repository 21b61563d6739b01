"""Every worker runs with exit_on_error=False: a failed background task is reported, and
never exits the app (Textual's default). `~nosuchuser/a.jsonl` in the import form once
closed tunedeck because one worker had the default.

The check is on the source: each `@work(...)` decorator and each `run_worker(...)` call
under tui/ must pass the literal `exit_on_error=False` (a bare `@work` has the default).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.architecture.imports import python_files, rel
from tests.architecture.ratchets import WORKERS_THAT_MAY_EXIT


def _called(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _exits_on_error(call: ast.Call | None) -> bool:
    if call is None:
        return True
    for keyword in call.keywords:
        if keyword.arg == "exit_on_error":
            return not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False)
    return True


def workers_that_may_exit(path: Path) -> list[tuple[str, int]]:
    """("path:function", line) of each worker started without exit_on_error=False."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                call = decorator if isinstance(decorator, ast.Call) else None
                if _called(call.func if call else decorator) == "work" and _exits_on_error(call):
                    found.append((f"{rel(path)}:{node.name}", decorator.lineno))
            function = node.name
        if isinstance(node, ast.Call) and _called(node.func) == "run_worker" \
                and _exits_on_error(node):
            found.append((f"{rel(path)}:{function}", node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def test_every_worker_is_reported_not_fatal() -> None:
    offenders = [f"{key.split(':')[0]}:{line} ({key})" for path in python_files("tui")
                 for key, line in workers_that_may_exit(path) if key not in WORKERS_THAT_MAY_EXIT]
    assert offenders == []


def test_no_stale_worker_exception() -> None:
    keys = {key for path in python_files("tui") for key, _ in workers_that_may_exit(path)}
    assert sorted(WORKERS_THAT_MAY_EXIT - keys) == []


def test_the_worker_check_sees_a_bare_decorator_a_default_and_a_call(tmp_path, monkeypatch):
    import tests.architecture.test_workers as me

    monkeypatch.setattr(me, "rel", lambda p: p.name)
    sample = tmp_path / "w.py"
    sample.write_text(
        "from textual import work\n"
        "class P:\n"
        "    @work\n    def a(self): ...\n"
        "    @work(thread=True)\n    def b(self): ...\n"
        "    @work(thread=True, exit_on_error=False)\n    def c(self): ...\n"
        "    @textual.work(exit_on_error=True)\n    def d(self): ...\n"
        "    def e(self):\n        self.app.run_worker(self.a, thread=True)\n"
        "        self.run_worker(self.a, exit_on_error=False)\n"
    )
    assert workers_that_may_exit(sample) == [
        ("w.py:a", 3), ("w.py:b", 5), ("w.py:d", 9), ("w.py:e", 12)]
