"""The collector is paused while the TUI starts and runs again once a pane is on screen;
the start-up heap is then frozen out of its walks, as it is before `tunedeck eval run`."""

from __future__ import annotations

import asyncio
import gc
import json

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


def test_resuming_after_the_start_freezes_the_start_up_heap():
    gc.unfreeze()
    startup_gc.pause()
    survivor = object.__new__(type("Survivor", (), {}))  # made during the start
    startup_gc.resume()
    try:
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
        assert survivor not in gc.get_objects()  # left out of every later collection
    finally:
        gc.unfreeze()


def test_an_eval_run_from_the_cli_freezes_what_it_loaded(tmp_path, isolated_home):
    eval_file = tmp_path / "given.eval.json"
    eval_file.write_text(json.dumps({
        "name": "given", "items": [
            {"item": {"q": "a"}, "sample": {"output_text": "a"}},
            {"item": {"q": "b"}, "sample": {"output_text": "c"}}],
        "testing_criteria": [{"type": "string_check", "name": "eq", "operation": "eq",
                              "input": "{{sample.output_text}}", "reference": "{{item.q}}"}]}))
    gc.unfreeze()
    try:
        assert main(["--db", str(tmp_path / "e.db"), "eval", "run", str(eval_file)]) == 0
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


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
