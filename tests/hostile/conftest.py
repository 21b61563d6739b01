"""Fixtures of the hostile-text tests: a seeded store, the sandbox, a directory for clicks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.seed import Seeded, seed


@pytest.fixture
def shots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where a live `app.screenshot('X.svg')` link would write: Textual saves into the
    user's downloads directory, ~/Downloads (HOME is tmp_path in every test). It is also
    the working directory, for a relative path."""
    directory = tmp_path / "Downloads"
    directory.mkdir()
    monkeypatch.chdir(directory)
    return directory


@pytest.fixture
def seeded(isolated_home: Path, sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
           shots: Path) -> Seeded:
    return seed(isolated_home, sandbox, monkeypatch, tmp_path)
