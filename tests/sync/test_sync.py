"""`tunedeck sync` against the sandbox over real HTTP: what it stores, and that twice adds nothing."""

from __future__ import annotations

import asyncio
import json

from store import Store
from tests.evals.helpers import client as sandbox_client
from tests.jobs.helpers import port
from tests.sync.helpers import KEY_ENV, configure, run_cli, seed_account, table_counts
from tui.core.config import Profile
from tui.core.sync import sync_profile


def seed(sandbox, db) -> dict:
    async def go():
        client = sandbox_client(sandbox)
        try:
            with Store(db) as store:
                return await seed_account(client, store, "acct")
        finally:
            await client.close()

    return asyncio.run(go())


def test_sync_twice_stores_everything_once(sandbox, isolated_home, monkeypatch, tmp_path,
                                           capsys):
    configure(isolated_home, sandbox.base_url, sandbox.api_key, monkeypatch)
    db = tmp_path / "sync.db"
    seeded = seed(sandbox, db)

    assert run_cli(db, "sync", "--json") == 0
    out = capsys.readouterr()
    first = json.loads(out.out)
    assert "files:" in out.err and "jobs:" in out.err and "evals:" in out.err
    # Two uploads and the job's result file.
    assert first["files"] == {"seen": 3, "added": 3, "updated": 0, "state": "synced"}
    jobs = first["jobs"]
    assert (jobs["seen"], jobs["added"], jobs["result_files_added"]) == (1, 1, 1)
    assert jobs["events_added"] > 5 and jobs["checkpoints_added"] >= 1
    assert first["evals"] == {"seen": 1, "added": 1, "updated": 0, "runs": 1, "runs_added": 1,
                              "items_added": 4, "state": "synced"}
    with Store(db) as store:
        job = store.jobs.by_remote_id("acct", seeded["job"])
        assert job.status == "succeeded" and job.fine_tuned_model
        assert store.jobs.count_events(job.id) == jobs["events_added"]
        assert len(store.jobs.checkpoints(job.id)) == jobs["checkpoints_added"]
        assert store.jobs.result_file(job.id).startswith("step,")
        assert store.jobs.metrics(job.id)
        # Recognised by the hash in its name, without downloading it.
        training = store.files.get("acct", seeded["training"])
        assert (training.content_hash, training.dataset_version_id) == (
            seeded["sha256"], seeded["version_id"])
        assert store.files.get("acct", seeded["other"]).dataset_version_id is None
        assert job.training_version_id == seeded["version_id"]
        [ev] = store.evals.list()
        assert (ev.source, ev.remote_id, ev.name) == ("openai", seeded["eval"], "remote-echo")
        [run] = store.evals.runs(ev.id)
        assert run.remote_id == seeded["run"] and store.evals.count_results(run.id) == 4
    before = table_counts(db)
    assert before["job_events"] > 0 and before["job_checkpoints"] > 0
    assert before["job_result_files"] == 1 and before["eval_results"] == 4

    assert run_cli(db, "sync", "--json") == 0
    second = json.loads(capsys.readouterr().out)
    assert table_counts(db) == before
    assert second["added"] == 0
    for part in ("files", "jobs", "evals"):
        assert second[part]["state"] == "synced"
        assert {k: v for k, v in second[part].items() if k.endswith(("added", "updated"))} \
            == {k: 0 for k in second[part] if k.endswith(("added", "updated"))}, part
    assert (second["files"]["seen"], second["jobs"]["seen"], second["evals"]["runs"]) == (3, 1, 1)

    # The text form says the same, one line per part.
    assert run_cli(db, "sync", "--only", "jobs,files") == 0
    text = capsys.readouterr().out.splitlines()
    assert text[1].startswith("files: 3 seen, 0 added, 0 updated")
    assert any(line.startswith("jobs: 1 seen, 0 added") for line in text)
    assert not any(line.startswith("evals") for line in text)
    assert text[-1] == "Done: 0 new rows stored."


async def test_a_new_run_on_the_provider_is_added_once(sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, sandbox.api_key)
    profile = Profile(name="acct", kind="sandbox", base_url=sandbox.base_url,
                      api_key_env=KEY_ENV)
    client = sandbox_client(sandbox)
    with Store(tmp_path / "s.db") as store:
        seeded = await seed_account(client, store, "acct")
        await sync_profile(port(profile, client), store, profile)
        # The provider moves on: a second run of the eval.
        run = await client.evals.runs.create(seeded["eval"], data_source={
            "type": "completions", "model": "sandbox-small",
            "source": {"type": "file_content", "content": [{"item": {"q": "again"}}]},
            "input_messages": {"type": "template", "template": [{"role": "user",
                                                                 "content": "{{item.q}}"}]}})
        for _ in range(500):
            if (await client.evals.runs.retrieve(run.id, eval_id=seeded["eval"])).status \
                    == "completed":
                break
            await asyncio.sleep(0.02)
        report = await sync_profile(port(profile, client), store, profile, parts=["evals"])
        assert report.parts["evals"].counts == {"seen": 1, "added": 0, "updated": 0, "runs": 2,
                                                "runs_added": 1, "items_added": 1}
        again = await sync_profile(port(profile, client), store, profile)
        assert again.added() == 0
    await client.close()


def test_the_quick_job_sync_links_jobs_to_their_dataset_versions(sandbox, isolated_home,
                                                                  monkeypatch, tmp_path):
    # `jobs list --sync` (and the Jobs pane's `s`) share sync_job_list with `sync`: a job
    # trained on a known upload gets its dataset version (lineage), not only its row.
    configure(isolated_home, sandbox.base_url, sandbox.api_key, monkeypatch)
    db = tmp_path / "quick.db"
    seeded = seed(sandbox, db)
    assert run_cli(db, "sync", "--only", "files") == 0
    with Store(db) as store:
        assert store.jobs.by_remote_id("acct", seeded["job"]) is None
    assert run_cli(db, "jobs", "list", "--sync") == 0
    with Store(db) as store:
        job = store.jobs.by_remote_id("acct", seeded["job"])
        assert job.training_version_id == seeded["version_id"]
