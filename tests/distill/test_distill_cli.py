"""`tunedeck distill`: pre-flight, confirmation, JSON, and a resume after a SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from store import Store
from tests.distill.helpers import TEACHER
from tests.flywheel.helpers import capitals_eval
from tests.flywheel.test_cli_loop import configure
from tui.cli.main import main


def test_distill_asks_before_spending_then_resumes_with_yes(isolated_home, sandbox, monkeypatch,
                                                            capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "cli.db"
    with Store(db) as store:
        capitals_eval(store, tmp_path, n=10)
    base = ["--db", str(db), "distill", "--from-eval", "capitals", "--teacher", TEACHER,
            "--filter-eval", "capitals", "--into", "capitals-distilled", "--probe", "2"]
    # No terminal to ask on: the probe runs, the rest waits for a yes.
    assert main(base) == 2
    out = capsys.readouterr()
    assert "Pre-flight: distillation 1: 10 prompts x 1 samples from sandbox-teacher" in out.out
    assert "probe of 2 answers" in out.out and "--resume 1" in out.err
    with Store(db) as store:
        assert len(store.distills.samples(1)) == 2
    assert main(["--db", str(db), "distill", "--resume", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["teacher_calls"] == 8  # the probe's two answers were not asked again
    assert report["lineage"]["kept"] == 8 and report["lineage"]["into"] == "capitals-distilled@1"
    assert main(["--db", str(db), "distill", "--resume", "1"]) == 2
    assert "is done; nothing to resume" in capsys.readouterr().err
    # Usage errors say what is missing.
    assert main(["--db", str(db), "distill", "--from-eval", "nope", "--teacher", TEACHER,
                 "--into", "x"]) == 2
    assert "no eval 'nope'" in capsys.readouterr().err
    assert main(["--db", str(db), "distill", "--teacher", TEACHER, "--into", "x"]) == 2
    assert "--from-dataset" in capsys.readouterr().err


def test_yes_runs_the_preflight_and_the_rest_in_one_go(isolated_home, sandbox, monkeypatch,
                                                      capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "cli.db"
    with Store(db) as store:
        capitals_eval(store, tmp_path, n=6)
    assert main(["--db", str(db), "distill", "--from-eval", "capitals", "--teacher", TEACHER,
                 "--into", "all", "--samples", "2", "--yes", "--json"]) == 0
    out = capsys.readouterr()
    report = json.loads(out.out)
    assert "Pre-flight" in out.err and report["preflight"]["probed"] == 10
    assert report["teacher_calls"] == 12
    assert (report["lineage"]["sampled"], report["lineage"]["kept"]) == (12, 12)
    with Store(db) as store:
        assert store.datasets.version(store.distills.get(1).output_version_id).n_examples == 6


CHILD = """
import asyncio, sys
from openai import AsyncOpenAI
from store.store import Store
from tui.core.distill.distiller import Distiller
from tui.core.distill.teacher import Teacher
from tui.core.evals.runner import RunnerOptions
db, run_id, base_url, key = sys.argv[1:5]
store = Store(db)
client = AsyncOpenAI(api_key=key, base_url=base_url, max_retries=0)
options = RunnerOptions(concurrency=2, extra_headers={"X-Sandbox-Fault": "latency=0.05"})
asyncio.run(Distiller(store, int(run_id), Teacher(client, "sandbox-teacher", options)).run_all())
"""


def test_a_distillation_killed_mid_sampling_resumes_without_paying_twice(
        isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "kill.db"
    with Store(db) as store:
        capitals_eval(store, tmp_path, n=40)
    assert main(["--db", str(db), "distill", "--from-eval", "capitals", "--teacher", TEACHER,
                 "--filter-eval", "capitals", "--into", "killed", "--probe", "1"]) == 2
    capsys.readouterr()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(db), "1", sandbox.base_url,
                             sandbox.api_key], cwd=os.getcwd(), start_new_session=True)
    try:
        with Store(db) as watcher:
            deadline = time.monotonic() + 30
            while len(watcher.distills.samples(1)) < 8 and time.monotonic() < deadline:
                time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    with Store(db) as store:
        before = store.distills.samples(1)
        assert 8 <= len(before) < 40 and store.distills.get(1).status == "sampling"
    assert main(["--db", str(db), "distill", "--resume", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["teacher_calls"] == 40 - len(before)
    with Store(db) as store:
        after = store.distills.samples(1)
        assert [(r["prompt_index"], r["sample_index"]) for r in after] == [
            (i, 0) for i in range(40)]
        # What was paid before the kill is kept as it was, not asked for again.
        kept_before = {r["prompt_index"]: r["created_at"] for r in before}
        assert all(r["created_at"] == kept_before[r["prompt_index"]]
                   for r in after if r["prompt_index"] in kept_before)
    assert report["lineage"]["kept"] == 32


def test_student_flag_fine_tunes_and_prints_the_three_way_comparison(
        isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "student.db"
    with Store(db) as store:
        capitals_eval(store, tmp_path, n=12)  # 10 kept: enough to train on
    assert main(["--db", str(db), "distill", "--from-eval", "capitals", "--teacher", TEACHER,
                 "--filter-eval", "capitals", "--into", "distilled", "--yes", "--batch",
                 "--student", "sandbox-small", "--epochs", "2", "--poll", "0.05"]) == 0
    out = capsys.readouterr().out
    assert "Distillation 1: kept 10 of 12 teacher answers (83%) into distilled@1" in out
    assert "  teacher        sandbox-teacher: 83.3%" in out
    assert "  student base   sandbox-small: 0.0%" in out
    tuned = next(line for line in out.splitlines() if line.startswith("  student tuned"))
    assert tuned.endswith(": 83.3%") and "ft:sandbox-small" in tuned
    model = tuned.split()[2].rstrip(":")
    with Store(db) as store:  # after the live probe of 5, the other 7 went in one batch
        assert len(store.distills.get(1).batch["done"]) == 1
        assert store.distills.get(1).batch["requests"] == 7
    assert main(["--db", str(db), "card", model]) == 0
    assert "distilled    from sandbox-teacher on sandbox" in capsys.readouterr().out
    # Without an eval to compare on, --student is a usage error before anything is asked.
    assert main(["--db", str(db), "distill", "--from-dataset", "distilled", "--teacher",
                 TEACHER, "--into", "again", "--student", "sandbox-small", "--yes"]) == 2
    assert "--student-eval" in capsys.readouterr().err


def test_hostile_names_and_answers_are_printed_as_visible_text(isolated_home, sandbox,
                                                               monkeypatch, capsys, tmp_path):
    from tests.hostile import corpus
    from tests.hostile.test_cli import run
    from tui.core.dataset_versions import version_lines, write_version

    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "hostile.db"
    question = f"{corpus.CSI_CLEAR} {corpus.OSC_TITLE} {corpus.MARKUP}"
    with Store(db) as store:
        write_version(store, "prompts", [json.dumps({"messages": [
            {"role": "user", "content": question}, {"role": "assistant", "content": "a"}]})])
    name = f"into{corpus.OSC_TITLE}"
    code, out, _ = run(capsys, "--db", str(db), "distill", "--from-dataset", "prompts",
                       "--teacher", TEACHER, "--into", name, "--yes")
    assert code == 0 and "into␛]2;pwned␇" in out
    with Store(db) as store:  # stored as the teacher said it: data, byte for byte
        [line] = version_lines(store, store.distills.get(1).output_version_id)
        assert json.loads(line)["messages"][-1]["content"] == question
