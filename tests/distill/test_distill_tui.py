"""Distill from the app: D on a dataset version or an eval -> form -> pre-flight on a
sample -> confirm -> the run in the background -> the new version and its lineage ->
the student loop -> the three-way comparison. Sandbox over real HTTP, a real store."""

from __future__ import annotations

from textual.widgets import Input, Select

from store import Store
from tests.apphelpers import rendered, settle
from tests.distill.helpers import TEACHER, reference_eval
from tests.flywheel.helpers import capitals_eval
from tests.jobs.helpers import MODEL, stored_version
from tests.jobs.test_pane_live import SIZE, make, until
from tui.core.distill.distill_lineage import lineage
from tui.screens.distill_compare import DistillCompareScreen
from tui.screens.distill_preflight import DistillPreflight
from tui.screens.distill_run import DistillRunScreen
from tui.screens.distill_start import DistillForm
from tui.screens.job_preflight import JobPreflight
from tui.screens.loop_start import LoopStart


async def preflight_through_form(pilot, *, filter_eval: int | None = None,
                                 samples: str = "1") -> DistillPreflight:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, DistillForm))
    form = app.screen
    assert form.query_one("#distill-form-teacher", Input).value == TEACHER
    if filter_eval is not None:
        form.query_one("#distill-form-filter", Select).value = filter_eval
    form.query_one("#distill-form-samples", Input).value = samples
    await pilot.press("ctrl+s")
    await until(pilot, lambda: isinstance(app.screen, DistillPreflight))
    pre = app.screen
    await until(pilot, lambda: not pre.query_one("#distill-preflight-go").disabled, timeout=30)
    return pre


async def test_D_on_a_dataset_version_distills_it_into_a_new_version(tmp_path, sandbox,
                                                                     monkeypatch):
    with Store(tmp_path / "t.db") as store:
        source = stored_version(store, name="capitals", n=12)
        graders = reference_eval(store, tmp_path).id
    app = make(tmp_path, sandbox, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await app.store_ready.wait()
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("D")
        pre = await preflight_through_form(pilot, filter_eval=graders)
        text = rendered(pre.query_one("#distill-preflight-text"))
        assert "12 × 1 samples = 12 answers" in text
        assert "Sample         5 answers" in text
        assert "Expected kept  80% of the sample" in text  # country 4 is the teacher's blind spot
        assert "Teacher cost   about $" in text
        run_id = pre.run_id
        # Nothing beyond the sample is asked before the confirmation.
        assert len(app.store.distills.samples(run_id)) == 5
        assert app.store.distills.get(run_id).status == "sampling"
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, DistillRunScreen))
        await until(pilot, lambda: app.store.distills.get(run_id).status == "done", timeout=30)
        await until(pilot, lambda: app.screen.done)
        await settle(pilot)
        shown = rendered(app.screen.query_one("#distill-run-text"))
        assert "Kept     10 of 12 answers (83%)" in shown
        info = lineage(app.store, app.store.distills.get(run_id))
        assert (info["teacher"], info["teacher_profile"]) == (TEACHER, "sandbox")
        assert info["source"] == "capitals@1" and info["into"] == "capitals-distilled@1"
        assert info["filter"] == {"eval": "same-as-reference", "keep": "pass"}
        assert info["cost_usd"] > 0
        out = app.store.distills.get(run_id).output_version_id
        assert app.store.datasets.version(out).parent_version_id == source
        # The Datasets pane lists the new version.
        pane = app.pane("datasets")
        await settle(pilot)
        assert any(str(out) == o.id for o in pane.query_one("#ds-versions").options)
        # l: the guided loop's form, on the distilled version.
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LoopStart))
        assert app.screen.query_one("#loop-form-dataset", Select).value == out


async def test_D_on_an_eval_then_the_student_loop_ends_on_the_three_way(tmp_path, sandbox,
                                                                       monkeypatch):
    with Store(tmp_path / "t.db") as store:
        evaluation = capitals_eval(store, tmp_path, n=12)  # 10 kept: enough to train
    app = make(tmp_path, sandbox, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await app.store_ready.wait()
        await pilot.press("3")
        await settle(pilot)
        app.pane("evals").selected_eval = evaluation.id
        await pilot.press("D")
        # From an eval, its own graders are the filter by default.
        pre = await preflight_through_form(pilot)
        assert "Grader filter  capitals: pass" in rendered(pre.query_one(
            "#distill-preflight-text"))
        run_id = pre.run_id
        await pilot.press("y")
        await until(pilot, lambda: app.store.distills.get(run_id).status == "done", timeout=30)
        await until(pilot, lambda: isinstance(app.screen, DistillRunScreen) and app.screen.done)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LoopStart))
        form = app.screen
        out = app.store.distills.get(run_id).output_version_id
        assert form.query_one("#loop-form-dataset", Select).value == out
        form.query_one("#loop-form-model", Input).value = MODEL
        form.query_one("#loop-form-epochs", Input).value = "2"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, JobPreflight))
        await until(pilot, lambda: app.screen.preflight is not None)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, DistillCompareScreen), timeout=90)
        await settle(pilot)  # the screen is pushed; its text is laid out a frame later
        text = rendered(app.screen.query_one("#distill-compare-detail"))
        assert "Teacher vs student on eval capitals" in text
        assert f"teacher        {TEACHER}" in text and " 83.3%" in text
        assert f"student base   {MODEL}" in text and "  0.0%" in text
        assert "student tuned  ft:" in text
        assert "Distillation #1: 10 of 12 teacher answers kept (83%)" in text


async def test_a_confirmed_distillation_resumes_when_the_app_starts(tmp_path, sandbox,
                                                                  monkeypatch):
    """A quit (or a kill) after the confirmation: the next start asks only for what is
    missing. A run never confirmed (stopped at its pre-flight) waits for the user."""
    from tests.jobs.helpers import fast_settings, sandbox_profile
    from tui.core.distill.distiller import start
    from tui.core.distill.drive import confirm, drive

    profile = sandbox_profile(sandbox, monkeypatch)
    with Store(tmp_path / "t.db") as store:
        version = stored_version(store, name="capitals", n=12)
        runs = [start(store, into=f"out-{i}", teacher=TEACHER, teacher_profile=profile.name,
                      from_version_id=version) for i in range(2)]
        for run in runs:
            await drive(store, fast_settings(profile), run.id, probe=3)
        confirm(store, runs[0].id)
    app = make(tmp_path, sandbox, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await app.store_ready.wait()
        await until(pilot, lambda: app.store.distills.get(runs[0].id).status == "done",
                    timeout=30)
        await until(pilot, lambda: not app.distills.running)
        assert app.store.distills.get(runs[1].id).status == "sampling"
        assert len(app.store.distills.samples(runs[1].id)) == 3
        done = app.store.distills.get(runs[0].id)
        assert (done.sampled, done.kept) == (12, 12)


async def test_quitting_mid_distillation_stops_its_driver_and_keeps_the_run(tmp_path, sandbox,
                                                                            monkeypatch):
    """The Batch API run is in flight when the app quits: the worker stops (no thread
    outlives the app), the run stays confirmed and sampling, its batch remembered."""
    from tests.jobs.helpers import sandbox_profile
    from tui.core.distill.distiller import start
    from tui.core.distill.drive import unfinished
    from tui.sandbox import batch_runner

    monkeypatch.setattr(batch_runner, "REQUEST_SECONDS", 1e6)  # the batch never finishes
    profile = sandbox_profile(sandbox, monkeypatch)
    with Store(tmp_path / "t.db") as store:
        version = stored_version(store, name="capitals", n=12)
        run = start(store, into="out", teacher=TEACHER, teacher_profile=profile.name,
                    from_version_id=version, params={"batch": True})
    app = make(tmp_path, sandbox, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await app.store_ready.wait()
        app.distills.start(run.id)
        await until(pilot, lambda: (app.store.distills.get(run.id).batch or {}).get("id"))
        assert app.distills.is_running(run.id)
    import asyncio

    deadline = asyncio.get_running_loop().time() + 5
    while app.distills.running:
        assert asyncio.get_running_loop().time() < deadline, "the driver outlived the app"
        await asyncio.sleep(0.05)
    with Store(tmp_path / "t.db") as store:
        kept = store.distills.get(run.id)
        assert kept.status == "sampling" and kept.batch["id"].startswith("batch")
        assert [r.id for r in unfinished(store)] == [run.id]


async def test_the_form_takes_stored_completions_by_metadata(tmp_path, sandbox, monkeypatch):
    from tests.distill.test_distill_stored import make_stored, question

    await make_stored(sandbox)  # three completions tagged app=support, one app=other
    with Store(tmp_path / "t.db") as store:
        stored_version(store, name="capitals", n=12)
    app = make(tmp_path, sandbox, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await app.store_ready.wait()
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("D")
        await until(pilot, lambda: isinstance(app.screen, DistillForm))
        form = app.screen
        form.query_one("#distill-form-source", Select).value = "stored"
        form.query_one("#distill-form-metadata", Input).value = "app=support"
        form.query_one("#distill-form-into", Input).value = "support-distilled"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, DistillPreflight))
        pre = app.screen
        await until(pilot, lambda: not pre.query_one("#distill-preflight-go").disabled,
                    timeout=30)
        await settle(pilot)
        text = rendered(pre.query_one("#distill-preflight-text"))
        assert "stored chat completions app=support" in text
        assert "3 × 1 samples = 3 answers" in text
        await pilot.press("y")
        await until(pilot, lambda: app.store.distills.get(pre.run_id).status == "done",
                    timeout=30)
        info = lineage(app.store, app.store.distills.get(pre.run_id))
        assert info["source"] == "stored-completions[app=support]@1"
        assert info["into"] == "support-distilled@1" and info["sampled"] == 3
        from tui.core.dataset_versions import version_lines

        first = version_lines(app.store, app.store.distills.get(pre.run_id).output_version_id)
        assert question(0) in next(iter(first))
