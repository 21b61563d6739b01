"""Shared fixtures: every test runs with a private TUNEDECK_HOME and no real keys.

Snapshot tests: every SVG lives under one folder, tests/__snapshots__/, mirroring the
test tree (`<feature dir>/<test module>/<test>.svg`), so moving a test file moves its
snapshots by one rule; they run on one Python version (glyph widths and Rich's output
differ between versions), and no cursor blinks, so a screenshot never depends on when
it was taken.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_textual_snapshot

TESTS = Path(__file__).resolve().parent
SNAPSHOTS = TESTS / "__snapshots__"
# The version the snapshots were recorded with (the CI venv's); elsewhere they are skipped.
SNAPSHOT_PYTHON = (3, 11)


class OneFolderSVG(pytest_textual_snapshot.SVGImageExtension):
    """pytest-textual-snapshot's SVG extension, storing under tests/__snapshots__/<rel>/.

    syrupy's default puts a `__snapshots__` folder beside each test file; one folder keeps
    them together. Each test module keeps its own subfolder, so syrupy's per-module
    unused-snapshot detection is unchanged.
    """

    @classmethod
    def dirname(cls, *, test_location) -> str:
        rel = Path(test_location.filepath).resolve().parent.relative_to(TESTS)
        return str(SNAPSHOTS / rel / test_location.basename)


# `snap_compare` looks the extension up in its module's globals on every call
# (`snapshot.use_extension(SVGImageExtension)`, pytest-textual-snapshot 1.1.0).
pytest_textual_snapshot.SVGImageExtension = OneFolderSVG


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if sys.version_info[:2] == SNAPSHOT_PYTHON:
        return
    version = ".".join(map(str, SNAPSHOT_PYTHON))
    skip = pytest.mark.skip(reason=f"snapshots are recorded on Python {version} only")
    for item in items:
        if "snap_compare" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cursors stay on: a blinking one makes a snapshot depend on when it was taken."""
    from textual.widgets import Input, TextArea

    for widget in (Input, TextArea):
        # `cursor_blink` is `reactive(True, init=False)`; new widgets read `_default`.
        monkeypatch.setattr(widget.__dict__["cursor_blink"], "_default", False)

# Variables that could point a test at a real account or the user's files.
_SCRUBBED_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "TUNEDECK_CONFIG",
    "TUNEDECK_PROFILE",
    # The together and fireworks SDKs read these when a client is made without them.
    "TOGETHER_API_KEY",
    "TOGETHER_BASE_URL",
    "FIREWORKS_API_KEY",
    "FIREWORKS_ACCOUNT_ID",
    "FIREWORKS_BASE_URL",
    "FIREWORKS_CUSTOM_HEADERS",
)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point TUNEDECK_HOME at a tmp dir and drop any real credentials."""
    home = tmp_path / "tunedeck-home"
    home.mkdir()
    monkeypatch.setenv("TUNEDECK_HOME", str(home))
    for name in _SCRUBBED_ENV:
        monkeypatch.delenv(name, raising=False)
    # Keep the OpenAI SDK and httpx from picking up proxies or the real home.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("HOME", str(tmp_path))
    return home


@pytest.fixture
def sandbox() -> Iterator[object]:
    """A sandbox server on a random loopback port, talked to over real HTTP."""
    from tui.sandbox.server import SandboxServer

    server = SandboxServer(api_key="sk-sandbox-test", speed=50.0)
    server.start()
    try:
        yield server
    finally:
        server.stop()
