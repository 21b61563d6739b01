"""`tunedeck jobs watch` SIGKILLed mid-job: a restart finishes with every event once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from store import Store
from tests.jobs.helpers import SANDBOX_KEY_ENV, sandbox_profile
from tests.jobs.test_core_sandbox import launched
from tui.sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parents[2]


async def test_watch_killed_midway_resumes_without_duplicates(isolated_home, monkeypatch):
    with SandboxServer(api_key="sk-sandbox-test", speed=4.0) as server:
        profile = sandbox_profile(server, monkeypatch)
        (isolated_home / "config.toml").write_text(
            f'default_profile = "sandbox"\npoll_interval_s = 1\n[profiles.sandbox]\n'
            f'kind = "sandbox"\nbase_url = "{server.base_url}"\n'
            f'api_key_env = "{SANDBOX_KEY_ENV}"\n')
        db = isolated_home / "tunedeck.db"
        with Store(db) as store:
            job = await launched(store, profile, epochs=3)
        env = {**os.environ, SANDBOX_KEY_ENV: server.api_key}
        watch = [sys.executable, "-m", "tui.cli.main", "jobs", "watch", job.remote_id]
        proc = subprocess.Popen(watch, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.2)
            with Store(db) as store:
                seen = len(store.jobs.metrics(job.id))
            if seen >= 5:
                break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with Store(db) as store:
            assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert store.jobs.get(job.id).status not in ("succeeded", "failed")
        done = subprocess.run(watch, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        with Store(db) as store:
            finished = store.jobs.get(job.id)
            assert finished.status == "succeeded" and finished.fine_tuned_model
            metrics = [m.step for m in store.jobs.metrics(job.id)]
            total = store.jobs.metrics(job.id)[-1].total_steps
            assert metrics == list(range(1, total + 1))  # every step once, none lost
            ids = [e.remote_id for e in store.jobs.events(job.id, limit=10_000)]
            assert len(ids) == len(set(ids))
            assert store.jobs.result_file(job.id).startswith("step,")
