"""Snapshots of the evals pane's grader editor (valid, with a try; invalid) and a batch run."""

from __future__ import annotations

import json

import pytest
from textual.widgets import TextArea

from tests.apphelpers import SIZE, ready, sandbox_app, settle, wait_for_group
from tests.evals.test_pane import write_eval


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    from tui.panes.evals import EvalsPane

    monkeypatch.setattr(EvalsPane, "batch_poll_s", 0.02)


async def open_eval(pilot, tmp_path):
    await ready(pilot)
    await pilot.press("3")
    await settle(pilot)
    pane = pilot.app.pane("evals")
    pane.load_file(str(write_eval(tmp_path)))
    await wait_for_group(pilot, "eval-load")
    pane.selected_eval = pilot.app.store.evals.list()[0].id
    pane.reload()
    pilot.app.clear_notifications()
    await settle(pilot)
    return pane


async def editor(pilot) -> TextArea:
    await pilot.press("e")
    await settle(pilot)
    return pilot.app.screen.query_one("#grader-editor-text", TextArea)


def test_grader_editor_valid_with_a_try(snap_compare, sandbox, monkeypatch, isolated_home,
                                        tmp_path):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)

    async def run_before(pilot) -> None:
        await pilot.pause()
        await open_eval(pilot, tmp_path)
        await editor(pilot)
        await pilot.press("ctrl+t")
        await wait_for_group(pilot, "grader-try")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_grader_editor_invalid(snap_compare, sandbox, monkeypatch, isolated_home, tmp_path):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)

    async def run_before(pilot) -> None:
        await pilot.pause()
        await open_eval(pilot, tmp_path)
        text = await editor(pilot)
        text.text = json.dumps([
            {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
             "operation": "similar"},
            {"type": "text_similarity", "name": "close", "input": "{{sample.output_text}}",
             "reference": "{{item.reference}}", "evaluation_metric": "fuzzy_match",
             "pass_threshold": "high"}], indent=2)
        await settle(pilot)
        await pilot.press("ctrl+t")  # refused: the problems come first
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_batch_run_in_progress(snap_compare, sandbox, monkeypatch, isolated_home, tmp_path):
    from tui.sandbox import batch_runner

    # The batch gets to in_progress and answers nothing more while the picture is taken.
    monkeypatch.setattr(batch_runner, "REQUEST_SECONDS", 1e6)
    app = sandbox_app(sandbox, monkeypatch, isolated_home)

    async def run_before(pilot) -> None:
        await pilot.pause()
        pane = await open_eval(pilot, tmp_path)
        [run_id] = pane.start_runs(pane.selected_eval, "sandbox-small", batch=True)
        table = pane.query_one("#eval-runs-table")
        for _ in range(500):
            await pilot.pause(0.02)
            if str(table.get_cell(f"r{run_id}", "status")) == "batch 0/6 in_progress":
                break
        pilot.app.clear_notifications()
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
