"""Snapshots of the optimize pre-flight form and of the live view of a finished
optimization (the real GEPA loop on the sandbox, run headless before the app starts)."""

from __future__ import annotations

from store import Store
from tests.apphelpers import SIZE, make_app, ready, settle, until
from tests.optimize.helpers import configure
from tests.optimize.test_optimize_cli import _args, _setup
from tui.cli.main import main


def test_optimize_preflight_form(snap_compare, isolated_home, sandbox, monkeypatch, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = _setup(tmp_path)
    with Store(db) as store:
        version_id = store.prompts.versions("capitals")[0].id

    async def run_before(pilot) -> None:
        from tests.optimize.test_optimize_tui import _planned
        from tui.optimize_flow import start_optimize

        await ready(pilot)
        start_optimize(pilot.app, version_id=version_id)
        await until(pilot, lambda: hasattr(pilot.app.screen, "plan_for"))
        await settle(pilot)
        form = pilot.app.screen
        form.query_one("#optf-model").value = "sandbox-small"
        form.query_one("#optf-reflection-model").value = "sandbox-small"
        form.query_one("#optf-budget").value = "24"
        await until(pilot, lambda: _planned(form))
        await settle(pilot)

    assert snap_compare(make_app(db_path=db), terminal_size=SIZE, run_before=run_before)


def test_optimize_live_view_finished(snap_compare, isolated_home, sandbox, monkeypatch,
                                     tmp_path, capsys):
    configure(isolated_home, sandbox, monkeypatch)
    db = _setup(tmp_path)
    assert main(_args(db, "--max-metric-calls", "24", "--yes")) == 0
    capsys.readouterr()

    async def run_before(pilot) -> None:
        from tui.screens.optimizations import OptimizationsScreen

        await ready(pilot)
        pilot.app.push_screen(OptimizationsScreen())
        await until(pilot, lambda: isinstance(pilot.app.screen, OptimizationsScreen))
        await settle(pilot)

    assert snap_compare(make_app(db_path=db), terminal_size=SIZE, run_before=run_before)
