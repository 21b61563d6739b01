"""`tunedeck sync` when parts are missing, retired or failing: say why, keep the rest."""

from __future__ import annotations

import asyncio
import json

import pytest

from store import Store
from tests.evals.helpers import client as sandbox_client
from tests.jobs.helpers import port
from tests.sync.helpers import (
    EMPTY,
    KEY_ENV,
    Scripted,
    configure,
    error,
    run_cli,
    seed_account,
    table_counts,
)
from tui.cli.sync import exit_code
from tui.core.config import Profile
from tui.core.sync import sync_profile


@pytest.fixture
def scripted():
    servers: list[Scripted] = []

    def make(routes):
        servers.append(Scripted(routes))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def _retire_evals(client) -> None:
    """Every /v1/evals request goes to a path the sandbox does not serve: a real 404."""

    async def hook(request) -> None:
        if request.url.path.startswith("/v1/evals"):
            request.url = request.url.copy_with(path="/v1/retired" + request.url.path[3:])

    client._client.event_hooks["request"].append(hook)


async def test_evals_api_gone_keeps_what_is_stored_and_syncs_the_rest(sandbox, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setenv(KEY_ENV, sandbox.api_key)
    profile = Profile(name="acct", kind="sandbox", base_url=sandbox.base_url,
                      api_key_env=KEY_ENV)
    client = sandbox_client(sandbox)
    with Store(tmp_path / "r.db") as store:
        seeded = await seed_account(client, store, "acct")
        await sync_profile(port(profile, client), store, profile, parts=["evals"])
        # After the shutdown: evals answer 404, files and jobs still answer.
        _retire_evals(client)
        lines: list[str] = []
        report = await sync_profile(port(profile, client), store, profile, say=lines.append)
        evals = report.parts["evals"]
        assert evals.state == "retired"
        assert evals.message == ("no longer available from the provider; kept what is stored"
                                 " (404)")
        assert "evals: no longer available from the provider; kept what is stored (404)" in lines
        assert report.parts["files"].counts["added"] == 3
        assert report.parts["jobs"].counts["added"] == 1
        assert exit_code(report) == 0
        [ev] = store.evals.list()
        [run] = store.evals.runs(ev.id)
        assert ev.remote_id == seeded["eval"] and store.evals.count_results(run.id) == 4
    await client.close()


def test_410_gone_through_the_cli(scripted, isolated_home, monkeypatch, tmp_path, capsys):
    server = scripted({"/files": EMPTY, "/fine_tuning/jobs": EMPTY,
                       "/evals": error(410, "The Evals API has been shut down.")})
    configure(isolated_home, server.base_url, "sk-test-scripted-key-123456", monkeypatch)
    db = tmp_path / "g.db"
    assert run_cli(db, "sync", "--json") == 0
    out = capsys.readouterr()
    summary = json.loads(out.out)
    assert summary["evals"]["state"] == "retired" and "(410)" in summary["evals"]["message"]
    assert summary["files"]["state"] == summary["jobs"]["state"] == "synced"
    assert "evals: no longer available from the provider; kept what is stored (410)" in out.err
    # Only evals retired, and asked for alone: nothing synced.
    assert run_cli(db, "sync", "--only", "evals") == 3
    assert "Nothing synced." in capsys.readouterr().out


def test_one_part_failing_is_exit_1_and_the_rest_is_kept(scripted, isolated_home, monkeypatch,
                                                          tmp_path, capsys):
    files = (200, {"object": "list", "has_more": False, "data": [
        {"id": "file-a", "object": "file", "bytes": 10, "created_at": 1700000000,
         "filename": "a.jsonl", "purpose": "fine-tune", "status": "processed"}]})
    server = scripted({"/files": files, "/fine_tuning/jobs": error(500, "boom"),
                       "/evals": EMPTY})
    configure(isolated_home, server.base_url, "sk-test-scripted-key-123456", monkeypatch)
    db = tmp_path / "p.db"
    assert run_cli(db, "sync", "--json") == 1
    out = capsys.readouterr()
    summary = json.loads(out.out)
    assert summary["files"]["added"] == 1 and summary["evals"]["state"] == "synced"
    assert summary["jobs"]["state"] == "failed"
    assert summary["jobs"]["message"].startswith("Provider error (500): boom")
    # The SDK retried the failing list before giving up.
    assert server.hits.count("/fine_tuning/jobs") == 3
    with Store(db) as store:
        assert [f.remote_id for f in store.files.list("acct")] == ["file-a"]


def test_capabilities_decide_what_is_synced(scripted, isolated_home, monkeypatch, tmp_path,
                                            capsys):
    server = scripted({"/files": EMPTY})
    configure(isolated_home, server.base_url, "sk-test-scripted-key-123456", monkeypatch,
              capabilities=["chat", "files"])
    db = tmp_path / "c.db"
    assert run_cli(db, "sync") == 0
    out = capsys.readouterr().out
    assert "jobs: skipped: profile 'acct' (sandbox) has no fine-tuning capability" in out
    assert "evals: skipped: profile 'acct' (sandbox) has no evals capability" in out
    assert server.hits == ["/files"]  # nothing asked of what the profile cannot do
    assert run_cli(db, "sync", "--only", "jobs,evals") == 2
    assert "has none of jobs, evals: nothing to sync" in capsys.readouterr().err


def test_usage_errors(isolated_home, monkeypatch, tmp_path, capsys):
    configure(isolated_home, "http://127.0.0.1:9/v1", "sk-test-key-abcdef123456", monkeypatch)
    db = tmp_path / "u.db"
    assert run_cli(db, "sync", "--only", "files,models") == 2
    assert "unknown: models" in capsys.readouterr().err
    assert run_cli(db, "sync", "--profile", "nope") == 2
    assert "unknown profile 'nope'" in capsys.readouterr().err
    monkeypatch.delenv(KEY_ENV)
    assert run_cli(db, "sync") == 2
    assert f"${KEY_ENV}" in capsys.readouterr().err
    # The global --profile works too (the sync's own option is only an alias).
    monkeypatch.setenv(KEY_ENV, "x" * 10)
    assert cli_profile(db, "nope") == 2


def cli_profile(db, name: str) -> int:
    from tui.cli import main as cli

    return cli.main(["--db", str(db), "--profile", name, "sync"])


def test_unreachable_provider_and_rejected_key_never_show_the_key(
        sandbox, scripted, isolated_home, monkeypatch, tmp_path, capsys):
    db = tmp_path / "n.db"
    key = "sk-test-wrong-key-0123456789"
    configure(isolated_home, sandbox.base_url, key, monkeypatch)
    assert run_cli(db, "sync", "--json") == 3
    out = capsys.readouterr()
    summary = json.loads(out.out)
    assert summary["files"]["message"].startswith("The provider rejected the API key (401)")
    assert f"${KEY_ENV}" in summary["files"]["message"]
    assert summary["jobs"]["message"].startswith("not attempted: The provider rejected")
    assert key not in out.out + out.err
    # Nobody listening: a connection error, stated once.
    server = scripted({})
    url = server.base_url
    server.close()
    configure(isolated_home, url, key, monkeypatch)
    assert run_cli(db, "sync") == 3
    text = capsys.readouterr().out
    assert "files: Connection failed" in text and "check the network" in text
    assert "jobs: not attempted" in text and key not in text
    assert table_counts(db)["provider_files"] == 0


def test_a_file_deleted_on_the_provider_stays_in_the_store(sandbox, tmp_path, monkeypatch):
    """The provider list no longer has it: nothing stored is removed."""
    monkeypatch.setenv(KEY_ENV, sandbox.api_key)
    profile = Profile(name="acct", kind="sandbox", base_url=sandbox.base_url,
                      api_key_env=KEY_ENV)

    async def go():
        client = sandbox_client(sandbox)
        with Store(tmp_path / "d.db") as store:
            seeded = await seed_account(client, store, "acct")
            await sync_profile(port(profile, client), store, profile)
            await client.files.delete(seeded["other"])
            report = await sync_profile(port(profile, client), store, profile, parts=["files"])
            assert report.parts["files"].counts["seen"] == 2
            assert store.files.get("acct", seeded["other"]).filename == "notes.jsonl"
        await client.close()

    asyncio.run(go())
