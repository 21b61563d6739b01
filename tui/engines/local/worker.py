"""The training process: `python -m tui.engines.local.worker JOB_DIR [--resume CHECKPOINT]`.

Reads `job.json` and the converted data the engine wrote to JOB_DIR, trains
with TRL (SFTTrainer, DPOTrainer or GRPOTrainer; LoRA through PEFT unless the
job asks for a full fine-tune) and reports on its stdout, one JSON object a
line (everything else it or the libraries print goes to stderr, the job's log):

    {"type": "step", "step": N, "metrics": {...}, "checkpoint": DIR?, "time": T, "num_tokens": N?}
    {"type": "paused", "step": N, "checkpoint": DIR}
    {"type": "done", "step": N, "checkpoint": DIR}
    {"type": "error", "message": "..."}

A line `pause` on its stdin makes it save a checkpoint (optimizer state
included) after the current step and exit; `--resume` continues from one.

On a Ray cluster the same `train` runs inside Ray Train's workers
(`tui.engines.local.ray_train`) and talks through files in JOB_DIR instead (`FileWire`).
"""

from __future__ import annotations

import abc
import asyncio
import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import orjson

from tui.core.private_files import private_opener

WIRE_FILE = "wire.jsonl"
PAUSE_FILE = "pause"


class Wire(abc.ABC):
    """How the training function reports and hears a pause; only rank 0 speaks.

    Every rank asks `should_pause` after each step and gets rank 0's answer, so
    all ranks (accelerate launch, Ray Train) stop after the same step.
    """

    def __init__(self) -> None:
        self.rank = int(os.environ.get("RANK", "0"))
        self.world = int(os.environ.get("WORLD_SIZE", "1"))

    @abc.abstractmethod
    def send(self, message: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    def pause_requested(self) -> bool: ...

    def should_pause(self) -> bool:
        """Rank 0's answer, the same on every rank (they must stop at the same step)."""
        stop = self.rank == 0 and self.pause_requested()
        if self.world == 1:
            return stop
        import torch
        import torch.distributed as dist

        if not (dist.is_available() and dist.is_initialized()):
            return stop
        flag = torch.tensor([1 if stop else 0])
        if dist.get_backend() == "nccl":
            flag = flag.cuda()
        dist.broadcast(flag, src=0)
        return bool(flag.item())


class PipeWire(Wire):
    """A child process of the server: messages on stdout, a `pause` line on stdin."""

    def __init__(self) -> None:
        super().__init__()
        self.pause = threading.Event()
        self._out = None
        if self.rank == 0:
            # Our protocol keeps the real stdout; fd 1 (libraries' prints) goes to stderr.
            self._out = os.fdopen(os.dup(1), "w", buffering=1)
            threading.Thread(target=self._listen, daemon=True).start()
        os.dup2(2, 1)

    def send(self, message: dict[str, Any]) -> None:
        if self._out is not None:
            self._out.write(json.dumps(message) + "\n")
            self._out.flush()

    def pause_requested(self) -> bool:
        return self.pause.is_set()

    def _listen(self) -> None:
        for line in sys.stdin:
            if line.strip() == "pause":
                self.pause.set()


class FileWire(Wire):
    """A job on another machine (Ray): messages appended to JOB_DIR/wire.jsonl, a pause is
    the file JOB_DIR/pause. JOB_DIR is on storage the server and every node share.

    Each message is its own open-append-close, so an NFS reader sees whole lines
    (close-to-open consistency) without waiting for the job to end.
    """

    def __init__(self, job_dir: Path) -> None:
        super().__init__()
        self.path = job_dir / WIRE_FILE
        self.flag = job_dir / PAUSE_FILE

    def send(self, message: dict[str, Any]) -> None:
        if self.rank == 0:
            with open(self.path, "ab", opener=private_opener) as f:
                f.write(orjson.dumps(message) + b"\n")

    def pause_requested(self) -> bool:
        return self.flag.exists()


def _reward_function(grader: dict[str, Any]) -> Any:
    """The job's grader (tui.core.evals.graders: python graders run sandboxed) as a TRL reward."""
    from tui.core.evals.graders import grade

    def reward(completions: list[Any], item: list[str], **_: Any) -> list[float]:
        texts = [c[-1]["content"] if isinstance(c, list) else str(c) for c in completions]

        async def grade_all() -> list[Any]:
            return await asyncio.gather(*(grade(grader, orjson.loads(it), {"output_text": t})
                                          for t, it in zip(texts, item, strict=True)))

        return [r.score if r.error is None else 0.0 for r in asyncio.run(grade_all())]

    reward.__name__ = str(grader.get("name") or grader.get("type") or "grader")
    return reward


def _callback(wire: Wire, method: str) -> Any:
    from transformers import TrainerCallback

    class Reporter(TrainerCallback):
        """One `step` message per optimizer step, sent once its log, eval and save are done."""

        def __init__(self) -> None:
            self.pending: dict[str, Any] | None = None
            self.paused = False

        def _at(self, step: int) -> dict[str, Any]:
            if self.pending is not None and self.pending["step"] != step:
                self.flush()
            if self.pending is None:
                self.pending = {"type": "step", "step": step, "metrics": {}}
            return self.pending

        def flush(self) -> None:
            if self.pending is not None and self.pending["metrics"]:
                wire.send(self.pending)
            self.pending = None

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **_: Any) -> None:
            logs = logs or {}
            metrics = self._at(state.global_step)["metrics"]
            if "loss" in logs:
                self.pending["time"] = time.time()  # type: ignore[index]
                if "num_tokens" in logs:
                    self.pending["num_tokens"] = int(logs["num_tokens"])  # type: ignore[index]
                metrics["train_loss"] = float(logs["loss"])
                if "mean_token_accuracy" in logs:
                    metrics["train_mean_token_accuracy"] = float(logs["mean_token_accuracy"])
                if "reward" in logs:
                    metrics["train_reward_mean"] = float(logs["reward"])
                if "rewards/accuracies" in logs:
                    metrics["train_preference_accuracy"] = float(logs["rewards/accuracies"])
            if "eval_loss" in logs:
                metrics["valid_loss"] = float(logs["eval_loss"])
                if "eval_mean_token_accuracy" in logs:
                    metrics["valid_mean_token_accuracy"] = float(logs["eval_mean_token_accuracy"])
                if "eval_reward" in logs:
                    metrics["valid_reward_mean"] = float(logs["eval_reward"])

        def on_step_begin(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            self.flush()

        def on_step_end(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            if wire.should_pause():
                control.should_save = True
                control.should_training_stop = True
                self.paused = True

        def on_save(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            self._at(state.global_step)["checkpoint"] = os.path.join(
                args.output_dir, f"checkpoint-{state.global_step}")
            self.flush()

        def on_train_end(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            self.flush()

    return Reporter()


def _targets(value: str) -> str | list[str]:
    """PEFT's target_modules: 'all-linear', or module names separated by commas."""
    return value if value == "all-linear" else [v.strip() for v in value.split(",") if v.strip()]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def train(job_dir: Path, resume: str | None, wire: Wire) -> None:
    cfg = json.loads((job_dir / "job.json").read_text())
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tui.engines.local.data import ensure_template

    method, local = cfg["method"], cfg["local"]
    cuda = torch.cuda.is_available()
    bf16 = cuda and torch.cuda.is_bf16_supported()
    tokenizer = AutoTokenizer.from_pretrained(cfg["base_path"])
    ensure_template(tokenizer)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(
        cfg["base_path"], dtype=torch.bfloat16 if bf16 else torch.float32)
    train_rows = _read_jsonl(job_dir / "train.jsonl")
    valid_rows = _read_jsonl(job_dir / "valid.jsonl")
    bs = cfg["per_device_batch_size"]  # batch_size / processes: OpenAI's batch is the total
    common: dict[str, Any] = dict(
        output_dir=str(job_dir / "out"), report_to=[], logging_steps=1, disable_tqdm=True,
        save_strategy="steps", save_steps=cfg["steps_per_epoch"], max_steps=cfg["total_steps"],
        num_train_epochs=cfg["n_epochs"], per_device_train_batch_size=bs,
        per_device_eval_batch_size=bs, learning_rate=cfg["learning_rate"], seed=cfg["seed"],
        data_seed=cfg["seed"], use_cpu=not cuda, bf16=bf16, lr_scheduler_type="linear",
        dataloader_num_workers=0, eval_strategy="steps" if valid_rows else "no",
        eval_steps=cfg["valid_every"], gradient_accumulation_steps=int(local.get("grad_accum", 1)),
    )
    peft_config = None if local.get("full") else LoraConfig(
        r=int(local.get("lora_r", 16)), lora_alpha=int(local.get("lora_alpha", 32)),
        lora_dropout=float(local.get("lora_dropout", 0.0)),
        target_modules=_targets(local.get("target_modules", "all-linear")), task_type="CAUSAL_LM")
    train_ds = Dataset.from_list(train_rows)
    valid_ds = Dataset.from_list(valid_rows) if valid_rows else None
    kwargs: dict[str, Any] = dict(model=model, processing_class=tokenizer, train_dataset=train_ds,
                                  eval_dataset=valid_ds, peft_config=peft_config)
    if method == "supervised":
        from trl import SFTConfig, SFTTrainer

        trainer: Any = SFTTrainer(args=SFTConfig(**common, max_length=cfg["max_length"]), **kwargs)
    elif method == "dpo":
        from trl import DPOConfig, DPOTrainer

        trainer = DPOTrainer(args=DPOConfig(**common, beta=cfg["beta"], max_length=cfg["max_length"]),
                             **kwargs)
    else:
        from trl import GRPOConfig, GRPOTrainer

        g = cfg["num_generations"]
        common.update(per_device_train_batch_size=bs * g, per_device_eval_batch_size=bs * g)
        args = GRPOConfig(**common, num_generations=g, max_completion_length=cfg["max_completion_length"],
                          beta=cfg.get("beta", 0.0))
        trainer = GRPOTrainer(args=args, reward_funcs=[_reward_function(cfg["grader"])], **kwargs)
    reporter = _callback(wire, method)
    trainer.add_callback(reporter)
    trainer.train(resume_from_checkpoint=resume)
    step = trainer.state.global_step
    checkpoint = str(job_dir / "out" / f"checkpoint-{step}")
    wire.send({"type": "paused" if reporter.paused else "done", "step": step, "checkpoint": checkpoint})


def run(job_dir: Path, resume: str | None, wire: Wire) -> int:
    """Train, turning an exception into the `error` message the job fails with."""
    try:
        train(job_dir, resume, wire)
    except Exception as exc:  # noqa: BLE001 - the job fails with this reason
        traceback.print_exc()
        wire.send({"type": "error", "message": f"{type(exc).__name__}: {exc}"})
        return 1
    return 0


def resume_argument(argv: list[str]) -> str | None:
    return argv[argv.index("--resume") + 1] if "--resume" in argv else None


def main(argv: list[str]) -> int:
    return run(Path(argv[0]), resume_argument(argv), PipeWire())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
