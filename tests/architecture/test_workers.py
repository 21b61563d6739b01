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


# -- every worker's failure reaches the reporter ---------------------------------------------
# Textual posts Worker.StateChanged only to the node that started the worker: a widget that
# starts workers without the reporter (tui/worker_errors.py) would swallow their failures.
REPORTER = "ReportsWorkerErrors"


def _base_names(node: ast.ClassDef) -> list[str]:
    return [name for base in node.bases if (name := _called(base))]


def _starts_workers(node: ast.ClassDef) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                _called(d.func if isinstance(d, ast.Call) else d) == "work"
                for d in child.decorator_list):
            return True
        # self.run_worker(...) reports to self; self.app.run_worker(...) to the App.
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) \
                and child.func.attr == "run_worker" and isinstance(child.func.value, ast.Name) \
                and child.func.value.id == "self":
            return True
    return False


def _reports_itself(node: ast.ClassDef) -> bool:
    return any(isinstance(child, ast.FunctionDef) and child.name == "on_worker_state_changed"
               and any(isinstance(c, ast.Call) and _called(c.func) == "report_worker_error"
                       for c in ast.walk(child))
               for child in node.body)


def classes_whose_workers_go_unreported(paths: list[Path]) -> list[str]:
    """"path:Class" of each class that starts workers while neither it, an ancestor, nor a
    class it is mixed into reports their failures."""
    classes: dict[str, tuple[list[str], bool, bool, str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                classes[node.name] = (_base_names(node), _starts_workers(node),
                                      _reports_itself(node), f"{rel(path)}:{node.name}")

    def reports(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name == REPORTER:
            return True
        if name not in classes or name in seen:
            return False
        bases, _, itself, _ = classes[name]
        return itself or any(reports(b, seen | {name}) for b in bases)

    def ancestors(name: str) -> set[str]:
        found: set[str] = set()
        for base in classes.get(name, ([], False, False, ""))[0]:
            if base not in found:
                found |= {base} | ancestors(base)
        return found

    def mixed_into_a_reporter(name: str) -> bool:
        return any(name in ancestors(other) and reports(other) for other in classes)

    return sorted(where for name, (_, starts, _, where) in classes.items()
                  if starts and not reports(name) and not mixed_into_a_reporter(name))


def test_every_worker_s_failure_reaches_the_reporter() -> None:
    assert classes_whose_workers_go_unreported(python_files("tui")) == []


def test_the_reporter_check_sees_a_widget_without_it(tmp_path, monkeypatch):
    import tests.architecture.test_workers as me

    monkeypatch.setattr(me, "rel", lambda p: p.name)
    sample = tmp_path / "w.py"
    sample.write_text(
        "from textual import work\n"
        "class Mixin:\n"
        "    @work(exit_on_error=False)\n    async def a(self): ...\n"
        "class Reported(ReportsWorkerErrors, Mixin): ...\n"
        "class Silent(Widget):\n"
        "    def b(self):\n        self.run_worker(self.a, exit_on_error=False)\n"
        "class ViaApp(Widget):\n"
        "    def c(self):\n        self.app.run_worker(self.a, exit_on_error=False)\n"
        "class Own(Widget):\n"
        "    @work(exit_on_error=False)\n    async def d(self): ...\n"
        "    def on_worker_state_changed(self, event):\n"
        "        report_worker_error(self.app, event.worker)\n"
    )
    assert classes_whose_workers_go_unreported([sample]) == ["w.py:Silent"]
