"""The job and loop forms start on the dataset version the user has in view in Datasets,
not on an empty choice (or whichever version is listed first): issue 21, item 4."""

from __future__ import annotations

from textual.widgets import Select

from store import Store
from tests.apphelpers import SIZE, make_app, ready, settle, until
from tests.jobs.helpers import sandbox_profile, stored_version
from tui.core.paths import home_dir
from tui.screens.job_create import JobCreate


async def test_new_job_starts_on_the_version_in_view(sandbox, monkeypatch, isolated_home):
    profile = sandbox_profile(sandbox, monkeypatch)
    (isolated_home / "config.toml").write_text(
        f'default_profile = "sandbox"\n[profiles.sandbox]\nkind = "sandbox"\n'
        f'base_url = "{profile.base_url}"\napi_key_env = "{profile.api_key_env}"\n')
    with Store(home_dir() / "tunedeck.db") as store:
        first = stored_version(store, name="first", n=12)
        second = stored_version(store, name="second", n=12)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        datasets = app.pane("datasets")
        await until(pilot, lambda: datasets.version_id is not None)
        datasets.version_id = first
        datasets.reload()
        await settle(pilot)
        assert app.workbench.current_version_id == first
        datasets.version_id = second
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, JobCreate))
        assert app.screen.query_one("#job-form-training", Select).value == second


async def test_new_loop_starts_on_the_version_in_view(sandbox, monkeypatch, isolated_home,
                                                      tmp_path):
    from tests.flywheel.helpers import capitals_eval
    from tui.screens.loop_start import LoopStart

    profile = sandbox_profile(sandbox, monkeypatch)
    (isolated_home / "config.toml").write_text(
        f'default_profile = "sandbox"\n[profiles.sandbox]\nkind = "sandbox"\n'
        f'base_url = "{profile.base_url}"\napi_key_env = "{profile.api_key_env}"\n')
    with Store(home_dir() / "tunedeck.db") as store:
        stored_version(store, name="first", n=12)
        second = stored_version(store, name="second", n=12)
        capitals_eval(store, tmp_path)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        datasets = app.pane("datasets")
        await until(pilot, lambda: datasets.version_id is not None)
        datasets.version_id = second
        app.action_new_loop()  # F8's "new loop", from the palette or the loops view
        await until(pilot, lambda: isinstance(app.screen, LoopStart))
        await settle(pilot)
        assert app.screen.query_one("#loop-form-dataset", Select).value == second
