"""The grader jail's bounds and its two doors: floods, stragglers, clamps, the opt-in.

Also what must keep working inside it: numpy and the other grader libraries
OpenAI lists, threads, and the grader's own temp directory.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import resource
import time
from pathlib import Path

import pytest

from tests.evals.jailhelpers import DISARM, grade, grader
from tui.core.evals import graders
from tui.core.evals.graders.base import GraderEnv

ITEM = {"answer": "Paris"}


def crit(**fields):
    return {"type": "python", "name": "py", **fields}


def test_an_output_flood_is_cut_at_the_limit_and_costs_the_parent_nothing():
    source = ("import sys\n"
              "def grade(sample, item):\n"
              "    chunk = 'x' * 1_000_000\n"
              "    for _ in range(300):\n"
              "        sys.stdout.write(chunk)\n"
              "    return 1.0\n")
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    score, why = grade(source, timeout_s=30, memory_mb=1024)
    growth_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert growth_mib < 64, f"the parent's peak RSS grew by {growth_mib:.0f} MiB"
    assert score is None and why.startswith("output limit")


def test_stderr_counts_towards_the_output_limit_too():
    source = ("import os\n"
              "def grade(sample, item):\n"
              "    for _ in range(50):\n"
              "        os.write(2, b'e' * 100_000)\n"
              "    return 1.0\n")
    score, why = grade(source)
    assert score is None and why.startswith("output limit")


def _gone(pid: int, wait_s: float = 3.0) -> bool:
    """Whether `pid` is dead (exited, or a zombie waiting for init to reap it)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (ProcessLookupError, FileNotFoundError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


STRAGGLER = grader(
    "    try:\n"
    "        pid = os.fork()\n"
    "    except OSError:\n"
    "        pid = -1\n"
    "    if pid == 0:\n"
    "        with open(item['pidfile'] + '.tmp', 'w') as f:\n"
    "            f.write(str(os.getpid()))\n"
    "        os.rename(item['pidfile'] + '.tmp', item['pidfile'])\n"
    "        time.sleep(60)\n"
    "        os._exit(0)\n"
    "    while pid > 0 and not os.path.exists(item['pidfile']):\n"
    "        time.sleep(0.01)\n"
    "    if item['hang']:\n"
    "        time.sleep(60)\n"
    "    return 1.0\n", imports="import os, time\n")


def test_a_grader_that_hangs_after_trying_to_fork_leaves_nothing(tmp_path):
    pidfile = tmp_path / "grandchild.pid"
    score, why = grade(STRAGGLER, {"pidfile": str(pidfile), "hang": True}, timeout_s=1.5)
    assert score is None and why == "timed out after 1.5s"
    assert not pidfile.exists(), "a grandchild was started"


@pytest.mark.parametrize("hang", [True, False], ids=["timed out", "answered"])
def test_without_the_jail_the_whole_group_is_killed(tmp_path, monkeypatch, hang):
    # Only where the user opted in can a grader fork; what it forked dies with it.
    monkeypatch.setenv("TUNEDECK_JAIL_UNAVAILABLE", "1")
    pidfile = tmp_path / "grandchild.pid"
    score, why = grade(STRAGGLER, {"pidfile": str(pidfile), "hang": hang}, timeout_s=3,
                       allow_unsandboxed=True)
    assert (score, why) == ((None, "timed out after 3s") if hang else (1.0, None))
    pid = int(pidfile.read_text())
    assert _gone(pid), f"grandchild {pid} outlived the grader"


def test_a_file_past_the_size_limit_is_refused():
    source = ("def grade(sample, item):\n"
              "    with open('big', 'wb') as f:\n"
              "        for _ in range(65):\n"
              "            f.write(b'0' * (1 << 20))\n"
              "    return 1.0\n")
    score, why = grade(source)
    assert score is None and "File too large" in why


async def test_eval_file_limits_are_clamped():
    wants_everything = {"timeout_s": 10**6, "memory_mb": 10**7}
    memory = crit(**wants_everything, source=(
        "import resource\n"
        "def grade(sample, item):\n"
        "    return resource.getrlimit(resource.RLIMIT_AS)[0] / (1 << 20)\n"))
    cpu = crit(**wants_everything, source=(
        "import resource\n"
        "def grade(sample, item):\n"
        "    return float(resource.getrlimit(resource.RLIMIT_CPU)[0])\n"))
    assert (await graders.grade(memory, ITEM, "x")).score == 2048
    assert (await graders.grade(cpu, ITEM, "x")).score == 60
    from tui.core.evals.graders.jail import clamp

    assert clamp(10**6, 10**7) == (60.0, 2048)
    assert clamp(-5, 0) == (0.1, 128)


def test_numpy_threads_and_the_grader_s_own_directory_work():
    # DISARM too: the prelude every escape test starts with is harmless by itself.
    source = DISARM + (
        "import os\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "import numpy as np\n"
        "def grade(sample, item):\n"
        "    assert os.listdir('.') == []\n"
        "    with ThreadPoolExecutor(4) as pool:\n"
        "        assert sum(pool.map(lambda n: n * n, range(10))) == 285\n"
        "    np.save('scores.npy', np.array([0.25, 0.5, 0.75]))\n"
        "    os.mkdir('sub')\n"
        "    os.rename('scores.npy', 'sub/kept.npy')\n"
        "    values = np.load('sub/kept.npy')\n"
        "    os.unlink('sub/kept.npy')\n"
        "    os.rmdir('sub')\n"
        "    return float(values.mean() + (values @ values))\n")
    assert grade(source) == (0.5 + 0.875, None)


@pytest.mark.parametrize("module", ["scipy", "sympy", "pandas", "rapidfuzz", "sklearn",
                                    "jsonschema", "pydantic"])
def test_grader_libraries_import_where_installed(module):
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed here")
    source = f"import {module}\ndef grade(sample, item):\n    return 1.0\n"
    assert grade(source, timeout_s=45, memory_mb=1536) == (1.0, None)


# -- where the OS offers no jail -----------------------------------------------------

SIMPLE = crit(source="def grade(sample, item):\n    return 0.75\n")


async def test_without_a_jail_python_graders_are_an_error_naming_the_opt_in(monkeypatch):
    monkeypatch.setenv("TUNEDECK_JAIL_UNAVAILABLE", "1")
    from tui.core.evals.graders import jail

    assert not jail.status().available
    result = await graders.grade(SIMPLE, ITEM, "x")
    assert result.score == 0 and not result.passed
    assert "--allow-unsandboxed-graders" in result.error
    assert "allow_unsandboxed_graders = true" in result.error
    allowed = await graders.grade(SIMPLE, ITEM, "x", GraderEnv(allow_unsandboxed_graders=True))
    assert allowed.error is None and allowed.score == 0.75
    assert "WITHOUT the OS jail" in allowed.reasoning


def _eval_file(tmp_path: Path) -> Path:
    path = tmp_path / "jail.json"
    path.write_text(json.dumps({
        "name": "jail-cli",
        "items": [{"item": {"q": "a"}, "sample": {"output_text": "a"}}],
        "testing_criteria": [SIMPLE],
    }))
    return path


def test_eval_run_refuses_unjailed_graders_until_the_user_opts_in(tmp_path, monkeypatch,
                                                                  capsys):
    from tui.cli import main as cli

    monkeypatch.setenv("TUNEDECK_JAIL_UNAVAILABLE", "1")
    db, path = str(tmp_path / "t.db"), str(_eval_file(tmp_path))
    assert cli.main(["--db", db, "eval", "run", path, "--json"]) == 0
    out = capsys.readouterr()
    item = json.loads(out.out)["items"][0]
    assert item["status"] == "error" and "--allow-unsandboxed-graders" in json.dumps(item)
    assert "--allow-unsandboxed-graders" in out.err
    assert cli.main(["--db", db, "eval", "run", path, "--json",
                     "--allow-unsandboxed-graders"]) == 0
    out = capsys.readouterr()
    item = json.loads(out.out)["items"][0]
    assert item["status"] == "pass" and "WITHOUT the OS jail" in out.err
    # The setting in config.toml is the same opt-in.
    config = tmp_path / "config.toml"
    config.write_text("allow_unsandboxed_graders = true\n")
    monkeypatch.setenv("TUNEDECK_CONFIG", str(config))
    assert cli.main(["--db", db, "eval", "run", path, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["items"][0]["status"] == "pass"


def test_with_the_jail_the_opt_in_changes_nothing():
    source = "def grade(sample, item):\n    return len(open('/etc/hostname').read())\n"
    jailed = asyncio.run(graders.grade(crit(source=source), ITEM, "x",
                                       GraderEnv(allow_unsandboxed_graders=True)))
    assert jailed.score == 0 and "PermissionError" in jailed.reasoning


async def test_the_evals_pane_says_before_a_run_that_there_is_no_jail(sandbox, monkeypatch,
                                                                     isolated_home, tmp_path):
    from textual.widgets import Input

    from tests.apphelpers import SIZE, sandbox_app, settle
    from tests.evals.test_pane import open_eval_file, wait_runs_done

    monkeypatch.setenv("TUNEDECK_JAIL_UNAVAILABLE", "1")
    path = _eval_file(tmp_path)
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_eval_file(pilot, path)
        app.clear_notifications()
        await pilot.press("r")
        await settle(pilot)
        app.screen.query_one(Input).value = ""  # the items' own samples
        await pilot.press("enter")
        await wait_runs_done(pilot, pane)
        said = [n.message for n in app._notifications]
        assert any("--allow-unsandboxed-graders" in m for m in said), said
        [run] = app.store.evals.runs(app.store.evals.list()[0].id)
        assert run.result_counts["errored"] == 1
