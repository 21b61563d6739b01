"""The `tunedeck` command line: version, options, and errors that say what to do."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tui import __version__
from tui.cli import build_parser, main


def run_cli(*args: str, env_home: str) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "TUNEDECK_HOME": env_home}
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True,
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
