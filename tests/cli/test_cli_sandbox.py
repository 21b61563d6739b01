"""Headless twins on the TUI's sandbox: `tunedeck --sandbox jobs list` sees what
`tunedeck --sandbox` made (the same sandbox state, profile and store), over loopback only."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from store import Store
from tests.evals.helpers import EXACT, TEMPLATE
from tests.jobs.helpers import MODEL, stored_version
from tui.cli.main import build_parser, main, tui_session
from tui.cli.sandbox_session import endpoint_path


@pytest.fixture
def connections(monkeypatch):
    """Every address this process connects a socket to."""
    seen: list[object] = []
    real = socket.socket.connect

    def connect(sock, address):
        seen.append(address)
        return real(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def tui_makes_a_job_and_an_eval_run(settings, profile_name, db_path) -> str:
    """What the Jobs and Evals panes do on launch, through the same core calls."""
    from tui.core.evals import service
    from tui.core.evals.definition import parse, save_to_store
    from tui.core.finetune import provider_for
    from tui.core.jobs.actions import launch
    from tui.core.jobs.preflight import run_preflight
    from tui.core.jobs.spec import parse_form

    profile = settings.profile(profile_name)
    with Store(db_path) as store:
        version = stored_version(store, name="capitals", n=12)
        spec = parse_form({"model": MODEL, "method": "supervised", "training_version_id": version,
                           "n_epochs": "1", "batch_size": "auto",
                           "learning_rate_multiplier": "auto"})
        pre = run_preflight(store, profile, spec)

        async def go():
            provider = provider_for(profile)
            try:
                job = await launch(provider, store, pre)
            finally:
                await provider.close()
            definition = parse({"name": "echo", "model": "sandbox-small",
                                "items": [{"item": {"question": "hi", "reference": "hi"}}],
                                "input_messages": TEMPLATE, "testing_criteria": [EXACT]})
            eval_row = save_to_store(store, definition)
            run = service.new_run(store, eval_row, definition, model="sandbox-small",
                                  profile=profile.name)
            client = service.client_for(profile)
            try:
                await service.execute(store, run.id, client=client,
                                      options=service.options_for(profile, settings))
            finally:
                await client.close()
            return job.remote_id

        return asyncio.run(go())


def test_headless_sandbox_sees_the_tui_sandbox(isolated_home, capsys, connections):
    settings, profile_name, db_path, session = tui_session(build_parser().parse_args(["--sandbox"]))
    try:
        assert profile_name == "sandbox" and session.owned
        job_id = tui_makes_a_job_and_an_eval_run(settings, profile_name, db_path)
        owner = endpoint_path(db_path).read_text()

        # While the TUI runs, the twins join its server (the same endpoint, not a second one).
        assert main(["--sandbox", "jobs", "list", "--json"]) == 0
        assert [j["id"] for j in json.loads(capsys.readouterr().out)] == [job_id]
        assert main(["jobs", "show", job_id, "--sandbox", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["id"] == job_id
        assert main(["--profile", "sandbox", "eval", "list", "--json"]) == 0
        [listed] = json.loads(capsys.readouterr().out)
        assert listed["name"] == "echo" and listed["runs"][0]["pass_rate"] == 1.0
        assert main(["--sandbox", "eval", "runs"]) == 0  # `runs`: the same as `list`
        assert "run    1  sandbox-small" in capsys.readouterr().out
        assert main(["--sandbox", "eval", "run", "echo", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["result_counts"]["passed"] == 1
        assert endpoint_path(db_path).read_text() == owner
    finally:
        session.close()
    assert not endpoint_path(db_path).exists()

    # With the TUI gone, a twin starts the sandbox on the same state: the job is still there.
    assert main(["jobs", "show", job_id, "--profile", "sandbox", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == job_id
    assert not endpoint_path(db_path).exists()
    hosts = {address[0] for address in connections if isinstance(address, tuple)}
    assert hosts == {"127.0.0.1"}


def test_sandbox_keeps_the_configured_budget(isolated_home, capsys):
    (isolated_home / "config.toml").write_text(
        "[profiles.sandbox]\nkind = 'sandbox'\nbudget_usd = 5.0\nconcurrency = 3\n")
    settings, _, _, session = tui_session(build_parser().parse_args(["--sandbox"]))
    try:
        profile = settings.profile("sandbox")
        assert (profile.budget_usd, profile.concurrency) == (5.0, 3)
        assert profile.base_url == session.base_url
    finally:
        session.close()


def test_profile_sandbox_pointing_elsewhere_is_left_alone(isolated_home, capsys):
    # A configured sandbox profile with its own base URL is the user's server, not a session.
    (isolated_home / "config.toml").write_text(
        "[profiles.sandbox]\nkind = 'sandbox'\nbase_url = 'http://127.0.0.1:9/v1'\n")
    settings, name, _, session = tui_session(build_parser().parse_args(["--profile", "sandbox"]))
    assert session is None and settings.profile(name).base_url == "http://127.0.0.1:9/v1"


def test_the_servers_take_no_sandbox_flag():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sandbox", "--sandbox"])


def test_a_sandbox_that_cannot_start_is_a_line_not_a_traceback(isolated_home, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["--db", str(blocker / "tunedeck.db"), "--sandbox", "jobs", "list"]) == 3
    assert "the sandbox did not start" in capsys.readouterr().err
    assert main(["--db", str(blocker / "tunedeck.db"), "--sandbox"]) == 3
    assert "the sandbox did not start" in capsys.readouterr().err
