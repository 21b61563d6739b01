"""Render every pane of the app at 120x35 into screenshots/*.svg.

    .venv/bin/python screenshots/render.py

Runs against a throwaway TUNEDECK_HOME with no API key, so nothing of the
user's (and no secret) can appear in a picture. Re-run whenever a pane changes.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZE = (120, 35)

for name in list(os.environ):
    if name.endswith(("_API_KEY", "_KEY")) or name.startswith(("OPENAI_", "AZURE_OPENAI")):
        del os.environ[name]
os.environ["TUNEDECK_HOME"] = tempfile.mkdtemp(prefix="tunedeck-shots-")
os.environ.pop("TUNEDECK_CONFIG", None)
sys.path.insert(0, str(HERE.parent))

from textual.pilot import Pilot  # noqa: E402

from tui.app import TunedeckApp  # noqa: E402
from tui.core.config import load_settings  # noqa: E402
from tui.core.paths import default_db_path  # noqa: E402

Shot = tuple[str, list[str], Callable[[Pilot], Awaitable[None]] | None]

SHOTS: list[Shot] = [
    ("datasets-empty", ["1"], None),
    ("playground-empty", ["2"], None),
    ("evals-empty", ["3"], None),
    ("jobs-empty", ["4"], None),
    ("help", ["question_mark"], None),
    ("profiles", ["p"], None),
]


async def render(name: str, keys: list[str], setup: Callable[[Pilot], Awaitable[None]] | None):
    app = TunedeckApp(settings=load_settings(), db_path=default_db_path())
    async with app.run_test(size=SIZE) as pilot:
        await app.store_ready.wait()
        await pilot.pause()
        if setup is not None:
            await setup(pilot)
        await pilot.press(*keys)
        await pilot.pause(0.3)
        app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    print(f"screenshots/{name}.svg")


async def main() -> None:
    for name, keys, setup in SHOTS:
        await render(name, keys, setup)


if __name__ == "__main__":
    asyncio.run(main())
