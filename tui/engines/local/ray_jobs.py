"""Jobs on an existing Ray cluster: `tunedeck serve --engine local --ray-address URL`.

Each training run is a Ray Job (submitted through the cluster's Jobs API,
`ray.job_submission.JobSubmissionClient`) whose entrypoint is
`python -m tui.engines.local.ray_train JOB_DIR`: Ray Train runs the job's training
processes on whichever nodes have room. This server keeps doing the rest — the
queue, the API, serving the adapters — and reads the job's messages from
JOB_DIR/wire.jsonl, so JOB_DIR (the server's `--work-dir`) must be storage the
server and every node mount at the same path (NFS and the like).

The job ships this server's own `tui` package (`py_modules`), so the cluster
runs the same training code; the nodes' Python needs its dependencies
(`pip install 'tunedeck[ray]'`). `--ray-runtime-env FILE` adds a Ray runtime
environment of the user's (a JSON object: pip, env_vars, container, ...).

A server that stops with a job on the cluster stops that job (as it kills a
local process); one that crashed finds it again at its next start and follows
it (`ray.json` in JOB_DIR names the submission) instead of starting it twice.
"""

from __future__ import annotations

import json
import os
import shlex
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from tui.core.private_files import private_opener, write_private
from tui.engines.local.process import log_start
from tui.engines.local.worker import PAUSE_FILE, WIRE_FILE

POLL_SECONDS = 0.2  # how often the wire file is read while a job trains
STATUS_SECONDS = 1.0  # how often the cluster is asked whether the job still runs
LOST_AFTER_SECONDS = 120.0  # a cluster unreachable this long fails the job
SILENCE_NOTE_SECONDS = 120.0  # no step this long after a submission: say what may be wrong
SUBMIT_PATIENCE_SECONDS = 60.0  # a cluster just started has no job agent for a few seconds
SUBMISSION_FILE = "ray.json"
TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")
PASSED_ENV = ("HF_HUB_OFFLINE", "HF_HOME", "HF_HUB_CACHE", "TRANSFORMERS_OFFLINE")


class RayUnavailable(RuntimeError):
    """The Ray cluster cannot be reached, or Ray is not installed here."""


def read_runtime_env(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        value = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"--ray-runtime-env {path}: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(f"--ray-runtime-env {path}: a JSON object is expected")
    return value


class RayCluster:
    """The cluster's Jobs API at `address` (the dashboard's, e.g. http://head:8265)."""

    def __init__(self, address: str, runtime_env: dict[str, Any] | None = None) -> None:
        self.address = address
        self.user_env = dict(runtime_env or {})
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            try:
                from ray.job_submission import JobSubmissionClient
            except ImportError:
                raise RayUnavailable("Ray's job client is not installed: "
                                     "pip install 'tunedeck[ray]'") from None
            try:
                self._client = JobSubmissionClient(self.address)
            except Exception as exc:  # noqa: BLE001 - Ray raises ConnectionError and others
                raise RayUnavailable(f"cannot reach the Ray cluster at {self.address}: {exc}") from None
        return self._client

    def check(self) -> None:
        """Ask the cluster's Jobs API something: it is there and answers."""
        try:
            self.client().get_version()
        except RayUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001
            raise RayUnavailable(f"the Ray cluster at {self.address} did not answer: {exc}") from None

    def runtime_env(self) -> dict[str, Any]:
        import tui

        env = dict(self.user_env)
        env["py_modules"] = [str(Path(tui.__file__).resolve().parent), *env.get("py_modules", [])]
        env["excludes"] = [*env.get("excludes", []), "__pycache__"]
        passed = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        env["env_vars"] = {"TOKENIZERS_PARALLELISM": "false", **passed, **env.get("env_vars", {})}
        return env

    def start(self, job_dir: Path, job_id: str, resume: str | None, *, adopt: bool,
              note: Callable[[str], None] = lambda _: None) -> RayChannel:
        """Submit the job's training (or, after a restart, follow the submission already there)."""
        if adopt and (previous := self._previous(job_dir)) is not None:
            log_start(job_dir, f"ray job {previous} (followed again after a restart)")
            note(f"Following the Ray job {previous} again after a restart")
            return RayChannel(self, job_dir, previous, note)
        for name in (WIRE_FILE, PAUSE_FILE):
            (job_dir / name).unlink(missing_ok=True)
        # A shell command on the cluster: paths are quoted (a space in --work-dir is allowed).
        entrypoint = f"python -m tui.engines.local.ray_train {shlex.quote(str(job_dir))}"
        if resume:
            entrypoint += f" --resume {shlex.quote(resume)}"
        submission = f"tunedeck-{job_id}-{uuid.uuid4().hex[:8]}"
        # Written first: a crash right after submitting still finds the submission.
        write_private(job_dir / SUBMISSION_FILE, json.dumps(
            {"submission_id": submission, "address": self.address}))
        log_start(job_dir, f"ray job {submission}: {entrypoint}")
        self._submit(entrypoint, submission, job_id)
        workers = json.loads((job_dir / "job.json").read_text()).get("num_processes", 1)
        note(f"Submitted to the Ray cluster at {self.address} as {submission} "
             f"({workers} Ray Train worker{'s' if workers != 1 else ''}"
             + (f", from {Path(resume).name})" if resume else ")"))
        return RayChannel(self, job_dir, submission, note)

    def _submit(self, entrypoint: str, submission: str, job_id: str) -> None:
        """Submit, waiting out a cluster that is still starting ("please try again later")."""
        deadline = time.monotonic() + SUBMIT_PATIENCE_SECONDS
        wait = 0.5
        while True:
            try:
                self.client().submit_job(entrypoint=entrypoint, submission_id=submission,
                                         runtime_env=self.runtime_env(),
                                         metadata={"tunedeck_job": job_id})
                return
            except RayUnavailable:
                raise
            except Exception as exc:  # noqa: BLE001 - Ray's client raises RuntimeError and others
                text = str(exc)
                if "already exists" in text:  # an earlier try got through; its answer did not
                    return
                if "try again" not in text.lower() or time.monotonic() > deadline:
                    raise RayUnavailable(
                        f"the Ray cluster at {self.address} refused the job: {text}") from None
            time.sleep(wait)
            wait = min(wait * 2, 5.0)

    def _previous(self, job_dir: Path) -> str | None:
        """The job's last submission, when it still runs or finished cleanly (its wire replays it)."""
        try:
            submission = json.loads((job_dir / SUBMISSION_FILE).read_text())["submission_id"]
            status = str(self.client().get_job_status(submission).value)
        except (OSError, ValueError, KeyError):
            return None
        except RayUnavailable:
            raise
        except Exception:  # noqa: BLE001 - unknown to the cluster (a new cluster): start again
            return None
        return submission if status in ("PENDING", "RUNNING", "SUCCEEDED") else None


class RayChannel:
    """One Ray Job's messages (JOB_DIR/wire.jsonl), pause flag and end."""

    def __init__(self, cluster: RayCluster, job_dir: Path, submission: str,
                 note: Callable[[str], None] = lambda _: None) -> None:
        self.cluster, self.job_dir, self.submission = cluster, job_dir, submission
        self.note = note
        self.since = time.monotonic()
        self.heard = False  # any message yet; a long silence at the start gets a note
        self.wire = job_dir / WIRE_FILE
        self.offset = 0
        self.pending: list[bytes] = []
        self.status: str | None = None
        self.lost: str | None = None
        self._asked = 0.0
        self._unreachable_since: float | None = None

    def receive(self) -> dict[str, Any] | None:
        drained = False
        while True:
            line = self._next_line()
            if line is not None:
                try:
                    message = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                self.heard = True
                return message
            if drained:
                return None
            if not self.heard and time.monotonic() - self.since > SILENCE_NOTE_SECONDS:
                self.heard = True  # said once
                self.note(f"No training step yet {SILENCE_NOTE_SECONDS:.0f} s after {self.submission} "
                          f"started ({self.status or 'status unknown'}): the cluster may have no room "
                          "for its workers yet (`ray status` lists pending demands) or it is "
                          f"still loading the model (`ray job logs {self.submission}`)")
            if self._ended():  # read what was written before the end, then stop
                drained = True
                continue
            time.sleep(POLL_SECONDS)

    def request_pause(self) -> None:
        (self.job_dir / PAUSE_FILE).touch()

    def finish(self) -> str | None:
        while not self._ended():
            time.sleep(POLL_SECONDS)
        (self.job_dir / PAUSE_FILE).unlink(missing_ok=True)
        logs = self._save_logs()
        if self.lost is not None:
            return self.lost
        if self.status == "SUCCEEDED":
            return None
        if self.status == "STOPPED":
            return f"the Ray job {self.submission} was stopped on the cluster"
        # The log's last line is the error itself (a missing module, a path no node sees);
        # Ray's own message only says the entrypoint failed.
        last = next((line.strip() for line in reversed(logs.splitlines()) if line.strip()), "")
        if not last:
            try:
                last = str(self.cluster.client().get_job_info(self.submission).message or "")
            except Exception:  # noqa: BLE001
                last = ""
        return f"the Ray job {self.submission} failed: {last.splitlines()[0] if last else 'no reason given'}"

    def kill(self) -> None:
        try:
            self.cluster.client().stop_job(self.submission)
        except Exception:  # noqa: BLE001 - a cluster already gone has nothing left to stop
            pass

    # ---------------------------------------------------------------------------------

    def _next_line(self) -> bytes | None:
        if not self.pending:
            try:
                with open(self.wire, "rb") as f:
                    f.seek(self.offset)
                    chunk = f.read()
            except FileNotFoundError:
                return None
            end = chunk.rfind(b"\n") + 1  # whole lines only; a line being written waits
            self.offset += end
            self.pending = [line for line in chunk[:end].splitlines() if line.strip()]
        return self.pending.pop(0) if self.pending else None

    def _ended(self) -> bool:
        if self.status in TERMINAL or self.lost is not None:
            return True
        if time.monotonic() - self._asked < STATUS_SECONDS:
            return False
        self._asked = time.monotonic()
        try:
            self.status = str(self.cluster.client().get_job_status(self.submission).value)
            self._unreachable_since = None
        except Exception as exc:  # noqa: BLE001 - a dashboard restart or a network blip: keep going
            self._unreachable_since = self._unreachable_since or time.monotonic()
            if time.monotonic() - self._unreachable_since > LOST_AFTER_SECONDS:
                self.lost = (f"lost contact with the Ray cluster at {self.cluster.address} for "
                             f"{LOST_AFTER_SECONDS:.0f} s ({exc}); the job {self.submission} "
                             "may still be running there")
        return self.status in TERMINAL or self.lost is not None

    def _save_logs(self) -> str:
        """The job's log from the cluster, appended to train.log (and returned)."""
        try:
            logs = str(self.cluster.client().get_job_logs(self.submission))
        except Exception:  # noqa: BLE001
            return ""
        try:
            with open(self.job_dir / "train.log", "ab", opener=private_opener) as f:
                f.write(logs.encode(errors="replace"))
        except OSError:  # the folder is gone: the log is still the failure's reason
            pass
        return logs
