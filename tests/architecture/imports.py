"""The import graph of the project's own code, read from the AST (nothing is imported).

Every import counts wherever it is written: at module level, under `if TYPE_CHECKING:`,
inside a function. A lazy or type-only import is still a dependency a reader has to
follow, and the one that closes a cycle is usually one of those.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tui", "store")


@dataclass(frozen=True)
class Import:
    path: Path  # the importing file
    line: int
    target: str  # the dotted name as written, resolved if relative: "tui.core.config"
    names: tuple[str, ...]  # for `from X import a, b`: ("a", "b"); () for `import X`
    function: str | None  # the enclosing function, None at module level
    type_checking: bool  # under `if TYPE_CHECKING:`

    @property
    def where(self) -> str:
        return f"{rel(self.path)}:{self.line}"

    @property
    def root(self) -> str:
        return self.target.split(".")[0]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_files(*folders: str) -> list[Path]:
    """Every .py file under the folders (or the one file a name ending in .py names)."""
    files: list[Path] = []
    for folder in folders:
        where = ROOT / folder
        files += [where] if where.suffix == ".py" else sorted(where.rglob("*.py"))
    return files


@cache
def modules() -> dict[str, Path]:
    """Every module of the project's packages, by dotted name."""
    return {module_name(p): p for p in python_files(*PACKAGES)}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _absolute(path: Path, module: str | None, level: int) -> str:
    if level == 0:
        return module or ""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


@cache
def imports_of(path: Path) -> tuple[Import, ...]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []

    def visit(node: ast.AST, function: str | None, type_checking: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend(Import(path, node.lineno, alias.name, (), function, type_checking)
                         for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(path, node.module, node.level)
            names = tuple(alias.name for alias in node.names)
            found.append(Import(path, node.lineno, target, names, function, type_checking))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name if function is None else f"{function}.{node.name}"
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, function, True)
            for child in node.orelse:
                visit(child, function, type_checking)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, function, type_checking)

    visit(tree, None, False)
    return tuple(found)


def imports_in(*folders: str) -> Iterator[Import]:
    for path in python_files(*folders):
        yield from imports_of(path)


def module_targets(imp: Import) -> list[str]:
    """The project modules an import loads: `from pkg import mod` names the module `mod`,
    `from pkg import name` the package; a dotted `import a.b.c` its deepest known module."""
    known = modules()
    if imp.names:
        subs = [f"{imp.target}.{n}" for n in imp.names if f"{imp.target}.{n}" in known]
        if len(subs) < len(imp.names) and imp.target in known:
            subs.append(imp.target)
        return subs
    parts = imp.target.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in known:
            return [".".join(parts[:end])]
    return []


def names_a(imp: Import, prefix: str) -> bool:
    """Whether the import reaches the module or package `prefix` (or something inside it)."""
    targets = [imp.target] + [f"{imp.target}.{n}" for n in imp.names]
    return any(t == prefix or t.startswith(prefix + ".") for t in targets)


@cache
def graph() -> dict[str, dict[str, list[Import]]]:
    """module -> imported project module -> the import statements making that edge."""
    edges: dict[str, dict[str, list[Import]]] = {name: {} for name in modules()}
    for name, path in modules().items():
        for imp in imports_of(path):
            for target in module_targets(imp):
                if target != name:
                    edges[name].setdefault(target, []).append(imp)
    return edges


def cycles(edges: dict[str, dict[str, list[Import]]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, {})))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)
