"""A local engine (or compatible server) is asked which models it serves before a new job."""

from __future__ import annotations

from store import Store
from tests.jobs.helpers import SANDBOX_KEY_ENV, stored_version
from tests.jobs.test_pane_live import SIZE, open_jobs, until
from tui.app import TunedeckApp
from tui.core.config import Profile, Settings
from tui.panes.jobs import DEFAULT_MODELS, base_model_choices
from tui.screens.job_create import JobCreate


def test_base_model_choices_by_kind():
    assert base_model_choices("local", ["tiny", "ft:tiny:x"]) == ["tiny"]
    assert base_model_choices("sandbox", [])[:2] == ["sandbox-small", "sandbox-large"]
    assert base_model_choices("openai", ["gpt-x"]) == [*DEFAULT_MODELS, "gpt-x"]


async def test_new_job_on_a_local_profile_offers_what_the_server_serves(tmp_path, sandbox,
                                                                        monkeypatch):
    monkeypatch.setenv(SANDBOX_KEY_ENV, sandbox.api_key)
    # The sandbox stands in for `tunedeck serve --engine local`: same API, same model list.
    profile = Profile(name="gpu-box", kind="local", base_url=sandbox.base_url,
                      api_key_env=SANDBOX_KEY_ENV)
    settings = Settings(default_profile="gpu-box", profiles={"gpu-box": profile})
    with Store(tmp_path / "t.db") as store:
        stored_version(store, n=12)
    app = TunedeckApp(settings=settings, db_path=tmp_path / "t.db", profile="gpu-box")
    async with app.run_test(size=SIZE) as pilot:
        await open_jobs(pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, JobCreate))
        assert sorted(app.screen.models) == ["sandbox-large", "sandbox-small", "sandbox-teacher"]
        assert not any(m.startswith("gpt-") for m in app.screen.models)
