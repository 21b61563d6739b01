"""Round trips through the store's query API on a real SQLite file."""

from __future__ import annotations

import json

import pytest

from store import Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "t.db") as s:
        yield s


def test_dataset_versions_and_paged_examples(store):
    ds = store.datasets.ensure("support")
    assert store.datasets.ensure("support").id == ds.id
    v1 = store.datasets.create_version(ds.id, "hash-a", source_path="/data/a.jsonl")
    assert v1.version == 1 and v1.status == "importing"
    assert store.datasets.find_version(ds.id, "hash-a").id == v1.id
    rows = [
        {"line": n, "status": "valid" if n % 10 else "invalid", "format": "sft",
         "category": None if n % 10 else "missing_content", "tokens": n,
         "data": json.dumps({"messages": [{"role": "user", "content": f"q{n}"}]})}
        for n in range(1, 251)
    ]
    assert store.datasets.add_examples(v1.id, rows) == 250
    store.datasets.finish_version(v1.id, status="ready", format="sft", n_lines=250,
                                  n_examples=250, n_invalid=25, bytes=1234,
                                  report={"trainable": True})
    v1 = store.datasets.version(v1.id)
    assert (v1.status, v1.n_invalid, v1.report) == ("ready", 25, {"trainable": True})
    page = store.datasets.page_examples(v1.id, offset=100, limit=50)
    assert [e.line for e in page] == list(range(101, 151))
    assert store.datasets.count_examples(v1.id, status="invalid") == 25
    assert store.datasets.count_examples(v1.id, category="missing_content") == 25
    assert store.datasets.count_examples(v1.id, search="Q17") == 11  # q17 and q170..q179, case-insensitive
    v2 = store.datasets.create_version(ds.id, "hash-b", parent_version_id=v1.id)
    assert v2.version == 2
    assert [v.version for v in store.datasets.versions(ds.id)] == [2, 1]


def test_prompt_save_makes_versions_only_on_change(store):
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "{{q}}"}]
    a = store.prompts.save("brief", msgs, params={"temperature": 0})
    b = store.prompts.save("brief", msgs, params={"temperature": 0})
    c = store.prompts.save("brief", msgs, params={"temperature": 1})
    assert a.id == b.id and a.version == 1 and c.version == 2
    assert [v.version for v in store.prompts.versions("brief")] == [2, 1]
    run_id = store.prompts.start_run(profile="sandbox", model="sandbox-small",
                                     input=msgs, prompt_version_id=c.id)
    store.prompts.finish_run(run_id, status="completed", output_text="hi", output_tokens=1,
                             latency_ms=12.5)
    run = store.prompts.run(run_id)
    assert (run.status, run.output_text, run.output_tokens, run.input) == (
        "completed", "hi", 1, msgs)
    with pytest.raises(ValueError):
        store.prompts.finish_run(run_id, status="x", output_text="", api_key="nope")


def test_eval_results_are_never_duplicated(store):
    ev = store.evals.create("qa", testing_criteria=[{"type": "string_check", "name": "eq"}])
    run = store.evals.create_run(ev.id, model="sandbox-small")
    store.evals.record_result(run.id, 0, item={"q": 1}, status="pass", score=1.0)
    store.evals.record_result(run.id, 0, item={"q": 1}, status="fail", score=0.0)
    store.evals.record_result(run.id, 1, item={"q": 2}, status="fail", score=0.0)
    assert store.evals.done_indexes(run.id) == {0, 1}
    assert [r.status for r in store.evals.page_results(run.id)] == ["pass", "fail"]
    store.evals.update_run(run.id, status="completed",
                           result_counts={"total": 2, "passed": 1, "failed": 1, "errored": 0})
    assert store.evals.run(run.id).result_counts["passed"] == 1


def test_job_upsert_events_metrics_checkpoints(store):
    job = {"id": "ftjob-1", "status": "running", "model": "gpt-4o-mini", "created_at": 100,
           "method": {"type": "supervised"}, "training_file": "file-1"}
    row = store.jobs.upsert("openai", job)
    assert store.jobs.upsert("openai", {**job, "status": "succeeded",
                                        "fine_tuned_model": "ft:x"}).id == row.id
    assert store.jobs.get(row.id).status == "succeeded"
    assert store.jobs.unfinished("openai") == []
    events = [
        {"id": "e2", "created_at": 102, "level": "info", "type": "metrics", "message": "Step 2",
         "data": {"step": 2, "train_loss": 0.5, "total_steps": 4}},
        {"id": "e1", "created_at": 101, "level": "info", "type": "message", "message": "Started"},
    ]
    assert store.jobs.add_events(row.id, events) == 2
    assert store.jobs.add_events(row.id, events) == 0
    assert [e.remote_id for e in store.jobs.events(row.id)] == ["e2", "e1"]
    assert [(m.step, m.train_loss) for m in store.jobs.metrics(row.id)] == [(2, 0.5)]
    assert store.jobs.get(row.id).last_event_id == "e2"
    ckpt = {"id": "ckpt-1", "step_number": 2, "fine_tuned_model_checkpoint": "ft:x:ckpt-step-2",
            "metrics": {"train_loss": 0.5}, "created_at": 103}
    assert store.jobs.add_checkpoints(row.id, [ckpt, ckpt]) == 1
    store.jobs.save_result_file(row.id, "file-r", "step,train_loss\n1,0.9\n")
    assert store.jobs.result_file(row.id).startswith("step,")


def test_files_are_found_by_content_hash(store):
    remote = {"id": "file-9", "purpose": "fine-tune", "filename": "a.jsonl", "bytes": 10,
              "created_at": 1, "status": "processed"}
    store.files.record("openai", remote, content_hash="abc")
    assert store.files.find_by_hash("openai", "abc", "fine-tune").remote_id == "file-9"
    assert store.files.find_by_hash("other", "abc", "fine-tune") is None
    store.files.mark("openai", "file-9", "deleted")
    assert store.files.find_by_hash("openai", "abc", "fine-tune") is None


def test_model_cache_replaces(store):
    store.models.replace("p", [{"id": "a", "owned_by": "x"}, {"id": "b"}])
    store.models.replace("p", [{"id": "c"}])
    assert [m.model_id for m in store.models.list("p")] == ["c"]
