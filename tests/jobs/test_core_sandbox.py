"""tui.core.jobs against the sandbox over real HTTP: launch, sync, actions, restart, backoff."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

import pytest

from store import Store
from tests.jobs.helpers import MODEL, counted_client, port, sandbox_profile, stored_version
from tui.core.finetune.openai_shaped import RESUME_PAGE
from tui.core.jobs.actions import ActionError, act, launch
from tui.core.jobs.job_sync import sync_all
from tui.core.jobs.preflight import run_preflight
from tui.core.jobs.spec import JobSpec
from tui.core.jobs.upload import ensure_uploaded
from tui.core.jobs.watch import PollPolicy, Watcher


async def launched(store, profile, *, epochs: int = 2, headers: dict | None = None, n: int = 12):
    version = stored_version(store, n=n)
    pre = run_preflight(store, profile.name,
                        JobSpec(model=MODEL, training_version_id=version,
                                hyperparameters={"n_epochs": epochs}))
    client = counted_client(profile)
    if headers:
        client = client.with_options(default_headers=headers)
    try:
        return await launch(port(profile, client), store, pre)
    finally:
        await client.close()


async def watch_until(watcher: Watcher, predicate, timeout: float = 20.0) -> None:
    task = asyncio.create_task(watcher.run())
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            assert asyncio.get_running_loop().time() < deadline, "not reached in time"
            assert not task.done(), task.exception()
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_watch_to_success_stores_everything(tmp_path, sandbox, monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    store = Store(tmp_path / "a.db")
    job = await launched(store, profile)
    log: list = []
    client = counted_client(profile, log)
    watcher = Watcher(port(profile, client), store, profile.name, PollPolicy(0.05))
    await asyncio.wait_for(watcher.run(until_idle=True), 30)
    job = store.jobs.get(job.id)
    assert job.status == "succeeded"
    steps = [m.step for m in store.jobs.metrics(job.id)]
    assert steps == list(range(1, steps[-1] + 1)) and steps[-1] == job.raw["method"][
        "supervised"]["hyperparameters"]["n_epochs"] * 12
    assert len(store.jobs.checkpoints(job.id)) >= 2
    assert store.jobs.result_file(job.id).splitlines()[0].startswith("step,")
    assert watcher.stats.requests == len(log)
    # Finished: no more polling at all.
    before = len(log)
    assert await watcher.poll_due() == watcher.policy.interval
    assert len(log) == before
    await client.close()


async def test_failing_job_keeps_its_error(tmp_path, sandbox, monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    store = Store(tmp_path / "a.db")
    job = await launched(store, profile, headers={"X-Sandbox-Fault": "fail_job"})
    client = counted_client(profile)
    await asyncio.wait_for(Watcher(port(profile, client), store, profile.name, PollPolicy(0.05)).run(
        until_idle=True), 30)
    job = store.jobs.get(job.id)
    assert job.status == "failed"
    assert job.error["code"] == "server_error" and "internal error" in job.error["message"]
    assert any(e.level == "error" for e in store.jobs.events(job.id))
    assert store.jobs.result_file(job.id) is None
    await client.close()


async def test_pause_resume_cancel(tmp_path, monkeypatch):
    from tui.sandbox.server import SandboxServer

    with SandboxServer(api_key="sk-sandbox-test", speed=5.0) as server:
        profile = sandbox_profile(server, monkeypatch)
        store = Store(tmp_path / "a.db")
        job = await launched(store, profile, epochs=5)
        client = counted_client(profile)
        job = await act(port(profile, client), store, job, "pause")
        assert job.status == "paused"
        with pytest.raises(ActionError, match="already paused"):
            await act(port(profile, client), store, job, "pause")
        job = await act(port(profile, client), store, job, "resume")
        assert job.status in ("validating_files", "queued", "running")
        job = await act(port(profile, client), store, job, "cancel")
        assert job.status == "cancelled"
        with pytest.raises(ActionError, match="has cancelled"):
            await act(port(profile, client), store, job, "resume")
        assert store.jobs.unfinished(profile.name) == []
        await client.close()


async def test_restart_mid_job_resumes_without_refetching(tmp_path, monkeypatch):
    from tui.sandbox.server import SandboxServer

    with SandboxServer(api_key="sk-sandbox-test", speed=10.0) as server:
        profile = sandbox_profile(server, monkeypatch)
        db = tmp_path / "a.db"
        store = Store(db)
        job = await launched(store, profile, epochs=8)
        first_log: list = []
        client = counted_client(profile, first_log)
        # Past one resume page of events, so the overlap check below can fail.
        await watch_until(Watcher(port(profile, client), store, profile.name, PollPolicy(0.05)),
                          lambda: len(store.jobs.metrics(job.id)) >= RESUME_PAGE + 10)
        await client.close()
        known = {e.remote_id for e in store.jobs.events(job.id, limit=10_000)}
        assert store.jobs.get(job.id).status == "running"
        store.close()

        # "Restart": a new store connection and a new watcher, seen only by the store.
        store = Store(db)
        seen: list[str] = []
        log: list = []
        client = counted_client(profile, log)

        async def on_response(response) -> None:
            if response.request.url.path.endswith("/events"):
                await response.aread()
                seen.extend(e["id"] for e in response.json()["data"])

        client._client.event_hooks["response"].append(on_response)
        await asyncio.wait_for(Watcher(port(profile, client), store, profile.name, PollPolicy(0.05)).run(
            until_idle=True), 30)
        await client.close()
        job = store.jobs.get(job.id)
        assert job.status == "succeeded"
        # The first page after the restart overlaps the known events by at most its size;
        # no request ever paged back into the history.
        event_queries = [parse_qs(q) for m, p, q in log if p.endswith("/events")]
        assert all("after" not in q for q in event_queries)
        assert len(known & set(seen)) <= RESUME_PAGE < len(known)
        steps = [m.step for m in store.jobs.metrics(job.id)]
        assert steps == list(range(1, steps[-1] + 1))
        stored = [e.remote_id for e in store.jobs.events(job.id, limit=10_000)]
        assert len(stored) == len(set(stored))


async def test_polling_backs_off_under_429(tmp_path, monkeypatch):
    from tui.sandbox.server import SandboxServer

    with SandboxServer(api_key="sk-sandbox-test", speed=1.0, faults="retry_after=0.01") as server:
        profile = sandbox_profile(server, monkeypatch)
        store = Store(tmp_path / "a.db")
        job = await launched(store, profile)
        log: list = []
        client = counted_client(profile, log).with_options(
            default_headers={"X-Sandbox-Fault": "429"})
        watcher = Watcher(port(profile, client), store, profile.name, PollPolicy(0.05))
        task = asyncio.create_task(watcher.run())
        await asyncio.sleep(1.6)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        backoffs = watcher.stats.backoffs
        # 0.05, 0.1, 0.2, 0.4, 0.8 …: each wait longer than the one before.
        assert len(backoffs) >= 4
        assert all(b2 > b1 for b1, b2 in zip(backoffs, backoffs[1:], strict=False))
        # Every attempt failed and was counted; unthrottled it would have been ~32 polls.
        assert len(log) == watcher.stats.errors <= 7
        assert store.jobs.get(job.id).status == "validating_files"  # nothing broke

        # Retry-After is honoured when longer than our own backoff.
        watcher2 = Watcher(port(profile, client), store, profile.name, PollPolicy(0.05))
        server.fault_config.retry_after = 0.7
        await watcher2.poll_due()
        assert watcher2.stats.backoffs[0] >= 0.7
        await client.close()


async def test_sync_all_imports_every_job_idempotently(tmp_path, sandbox, monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    store = Store(tmp_path / "a.db")
    for _ in range(3):
        await launched(store, profile)
    other = Store(tmp_path / "b.db")  # a second machine that never launched anything
    client = counted_client(profile)
    first = await sync_all(port(profile, client), other, profile.name)
    again = await sync_all(port(profile, client), other, profile.name)
    assert len(first) == len(again) == len(other.jobs.list(profile.name)) == 3
    await client.close()


async def test_upload_dedupes_and_uses_the_uploads_api_over_the_limit(tmp_path, sandbox,
                                                                      monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    store = Store(tmp_path / "a.db")
    log: list = []
    client = counted_client(profile, log)
    data = b"".join(b'{"messages": []}\n' for _ in range(100))
    file_id, uploaded = await ensure_uploaded(
        port(profile, client, files_api_limit=500, part_size=512), store, profile.name, data,
        filename="big.jsonl")
    assert uploaded
    paths = [p for _, p, _ in log]
    assert paths.count("/v1/uploads") == 1 and sum("/parts" in p for p in paths) == 4
    again, uploaded = await ensure_uploaded(port(profile, client), store, profile.name, data,
                                            filename="big.jsonl")
    assert (again, uploaded) == (file_id, False)
    content = await client.files.content(file_id)
    assert content.content == data
    await client.close()


async def test_a_job_the_provider_forgot_does_not_stall_the_others(tmp_path, sandbox,
                                                                   monkeypatch):
    from tests.jobs.seed import job as seeded_job

    profile = sandbox_profile(sandbox, monkeypatch)
    store = Store(tmp_path / "a.db")
    # Stored first, so it is polled first: the provider answers 404 for it.
    forgotten = store.jobs.upsert(profile.name, seeded_job(7, "running"))
    job = await launched(store, profile)
    errors: list = []
    client = counted_client(profile)
    watcher = Watcher(port(profile, client), store, profile.name, PollPolicy(0.05),
                      on_error=lambda exc, delay: errors.append((type(exc).__name__, delay)))
    await asyncio.wait_for(watcher.run(until_idle=True), 30)
    await client.close()
    assert store.jobs.get(job.id).status == "succeeded"
    assert store.jobs.get(forgotten.id).status == "running"  # kept as stored
    assert watcher.gone == [forgotten.id]
    assert errors == [("NotFoundError", 0.0)]  # said once, not on every poll


async def test_a_file_the_provider_no_longer_has_is_uploaded_again(tmp_path, sandbox,
                                                                    monkeypatch):
    # Deleted on the provider (or a sandbox restarted without its state): the
    # store's record must not make every later launch fail with "no such file".
    profile = sandbox_profile(sandbox, monkeypatch)
    store = Store(tmp_path / "a.db")
    client = counted_client(profile)
    data = b"".join(b'{"messages": []}\n' for _ in range(10))
    first, _ = await ensure_uploaded(port(profile, client), store, profile.name, data, filename="d.jsonl")
    await client.files.delete(first)
    again, uploaded = await ensure_uploaded(port(profile, client), store, profile.name, data,
                                            filename="d.jsonl")
    assert uploaded and again != first
    assert (await client.files.retrieve(again)).id == again
    assert store.files.get(profile.name, first).status == "deleted"
    # Still there: reused, not uploaded a third time.
    assert await ensure_uploaded(port(profile, client), store, profile.name, data,
                                 filename="d.jsonl") == (again, False)
    await client.close()


async def test_watching_a_running_job_costs_one_request_a_poll(tmp_path, monkeypatch):
    """Issue 19: a poll per interval (not two), the job re-read only when an event says it
    changed (or once a minute), and checkpoints listed at most once a minute while the job
    runs — yet every checkpoint is in the store when it has finished."""
    from tui.sandbox.server import SandboxServer

    with SandboxServer(api_key="sk-sandbox-test", speed=10.0) as server:
        profile = sandbox_profile(server, monkeypatch)
        store = Store(tmp_path / "a.db")
        job = await launched(store, profile, epochs=8)
        log: list = []
        client = counted_client(profile, log)
        fake_now = [0.0]
        watcher = Watcher(port(profile, client), store, profile.name, PollPolicy(10.0),
                          clock=lambda: fake_now[0])
        polls_running = 0
        running_requests: list = []
        for _ in range(400):
            before = len(log)
            status_before = store.jobs.get(job.id).status
            delay = await watcher.poll_due()
            status_after = store.jobs.get(job.id).status
            if status_before == status_after == "running":
                polls_running += 1
                running_requests += log[before:]
                assert delay == 10.0  # once per interval: events are at most one interval late
            if status_after == "succeeded":
                break
            fake_now[0] += 10.0
            await asyncio.sleep(0.1)
        assert store.jobs.get(job.id).status == "succeeded"
        assert polls_running >= 6, polls_running

        def kind(path: str) -> str:
            return path.rsplit("/", 1)[-1] if path.count("/") > 4 else "job"

        kinds = [kind(path) for _, path, _ in running_requests]
        minutes = polls_running * 10.0 / 60
        assert kinds.count("events") == polls_running
        assert kinds.count("checkpoints") <= minutes + 1
        assert kinds.count("job") <= minutes + 1
        # The provider keeps only the newest checkpoints; every one it lists is stored.
        listed = await port(profile, client).checkpoints(job.remote_id)
        assert listed
        assert {c["id"] for c in listed} <= {c.remote_id for c in store.jobs.checkpoints(job.id)}
        await client.close()
