"""A job's entrypoint on a Ray cluster: `python -m tui.engines.local.ray_train JOB_DIR [--resume CKPT]`.

Ray Jobs runs this on the cluster (`tui.engines.local.ray_jobs` submits it); it starts
Ray Train's `TorchTrainer` with one worker per training process the job asked
for (metadata `num_processes`), and every worker runs the same training
function as a job on the server's own machine (`tui.engines.local.worker.run`) —
Ray Train sets up torch.distributed (NCCL on GPUs, gloo on CPUs) and the
Trainer inside picks it up. Workers land on whichever nodes have room.

JOB_DIR must be the same path on every node and on the server (shared storage):
the data, the checkpoints and the `FileWire` files live there.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def train_loop(config: dict[str, Any]) -> None:
    """One Ray Train worker: the shared training function, reporting through files."""
    from tui.engines.local import worker

    job_dir = Path(config["job_dir"])
    if worker.run(job_dir, config["resume"], worker.FileWire(job_dir)) != 0:
        # The reason is already on the wire (and its traceback in the job's log).
        raise RuntimeError("training failed")


def main(argv: list[str]) -> int:
    import ray
    from ray.train import FailureConfig, RunConfig, ScalingConfig
    from ray.train.torch import TorchTrainer

    from tui.engines.local import worker

    job_dir = Path(argv[0])
    if not (job_dir / "job.json").exists():
        import socket

        print(f"tunedeck: {job_dir} is not visible on {socket.gethostname()}: the server's "
              "--work-dir must be storage every node mounts at the same path", file=sys.stderr)
        return 2
    cfg = json.loads((job_dir / "job.json").read_text())
    ray.init()  # a Ray Job's driver joins the cluster it was submitted to
    use_gpu = ray.cluster_resources().get("GPU", 0) >= 1
    trainer = TorchTrainer(
        train_loop,
        train_loop_config={"job_dir": str(job_dir), "resume": worker.resume_argument(argv)},
        scaling_config=ScalingConfig(num_workers=int(cfg["num_processes"]), use_gpu=use_gpu),
        # No retries: a failure fails the job with its reason; resuming is the user's call.
        run_config=RunConfig(name="train", storage_path=str(job_dir / "ray"),
                             failure_config=FailureConfig(max_failures=0)),
    )
    try:
        trainer.fit()
    except Exception as exc:  # noqa: BLE001 - said on the wire when no worker did
        wire = worker.FileWire(job_dir)
        wire.send({"type": "error", "message": f"Ray Train: {type(exc).__name__}: {exc}"})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
