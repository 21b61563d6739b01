"""The rules of the house: store/ is free of textual and tui; tui/core/ is free of textual."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("store", {"textual", "tui", "openai", "httpx", "httpx2"}), ("tui/core", {"textual"}),
     ("tui/sandbox", {"textual"})],
)
def test_layer_does_not_import(package: str, forbidden: set[str]) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no python files under {package}"
    offenders = {
        str(f.relative_to(ROOT)): sorted(imported_roots(f) & forbidden)
        for f in files
        if imported_roots(f) & forbidden
    }
    assert offenders == {}


def test_the_checker_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("import textual.app\nfrom tui.core import config\n")
    assert imported_roots(sample) == {"textual", "tui"}
