"""An optimization killed mid-search resumes where it stopped: GEPA from its run_dir, the
adapter from the store (a batch already recorded is not sampled again)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store import Store
from tests.optimize.helpers import MODEL, configure
from tests.optimize.test_optimize_cli import _args, _setup
from tui.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def slow_sandbox():
    """A sandbox whose every answer takes 0.3 s, so a kill lands mid-search."""
    from tui.sandbox.server import SandboxServer

    server = SandboxServer(api_key="sk-sandbox-test", speed=50.0, faults="latency=0.3")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _wait_for_search_runs(db: Path, proc: subprocess.Popen, n: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if db.exists():
            with Store(db) as store:
                opts = store.optimizations.list()
                if opts and len(store.optimizations.candidates(opts[0].id)) >= 1 and len(
                        store.optimizations.run_ids(opts[0].id)) >= n:
                    return
        time.sleep(0.02)
    raise AssertionError("the search never got going")


def test_a_search_killed_mid_run_resumes_and_still_proves_the_improvement(
        isolated_home, slow_sandbox, monkeypatch, capsys, tmp_path):
    configure(isolated_home, slow_sandbox, monkeypatch)
    db = _setup(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.cli.main", *_args(db, "--max-metric-calls", "24", "--yes")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # The seed scored on validation, and a minibatch run begun: then the process dies.
        _wait_for_search_runs(db, proc, 2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    with Store(db) as store:
        opt = store.optimizations.get(1)
        assert opt.status == "searching"
        before = {run_id: store.evals.count_results(run_id)
                  for run_id in store.optimizations.run_ids(opt.id)}
        seed_val_run = store.optimizations.run_ids(opt.id)[0]
        assert before[seed_val_run] == 6  # the whole validation split, recorded
    assert (Path(opt.run_dir) / "gepa_state.bin").exists()

    assert main(["--db", str(db), "prompt", "optimize", "--resume", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "done" and data["model"] == MODEL
    assert data["seed"]["test_pass_rate"] == 0.0 and data["best"]["test_pass_rate"] == 1.0
    with Store(db) as store:
        runs = store.optimizations.run_ids(1)
        # The seed's validation run was reused, not made again, and no item was recorded twice.
        keys = store.db.execute("SELECT candidate_hash, batch_key, COUNT(*) FROM "
                                "optimization_runs GROUP BY 1, 2 HAVING COUNT(*) > 1").fetchall()
        assert keys == []
        assert runs[0] == seed_val_run and store.evals.count_results(seed_val_run) == 6
        for run_id, count in before.items():
            assert store.evals.count_results(run_id) >= count
        dupes = store.db.execute("SELECT run_id, item_index, COUNT(*) FROM eval_results "
                                 "GROUP BY 1, 2 HAVING COUNT(*) > 1").fetchall()
        assert dupes == []
