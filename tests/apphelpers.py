"""Building the app for Pilot and snapshot tests."""

from __future__ import annotations

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
