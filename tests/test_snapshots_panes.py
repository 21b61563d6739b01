"""Snapshots of the datasets and playground panes in their key states (deterministic data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from tests.apphelpers import SIZE, make_app, ready, settle, wait_for_group

FIXED = "2026-01-01T09:00:00.000+00:00"


def data_file(tmp_path: Path) -> Path:
    lines = []
    for i in range(40):
        lines.append(json.dumps({"messages": [
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": f"What is {i} plus {i}?"},
            {"role": "assistant", "content": f"{2 * i}."}]}))
    lines[3] = '{"messages": [{"role": "user"'
    lines[8] = json.dumps({"messages": [{"role": "bot", "content": "x"},
                                        {"role": "assistant", "content": "y"}]})
    lines[12] = json.dumps({"input": {"messages": [{"role": "user", "content": "Pick"}]},
                            "preferred_output": [{"role": "assistant", "content": "A"}],
                            "non_preferred_output": [{"role": "assistant", "content": "B"}]})
    path = tmp_path / "sums.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def imported(tmp_path: Path, *keys: str):
    async def run_before(pilot) -> None:
        await ready(pilot)
        pilot.app.pane("datasets").run_import(str(data_file(tmp_path)), "sums", "gpt-4o-mini")
        await wait_for_group(pilot, "dataset-import")
        # Toasts expire on a timer: keep them out of the picture.
        pilot.app.clear_notifications()
        # Where focus lands after an import depends on whether the pane was still
        # empty when it ended (a race with start-up): start each picture from the table.
        pilot.app.pane("datasets").query_one("#ds-examples").focus()
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize(("state", "keys"), [("report", ()), ("errors", ("f",)),
                                             ("transcript", ("down", "down", "enter"))])
def test_datasets(snap_compare, tmp_path, state, keys):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=imported(tmp_path, *keys))


def seeded_runs(app) -> int:
    """Two finished compare runs with fixed numbers and times; returns the first run's id."""
    store = app.store
    version = store.prompts.save("support", [
        {"role": "system", "content": "You are a concise support agent."},
        {"role": "user", "content": "Where is my order {{order}}?"}])
    ids = []
    for model, text in (("sandbox-small", "Where is my order A-1?"),
                        ("sandbox-large", "A-1? order my is Where")):
        run_id = store.prompts.start_run(
            profile="openai", model=model, prompt_version_id=version.id, compare_group="g",
            input=[{"role": "system", "content": "You are a concise support agent."},
                   {"role": "user", "content": "Where is my order A-1?"}])
        store.prompts.finish_run(run_id, status="completed", output_text=text,
                                 input_tokens=25, output_tokens=7, ttft_ms=42.0,
                                 latency_ms=120.0, cost_usd=0.0)
        ids.append(run_id)
    store.db.execute("UPDATE playground_runs SET created_at = ?", [FIXED])
    return ids[0]


def test_playground_compose(snap_compare):
    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.press("2")
        await settle(pilot)
        pane = pilot.app.pane("playground")
        pane.query_one("#pg-models", Input).value = "gpt-4o-mini, gpt-4.1-mini"
        pane.query_one("#pg-system", TextArea).text = "You are a concise support agent."
        pane.query_one("#pg-user", TextArea).text = "Where is my order {{order}}?"
        pane.query_one("#pg-vars", Input).value = "order=A-1"
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_playground_compose_at_80_columns(snap_compare):
    """At 80×24 every sampling label reads whole: at 8 columns each, "max out" was
    "max ou" and the effort menu "eff" (issue 21)."""
    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.press("2")
        await settle(pilot)
        pane = pilot.app.pane("playground")
        pane.query_one("#pg-user", TextArea).text = "Where is my order {{order}}?"
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_playground_result_reopened(snap_compare):
    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.app.pane("playground").reopen(seeded_runs(pilot.app))
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_playground_history(snap_compare):
    async def run_before(pilot) -> None:
        await ready(pilot)
        seeded_runs(pilot.app)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_playground_compare_streamed(snap_compare, sandbox, monkeypatch, isolated_home):
    """Two sandbox models streamed side by side; timings pinned after the fact."""
    from tests.apphelpers import sandbox_app
    from tui.widgets.output_panel import OutputPanel

    app = sandbox_app(sandbox, monkeypatch, isolated_home)

    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.press("2")
        await settle(pilot)
        pane = pilot.app.pane("playground")
        pane.query_one("#pg-models", Input).value = "sandbox-small, sandbox-large"
        pane.query_one("#pg-user", TextArea).text = "Where is my order {{order}}?"
        pane.query_one("#pg-vars", Input).value = "order=A-1"
        await pilot.app.run_pane_action("playground", "run")
        await wait_for_group(pilot, "playground-run")
        store = pilot.app.store
        store.db.execute("UPDATE playground_runs SET ttft_ms = 42, latency_ms = 120")
        for panel in pane.query(OutputPanel):
            panel.show_run(store.prompts.run(panel.run_id))
        pilot.app.clear_notifications()
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("state", ["report", "errors"])
def test_datasets_at_80_columns(snap_compare, tmp_path, state):
    """At 80×24 the preview, the error categories and the error summary stay readable."""
    keys = ("f",) if state == "errors" else ()
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=imported(tmp_path, *keys))


def test_playground_compare_at_80_columns(snap_compare):
    """At 80×24 compared answers stack, so both model names are readable."""
    async def run_before(pilot) -> None:
        from tui.widgets.output_panel import OutputPanel

        await ready(pilot)
        await pilot.press("2")
        await settle(pilot)
        pane = pilot.app.pane("playground")
        first = seeded_runs(pilot.app)
        outputs = pane.query_one("#pg-outputs")
        pane.query_one("#pg-hint").display = False
        panels = [OutputPanel(slot, model)
                  for slot, model in enumerate(("sandbox-small", "sandbox-large"))]
        await outputs.mount_all(panels)
        pane._arrange_outputs()
        for offset, panel in enumerate(panels):
            panel.run_id = first + offset
            panel.show_run(pilot.app.store.prompts.run(first + offset))
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)
