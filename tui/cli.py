"""`tunedeck`: the TUI, and its headless twin subcommands.

Kept light to import: heavy modules (textual, openai, the sandbox) load only
in the branch that needs them, so `tunedeck --version` and the subcommands
start fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tui import __version__

# Each module has register(subparsers) and sets func=callable(args) -> int.
COMMAND_MODULES = (
    "tui.commands.validate",
    "tui.commands.sandbox",
    "tui.commands.jobs",
    "tui.commands.run",
    "tui.commands.eval",
    "tui.commands.sync",
    "tui.commands.export",
    "tui.commands.loop",
    "tui.commands.card",
    "tui.commands.spend",
    "tui.commands.serve",
    "tui.commands.distill",
    "tui.commands.prompt_optimize",
    "tui.commands.prompt_versions",
)

SANDBOX_KEY_ENV = "TUNEDECK_SANDBOX_API_KEY"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tunedeck",
        description="A keyboard-first terminal workbench for datasets, prompts, evals and "
        "fine-tuning jobs. With no subcommand, starts the TUI.",
        epilog="Python graders from eval files run in an OS-level jail (Landlock + seccomp: no "
        "network, no processes, reads only of Python's own files, writes only to a temp dir, "
        "time, memory and output bounded). Where the system offers no jail they are refused, "
        "unless you pass --allow-unsandboxed-graders to 'eval run', 'eval resume', "
        "'loop start' or 'loop resume', or set allow_unsandboxed_graders = true in "
        "config.toml. See docs/security.md.",
    )
    parser.add_argument("--version", action="version", version=f"tunedeck {__version__}")
    parser.add_argument("--db", metavar="PATH", type=Path,
                        help="database file (default: $TUNEDECK_HOME/tunedeck.db)")
    parser.add_argument("--profile", metavar="NAME", help="provider profile to start with")
    parser.add_argument("--sandbox", action="store_true",
                        help="start a local sandbox API on loopback and use it (no key needed)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def run_tui(args: argparse.Namespace) -> int:
    from tui.core.config import ConfigError, Profile, load_settings
    from tui.core.paths import default_db_path

    try:
        settings = load_settings()
        if args.profile:
            settings.profile(args.profile)
    except ConfigError as exc:
        from tui.core.untrusted import visible

        print(f"tunedeck: {visible(exc)}", file=sys.stderr)
        return 2
    server = None
    profile_name = args.profile
    db_path = args.db or default_db_path()
    if args.sandbox:
        server = start_sandbox(db_path)
        # The sandbox's own key lives only in this process's environment.
        os.environ[SANDBOX_KEY_ENV] = server.api_key
        settings.profiles["sandbox"] = Profile(
            name="sandbox", kind="sandbox", base_url=server.base_url, api_key_env=SANDBOX_KEY_ENV
        )
        profile_name = "sandbox"
    try:
        from tui.app import TunedeckApp

        TunedeckApp(settings=settings, db_path=db_path, profile=profile_name, sandbox=server).run()
    finally:
        if server is not None:
            server.stop()
    return 0


def sandbox_state_path(db_path: Path) -> Path:
    """Where `--sandbox` keeps its server's files, jobs and models: beside the database."""
    return db_path.with_name(f"{db_path.stem}.sandbox{db_path.suffix or '.db'}")


def start_sandbox(db_path: Path):  # noqa: ANN201 - SandboxServer, imported lazily
    """The `--sandbox` server, its state kept beside the database.

    Without it every start was a new, empty provider: the store's running jobs
    were unknown to it (stalled at their last step for good) and the files it
    had been sent were gone, so quitting mid-job lost the job.
    """
    from tui.sandbox.runner import SandboxServer

    state = sandbox_state_path(db_path)  # created 0600 by the sandbox's State
    server = SandboxServer(state_path=str(state))
    server.start()
    return server


@contextmanager
def visible_output() -> Iterator[None]:
    """stdout and stderr shown, not obeyed: every command prints names, messages and data
    from elsewhere, so whatever it writes passes through `visible()` (JSON stays valid
    JSON with the same meaning; files the commands write keep their bytes)."""
    from tui.core.untrusted import VisibleStream

    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = VisibleStream(sys.stdout), VisibleStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    with visible_output():
        args = parser.parse_args(argv)
    if args.command is None:
        # The TUI draws through its own driver (Content/Text, tui/ui_text.py); a crash
        # report is Textual's, in colour, so its streams stay as they are.
        return run_tui(args)
    if getattr(args, "own_terminal", False):  # sandbox, serve: see their register()
        return int(args.func(args) or 0)
    with visible_output():
        return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
