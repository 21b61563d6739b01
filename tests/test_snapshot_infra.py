"""The test infrastructure's promises: one snapshot folder, no blinking cursor."""

from __future__ import annotations

from types import SimpleNamespace

import pytest_textual_snapshot
from textual.widgets import Input, TextArea

from tests.conftest import SNAPSHOTS, TESTS, OneFolderSVG


def test_snapshots_of_a_test_module_live_under_the_one_folder_mirroring_its_path():
    where = SimpleNamespace(filepath=str(TESTS / "jobs" / "test_snapshots_jobs.py"),
                            basename="test_snapshots_jobs")
    assert OneFolderSVG.dirname(test_location=where) == str(
        SNAPSHOTS / "jobs" / "test_snapshots_jobs")
    top = SimpleNamespace(filepath=str(TESTS / "test_snapshots.py"), basename="test_snapshots")
    assert OneFolderSVG.dirname(test_location=top) == str(SNAPSHOTS / "test_snapshots")


def test_snap_compare_uses_the_one_folder_extension():
    assert pytest_textual_snapshot.SVGImageExtension is OneFolderSVG


def test_no_svg_lies_outside_the_one_folder():
    stray = [str(p.relative_to(TESTS)) for p in TESTS.rglob("*.svg")
             if SNAPSHOTS not in p.parents]
    assert stray == []
    assert [p for p in TESTS.rglob("__snapshots__") if p != SNAPSHOTS] == []


def test_every_test_folder_is_a_package():
    # Without __init__.py, pytest's prepend import mode needs unique basenames everywhere.
    folders = {p.parent for p in TESTS.rglob("*.py")} - {TESTS}
    assert sorted(str(f.relative_to(TESTS)) for f in folders
                  if not (f / "__init__.py").exists()) == []


def test_cursors_do_not_blink_in_tests():
    assert Input().cursor_blink is False
    assert TextArea().cursor_blink is False


def test_the_snapshot_folder_exists_where_ruff_excludes_it():
    pyproject = (TESTS.parent / "pyproject.toml").read_text()
    assert SNAPSHOTS.is_dir() and '"tests/__snapshots__"' in pyproject
