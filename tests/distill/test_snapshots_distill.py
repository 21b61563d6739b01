"""Pictures of distillation at 120×35: the pre-flight after its sample (sandbox-teacher
over real HTTP on the capitals prompts) and the three-way comparison at a student loop's
end (a seeded store, fixed numbers)."""

from __future__ import annotations

import asyncio

from textual.widgets import Select

from store import Store
from tests.apphelpers import SIZE, make_app, ready, sandbox_app, settle, until
from tests.distill.helpers import TEACHER, reference_eval
from tests.flywheel.seed import _run, seed
from tests.jobs.helpers import stored_version
from tui.core.paths import home_dir


async def preflight_after_sample(pilot) -> None:
    from tui.screens.distill_preflight import DistillPreflight
    from tui.screens.distill_start import DistillForm

    await ready(pilot)
    app = pilot.app
    pane = app.pane("datasets")
    pane.reload()
    await settle(pilot)
    await pilot.press("D")
    await until(pilot, lambda: isinstance(app.screen, DistillForm))
    app.screen.query_one("#distill-form-filter", Select).value = \
        app.store.evals.list()[0].id
    await pilot.press("ctrl+s")
    await until(pilot, lambda: isinstance(app.screen, DistillPreflight)
                and not app.screen.query_one("#distill-preflight-go").disabled, timeout=30)
    app.clear_notifications()
    await settle(pilot)


def test_distill_preflight_after_its_sample(snap_compare, sandbox, monkeypatch, isolated_home,
                                            tmp_path):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    with Store(home_dir() / "tunedeck.db") as store:
        stored_version(store, name="capitals", n=12)
        reference_eval(store, tmp_path)
        store.db.execute("UPDATE dataset_versions SET created_at = '2026-01-01T09:00:00+00:00'")
    assert snap_compare(app, terminal_size=SIZE, run_before=preflight_after_sample)


def seeded_three_way(store: Store, tmp) -> object:
    """seed()'s finished loop, its training version distilled from sandbox-teacher, and the
    teacher's run of the loop's eval: what a student loop leaves in the store."""
    from tui.core.config import Settings
    from tui.core.distill.student import three_way

    ids = seed(store, tmp)
    run = store.distills.create(into_name="capitals", source_kind="eval",
                                source_eval_id=ids["eval"], teacher=TEACHER,
                                teacher_profile="openai", filter_eval_id=ids["eval"])
    store.distills.update(run.id, status="done", n_prompts=12, sampled=12, kept=10,
                          cost_usd=0.0123, output_version_id=ids["version"])
    _run(store, ids["eval"], TEACHER, "teacher", set(range(8)) - {4}, 8, 0.0311)
    store.db.execute("UPDATE eval_runs SET created_at = '2026-01-01T09:00:00.000+00:00'")
    loop = store.loops.get(ids["done"])
    return asyncio.run(three_way(store, Settings(), store.distills.get(run.id), loop))


def test_distill_three_way_comparison(snap_compare, isolated_home, tmp_path):
    from tui.distill_flow import show_three_way

    with Store(home_dir() / "tunedeck.db") as store:
        three = seeded_three_way(store, tmp_path)

    async def run_before(pilot) -> None:
        await ready(pilot)
        show_three_way(pilot.app, three)
        await settle(pilot)
        pilot.app.clear_notifications()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
