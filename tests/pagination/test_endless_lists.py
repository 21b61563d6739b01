"""Every reader of a provider's lists ends against a server whose lists never do.

The server (tests/pagination/hostile.py) is on a loopback port, pointed at by a
profile in config.toml; each command runs headless, as a user would run it, and
must end with a plain message and a non-zero exit after a bounded number of
requests, keeping what it read.
"""

from __future__ import annotations

import json

import pytest

from store import Store
from tests.evals.helpers import EXACT, TEMPLATE, items
from tests.pagination.hostile import JOB_ID, Hostile, configure
from tui.cli import main as cli

SAME_PAGE = "the provider kept answering has_more with the same page; stopped after 2 pages"


@pytest.fixture
def hostile(isolated_home, monkeypatch):
    servers: list[Hostile] = []

    def make(mode: str = "same", lists: tuple[str, ...] | None = None, **kwargs) -> Hostile:
        server = Hostile(mode, lists, **kwargs) if lists else Hostile(mode, **kwargs)
        servers.append(server)
        configure(isolated_home, server, monkeypatch)
        return server

    yield make
    for server in servers:
        server.close()


def run(tmp_path, *argv: str) -> int:
    return cli.main(["--db", str(tmp_path / "h.db"), *argv])


def test_sync_jobs_stops_on_the_same_page_and_keeps_it(hostile, tmp_path, capsys):
    server = hostile()
    assert run(tmp_path, "sync", "--only", "jobs") == 3
    out = capsys.readouterr().out
    assert f"jobs: listing jobs: {SAME_PAGE}; kept what was read" in out
    assert server.count("jobs") == 2  # the first page, and the one that repeated it
    with Store(tmp_path / "h.db") as store:
        assert sorted(j.remote_id for j in store.jobs.list("hostile")) == [
            JOB_ID, "ftjob-p0-1"]


def test_sync_files_stops_on_the_same_page(hostile, tmp_path, capsys):
    server = hostile()
    assert run(tmp_path, "sync", "--only", "files") == 3
    assert f"files: listing files: {SAME_PAGE}; kept what was read" in capsys.readouterr().out
    assert server.count("files") == 2
    with Store(tmp_path / "h.db") as store:
        assert len(store.files.list("hostile")) == 2


@pytest.mark.parametrize(("bad", "what"), [
    pytest.param("evals", "listing evals", id="evals"),
    pytest.param("runs", "listing the runs of eval eval-honest", id="runs"),
    pytest.param("output_items", "listing the output items of eval run evalrun-honest",
                 id="output_items")])
def test_sync_evals_stops_on_each_list_of_the_import(hostile, tmp_path, capsys, bad, what):
    server = hostile(lists=(bad,))
    assert run(tmp_path, "sync", "--only", "evals", "--json") == 3
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["evals"]["state"] == "failed"
    assert summary["evals"]["message"] == f"{what}: {SAME_PAGE}; kept what was read"
    assert server.count(bad) == 2 and len(server.hits) < 10


def test_eval_import_stops_with_the_message_and_exit_1(hostile, tmp_path, capsys):
    server = hostile(lists=("output_items",))
    assert run(tmp_path, "eval", "import") == 1
    err = capsys.readouterr().err
    assert f"listing the output items of eval run evalrun-honest: {SAME_PAGE}; kept what was read" in err
    assert server.count("output_items") == 2
    with Store(tmp_path / "h.db") as store:  # the two items read are stored
        [ev] = store.evals.list()
        [run_row] = store.evals.runs(ev.id)
        assert store.evals.count_results(run_row.id) == 2


@pytest.mark.parametrize("bad", ["events", "checkpoints"])
def test_sync_jobs_stops_on_a_jobs_events_or_checkpoints(hostile, tmp_path, capsys, bad):
    server = hostile(lists=(bad,), job_status="succeeded")
    assert run(tmp_path, "sync", "--only", "jobs") == 3
    out = capsys.readouterr().out
    assert f"jobs: listing the {bad} of ftjob-honest: {SAME_PAGE}; kept what was read" in out
    assert server.count(bad) == 2
    with Store(tmp_path / "h.db") as store:
        [job] = store.jobs.list("hostile")
        stored = store.jobs.events(job.id) if bad == "events" else store.jobs.checkpoints(job.id)
        assert len(stored) == 2


@pytest.mark.parametrize("bad", ["events", "checkpoints"])
def test_jobs_watch_ends_with_exit_3_instead_of_polling_for_ever(hostile, tmp_path, capsys,
                                                                  bad):
    server = hostile(lists=(bad,))
    assert run(tmp_path, "jobs", "watch", JOB_ID, "--interval", "0.01") == 3
    captured = capsys.readouterr()
    assert f"listing the {bad} of {JOB_ID}: {SAME_PAGE}" in captured.err
    assert server.count(bad) == 2
    if bad == "events":  # both events of the first read are shown and stored
        assert captured.out.count("Checkpoint created at step 1") == 2


def test_a_batch_eval_run_fails_rather_than_search_the_batches_for_ever(hostile, tmp_path,
                                                                        capsys):
    server = hostile(lists=("batches",))
    data = tmp_path / "echo.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in items(2)))
    path = tmp_path / "echo.eval.json"
    path.write_text(json.dumps({"name": "echo", "data": "echo.jsonl", "model": "m",
                                "input_messages": TEMPLATE, "testing_criteria": [EXACT]}))
    assert run(tmp_path, "eval", "run", str(path), "--batch", "--yes") == 1
    out = capsys.readouterr().out
    assert f"listing batches: {SAME_PAGE}; kept what was read" in out
    assert server.count("batches") == 2 and "POST /batches" not in server.hits


def test_a_cursor_that_advances_for_ever_stops_at_the_page_cap(hostile, tmp_path, capsys,
                                                               monkeypatch):
    from tui.core import pagination

    monkeypatch.setattr(pagination, "MAX_PAGES", 40)
    server = hostile("endless", lists=("jobs",))
    assert run(tmp_path, "sync", "--only", "jobs") == 3
    out = capsys.readouterr().out
    assert ("jobs: listing jobs: the provider still answered has_more after 40 pages, the most "
            "tunedeck reads of one list; stopped after 40 pages; kept what was read") in out
    assert server.count("jobs") == 40
    with Store(tmp_path / "h.db") as store:
        assert len(store.jobs.list("hostile")) == 80
