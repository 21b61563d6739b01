"""esc stops a run as the user's choice; a run re-opens as its template and variables."""

from __future__ import annotations

from textual.widgets import Input, TextArea

from tests.apphelpers import SIZE, rendered, sandbox_app, settle, until, wait_for_group
from tests.playground.test_playground import open_playground, run_and_wait
from tui.sandbox.server import SandboxServer
from tui.widgets.output_panel import OutputPanel


async def _start_then_stop(pilot, pane, arrived: str = "") -> None:
    await pilot.app.run_pane_action("playground", "run")
    await until(pilot, lambda: any(
        w.group == "playground-run" and w.is_running for w in pane.workers))
    if arrived:
        # A chunk the stream delivered before the user pressed esc.
        pane.post_message(pane.RunDelta(0, arrived))
        await until(pilot, lambda: pane.query_one(OutputPanel).text == arrived)
    await pilot.press("escape")
    await wait_for_group(pilot, "playground-run")


async def test_esc_at_once_is_stopped_by_you_not_a_failure(monkeypatch, isolated_home):
    with SandboxServer(api_key="sk-slow", faults="latency=5") as server:
        app = sandbox_app(server, monkeypatch, isolated_home)
        async with app.run_test(size=SIZE) as pilot:
            pane = await open_playground(pilot, models="sandbox-small", user="Take your time")
            await _start_then_stop(pilot, pane)
            run = app.store.prompts.runs()[0]
            assert run.status == "stopped" and run.error is None
            panel = pane.query_one(OutputPanel)
            assert panel.status == "stopped" and "stopped by you" in str(panel.border_subtitle)
            assert "failed" not in str(panel.border_subtitle)
            # The history says the same.
            await pilot.press("ctrl+o")
            await settle(pilot)
            table = rendered(app.screen.query_one("#history-table"))
            assert "stopped" in table and "error" not in table


async def test_esc_mid_stream_keeps_what_arrived_as_stopped(monkeypatch, isolated_home):
    with SandboxServer(api_key="sk-slow", faults="latency=5") as server:
        app = sandbox_app(server, monkeypatch, isolated_home)
        async with app.run_test(size=SIZE) as pilot:
            pane = await open_playground(pilot, models="sandbox-small", user="Take your time")
            await _start_then_stop(pilot, pane, arrived="Partial ans")
            run = app.store.prompts.runs()[0]
            assert (run.status, run.output_text, run.error) == ("stopped", "Partial ans", None)
            subtitle = str(pane.query_one(OutputPanel).border_subtitle)
            assert "stopped by you" in subtitle and "INCOMPLETE" not in subtitle


async def test_history_reopens_the_template_and_its_variables(
    sandbox, monkeypatch, isolated_home
):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_playground(pilot, models="sandbox-small", system="Be brief.",
                                     user="Say hello to {{name}} in {{lang}}",
                                     variables="name=Ada; lang=French")
        await run_and_wait(pilot, pane)
        run = app.store.prompts.runs()[0]
        assert run.variables == {"name": "Ada", "lang": "French"}
        # Change everything, then re-open the run from history.
        pane.query_one("#pg-user", TextArea).text = "something else"
        pane.query_one("#pg-vars", Input).value = ""
        await pilot.press("ctrl+o")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert pane.query_one("#pg-user", TextArea).text == "Say hello to {{name}} in {{lang}}"
        assert pane.query_one("#pg-system", TextArea).text == "Be brief."
        assert pane.variables() == {"name": "Ada", "lang": "French"}
        # Running it again sends the same filled prompt under the same prompt version.
        await run_and_wait(pilot, pane)
        again = app.store.prompts.runs()[0]
        assert again.id != run.id and again.input == run.input
        assert again.prompt_version_id == run.prompt_version_id


def test_runs_from_before_variables_were_kept_reopen_as_sent(tmp_path):
    from store import Store

    with Store(tmp_path / "t.db") as store:
        version = store.prompts.save("p", [{"role": "user", "content": "Hi {{x}}"}])
        run_id = store.prompts.start_run(profile="sandbox", model="m",
                                         input=[{"role": "user", "content": "Hi 1"}],
                                         prompt_version_id=version.id)
        assert store.prompts.run(run_id).variables is None


async def test_f12_clears_the_conversation_and_keeps_the_system_prompt(
    sandbox, monkeypatch, isolated_home
):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_playground(pilot, models="sandbox-small", system="Be brief.",
                                     user="First question")
        await run_and_wait(pilot, pane)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert len(pane.turns) == 2
        pane.focus()
        await pilot.press("f12")
        await settle(pilot)
        assert pane.turns == [] and pane.last_messages == []
        assert pane.query_one("#pg-user", TextArea).text == ""
        assert pane.query_one("#pg-system", TextArea).text == "Be brief."
        assert not pane.query(OutputPanel) and rendered(pane.query_one("#pg-turns")).strip() == ""
        # The next run starts a fresh conversation; the earlier one stays in the history.
        pane.query_one("#pg-user", TextArea).text = "Second question"
        await run_and_wait(pilot, pane)
        latest = app.store.prompts.runs()[0]
        assert latest.input == [{"role": "system", "content": "Be brief."},
                                {"role": "user", "content": "Second question"}]
        assert len(app.store.prompts.runs()) == 2
