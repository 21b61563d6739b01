"""Prompt optimization: metric calls to reach the best held-out score (a benchmark, not a test).

GEPA (`tunedeck prompt optimize`) against a plain baseline, "rewrite the prompt
from the failures": score the prompt on the validation items, hand every
failure to the same reflection model with the same reflection prompt (GEPA's),
score the rewrite on validation, keep the better, repeat, under the same
metric-call budget. Both run on tunedeck's adapter (the eval runner, the
graders) against the sandbox task of tests/optimize (name the capital, in
capitals), whose seed prompt fails every item. For each, the figure is the
metric calls spent until the candidate with its best held-out score was first
scored on validation; printed with their ratio, GEPA / baseline, from one run.
On this task one reflection repairs the prompt, so the baseline needs only the
validation runs while GEPA also spends its minibatch checks: expect a ratio
above 1 here; tasks whose failures differ item by item are where GEPA's Pareto
front over items pays.

    .venv/bin/python bench/optimize_calls.py [--budget 40] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MODEL = "sandbox-small"


def _settings(server, home: Path):
    os.environ["TUNEDECK_BENCH_KEY"] = server.api_key
    (home / "config.toml").write_text(
        f'default_profile = "sandbox"\n[profiles.sandbox]\nkind = "sandbox"\n'
        f'base_url = "{server.base_url}"\napi_key_env = "TUNEDECK_BENCH_KEY"\n')
    from tui.core.config import load_settings

    return load_settings()


def _gepa(store, settings, budget: int, seed: int) -> dict:
    from tui.core.optimize import optimize_driver as driver
    from tui.core.optimize.candidates import candidate_hash

    chosen = driver.plan(store, settings, prompt="capitals", eval_ref="capitals-upper",
                         model=MODEL, profile="sandbox", reflection_model=MODEL,
                         reflection_profile="sandbox", max_metric_calls=budget, max_usd=None,
                         seed=seed)
    opt = driver.run(store, settings, driver.create(store, chosen).id)
    best = next(c for c in store.optimizations.candidates(opt.id)
                if c.idx == opt.best_candidate_idx)
    val_key = ",".join(map(str, opt.split["val"]))
    calls = 0
    for run_id in store.optimizations.run_ids(opt.id):
        row = store.db.execute("SELECT candidate_hash, batch_key FROM optimization_runs "
                               "WHERE eval_run_id = ?", [run_id]).fetchone()
        calls += len(row[1].split(","))
        if row[0] == candidate_hash(best.candidate) and row[1] == val_key:
            break
    return {"calls_to_best": calls, "held_out": opt.comparison["best_pass_rate"],
            "metric_calls": opt.metric_calls, "split": opt.split}


def _baseline(store, settings, budget: int, split: dict) -> dict:
    """Rewrite from all validation failures, keep the better, until the budget is spent."""
    from gepa.strategies.instruction_proposal import InstructionProposalSignature

    from tui.core.evals import service
    from tui.core.evals.definition import from_store
    from tui.core.optimize.candidates import base_messages
    from tui.core.optimize.gepa_adapter import TunedeckAdapter
    from tui.core.optimize.optimize_driver import load_items, resolve_version
    from tui.core.optimize.reflection_lm import ReflectionModel
    from tui.core.optimize.spend_cap import SpendCap

    eval_row = store.evals.find("capitals-upper")
    definition = from_store(eval_row)
    version = resolve_version(store, "capitals@1")
    items = load_items(store, definition)
    # Its own optimization row: its runs are tagged apart from GEPA's.
    opt = store.optimizations.create(
        eval_id=eval_row.id, seed_version_id=version.id, profile="sandbox", model=MODEL,
        reflection_profile="sandbox", reflection_model=MODEL, parts=["system"], split=split,
        seed=split["seed"], max_metric_calls=budget, max_usd=None, estimate={},
        run_dir_root=tempfile.mkdtemp())
    loop = asyncio.new_event_loop()
    profile = settings.profile("sandbox")
    client = service.client_for(profile)
    cap = SpendCap(store, opt.id, None)
    adapter = TunedeckAdapter(
        store, opt.id, eval_id=eval_row.id, definition=definition,
        messages=base_messages(version.messages, definition.input_messages), sampling_params={},
        model=MODEL, profile="sandbox", client=client,
        options=service.options_for(profile, settings), loop=loop, cap=cap)
    reflect = ReflectionModel(store, opt.id, client=client, model=MODEL, loop=loop, cap=cap)
    val = [{"index": i, "item": items[i]["item"]} for i in split["val"]]
    test = [{"index": i, "item": items[i]["item"]} for i in split["test"]]
    best = {"system": version.messages[0]["content"]}
    scored = adapter.evaluate(val, best, capture_traces=True)
    calls, best_score, calls_to_best = len(val), sum(scored.scores), len(val)
    while calls + len(val) <= budget:
        dataset = adapter.make_reflective_dataset(best, scored, ["system"])["system"]
        prompt = InstructionProposalSignature.prompt_renderer(
            {"current_instruction_doc": best["system"], "dataset_with_feedback": dataset})
        new = {"system": InstructionProposalSignature.output_extractor(reflect(prompt))[
            "new_instruction"]}
        trial = adapter.evaluate(val, new, capture_traces=True)
        calls += len(val)
        if sum(trial.scores) > best_score:
            best, scored, best_score, calls_to_best = new, trial, sum(trial.scores), calls
    held_out = sum(adapter.evaluate(test, best).scores) / len(test)
    loop.run_until_complete(client.close())
    loop.close()
    return {"calls_to_best": calls_to_best, "held_out": held_out, "metric_calls": calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        os.environ["TUNEDECK_HOME"] = str(home)
        from store.store import Store
        from tests.optimize.helpers import capitals_eval, seed_prompt
        from tui.sandbox.server import SandboxServer

        server = SandboxServer(api_key="sk-bench", speed=50.0)
        server.start()
        try:
            settings = _settings(server, home)
            with Store(Path(tmp) / "bench.db") as store:
                seed_prompt(store)
                capitals_eval(store)
                gepa = _gepa(store, settings, args.budget, args.seed)
                base = _baseline(store, settings, args.budget, gepa.pop("split"))
        finally:
            server.stop()
    ratio = gepa["calls_to_best"] / base["calls_to_best"]
    print(json.dumps({"budget": args.budget, "gepa": gepa, "baseline": base,
                      "ratio_gepa_over_baseline": round(ratio, 3)}))
    print(f"metric calls to the best held-out score: GEPA {gepa['calls_to_best']} "
          f"(held-out {100 * gepa['held_out']:.0f}%), rewrite-from-failures "
          f"{base['calls_to_best']} (held-out {100 * base['held_out']:.0f}%): "
          f"ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
