"""A scan of the UI code (tui/ outside tui/core) for the patterns that turned data into
markup: f-strings interpolating into markup tags (the before-stop hook's pattern),
`escape()` as protection, markup parsed from a value, `markup=True`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The before-stop hook's pattern: an f-string that interpolates into a markup tag.
MARKUP_FSTRING = re.compile(
    r"f[\"'][^\"']*\[(b|bold|dim|i|italic|u|reverse|red|green|yellow|cyan|magenta|blue|@click)"
    r"[^]]*\][^\"']*\{")


def ui_files() -> list[Path]:
    return [p for p in sorted((ROOT / "tui").rglob("*.py"))
            if "core" not in p.relative_to(ROOT / "tui").parts[:1]]


def test_no_f_string_formats_values_into_markup():
    # The pattern sees what it forbids, and not the fix.
    assert MARKUP_FSTRING.search('x = f"[b]{name}[/b]"')
    assert MARKUP_FSTRING.search("x = f'[@click=app.quit]{name}[/]'")
    assert not MARKUP_FSTRING.search('x = styled(("name", "b"), value)')
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in ui_files()
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if MARKUP_FSTRING.search(line)]
    assert offenders == []


def test_no_markup_escape_and_no_markup_parsed_from_a_value():
    """escape() is no protection; from_markup() of anything but a literal parses data."""
    offenders = []
    for path in ui_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("rich.markup",
                                                                    "textual.markup"):
                offenders += [f"{where}:{node.lineno} imports {a.name}" for a in node.names
                              if a.name == "escape"]
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "from_markup" \
                    and not (node.args and isinstance(node.args[0], ast.Constant)):
                offenders.append(f"{where}:{node.lineno} from_markup of a value")
            if isinstance(node, ast.keyword) and node.arg == "markup" \
                    and isinstance(node.value, ast.Constant) and node.value.value is True:
                offenders.append(f"{where}:{node.value.lineno} markup=True")
    assert offenders == []
