"""The GEPA adapter over real HTTP to the sandbox and a real SQLite store."""

from __future__ import annotations

import asyncio

from store import Store
from tests.evals.helpers import client as sandbox_client
from tests.optimize.helpers import MODEL, SEED_SYSTEM, capitals_eval, capitals_items
from tui.core.evals.definition import from_store
from tui.core.evals.service import options_for
from tui.core.optimize.candidates import base_messages
from tui.core.optimize.gepa_adapter import TunedeckAdapter
from tui.core.optimize.spend_cap import SpendCap
from tui.engines.directives import LAST_WORD, UPPER

SEED = [{"role": "system", "content": SEED_SYSTEM}, {"role": "user", "content": "{{item.question}}"}]


def _adapter(store, sandbox, loop, seed=SEED):
    eval_row = capitals_eval(store, n=6)
    version = store.prompts.save("capitals", seed)
    opt = store.optimizations.create(
        eval_id=eval_row.id, seed_version_id=version.id, profile="sandbox", model=MODEL,
        reflection_profile="sandbox", reflection_model=MODEL, parts=["system"],
        split={"seed": 0, "train": [0, 1, 2], "val": [3, 4], "test": [5]}, seed=0,
        max_metric_calls=10, max_usd=None, estimate={}, run_dir_root="/nonexistent")
    definition = from_store(eval_row)
    adapter = TunedeckAdapter(
        store, opt.id, eval_id=eval_row.id, definition=definition,
        messages=base_messages(version.messages, definition.input_messages),
        sampling_params={}, model=MODEL, profile="sandbox", client=sandbox_client(sandbox),
        options=options_for(), loop=loop, cap=SpendCap(store, opt.id, None))
    return adapter, eval_row, opt


def test_evaluate_runs_the_candidate_through_the_eval_runner_and_scores_by_its_graders(
        tmp_path, sandbox):
    loop = asyncio.new_event_loop()
    with Store(tmp_path / "t.db") as store:
        adapter, eval_row, opt = _adapter(store, sandbox, loop)
        batch = [{"index": i, "item": row["item"]} for i, row in enumerate(capitals_items(3))]
        seed = adapter.evaluate(batch, {"system": SEED_SYSTEM}, capture_traces=True)
        assert seed.scores == [0.0, 0.0, 0.0]
        assert seed.outputs[0]["output_text"] == "which city is the capital here: paris"
        repaired = {"system": f"{SEED_SYSTEM} {LAST_WORD} {UPPER}"}
        better = adapter.evaluate(batch, repaired)
        assert better.scores == [1.0, 1.0, 1.0] and better.trajectories is None
        assert [o["output_text"] for o in better.outputs] == ["PARIS", "ROME", "MADRID"]

        # Stored like any run (samples, grades, the candidate's messages), tagged as the
        # optimization's, and out of the eval's run list.
        run_ids = store.optimizations.run_ids(opt.id)
        assert len(run_ids) == 2
        run = store.evals.run(run_ids[1])
        assert run.status == "completed" and run.result_counts["passed"] == 3
        assert run.data_source["input_messages"]["template"][0]["content"] == repaired["system"]
        assert store.evals.runs(eval_row.id) == []
        assert len(store.evals.runs(eval_row.id, include_optimization=True)) == 2
        assert store.evals.unfinished_runs() == []

        # The same candidate on the same batch again: the recorded run, no new calls.
        calls = adapter.model_calls
        again = adapter.evaluate(batch, repaired)
        assert again.scores == better.scores and adapter.model_calls == calls == 6
        assert len(store.optimizations.run_ids(opt.id)) == 2
        loop.run_until_complete(adapter.client.close())
    loop.close()


def test_the_reflective_dataset_holds_each_failing_item_with_every_graders_verdict(
        tmp_path, sandbox):
    loop = asyncio.new_event_loop()
    with Store(tmp_path / "t.db") as store:
        adapter, _, _ = _adapter(store, sandbox, loop)
        rows = capitals_items(3)
        rows[1] = {"item": {"question": "ROME", "reference": "ROME"}}  # echo passes this one
        batch = [{"index": i, "item": row["item"]} for i, row in enumerate(rows)]
        evaluated = adapter.evaluate(batch, {"system": SEED_SYSTEM}, capture_traces=True)
        assert evaluated.scores == [0.0, 1.0, 0.0]
        data = adapter.make_reflective_dataset({"system": SEED_SYSTEM}, evaluated, ["system"])
        records = data["system"]
        assert len(records) == 2  # the passing item is left out
        first = records[0]
        assert first["Inputs"] == "which city is the capital here: paris"
        assert first["Generated Outputs"] == "which city is the capital here: paris"
        assert first["Reference"] == "PARIS"
        assert first["Feedback"] == ("exact (string_check): score 0.00, failed — "
                                     "'which city is the capital here: paris' eq 'PARIS'")
        loop.run_until_complete(adapter.client.close())
    loop.close()


def test_few_shot_turns_are_not_the_reflections_inputs_and_a_malformed_proposal_scores_0(
        tmp_path, sandbox):
    loop = asyncio.new_event_loop()
    examples = [{"role": "user", "content": "say lima"}, {"role": "assistant", "content": "lima"}]
    with Store(tmp_path / "t.db") as store:
        adapter, _, opt = _adapter(store, sandbox, loop, seed=[SEED[0], *examples, SEED[1]])
        batch = [{"index": i, "item": row["item"]} for i, row in enumerate(capitals_items(2))]
        seed = {"few_shot": '[{"user": "say lima", "assistant": "lima"}]'}
        evaluated = adapter.evaluate(batch, seed, capture_traces=True)
        assert [o["output_text"] for o in evaluated.outputs] == ["paris", "rome"]
        record = adapter.make_reflective_dataset(seed, evaluated, ["few_shot"])["few_shot"][0]
        assert record["Inputs"] == "which city is the capital here: paris"

        broken = adapter.evaluate(batch, {"few_shot": "Answer in capitals."}, capture_traces=True)
        assert broken.scores == [0.0, 0.0] and len(store.optimizations.run_ids(opt.id)) == 1
        why = adapter.make_reflective_dataset({"few_shot": "x"}, broken, ["few_shot"])
        assert why["few_shot"][0]["Feedback"].startswith("error: the few-shot examples are not JSON")
        loop.run_until_complete(adapter.client.close())
    loop.close()
