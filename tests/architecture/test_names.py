"""Names and sizes that keep the tree readable.

- No two modules under tui/ share a basename (`__init__`/`__main__` aside): four `jobs.py`
  meaning a repository, a pane, a CLI command and a server lifecycle make every
  traceback and every "open file" a guess.
- No module under tui/ is over 600 lines, no pane module over 450: a file that size holds
  more than one concept.
Known exceptions are in ratchets.DUPLICATE_BASENAMES and ratchets.OVERSIZED.
"""

from __future__ import annotations

from collections import defaultdict

from tests.architecture.imports import python_files, rel
from tests.architecture.ratchets import DUPLICATE_BASENAMES, OVERSIZED

MODULE_CAP = 600
PANE_CAP = 450
PANE_FILES = "tui/panes/"
SHARED_NAMES = {"__init__.py", "__main__.py"}


def duplicates() -> set[str]:
    by_name: dict[str, list[str]] = defaultdict(list)
    for path in python_files("tui"):
        if path.name not in SHARED_NAMES:
            by_name[path.name].append(rel(path))
    return {p for paths in by_name.values() if len(paths) > 1 for p in paths}


def test_no_new_duplicate_basename() -> None:
    assert sorted(duplicates() - DUPLICATE_BASENAMES) == []


def test_no_stale_duplicate_basename_entry() -> None:
    assert sorted(DUPLICATE_BASENAMES - duplicates()) == []


def cap(path: str) -> int:
    return PANE_CAP if path.startswith(PANE_FILES) else MODULE_CAP


def sizes() -> dict[str, int]:
    return {rel(p): len(p.read_text(encoding="utf-8").splitlines()) for p in python_files("tui")}


def ceilings() -> dict[str, int]:
    return {path: int(ceiling) for path, ceiling in (e.split() for e in OVERSIZED)}


def test_no_module_over_its_cap_or_past_its_ceiling() -> None:
    allowed = ceilings()
    offenders = {path: n for path, n in sizes().items()
                 if n > allowed.get(path, cap(path))}
    assert offenders == {}, "over the cap (or their ratchets.OVERSIZED ceiling)"


def test_no_stale_oversized_entry() -> None:
    size = sizes()
    # a module under its cap, or gone (size 0), leaves the list
    assert [path for path in ceilings() if size.get(path, 0) <= cap(path)] == []
