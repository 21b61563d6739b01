"""The live view of prompt optimizations, from the command palette, re-read from the store."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from store import Store
from tests.apphelpers import SIZE, make_app, ready, rendered, until
from tests.optimize.helpers import MODEL, configure
from tests.optimize.test_optimize_cli import _args, _setup
from tui.cli.main import main
from tui.core.optimize.ownership import OWNER_FILE
from tui.engines.directives import LAST_WORD, UPPER
from tui.screens.optimizations import OptimizationsScreen


def _flat(screen) -> str:
    """The detail as one line: long lines wrap."""
    return " ".join(line.strip() for line in rendered(screen.query_one("#opt-detail")).splitlines())


async def test_the_view_shows_candidates_spend_the_proof_and_the_diff_and_x_stops_a_search(
        isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = _setup(tmp_path)
    # The driver runs its own event loop: from an async context, in a thread (as a worker).
    assert await asyncio.to_thread(main, _args(db, "--max-metric-calls", "24", "--yes")) == 0
    capsys.readouterr()
    app = make_app(db_path=db)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        from tui.palette import TunedeckCommands

        commands = {name: callback for name, _, callback in
                    TunedeckCommands(app.screen)._commands()}
        commands["Prompt optimizations"]()
        await until(pilot, lambda: isinstance(app.screen, OptimizationsScreen))
        screen = app.screen
        await pilot.pause()
        text = rendered(screen.query_one("#opt-detail"))
        assert "#1 capitals@1 on eval capitals-upper" in text
        assert "8 train, 6 validation, 6 held-out" in text
        assert "/24 metric" in text and "(no cap)" in text
        assert "★   1  100.0% from 0" in text and "0    0.0% seed" in text
        assert "seed 0.0% → best 100.0%" in text and "6 fail→pass" in text
        assert "saved as capitals@2" in text
        flat = " ".join(line.strip() for line in text.splitlines())  # long lines wrap
        assert "-Answer the question." in flat
        assert f"+Answer the question. {LAST_WORD} {UPPER}" in flat
        await pilot.press("x")
        await pilot.pause()
        assert any("search is over" in n.message for n in app._notifications)

        # A second optimization, planned but not yet run (as after a crash): the list
        # picks it up on its next refresh, and x asks its search to stop.
        from tui.core.config import load_settings
        from tui.core.optimize import optimize_driver as driver

        with Store(db) as store:
            chosen = driver.plan(store, load_settings(), prompt="capitals",
                                 eval_ref="capitals-upper", model=MODEL, profile="sandbox",
                                 reflection_model=MODEL, reflection_profile="sandbox",
                                 max_metric_calls=10, max_usd=0.5)
            second = driver.create(store, chosen)
        await until(pilot, lambda: "#2 searching" in rendered(screen.query_one("#opt-list")))
        from textual.widgets import OptionList

        listing = screen.query_one("#opt-list", OptionList)
        await pilot.press("home")  # the newest is listed first
        await until(pilot, lambda: listing.highlighted == 0 and screen.selected == second.id)
        await pilot.pause()
        # No TUI drives it (the CLI's): only the CLI's --resume can continue it.
        assert ("started by the CLI: tunedeck prompt optimize --resume 2 continues it if its "
                "process is gone") in _flat(screen)
        await pilot.press("r")
        await pilot.pause()
        assert app._notifications and "started by the CLI" in list(app._notifications)[-1].message
        await pilot.press("x")
        await pilot.pause()
        assert (Path(second.run_dir) / driver.STOP_FILE).exists()

        # Left by a TUI whose process is gone: the hint names r, which resumes it here.
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        (Path(second.run_dir) / OWNER_FILE).write_text(str(gone.pid), encoding="utf-8")
        screen.show_detail()
        assert "paused: r resumes it here (or tunedeck prompt optimize --resume 2)" in _flat(screen)
        await pilot.press("r")
        await until(pilot, lambda: app.store.optimizations.get(second.id).status == "done",
                    timeout=60)
        assert app.store.optimizations.get(second.id).stop_reason == "stopped"
