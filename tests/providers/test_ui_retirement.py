"""Retirement in the Jobs pane: shutdown dates beside base models, the notice of models in
use that retire within 60 days, and OpenAI's training_not_available in plain words, over
real HTTP to the sandbox (whose sandbox-small retires with gpt-4o on 2027-01-14)."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable

from store import Store
from tests.apphelpers import ready, until
from tests.jobs.helpers import stored_version
from tests.providers.helpers import profiles, sft, train_through_port
from tests.providers.uihelpers import dialect_app
from tui.core.paths import home_dir
from tui.screens.job_create import JobCreate
from tui.screens.job_preflight import JobPreflight

SIZE = (150, 44)


def _trained(sandbox, monkeypatch):
    async def go():
        with Store(home_dir() / "tunedeck.db") as store:
            job, provider = await train_through_port(
                store, profiles(sandbox, monkeypatch)["openai"], sft(stored_version(store)))
            await provider.close()
            return job

    return asyncio.run(go())


async def test_sync_brings_shutdown_dates_and_the_notice(sandbox, monkeypatch):
    job = await asyncio.to_thread(_trained, sandbox, monkeypatch)
    app = dialect_app(sandbox, monkeypatch, "openai-sb")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("4")
        await pilot.pause()
        notice = app.query_one("#jobs-retiring")
        assert not notice.display  # no dates known before the model list is read
        await pilot.press("s")
        await until(pilot, lambda: notice.display, timeout=30)
        text = str(notice.render())
        assert "sandbox-small retires on 2027-01-14" in text or "retired on 2027-01-14" in text
        assert f"job {job.remote_id}" in text
        assert "R on one of its jobs retrains it on another profile" in text
        table = app.query_one("#jobs-table", DataTable)
        assert "2027-01-14" in str(table.get_row_at(0)[6])  # the base model's date


async def test_training_not_available_names_the_profiles_that_still_train(monkeypatch):
    from tui.sandbox.server import SandboxServer

    server = SandboxServer(api_key="sk-sandbox-test", speed=50.0,
                           faults="training_not_available=1")
    server.start()
    try:
        with Store(home_dir() / "tunedeck.db") as store:
            stored_version(store)
        app = dialect_app(server, monkeypatch, "openai-sb")
        notes: list[str] = []
        monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append(str(message)))
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            await pilot.press("4")
            await pilot.pause()
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, JobCreate))
            training = app.screen.query_one("#job-form-training")
            training.value = training._options[1][1]
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, JobPreflight)
                        and app.screen.preflight is not None)
            await pilot.press("y")
            await until(pilot, lambda: any("winding down" in n for n in notes), timeout=30)
            refusal = next(n for n in notes if "winding down" in n)
            for other in ("together-sb (together)", "fireworks-sb (fireworks)",
                          "azure-sb (azure)"):
                assert other in refusal
            status = str(app.query_one("#jobs-status").render())
            assert "R on a job retrains it on another profile" in status
    finally:
        server.stop()
