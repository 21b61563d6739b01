"""Shared fixtures: every test runs with a private TUNEDECK_HOME and no real keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
    from tui.sandbox.runner import SandboxServer

    server = SandboxServer(api_key="sk-sandbox-test", speed=50.0)
    server.start()
    try:
        yield server
    finally:
        server.stop()
