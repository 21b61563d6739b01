"""Building the app for Pilot and snapshot tests."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tui.app import TunedeckApp
from tui.core.config import load_settings
from tui.core.paths import home_dir

SIZE = (120, 35)


def make_app(*, profile: str | None = None, db_path: Path | None = None) -> TunedeckApp:
    settings = load_settings()
    return TunedeckApp(settings=settings, db_path=db_path or home_dir() / "tunedeck.db",
                       profile=profile)


async def ready(pilot) -> None:
    """Wait until the app has opened its store and the panes have re-read it."""
    await pilot.app.store_ready.wait()
    await pilot.pause()


async def settle(pilot) -> None:
    """Let follow-up work (mounts, focus after refresh, reloads) finish before asserting."""
    for _ in range(3):
        await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def until(pilot, predicate, timeout: float = 20.0) -> None:
    """Let the app run until `predicate()` holds (a worker's result reached the screen)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)


async def summed(pilot, pane) -> None:
    """Wait until the Evals pane shows the selected run's summary (made in a thread)."""
    await until(pilot, lambda: not pane.summary_pending())
    await settle(pilot)


SANDBOX_KEY_ENV = "TUNEDECK_TEST_SANDBOX_KEY"


def use_sandbox_profile(server, monkeypatch, home) -> None:
    """config.toml's default profile is a sandbox server (over real loopback HTTP)."""
    monkeypatch.setenv(SANDBOX_KEY_ENV, server.api_key)
    (home / "config.toml").write_text(
        f'default_profile = "sandbox"\n[profiles.sandbox]\nkind = "sandbox"\n'
        f'base_url = "{server.base_url}"\napi_key_env = "{SANDBOX_KEY_ENV}"\n'
    )


def sandbox_app(server, monkeypatch, home) -> TunedeckApp:
    """An app whose active profile is a sandbox server (over real loopback HTTP)."""
    use_sandbox_profile(server, monkeypatch, home)
    return make_app()


def rendered(widget) -> str:
    """The text a widget shows on screen, line by line."""
    from textual.geometry import Region

    size = widget.size
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, size.width,
                                                                          size.height)))


async def wait_for_group(pilot, group: str) -> None:
    """Wait for the app's workers of one group, then let the UI settle.

    Never call WorkerManager.wait_for_complete with an empty list: it then waits
    for every worker, including the jobs watcher, which runs until the app ends.
    """
    workers = [w for w in pilot.app.workers if w.group == group]
    if workers:
        await pilot.app.workers.wait_for_complete(workers)
    await settle(pilot)
