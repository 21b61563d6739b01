"""The jobs watcher (the Jobs pane's poller) against events that never end: one notice, no loop."""

from __future__ import annotations

import pytest

from store import Store
from tests.apphelpers import until
from tests.jobs.helpers import fast_settings
from tests.pagination.hostile import JOB_ID, KEY_ENV, Hostile, _job
from tui.core.config import Profile
from tui.core.finetune import provider_for
from tui.core.jobs.watch import PollPolicy, Watcher


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-hostile-test-key-0123456789")
    hostile = Hostile("same", ("events",))
    yield hostile
    hostile.close()


def profile_for(server: Hostile) -> Profile:
    return Profile(name="hostile", kind="sandbox", base_url=server.base_url, api_key_env=KEY_ENV)


async def test_the_watcher_reports_once_and_stops_polling_that_job(server, tmp_path):
    errors: list[tuple[BaseException, float]] = []
    provider = provider_for(profile_for(server), max_retries=0)
    with Store(tmp_path / "w.db") as store:
        job = store.jobs.upsert("hostile", _job(JOB_ID, "running"))
        watcher = Watcher(provider, store, "hostile", PollPolicy(0.01),
                          on_error=lambda exc, delay: errors.append((exc, delay)))
        await watcher.poll_due()
        [(exc, delay)] = errors
        assert delay == 0.0 and watcher.stuck == [job.id] and watcher.gone == []
        assert str(exc) == (f"listing the events of {JOB_ID}: the provider kept answering "
                            "has_more with the same page; stopped after 2 pages; kept what "
                            "was read")
        assert len(store.jobs.events(job.id)) == 2  # the first read had none stored: kept
        asked = server.count("events")
        for _ in range(3):
            await watcher.poll_due()
        assert server.count("events") == asked == 2 and len(errors) == 1
    await provider.close()


async def test_the_jobs_pane_notifies_and_keeps_running(server, tmp_path):
    from tui.app import TunedeckApp

    profile = profile_for(server)
    with Store(tmp_path / "p.db") as store:
        store.jobs.upsert("hostile", _job(JOB_ID, "running"))
    app = TunedeckApp(settings=fast_settings(profile, 0.05), db_path=tmp_path / "p.db",
                      profile=profile.name)
    async with app.run_test(size=(140, 40)) as pilot:
        await app.store_ready.wait()
        await pilot.press("4")
        await until(pilot, lambda: any("listing the events of" in str(n.message)
                                       for n in app._notifications))
        [note] = [n for n in app._notifications if "listing the events of" in str(n.message)]
        assert note.severity == "warning" and "kept what was read" in str(note.message)
        await pilot.pause(0.3)
        assert server.count("events") == 2  # not polled again
        assert app.is_running
