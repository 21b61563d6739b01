"""How a job's training runs and talks back: a `Channel`.

`LocalRun` (engine.py) reads the worker's messages (`step`, `paused`, `done`,
`error`, see worker.py) from a channel without knowing where training runs:
`ProcessChannel` is a child process on this machine (one, or several through
`accelerate launch`); `tui.engines.local.ray_jobs.RayChannel` is a Ray Job on a cluster.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol

from tui.core.private_files import private_opener


class Channel(Protocol):
    def receive(self) -> dict[str, Any] | None:
        """The next message, waiting for it; None once training has ended."""

    def request_pause(self) -> None:
        """Ask for a checkpoint after the current step, then an exit."""

    def finish(self) -> str | None:
        """Wait for the end; the failure's reason, or None when it exited cleanly."""

    def kill(self) -> None:
        """Stop now, freeing the devices (cancel or shutdown)."""


def log_start(job_dir: Path, what: str) -> None:
    """One `# tunedeck:` line per start in train.log: what was run, and from which checkpoint."""
    with open(job_dir / "train.log", "ab", opener=private_opener) as log:
        log.write(f"# tunedeck: {what}\n".encode())


def log_tail(job_dir: Path) -> str:
    try:
        lines = (job_dir / "train.log").read_text(errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    return lines[-1] if lines else "no output"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def worker_command(job_dir: Path, options: dict[str, Any], processes: int,
                   resume: str | None) -> list[str]:
    cmd = [sys.executable, "-m", "tui.engines.local.worker", str(job_dir)]
    if processes > 1:  # one job over several processes (GPUs, or CPU for testing): accelerate
        launch = [sys.executable, "-m", "accelerate.commands.launch",
                  "--num_processes", str(processes), "--num_machines", "1",
                  "--main_process_port", str(_free_port())]
        if options.get("accelerate_config"):  # FSDP / DeepSpeed settings, the user's file
            launch += ["--config_file", options["accelerate_config"]]
        else:  # torchrun; the Trainer picks the precision, gloo when there is no GPU
            launch += ["--dynamo_backend", "no", "--multi_gpu"]
        cmd = [*launch, "-m", "tui.engines.local.worker", str(job_dir)]
    return [*cmd, "--resume", resume] if resume else cmd


def worker_env(gpus: str | None) -> dict[str, str]:
    import tui

    env = dict(os.environ)
    if gpus is not None:
        env["CUDA_VISIBLE_DEVICES"] = gpus
    root = str(Path(tui.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    return env


class ProcessChannel:
    """A training process on this machine: messages on its stdout, `pause` on its stdin."""

    def __init__(self, job_dir: Path, cmd: list[str], env: dict[str, str]) -> None:
        self.job_dir = job_dir
        log_start(job_dir, " ".join(cmd[1:]))
        with open(job_dir / "train.log", "ab", opener=private_opener) as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=log, env=env, text=True, start_new_session=True)

    def receive(self) -> dict[str, Any] | None:
        assert self.proc.stdout is not None
        while line := self.proc.stdout.readline():
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
        return None

    def request_pause(self) -> None:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write("pause\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def finish(self) -> str | None:
        code = self.proc.wait()
        if code == 0:
            return None
        if code < 0:
            return f"killed by signal {-code}" + (" (out of memory?)" if -code == 9 else "")
        return f"exited with status {code}: {log_tail(self.job_dir)}"

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
