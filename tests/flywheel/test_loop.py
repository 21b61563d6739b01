"""The guided loop end to end against the sandbox: baseline, job, eval again, compare."""

from __future__ import annotations

from store import Store
from tests.flywheel.helpers import N_ITEMS, new_loop
from tests.jobs.helpers import MODEL, port, sandbox_profile
from tui.core import loop as loops
from tui.core.evals.runner import RunnerOptions
from tui.core.lineage import model_lineage
from tui.core.providers import make_client


def options() -> loops.LoopOptions:
    return loops.LoopOptions(runner=RunnerOptions(concurrency=4), poll_s=0.05)


async def drive(store, loop_id, profile, **kwargs):
    client = make_client(profile, max_retries=0)
    try:
        driver = loops.LoopDriver(store, loop_id, provider=port(profile, client), options=options(), **kwargs)
        return await driver.drive()
    finally:
        await client.close()


async def test_loop_runs_baseline_job_and_tuned_eval_and_compares(tmp_path, sandbox,
                                                                  monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    store = Store(tmp_path / "t.db")
    loop = new_loop(store, tmp_path, profile.name)
    said: list[str] = []
    loop = await drive(store, loop.id, profile, say=said.append)

    assert loop.stage == "done", loop.error
    baseline = store.evals.run(loop.baseline_run_id)
    tuned = store.evals.run(loop.tuned_run_id)
    job = store.jobs.get(loop.job_id)
    assert baseline.model == MODEL and tuned.model == job.fine_tuned_model
    assert job.status == "succeeded" and job.training_version_id == loop.training_version_id
    # The sandbox's base model echoes the question; the tuned one answers from its data.
    assert loop.comparison["base_pass_rate"] == 0.0
    assert loop.comparison["tuned_pass_rate"] == 1.0
    assert sorted(loop.comparison["fail_to_pass"]) == list(range(N_ITEMS))
    assert loop.comparison["mcnemar_p"] == 2 * 0.5 ** N_ITEMS
    assert any("Launched" in line for line in said)

    card = model_lineage(store, job.fine_tuned_model)
    assert card.kind == "fine-tuned" and card.base_model == MODEL
    assert card.job_remote_id == job.remote_id and card.loop_id == loop.id
    [training] = [d for d in card.datasets if d.role == "training"]
    version = store.datasets.version(loop.training_version_id)
    assert (training.dataset, training.version, training.content_hash) == (
        "capitals", version.version, version.content_hash)
    [run] = card.runs
    assert run.run_id == tuned.id and run.base_run_id == baseline.id
    assert run.delta == 1.0 and run.fail_to_pass == N_ITEMS and run.pass_to_fail == 0

    # Keep what the provider holds: the first sync may add (e.g. files' metadata);
    # a second one adds nothing, and the loop's chain is intact.
    from tui.core.sync import sync_profile

    def counts() -> dict[str, int]:
        return {t: store.db[t].count for t in store.db.table_names()
                if not t.startswith("_")}

    client = make_client(profile, max_retries=0)
    try:
        await sync_profile(port(profile, client), store, profile)
        before = counts()
        second = await sync_profile(port(profile, client), store, profile)
    finally:
        await client.close()
    assert second.added() == 0 and counts() == before
    assert model_lineage(store, job.fine_tuned_model).datasets[0].content_hash == \
        version.content_hash


async def test_a_loop_stopped_mid_job_resumes_without_a_second_job(tmp_path, sandbox,
                                                                   monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    path = tmp_path / "t.db"
    with Store(path) as store:
        loop = new_loop(store, tmp_path, profile.name)
        client = make_client(profile, max_retries=0)
        driver = loops.LoopDriver(store, loop.id, provider=port(profile, client), options=options())

        def stop_after_launch(line: str) -> None:
            if line.startswith("Launched"):
                driver.cancel()  # as if the app quit while the job runs

        driver.say = stop_after_launch
        stopped = await driver.drive()
        await client.close()
        assert stopped.stage == "training" and stopped.job_id is not None
    # A new process: a fresh connection, a fresh driver.
    with Store(path) as store:
        finished = await drive(store, loop.id, profile)
        assert finished.stage == "done", finished.error
        assert finished.job_id == stopped.job_id
        assert finished.baseline_run_id == stopped.baseline_run_id
        client = make_client(profile, max_retries=0)
        remote = [j async for j in client.fine_tuning.jobs.list()]
        await client.close()
        assert len(remote) == 1
        # Each item was sampled once per run, nothing twice.
        for run_id in (finished.baseline_run_id, finished.tuned_run_id):
            assert store.evals.count_results(run_id) == N_ITEMS


async def test_a_job_launched_just_before_a_crash_is_adopted_not_relaunched(
        tmp_path, sandbox, monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    store = Store(tmp_path / "t.db")
    loop = new_loop(store, tmp_path, profile.name)
    client = make_client(profile, max_retries=0)
    try:
        driver = loops.LoopDriver(store, loop.id, provider=port(profile, client), options=options())
        loop = await driver._baseline(loop)
        assert loop.stage == "training"
        # The job is created on the provider, then the process dies before the job's
        # id reaches the loop row.
        from tui.core.jobs.actions import launch

        launched = await launch(port(profile, client), store, loops.preflight(store, loop))
    finally:
        await client.close()
    store.db.execute("DELETE FROM jobs WHERE id = ?", [launched.id])
    finished = await drive(store, loop.id, profile)
    assert finished.stage == "done", finished.error
    assert store.jobs.get(finished.job_id).remote_id == launched.remote_id
    client = make_client(profile, max_retries=0)
    remote = [j async for j in client.fine_tuning.jobs.list()]
    await client.close()
    assert [j.id for j in remote] == [launched.remote_id]


async def test_a_failed_job_fails_the_loop_with_its_reason(tmp_path, sandbox, monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    store = Store(tmp_path / "t.db")
    loop = new_loop(store, tmp_path, profile.name, suffix="fail")
    client = make_client(profile, max_retries=0).with_options(
        default_headers={"X-Sandbox-Fault": "fail_job"})
    try:
        finished = await loops.LoopDriver(store, loop.id, provider=port(profile, client),
                                          options=options()).drive()
    finally:
        await client.close()
    assert finished.stage == "failed"
    assert "fine-tuning job" in finished.error and "failed" in finished.error


async def test_two_stores_loops_never_adopt_each_others_jobs(tmp_path, sandbox, monkeypatch):
    """Loop #1 of one database and loop #1 of another share a provider, not a job."""
    profile = sandbox_profile(sandbox, monkeypatch)
    jobs = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        with Store(tmp_path / name / "t.db") as store:
            loop = new_loop(store, tmp_path / name, profile.name)
            assert loop.id == 1
            finished = await drive(store, loop.id, profile)
            assert finished.stage == "done", finished.error
            jobs.append(store.jobs.get(finished.job_id).remote_id)
    assert jobs[0] != jobs[1]


async def test_a_job_the_provider_forgot_fails_the_loop_with_a_reason(tmp_path, monkeypatch):
    """A sandbox restarted without --state no longer knows the loop's job."""
    from tui.sandbox.server import SandboxServer

    store = Store(tmp_path / "t.db")
    with SandboxServer(api_key="sk-sandbox-test", speed=50.0) as first:
        profile = sandbox_profile(first, monkeypatch)
        loop = new_loop(store, tmp_path, profile.name)
        client = make_client(profile, max_retries=0)
        driver = loops.LoopDriver(store, loop.id, provider=port(profile, client), options=options())
        driver.say = lambda line: driver.cancel() if line.startswith("Launched") else None
        await driver.drive()
        await client.close()
    with SandboxServer(api_key="sk-sandbox-test", speed=50.0) as second:
        profile = sandbox_profile(second, monkeypatch)
        finished = await drive(store, loop.id, profile)
    assert finished.stage == "failed"
    assert "no longer knows the fine-tuning job" in finished.error


async def test_a_loop_can_evaluate_each_checkpoint(tmp_path, sandbox, monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    store = Store(tmp_path / "t.db")
    loop = new_loop(store, tmp_path, profile.name, eval_checkpoints=True)
    finished = await drive(store, loop.id, profile)
    assert finished.stage == "done", finished.error
    checkpoints = {c.fine_tuned_model_checkpoint for c in store.jobs.checkpoints(finished.job_id)}
    assert checkpoints and set(finished.checkpoint_runs) == checkpoints
    for name, run_id in finished.checkpoint_runs.items():
        run = store.evals.run(run_id)
        assert run.model == name and run.status == "completed"
        assert store.evals.count_results(run_id) == N_ITEMS
