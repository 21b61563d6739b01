"""Lineage from the store alone: checkpoints, prompt versions, costs, plain models."""

from __future__ import annotations

import pytest

from store import Store
from tests.flywheel.seed import BASE, TUNED, seed
from tests.jobs.seed import job
from tui.core.evals.definition import from_store
from tui.core.evals.runner import create_run
from tui.core.lineage import model_lineage
from tui.core.lineage_text import card_lines


def test_a_checkpoint_leads_to_its_job_and_data(tmp_path):
    store = Store(tmp_path / "t.db")
    seed(store, tmp_path)
    finished = store.jobs.by_model(TUNED)
    store.jobs.add_checkpoints(finished.id, [{
        "id": "ftckpt-1", "step_number": 8, "created_at": 1,
        "fine_tuned_model_checkpoint": TUNED + ":ckpt-step-8", "metrics": {}}])
    card = model_lineage(store, TUNED + ":ckpt-step-8")
    assert card.kind == "checkpoint" and card.checkpoint_step == 8
    assert card.base_model == BASE and card.job_remote_id == finished.remote_id
    assert [d.role for d in card.datasets] == ["training"]
    assert card.training_actual_usd is None  # billing belongs to the job's final model
    assert "checkpoint at step 8" in "\n".join(card_lines(card))


def test_costs_add_up_along_the_chain(tmp_path):
    store = Store(tmp_path / "t.db")
    seed(store, tmp_path)
    card = model_lineage(store, TUNED)
    # 18,000 tokens of gpt-4o-mini at $3 per 1M; one eval run; one playground run.
    assert card.training_actual_usd == pytest.approx(0.054)
    assert card.training_estimated_usd == pytest.approx(0.06)
    assert card.evals_usd == pytest.approx(0.0084)
    assert card.playground_usd == pytest.approx(0.0003)
    assert card.total_usd == pytest.approx(0.054 + 0.0084 + 0.0003)


def test_eval_runs_keep_the_prompt_version_they_used(tmp_path):
    store = Store(tmp_path / "t.db")
    ids = seed(store, tmp_path)
    v1 = store.prompts.save("capitals-prompt", [{"role": "user", "content": "{{item.question}}"}])
    store.evals.update(ids["eval"], prompt_version_id=v1.id)
    eval_row = store.evals.get(ids["eval"])
    run = create_run(store, eval_row.id, from_store(eval_row), model=TUNED)
    # The eval moves on to a new prompt version; the run still says v1.
    v2 = store.prompts.save("capitals-prompt", [{"role": "user", "content": "Q: {{item.question}}"}])
    store.evals.update(ids["eval"], prompt_version_id=v2.id)
    card = model_lineage(store, TUNED)
    assert [r.prompt for r in card.runs if r.run_id == run.id] == ["capitals-prompt v1"]


def test_a_model_no_job_produced_still_has_a_card(tmp_path):
    store = Store(tmp_path / "t.db")
    seed(store, tmp_path)
    card = model_lineage(store, BASE)
    assert card.kind == "model" and card.job_id is None and len(card.runs) == 2
    text = "\n".join(card_lines(card))
    assert "No fine-tuning job in the store produced this model" in text
    store.jobs.upsert("openai", job(9, "running", model=BASE))
    assert model_lineage(store, "ft:never-finished").runs == []
