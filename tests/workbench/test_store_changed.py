"""store_changed: one coalesced signal, and other processes' writes reach the screen."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

from store import Store
from tests.apphelpers import SIZE, make_app, ready, rendered, settle, until
from tui.core.dataset_versions import import_file


def _dataset(tmp_path: Path, name: str, n: int = 3) -> Path:
    path = tmp_path / f"{name}.jsonl"
    path.write_text("".join(json.dumps({"messages": [
        {"role": "user", "content": f"q {i}"},
        {"role": "assistant", "content": f"a {i}"}]}) + "\n" for i in range(n)))
    return path


async def test_another_connection_s_write_shows_without_a_pane_switch(tmp_path):
    app = make_app(db_path=tmp_path / "shared.db")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await settle(pilot)
        pane = app.pane("datasets")
        versions = pane.query_one("#ds-versions")
        assert "from-a-script" not in rendered(versions)
        # Another process (a `tunedeck ...` command) writes to the same SQLite file.
        with Store(app.db_path) as other:
            import_file(other, _dataset(tmp_path, "from-a-script"), name="from-a-script")
        await until(pilot, lambda: "from-a-script" in rendered(versions), timeout=5)
        assert app.query_one("#panes").active == "datasets"  # no switch was needed


async def test_a_burst_of_announcements_is_delivered_once(tmp_path):
    app = make_app(db_path=tmp_path / "burst.db")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await settle(pilot)
        await asyncio.sleep(app.store_changes.interval * 2)
        heard: list[int] = []
        pane = app.pane("datasets")
        app.store_changes.subscribe(pane, lambda: heard.append(1))
        before = app.store_changes.published
        for _ in range(100):
            app.store_changes.announce()
        await until(pilot, lambda: heard, timeout=5)
        await asyncio.sleep(app.store_changes.interval * 3)
        await pilot.pause()
        assert app.store_changes.published - before == 1
        assert len(heard) == 1


async def test_a_burst_of_other_connection_writes_yields_a_couple_of_deliveries(tmp_path):
    app = make_app(db_path=tmp_path / "writes.db")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await settle(pilot)
        changes = app.store_changes
        await asyncio.sleep(changes.poll * 2)
        before = changes.published
        n = 40

        def write_burst() -> None:
            with Store(app.db_path) as other:
                for i in range(n):
                    other.prompts.save(f"burst-{i}", [{"role": "user", "content": "x"}])

        started = time.monotonic()
        thread = threading.Thread(target=write_burst)
        thread.start()
        while thread.is_alive():
            await pilot.pause(0.02)
        took = time.monotonic() - started
        await asyncio.sleep(changes.poll + changes.interval * 2)
        await pilot.pause()
        delivered = changes.published - before
        # At least one (the writes are seen), at most one per poll tick the burst spanned.
        assert 1 <= delivered <= 2 + int(took / changes.poll)
        assert delivered < n
