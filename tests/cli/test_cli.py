"""The `tunedeck` command line: version, options, and errors that say what to do."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tui import __version__
from tui.cli.main import build_parser, main


def run_cli(*args: str, env_home: str) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "TUNEDECK_HOME": env_home}
    return subprocess.run([sys.executable, "-m", "tui.cli.main", *args], capture_output=True,
                          text=True, env=env, timeout=60)


def test_version(isolated_home):
    done = run_cli("--version", env_home=str(isolated_home))
    assert done.returncode == 0
    assert done.stdout.strip() == f"tunedeck {__version__}"


def test_options_parse():
    args = build_parser().parse_args(["--db", "/tmp/x.db", "--profile", "work", "--sandbox"])
    assert (str(args.db), args.profile, args.sandbox, args.command) == (
        "/tmp/x.db", "work", True, None)


def test_unknown_profile_is_a_usage_error(capsys):
    assert main(["--profile", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown profile 'nope'" in err and "openai" in err


def test_broken_config_is_reported_not_raised(isolated_home, capsys):
    (isolated_home / "config.toml").write_text("[profiles.x]\nkind = 'bogus'\n")
    assert main([]) == 2
    assert "profiles.x.kind" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--help"])
def test_help_lists_subcommands(flag, isolated_home):
    done = run_cli(flag, env_home=str(isolated_home))
    assert done.returncode == 0
    assert "--sandbox" in done.stdout and "--db" in done.stdout


async def test_the_tui_sandbox_keeps_its_state_across_restarts(tmp_path):
    # `tunedeck --sandbox`, quit mid-job, start again: the job and the files it
    # was sent are still known to the provider, not 404s stalled in the store.
    import stat

    from openai import AsyncOpenAI

    from tui.cli.sandbox_session import open_sandbox, sandbox_state_path

    db = tmp_path / "home" / "tunedeck.db"
    server = open_sandbox(db)
    try:
        async with AsyncOpenAI(api_key=server.api_key, base_url=server.base_url) as client:
            sent = await client.files.create(file=("t.jsonl", b'{"messages": []}\n'),
                                             purpose="fine-tune")
    finally:
        server.close()
    state = sandbox_state_path(db)
    assert state.parent == db.parent and state != db
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    server = open_sandbox(db)  # a new port and key, the same provider state
    try:
        async with AsyncOpenAI(api_key=server.api_key, base_url=server.base_url) as client:
            assert (await client.files.retrieve(sent.id)).id == sent.id
    finally:
        server.close()


def test_exit_codes_are_defined_once():
    # One definition in tui/cli/plumbing.py (issue 15): five modules each had their own.
    import re
    from pathlib import Path

    from tui.cli import plumbing

    root = Path(__file__).resolve().parents[2] / "tui"
    defining = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                      if re.search(r"^EXIT_\w+(, EXIT_\w+)* *=", p.read_text(), re.M))
    assert defining == ["cli/plumbing.py"]
    assert (plumbing.EXIT_OK, plumbing.EXIT_FAILED, plumbing.EXIT_USAGE, plumbing.EXIT_PROVIDER,
            plumbing.EXIT_INTERRUPTED) == (0, 1, 2, 3, 130)
