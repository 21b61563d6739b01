"""The collector is paused while the TUI starts and runs again once a pane is on screen."""

from __future__ import annotations

import asyncio
import gc

from tests.apphelpers import SIZE, make_app, ready, settle
from tui import startup_gc
from tui.cli.main import main


async def test_the_app_resumes_the_collector_once_its_first_pane_is_shown(monkeypatch):
    import tui.app

    monkeypatch.setattr(tui.app, "STORE_OPEN_LATEST_S", 60.0)  # the pane's Show, not the timer
    assert gc.isenabled()
    startup_gc.pause()
    try:
        assert not gc.isenabled()
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await asyncio.wait_for(ready(pilot), 20)  # the store opens once the pane shows
            await settle(pilot)
            assert app.query_one("#pane-datasets").is_mounted
            assert gc.isenabled()
    finally:
        startup_gc.resume()
        gc.enable()


def test_a_pause_made_elsewhere_is_left_alone():
    gc.disable()
    try:
        startup_gc.resume()  # nothing paused here
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_tui_that_cannot_start_leaves_the_collector_running(isolated_home, capsys):
    (isolated_home / "config.toml").write_text("default_profile = [broken\n")
    assert main([]) != 0
    assert "tunedeck:" in capsys.readouterr().err
    assert gc.isenabled()
