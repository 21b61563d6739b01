"""Training throughput of the local engine against a plain TRL script, same data, same run.

    python bench/local_train.py [--hidden 256 --layers 4 --examples 48 --epochs 2 --batch 4 --rounds 2]

Both train the same random Llama (built here, nothing downloaded) with the same
LoRA settings on the same tokenized SFT rows: the plain script calls
SFTTrainer.train() in this process; the engine runs a whole job (plan, its own
process, per-step reporting over a pipe, epoch checkpoints). Throughput is
tokens/s between the first and the last optimizer step (TRL's num_tokens), so
process start-up and model loading are reported apart. Rounds alternate
(plain, engine, plain, engine…) and the best of each is kept.
Target: engine / plain >= 0.90.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

WORDS = ("the capital of france is paris and the sky is blue while two plus two is four "
         "tell me a joke about cats hello how are you today i am fine thank you").split()


def _rows(n: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        q = " ".join(rng.choices(WORDS, k=rng.randint(8, 24)))
        a = " ".join(rng.choices(WORDS, k=rng.randint(24, 96)))
        rows.append({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]})
    return rows


def _throughput(points: list[tuple[float, int]]) -> float:
    (t0, n0), (t1, n1) = points[0], points[-1]
    return (n1 - n0) / (t1 - t0)


def run_plain(cfg: dict[str, Any], job_dir: Path) -> tuple[float, float]:
    """What a user would write with TRL directly, on the engine's tokenized rows."""
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import SFTConfig, SFTTrainer

    start = time.perf_counter()
    rows = [json.loads(line) for line in (job_dir / "train.jsonl").read_text().splitlines()]
    tok = AutoTokenizer.from_pretrained(cfg["base_path"])
    model = AutoModelForCausalLM.from_pretrained(cfg["base_path"], dtype=torch.float32)
    points: list[tuple[float, int]] = []

    class Clock(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **_: Any) -> None:
            if logs and "num_tokens" in logs and "loss" in logs:
                points.append((time.time(), int(logs["num_tokens"])))

    out = tempfile.mkdtemp(prefix="plain-trl-")
    args = SFTConfig(output_dir=out, report_to=[], logging_steps=1, disable_tqdm=True, save_strategy="no",
                     max_steps=cfg["total_steps"], per_device_train_batch_size=cfg["batch_size"],
                     learning_rate=cfg["learning_rate"], seed=cfg["seed"], data_seed=cfg["seed"],
                     use_cpu=not torch.cuda.is_available(), max_length=cfg["max_length"],
                     lr_scheduler_type="linear", dataloader_num_workers=0)
    trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows),
                         processing_class=tok, callbacks=[Clock()],
                         peft_config=LoraConfig(r=16, lora_alpha=32, target_modules="all-linear",
                                                task_type="CAUSAL_LM"))
    trainer.train()
    return _throughput(points), time.perf_counter() - start


def run_engine(engine: Any, spec: Any) -> tuple[float, float, Path]:
    start = time.perf_counter()
    plan = engine.plan(spec)
    for _ in engine.train(plan):
        pass
    wall = time.perf_counter() - start
    job_dir = Path(plan.private["dir"])
    steps = [json.loads(line) for line in (job_dir / "steps.jsonl").read_text().splitlines()]
    points = [(s["time"], s["num_tokens"]) for s in steps if "num_tokens" in s]
    return _throughput(points), wall, job_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--examples", type=int, default=48)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--model", help="an existing model folder instead of a random one")
    opts = parser.parse_args()

    from tui.engines.local.engine import LocalEngine
    from tui.engines.local.tiny import build_tiny_model
    from tui.engines.protocol import TrainingSpec

    root = Path(tempfile.mkdtemp(prefix="tunedeck-bench-"))
    if opts.model:
        models_dir, name = Path(opts.model).parent, Path(opts.model).name
    else:
        models_dir, name = root / "models", "bench-llama"
        build_tiny_model(models_dir / name, hidden=opts.hidden, layers=opts.layers)
    engine = LocalEngine(models_dir, work_dir=root / "jobs", serving="transformers")
    data = b"".join(json.dumps(r).encode() + b"\n" for r in _rows(opts.examples))
    plain_best = engine_best = 0.0
    plain_wall = engine_wall = 0.0
    for i in range(opts.rounds):
        spec = TrainingSpec(method="supervised", base_model=name, training=data, validation=None,
                            hyperparameters={"n_epochs": opts.epochs, "batch_size": opts.batch},
                            seed=1, job_id=f"bench-{i}")
        if i == 0:  # the plain script reads the engine's tokenized rows: the same data
            engine.plan(spec)
        cfg = json.loads((root / "jobs" / "bench-0" / "job.json").read_text())
        plain, wall = run_plain(cfg, root / "jobs" / "bench-0")
        plain_best, plain_wall = max(plain_best, plain), wall
        print(f"round {i + 1}: plain TRL  {plain:10.0f} tokens/s  (whole run {wall:5.1f} s, in-process)")
        eng, wall, _ = run_engine(engine, spec)
        engine_best, engine_wall = max(engine_best, eng), wall
        print(f"round {i + 1}: engine     {eng:10.0f} tokens/s  (whole job {wall:5.1f} s, "
              "incl. its own process start)")
    what = opts.model or f"random, hidden {opts.hidden}, {opts.layers} layers"
    print(f"model: {name} ({what}), {opts.examples} examples x {opts.epochs} epochs, batch {opts.batch}, LoRA r=16")
    print(f"training throughput, best of {opts.rounds}: plain TRL {plain_best:.0f} tokens/s, "
          f"engine {engine_best:.0f} tokens/s")
    print(f"ratio engine/plain = {engine_best / plain_best:.3f}  (target >= 0.90); "
          f"fixed start-up cost of a job's process: {engine_wall - plain_wall:+.1f} s vs in-process")


if __name__ == "__main__":
    main()
