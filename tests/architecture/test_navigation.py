"""No pane or screen reaches into another pane: they ask the App (tui.navigation requests).

Only the App (tui/app.py and its route mixin tui/app_routes.py) may look a pane up with
`.pane(...)`; a pane that called another's methods or set its inputs would couple the
two, which is what issue 15 took apart.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THE_APP = {"tui/app.py", "tui/app_routes.py"}


def _pane_lookups(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "pane"]


def test_only_the_app_looks_panes_up():
    found = {}
    for path in sorted((ROOT / "tui").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in THE_APP:
            continue
        if lines := _pane_lookups(path):
            found[rel] = lines
    assert found == {}, f"ask the App with a tui.navigation request instead: {found}"


def test_the_check_finds_a_lookup(tmp_path):
    sample = tmp_path / "pane.py"
    sample.write_text("def f(self):\n    self.tunedeck.pane('evals').start_run(1, 'm')\n")
    assert _pane_lookups(sample) == [2]
