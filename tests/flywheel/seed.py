"""A store holding a finished guided loop and one mid-training, with fixed numbers and times."""

from __future__ import annotations

from pathlib import Path

from store import Store
from tests.flywheel.helpers import capitals_eval
from tests.jobs.helpers import stored_version
from tests.jobs.seed import NOW, job
from tui.core.evals.compare import compare_runs

BASE = "gpt-4o-mini-2024-07-18"
TUNED = "ft:gpt-4o-mini-2024-07-18:acme:capitals:seed1"
FIXED = "2026-01-01T09:00:00.000+00:00"
# Item i passes on the base model when i in BASE_PASS, on the tuned one unless in TUNED_FAIL.
BASE_PASS = {0, 3}
TUNED_FAIL = {5}


def _run(store: Store, eval_id: int, model: str, name: str, passing: set[int], n: int,
         cost: float) -> int:
    run = store.evals.create_run(eval_id, model=model, name=name, profile="openai",
                                 data_source={"total": n})
    for i in range(n):
        ok = i in passing
        store.evals.record_result(
            run.id, i, item={"question": f"capital of country {i}?", "answer": f"City{i}"},
            status="pass" if ok else "fail", score=1.0 if ok else 0.0,
            sample={"output_text": f"City{i}" if ok else "I am not sure."},
            results=[{"name": "exact", "type": "string_check", "score": 1.0 if ok else 0.0,
                      "passed": ok}], cost_usd=cost / n)
    passed = len(passing & set(range(n)))
    store.evals.update_run(run.id, status="completed", cost_usd=cost,
                           result_counts={"total": n, "passed": passed, "failed": n - passed,
                                          "errored": 0})
    return run.id


def seed(store: Store, tmp: Path, n: int = 8) -> dict[str, int]:
    version_id = stored_version(store, n=12)
    eval_row = capitals_eval(store, tmp, n=n)
    finished = store.jobs.upsert("openai", job(
        1, "succeeded", fine_tuned_model=TUNED, finished_at=NOW - 1800, trained_tokens=18_000,
        model=BASE), training_version_id=version_id, estimated_cost_usd=0.06)
    base_run = _run(store, eval_row.id, BASE, "baseline", BASE_PASS, n, 0.0042)
    tuned_run = _run(store, eval_row.id, TUNED, "fine-tuned", set(range(n)) - TUNED_FAIL, n,
                     0.0084)
    done = store.loops.create(name="capitals v1 · capitals · " + BASE, profile="openai",
                              base_model=BASE, eval_id=eval_row.id,
                              training_version_id=version_id, job_spec={"method": "supervised"})
    comparison = compare_runs(store, base_run, tuned_run).as_dict()
    comparison.update(base_pass_rate=len(BASE_PASS) / n,
                      tuned_pass_rate=(n - len(TUNED_FAIL)) / n, model=TUNED)
    store.loops.update(done.id, stage="done", baseline_run_id=base_run, job_id=finished.id,
                       tuned_run_id=tuned_run, comparison=comparison)
    # A second loop, its job half-way through training.
    running = store.jobs.upsert("openai", job(0, "running", estimated_finish=NOW + 754,
                                              model=BASE),
                                training_version_id=version_id, estimated_cost_usd=0.06)
    store.jobs.add_events(running.id, [
        {"id": f"ev-{s:03d}", "created_at": NOW - 600 + s * 20, "level": "info",
         "type": "metrics", "message": f"Step {s}/30",
         "data": {"step": s, "total_steps": 30, "train_loss": 1.0 / s}}
        for s in range(12, 0, -1)])
    base_again = _run(store, eval_row.id, BASE, "baseline", BASE_PASS, n, 0.0042)
    active = store.loops.create(name="capitals v1 · capitals · " + BASE + " (3 epochs)",
                                profile="openai", base_model=BASE, eval_id=eval_row.id,
                                training_version_id=version_id,
                                job_spec={"method": "supervised",
                                          "hyperparameters": {"n_epochs": 3}})
    store.loops.update(active.id, stage="training", baseline_run_id=base_again,
                       job_id=running.id)
    # Fixed times, so pictures do not change from one run to the next.
    for table in ("loops", "eval_runs", "eval_results"):
        store.db.execute(f"UPDATE {table} SET created_at = ?", [FIXED])
    store.db.execute("UPDATE loops SET updated_at = ?", [FIXED])
    rid = store.prompts.start_run(profile="openai", model=TUNED, input=[])
    store.prompts.finish_run(rid, status="done", output_text="", cost_usd=0.0003)
    store.db.execute("UPDATE playground_runs SET created_at = ?", [FIXED])
    return {"done": done.id, "active": active.id, "version": version_id,
            "eval": eval_row.id}
