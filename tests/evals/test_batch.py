"""The Batch API path against the sandbox: submit, poll, download, grade; resume; cancel."""

from __future__ import annotations

import json

import pytest

from store.store import Store
from tests.evals.helpers import client, make_run
from tui.core.evals import service
from tui.core.evals.batch import DISCOUNT, BatchEvalRunner, describe, parse_output
from tui.core.evals.runner import EvalRunner, RunnerOptions

PRICES = {"input_prices": {"sandbox-": 2.0}, "output_prices": {"sandbox-": 4.0}}


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "t.db") as s:
        yield s


def options(**kwargs):
    return RunnerOptions(batch_poll_s=0.02, **PRICES, **kwargs)


async def batches(c):
    return (await c.batches.list(limit=100)).data


async def test_a_batch_run_samples_through_the_batch_api_and_grades_locally(store, sandbox):
    run = make_run(store, 10, batch=True)
    c = client(sandbox)
    seen = []
    runner = BatchEvalRunner(store, run.id, client=c, options=options(),
                             on_progress=lambda p: seen.append(describe(p.batch or {})))
    finished = await runner.run()
    [batch] = await batches(c)
    await c.close()
    assert finished.status == "completed", finished.error
    assert finished.result_counts == {"total": 10, "passed": 5, "failed": 5, "errored": 0}
    assert runner.provider_calls[:3] == ["files.create", "batches.list", "batches.create"]
    assert "batches.retrieve" in runner.provider_calls
    assert runner.provider_calls.count("files.content") == 1
    state = store.evals.run(run.id).data_source["batch"]
    assert state["id"] == batch.id and state["status"] == "completed" and state["graded"]
    assert state["request_counts"] == {"total": 10, "completed": 10, "failed": 0}
    assert batch.metadata["tunedeck_run"] == str(run.id)
    # The pane's line went through the batch's own states.
    assert any("batch validating" in s for s in seen)
    assert seen[-1] == "batch completed · 10/10 answered"
    one = store.evals.result(run.id, 3)
    assert one.sample["output_text"] == "question 3" and one.sample["batch_id"] == batch.id
    assert one.sample["input"][1] == {"role": "user", "content": "question 3"}
    assert one.latency_ms is None
    # Resuming a finished batch run sends nothing and grades nothing again.
    c = client(sandbox)
    again = BatchEvalRunner(store, run.id, client=c, options=options())
    regraded = []
    again.on_result = lambda index, status: regraded.append(index)
    assert (await again.run()).status == "completed"
    assert again.provider_calls == [] and regraded == []
    assert len(await batches(c)) == 1
    await c.close()
    assert "batches" not in store.evals.run(run.id).data_source


async def test_batch_cost_is_half_the_live_cost(store, sandbox):
    live = make_run(store, 4)
    batched = make_run(store, 4, batch=True)
    c = client(sandbox)
    await EvalRunner(store, live.id, client=c, options=options()).run()
    await BatchEvalRunner(store, batched.id, client=c, options=options()).run()
    await c.close()
    for i in range(4):
        a, b = store.evals.result(live.id, i), store.evals.result(batched.id, i)
        assert (a.input_tokens, a.output_tokens) == (b.input_tokens, b.output_tokens)
        expected = (a.input_tokens * 2.0 + a.output_tokens * 4.0) / 1e6
        assert a.cost_usd == pytest.approx(expected)
        assert b.cost_usd == pytest.approx(expected * DISCOUNT)
    assert store.evals.run(batched.id).cost_usd == pytest.approx(
        store.evals.run(live.id).cost_usd * DISCOUNT)


async def test_service_picks_the_batch_runner_for_a_batch_run(store, sandbox):
    ev = make_run(store, 2)  # only to have an eval row
    from tui.core.evals.definition import from_store

    eval_row = store.evals.get(ev.eval_id)
    run = service.new_run(store, eval_row, from_store(eval_row), model="sandbox-small",
                          batch=True)
    assert run.name == "batch"
    c = client(sandbox)
    kinds = []
    await service.execute(store, run.id, client=c, options=options(),
                          runner_ref=lambda r: kinds.append(type(r)))
    await c.close()
    assert kinds == [BatchEvalRunner]
    assert store.evals.run(run.id).data_source["batch"]["status"] == "completed"
    with pytest.raises(ValueError, match="needs a model"):
        service.new_run(store, eval_row, from_store(eval_row), model=None, batch=True)


async def test_a_restart_with_a_batch_in_flight_polls_the_same_batch(store, sandbox):
    run = make_run(store, 8, batch=True)
    c = client(sandbox)
    first = BatchEvalRunner(store, run.id, client=c, options=options())
    await first._submit()  # the process dies right after creating the batch
    batch_id = store.evals.run(run.id).data_source["batch"]["id"]
    second = BatchEvalRunner(store, run.id, client=c, options=options())
    finished = await second.run()
    assert finished.status == "completed"
    assert "files.create" not in second.provider_calls
    assert "batches.create" not in second.provider_calls
    assert [b.id for b in await batches(c)] == [batch_id]
    await c.close()
    assert store.evals.count_results(run.id) == 8


async def test_a_crash_between_upload_and_saving_the_batch_adopts_it(store, sandbox):
    run = make_run(store, 4, batch=True)
    c = client(sandbox)
    await BatchEvalRunner(store, run.id, client=c, options=options())._submit()
    # The batch was created but its id never reached the store.
    data_source = store.evals.run(run.id).data_source
    data_source["batch"] = {k: v for k, v in data_source["batch"].items()
                            if k in ("input_file_id", "requests")}
    store.evals.update_run(run.id, data_source=data_source)
    again = BatchEvalRunner(store, run.id, client=c, options=options())
    finished = await again.run()
    assert len(await batches(c)) == 1
    assert "files.create" not in again.provider_calls
    assert "batches.create" not in again.provider_calls
    await c.close()
    assert finished.status == "completed"


async def test_grading_cut_short_resumes_without_grading_an_item_twice(store, sandbox):
    run = make_run(store, 10, batch=True)
    c = client(sandbox)
    graded = []
    runner = BatchEvalRunner(store, run.id, client=c, options=options(concurrency=1))

    def on_result(index, status):
        graded.append(index)
        if len(graded) == 3:
            runner.cancel()  # quit while grading: the answers were downloaded, 3 recorded

    runner.on_result = on_result
    cut = await runner.run()
    assert cut.status == "canceled"
    assert store.evals.count_results(run.id) == 3
    stamps = {r.item_index: r.created_at for r in store.evals.iter_results(run.id)}
    again = BatchEvalRunner(store, run.id, client=c, options=options())
    regraded = []
    again.on_result = lambda index, status: regraded.append(index)
    finished = await again.run()
    await c.close()
    assert finished.status == "completed"
    assert sorted(regraded) == sorted(set(range(10)) - set(stamps))
    assert again.provider_calls[0] == "batches.retrieve"  # no new upload, no new batch
    assert {r.item_index: r.created_at for r in store.evals.iter_results(run.id)
            if r.item_index in stamps} == stamps
    assert store.evals.count_results(run.id) == 10


async def test_cancel_stops_the_batch_and_a_resume_sends_the_rest_in_a_new_one(
        store, sandbox, monkeypatch):
    from tui.sandbox import batch_runner

    monkeypatch.setattr(batch_runner, "REQUEST_SECONDS", 10.0)  # 0.2 s a request at speed 50
    run = make_run(store, 6, batch=True)
    c = client(sandbox)
    runner = BatchEvalRunner(store, run.id, client=c, options=options())

    def progress(p):
        counts = (p.batch or {}).get("request_counts") or {}
        if counts.get("completed", 0) >= 1:
            runner.cancel()

    runner.on_progress = progress
    stopped = await runner.run()
    assert stopped.status == "canceled"
    assert "batches.cancel" in runner.provider_calls
    [first] = await batches(c)
    assert first.status in ("cancelling", "cancelled")
    # Resume: the cancelled batch's answers are graded, the rest stay unrecorded.
    resumed = await BatchEvalRunner(store, run.id, client=c, options=options()).run()
    answered = store.evals.count_results(run.id)
    assert 1 <= answered < 6
    assert resumed.status == "canceled" and "resume to send them" in resumed.error
    # Resume once more, at full speed: a new batch for exactly the items left.
    monkeypatch.setattr(batch_runner, "REQUEST_SECONDS", 0.1)
    last = BatchEvalRunner(store, run.id, client=c, options=options())
    finished = await last.run()
    assert "batches.create" in last.provider_calls
    new = [b for b in await batches(c) if b.id != first.id]
    await c.close()
    assert finished.status == "completed"
    assert new[0].request_counts.total == 6 - answered
    assert store.evals.count_results(run.id) == 6
    ds = store.evals.run(run.id).data_source
    assert ds["batches"][0]["id"] == first.id and ds["batch"]["id"] == new[0].id


async def test_requests_the_batch_rejects_become_item_errors(store, sandbox):
    run = make_run(store, 3, model="no-such-model", batch=True)
    c = client(sandbox)
    finished = await BatchEvalRunner(store, run.id, client=c, options=options()).run()
    await c.close()
    assert finished.status == "completed"
    assert finished.result_counts == {"total": 3, "passed": 0, "failed": 0, "errored": 3}
    error = store.evals.result(run.id, 0).error
    assert "batch request failed (404)" in error and "no-such-model" in error


async def test_items_with_their_own_samples_need_no_batch(store, sandbox):
    rows = [{"item": {"reference": "a"}, "sample": "a"}, {"item": {"reference": "b"},
                                                           "sample": "c"}]
    run = make_run(store, rows=rows, batch=True)
    c = client(sandbox)
    runner = BatchEvalRunner(store, run.id, client=c, options=options())
    finished = await runner.run()
    await c.close()
    assert finished.result_counts == {"total": 2, "passed": 1, "failed": 1, "errored": 0}
    assert "files.create" not in runner.provider_calls
    assert "batches.create" not in runner.provider_calls


def test_output_lines_are_matched_by_custom_id_in_any_order():
    text = "\n".join(json.dumps({"custom_id": str(i), "response": {"status_code": 200}})
                     for i in (3, 1, 2)) + "\nnot json\n"
    assert sorted(parse_output(text)) == ["1", "2", "3"]


def test_describe_shows_status_and_request_counts():
    assert describe({}) == "batch: not sent yet"
    assert describe({"status": "in_progress", "request_counts": {
        "total": 10, "completed": 4, "failed": 1}}) == "batch in_progress · 4/10 answered · 1 failed"


def test_parse_models():
    assert service.parse_models("a, b  c,a") == ["a", "b", "c"]
    assert service.parse_models("") == [None]


def test_cli_batch_run(sandbox, isolated_home, monkeypatch, tmp_path, capsys):
    from tests.evals.helpers import EXACT, TEMPLATE, items
    from tests.evals.test_cli_import import KEY_ENV
    from tui.cli import main as cli

    monkeypatch.setenv(KEY_ENV, sandbox.api_key)
    (isolated_home / "config.toml").write_text(
        f'default_profile = "sandbox"\n[profiles.sandbox]\nkind = "sandbox"\n'
        f'base_url = "{sandbox.base_url}"\napi_key_env = "{KEY_ENV}"\n')
    path = tmp_path / "echo.eval.json"
    path.write_text(json.dumps({"name": "echo", "items": items(4), "model": "sandbox-small",
                                "input_messages": TEMPLATE, "testing_criteria": [EXACT]}))
    db = str(tmp_path / "cli.db")
    code = cli.main(["--db", db, "eval", "run", str(path), "--batch", "--poll", "0.02",
                     "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    assert out["result_counts"] == {"total": 4, "errored": 0, "failed": 2, "passed": 2}
    assert out["batch"]["status"] == "completed" and out["batch"]["id"].startswith("batch_")
    assert out["batch"]["request_counts"] == {"total": 4, "completed": 4, "failed": 0}
    assert cli.main(["--db", db, "eval", "run", str(path), "--batch", "--poll", "0"]) == 2


async def test_detach_leaves_the_batch_running_and_the_run_resumable(store, sandbox,
                                                                      monkeypatch):
    from tui.sandbox import batch_runner

    monkeypatch.setattr(batch_runner, "REQUEST_SECONDS", 10.0)
    run = make_run(store, 4, batch=True)
    c = client(sandbox)
    runner = BatchEvalRunner(store, run.id, client=c, options=options())
    runner.on_progress = lambda p: (p.batch or {}).get("status") == "in_progress" \
        and runner.detach()
    left = await runner.run()
    assert left.status == "in_progress"  # as a quit leaves it: resumable
    assert "batches.cancel" not in runner.provider_calls
    assert store.evals.unfinished_runs()[0].id == run.id
    [batch] = await batches(c)
    assert batch.status == "in_progress"
    monkeypatch.setattr(batch_runner, "REQUEST_SECONDS", 0.1)
    finished = await BatchEvalRunner(store, run.id, client=c, options=options()).run()
    assert [b.id for b in await batches(c)] == [batch.id]
    await c.close()
    assert finished.status == "completed" and store.evals.count_results(run.id) == 4
