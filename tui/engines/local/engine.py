"""LocalEngine: the sandbox's `Engine` protocol over real training on this machine.

A job's plan converts its data and writes it, with the resolved settings, to
its own folder (WORK_DIR/JOB_ID); training runs in a child process
(`tui.engines.local.worker`) that reports steps on a pipe. The job lifecycle in
`tui.sandbox.job_lifecycle` stays the sandbox's: it asks for a slot (`try_reserve`:
a FIFO queue, one job per GPU, or one on the CPU), reads steps from the
iterator `train` returns, and calls its `pause` / `close` hooks.

Hyperparameters map from OpenAI's: n_epochs and batch_size as given (or the
same "auto" rules as OpenAI's), learning rate = base rate (2e-4 for LoRA,
1e-5 for a full fine-tune, or metadata `learning_rate`) × learning_rate_multiplier,
DPO's beta as is. Local options come from the job's metadata (strings):
learning_rate, lora_r, lora_alpha, lora_dropout, target_modules, full_finetune,
max_length, num_generations, max_completion_length, gradient_accumulation_steps, gpus,
num_processes and accelerate_config (a job over several processes via `accelerate launch`).
"""

from __future__ import annotations

import json
import math
import threading
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tui.core.private_files import private_dir, private_opener, write_private
from tui.engines.local import devices, models, process
from tui.engines.local.process import Channel
from tui.engines.protocol import (
    Generation,
    GenerationParams,
    StepResult,
    TrainingDataError,
    TrainingFailed,
    TrainingPlan,
    TrainingSpec,
    resolve_hyperparameters,
)

if TYPE_CHECKING:
    from tui.engines.local.ray_jobs import RayCluster

LORA_LR = 2e-4
FULL_LR = 1e-5
VALID_CAP = 32  # validation examples evaluated during training
RAY_SLOTS = 8  # jobs submitted to a Ray cluster at once, unless --max-jobs says otherwise
_OPTIONS = {  # metadata key -> (job.json key, type)
    "learning_rate": ("learning_rate", float), "lora_r": ("lora_r", int),
    "lora_alpha": ("lora_alpha", int), "lora_dropout": ("lora_dropout", float),
    "target_modules": ("target_modules", str), "max_length": ("max_length", int),
    "num_generations": ("num_generations", int), "max_completion_length": ("max_completion_length", int),
    "gradient_accumulation_steps": ("grad_accum", int), "gpus": ("gpus", str),
    "num_processes": ("num_processes", int), "accelerate_config": ("accelerate_config", str),
    "full_finetune": ("full", lambda v: _flag(v)),
}


def _flag(value: Any) -> bool:
    text = str(value).strip().lower()
    if text not in ("1", "true", "yes", "0", "false", "no"):
        raise ValueError(value)
    return text in ("1", "true", "yes")


def local_options(metadata: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, (name, kind) in _OPTIONS.items():
        if key in metadata and metadata[key] not in (None, ""):
            try:
                out[name] = kind(metadata[key])
            except (TypeError, ValueError):
                wanted = {"full": "true or false", "gpus": "GPU numbers"}.get(
                    name, "an integer" if kind is int else "a number")
                raise TrainingDataError(f"metadata.{key}: cannot read {metadata[key]!r} as {wanted}",
                                        param="metadata") from None
    return out


def processes_of(local: dict[str, Any]) -> int:
    """Training processes of a job: metadata num_processes, else one per GPU listed in `gpus`."""
    if local.get("num_processes"):
        return max(1, int(local["num_processes"]))
    return max(1, len([g for g in str(local.get("gpus", "")).split(",") if g.strip()]))


class LocalEngine:
    name = "local"
    owner = "tunedeck-local"  # models' owned_by: real models trained here, not sandbox ones
    paced = False  # real work takes real time: no simulated waits in the job lifecycle

    def __init__(self, models_dir: Path | None, *, work_dir: Path, model_ids: tuple[str, ...] = (),
                 max_jobs: int | None = None, serving: str = "auto", ray: RayCluster | None = None) -> None:
        self.models_dir = Path(models_dir) if models_dir else None
        # Absolute: a Ray cluster's nodes find a job's folder by this path.
        self.work_dir = Path(work_dir).absolute()
        self.model_ids = tuple(model_ids)
        self.ray = ray
        # On a cluster Ray places the processes; its own queue holds what does not fit.
        self.gpus = [] if ray is not None else devices.visible_gpus()
        self.slots = max_jobs or (RAY_SLOTS if ray is not None else max(1, len(self.gpus)))
        self.serving_kind = serving
        self._held: dict[str, str | None] = {}
        self._waiting: list[str] = []
        self._lock = threading.Lock()
        self._tokenizers: dict[str, Any] = {}
        self._server: Any = None

    # Models ----------------------------------------------------------------------

    def base_models(self) -> list[str]:
        names = models.list_dir(self.models_dir)
        return names + [m for m in self.model_ids if m not in names]

    def resolve(self, name: str) -> Path:
        return models.resolve(name, self.models_dir)

    def _tokenizer(self, path: Path) -> Any:
        key = str(path)
        if key not in self._tokenizers:
            from transformers import AutoTokenizer

            from tui.engines.local.data import ensure_template

            tok = AutoTokenizer.from_pretrained(key)
            ensure_template(tok)
            self._tokenizers[key] = tok
        return self._tokenizers[key]

    # The queue ---------------------------------------------------------------------

    def try_reserve(self, job_id: str) -> bool:
        """FIFO: the first waiting job gets the next free slot (a GPU, or the CPU)."""
        with self._lock:
            if job_id in self._held:
                return True
            if job_id not in self._waiting:
                self._waiting.append(job_id)
            if self._waiting[0] != job_id or len(self._held) >= self.slots:
                return False
            free = [g for g in self.gpus if g not in self._held.values()]
            self._held[job_id] = devices.pick(free) if free else None
            self._waiting.pop(0)
            return True

    def release(self, job_id: str) -> None:
        with self._lock:
            self._held.pop(job_id, None)
            if job_id in self._waiting:
                self._waiting.remove(job_id)

    def device_of(self, job_id: str) -> str | None:
        return self._held.get(job_id)

    # Training ------------------------------------------------------------------------

    def plan(self, spec: TrainingSpec) -> TrainingPlan:
        from tui.engines.local import data

        try:
            base_path = self.resolve(spec.base_model)
        except models.ModelNotAvailable as exc:
            raise TrainingDataError(str(exc), param="model") from None
        local = local_options(spec.metadata)
        if self.ray is not None:
            for key in ("gpus", "accelerate_config"):
                if key in local:
                    raise TrainingDataError(
                        f"metadata.{key}: on a Ray cluster Ray Train places the workers; "
                        "say how many with num_processes", param="metadata")
        max_length = int(local.get("max_length", 1024))
        tok = self._tokenizer(base_path)
        if spec.method == "supervised":
            train = data.sft_dataset(spec.training, tok, max_length, "training_file")
            valid = data.sft_dataset(spec.validation, tok, max_length, "validation_file") if spec.validation else []
            tokens = sum(len(r["input_ids"]) for r in train)
        else:
            train = data.convert(spec.method, spec.training, "training_file")
            valid = data.convert(spec.method, spec.validation, "validation_file") if spec.validation else []
            tokens = sum(self._count(tok, r) for r in train)
        if not train:
            raise TrainingDataError(f"Training file has no usable {spec.method} examples")
        n = len(train)
        resolved = resolve_hyperparameters(spec.method, spec.hyperparameters, n)
        n_epochs, batch_size = resolved["n_epochs"], resolved["batch_size"]
        multiplier = resolved["learning_rate_multiplier"]
        processes = processes_of(local)
        per_device = max(1, batch_size // processes)
        steps_per_epoch = math.ceil(n / (per_device * processes))
        total = steps_per_epoch * n_epochs
        base_lr = local.get("learning_rate", FULL_LR if local.get("full") else LORA_LR)
        # The job's folder holds a copy of the training data and the weights trained on
        # it: only its owner may enter it, and the files written here are 0600 too.
        job_dir = private_dir(self.work_dir / (spec.job_id or f"job-{spec.seed}"))
        cfg = {
            "method": spec.method, "base_model": spec.base_model, "base_path": str(base_path),
            "seed": spec.seed, "n_epochs": n_epochs, "batch_size": batch_size,
            "per_device_batch_size": per_device, "num_processes": processes,
            "steps_per_epoch": steps_per_epoch, "total_steps": total,
            "valid_every": max(1, total // 10), "learning_rate": base_lr * multiplier,
            "beta": resolved.get("beta", 0.0), "max_length": max_length,
            "num_generations": int(local.get("num_generations", 4)),
            "max_completion_length": int(local.get("max_completion_length", 64)),
            "grader": spec.grader, "local": local,
        }
        write_private(job_dir / "job.json", json.dumps(cfg, indent=1))
        for name, items in (("train.jsonl", train), ("valid.jsonl", valid[:VALID_CAP])):
            write_private(job_dir / name, b"".join(orjson.dumps(r) + b"\n" for r in items))
        return TrainingPlan(spec=spec, n_examples=n, n_epochs=n_epochs, batch_size=batch_size,
                            steps_per_epoch=steps_per_epoch, total_steps=total,
                            trained_tokens=tokens * n_epochs, hyperparameters=resolved,
                            private={"dir": str(job_dir), "job_id": spec.job_id})

    @staticmethod
    def _count(tok: Any, row: dict[str, Any]) -> int:
        messages = list(row["prompt"]) + list(row.get("chosen") or []) + list(row.get("rejected") or [])
        return sum(len(tok(m["content"], add_special_tokens=False)["input_ids"]) for m in messages)

    def train(self, plan: TrainingPlan, start_step: int = 1) -> LocalRun:
        return LocalRun(self, plan, start_step)

    # Serving -------------------------------------------------------------------------

    def _serving(self) -> Any:
        if self._server is None:
            from tui.engines.local import serving

            self._server = serving.make(self.serving_kind)
        return self._server

    def generate(self, model: str, artifact: dict[str, Any] | None, messages: list[dict[str, Any]],
                 params: GenerationParams) -> Generation:
        # models.ModelNotAvailable is the protocol's: the server answers it with a 404.
        base_path = self.resolve(artifact["base"] if artifact else model)
        adapter = artifact.get("adapter") if artifact else None
        return self._serving().generate(base_path, Path(adapter) if adapter else None, messages, params)

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None


class LocalRun:
    """The steps of one job, read from its training (restarted after a pause) over a `Channel`."""

    def __init__(self, engine: LocalEngine, plan: TrainingPlan, start_step: int) -> None:
        self.engine, self.plan, self.start = engine, plan, start_step
        self.dir = Path(plan.private["dir"])
        self.job_id = plan.private["job_id"]
        self.buffer: deque[StepResult] = deque()
        self.notes: deque[str] = deque()  # events for the job, taken by the lifecycle
        self.channel: Channel | None = None
        self.started = False
        self.finished = self.closed = False
        self.error: str | None = None
        self.failure: TrainingFailed | None = None
        self.resume_from = self._checkpoint_before(start_step) if start_step > 1 else None
        recorded = self._recorded()
        if start_step >= plan.total_steps and plan.total_steps in recorded:
            self.buffer.append(self._result(recorded[plan.total_steps], record=False))
            self.finished = True  # all trained before a restart: the last step, for its model
        elif any(step >= start_step for step in recorded):
            self._forget_from(start_step, recorded)

    # Iteration --------------------------------------------------------------------------

    def __iter__(self) -> LocalRun:
        return self

    def __next__(self) -> StepResult:
        while True:
            if self.buffer:
                return self.buffer.popleft()
            if self.failure is not None:
                raise self.failure
            if self.closed or self.finished:
                raise StopIteration
            if self.channel is None:
                self._start()
            self._pump()

    def pause(self) -> None:
        """Checkpoint after the current step and stop the training; `next` resumes from there."""
        if self.channel is None or self.finished:
            return
        self.channel.request_pause()
        try:
            while self.channel is not None and not self.finished and not self.closed:
                self._pump()
        except TrainingFailed as exc:
            self.failure = exc

    def take_notes(self) -> list[str]:
        notes = []
        while self.notes:
            notes.append(self.notes.popleft())
        return notes

    def close(self) -> None:
        """Stop now (cancel or shutdown), freeing the job's devices."""
        self.closed = True
        if self.channel is not None:
            self.channel.kill()

    # The training ------------------------------------------------------------------------

    def _start(self) -> None:
        options = json.loads((self.dir / "job.json").read_text())["local"]
        first, self.started = not self.started, True
        if self.engine.ray is not None:
            from tui.engines.local.ray_jobs import RayUnavailable

            try:  # a server restarted mid-job follows the submission it left running
                self.channel = self.engine.ray.start(self.dir, self.job_id, self.resume_from,
                                                     adopt=first, note=self.notes.append)
            except RayUnavailable as exc:
                raise TrainingFailed(str(exc)) from None
        else:
            gpus = options.get("gpus") or self.engine.device_of(self.job_id)
            processes = processes_of(options)
            cmd = process.worker_command(self.dir, options, processes, self.resume_from)
            self.channel = process.ProcessChannel(self.dir, cmd, process.worker_env(gpus))
            where = f"GPU {gpus}" if gpus else "CPU"
            self.notes.append(f"Training process started on {where}"
                              + (f", {processes} processes" if processes > 1 else "")
                              + (f", from {Path(self.resume_from).name}" if self.resume_from else ""))
        self.error = None

    def _pump(self) -> None:
        """Handle one message from the training, or its end."""
        assert self.channel is not None
        message = self.channel.receive()
        if message is None:
            self._ended()
            return
        kind = message.get("type")
        if kind == "step":
            if message["step"] >= self.start:
                self.buffer.append(self._result(message))
        elif kind == "paused":
            self.resume_from = message["checkpoint"]
            self._reap()
        elif kind == "done":
            self.finished = True
            self._reap()
        elif kind == "error" and self.error is None:  # the first reason; the rest follow from it
            self.error = message.get("message")

    def _reap(self) -> None:
        if self.channel is not None:
            self.channel.finish()
            self.channel = None

    def _ended(self) -> None:
        assert self.channel is not None
        reason = self.channel.finish()
        self.channel = None
        if self.closed:
            return
        if self.error is None:
            self.error = reason or f"it ended without finishing: {process.log_tail(self.dir)}"
        raise TrainingFailed(f"The training process failed: {self.error}")

    # Steps --------------------------------------------------------------------------------

    def _result(self, message: dict[str, Any], *, record: bool = True) -> StepResult:
        plan, step = self.plan, message["step"]
        metrics = {"step": step, "total_steps": plan.total_steps, "train_loss": 0.0,
                   **{k: round(float(v), 6) for k, v in message["metrics"].items()}}
        epoch = (step - 1) // plan.steps_per_epoch + 1
        epoch_end = step % plan.steps_per_epoch == 0 or step == plan.total_steps
        artifact = None
        if epoch_end and message.get("checkpoint"):
            artifact = {"engine": "local", "base": plan.spec.base_model, "method": plan.spec.method,
                        "adapter": message["checkpoint"]}
        if record:
            with open(self.dir / "steps.jsonl", "ab", opener=private_opener) as f:
                f.write(orjson.dumps(message) + b"\n")
        return StepResult(step, metrics, epoch, epoch_end, artifact)

    def _recorded(self) -> dict[int, dict[str, Any]]:
        path = self.dir / "steps.jsonl"
        if not path.exists():
            return {}
        out = {}
        for line in path.read_bytes().splitlines():
            if line.strip():
                message = orjson.loads(line)
                out[message["step"]] = message
        return out

    def _forget_from(self, start_step: int, recorded: dict[int, dict[str, Any]]) -> None:
        """Drop the record of steps the store never took (a stop between recording and storing).

        The store is the source of truth for which steps happened; those steps run again
        from the checkpoint, and recording them a second time would count them twice.
        """
        kept = b"".join(orjson.dumps(message) + b"\n"
                        for step, message in sorted(recorded.items()) if step < start_step)
        write_private(self.dir / "steps.jsonl", kept)

    def _checkpoint_before(self, start_step: int) -> str | None:
        """The newest full checkpoint at or before step start_step - 1 (a restart resumes there)."""
        out = self.dir / "out"
        best: tuple[int, Path] | None = None
        for path in out.glob("checkpoint-*") if out.is_dir() else []:
            try:
                n = int(path.name.rsplit("-", 1)[1])
            except ValueError:
                continue
            if n < start_step and (path / "trainer_state.json").exists() and (best is None or n > best[0]):
                best = (n, path)
        return str(best[1]) if best else None
