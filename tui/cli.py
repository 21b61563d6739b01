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
from collections.abc import Sequence
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
)

SANDBOX_KEY_ENV = "TUNEDECK_SANDBOX_API_KEY"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tunedeck",
        description="A keyboard-first terminal workbench for datasets, prompts, evals and "
        "fine-tuning jobs. With no subcommand, starts the TUI.",
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
        print(f"tunedeck: {exc}", file=sys.stderr)
        return 2
    server = None
    profile_name = args.profile
    if args.sandbox:
        from tui.sandbox.runner import SandboxServer

        server = SandboxServer()
        server.start()
        # The sandbox's own key lives only in this process's environment.
        os.environ[SANDBOX_KEY_ENV] = server.api_key
        settings.profiles["sandbox"] = Profile(
            name="sandbox", kind="sandbox", base_url=server.base_url, api_key_env=SANDBOX_KEY_ENV
        )
        profile_name = "sandbox"
    db_path = args.db or default_db_path()
    try:
        from tui.app import TunedeckApp

        TunedeckApp(settings=settings, db_path=db_path, profile=profile_name, sandbox=server).run()
    finally:
        if server is not None:
            server.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return run_tui(args)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
