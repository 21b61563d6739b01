"""`tunedeck`: the TUI, and its headless twin subcommands.

Kept light to import: heavy modules (textual, openai, the sandbox) load only
in the branch that needs them, so `tunedeck --version` and the subcommands
start fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tui import __version__
from tui.cli.plumbing import EXIT_OK, EXIT_PROVIDER, EXIT_USAGE

# Each module has register(subparsers) and sets func=callable(args) -> int; beside it,
# the command it registers (two modules add to `prompt`). Registered in this order.
COMMAND_OF_MODULE = {
    "tui.cli.validate": "validate",
    "tui.cli.sandbox": "sandbox",
    "tui.cli.jobs": "jobs",
    "tui.cli.run": "run",
    "tui.cli.eval": "eval",
    "tui.cli.sync": "sync",
    "tui.cli.export": "export",
    "tui.cli.loop": "loop",
    "tui.cli.card": "card",
    "tui.cli.spend": "spend",
    "tui.cli.serve": "serve",
    "tui.cli.distill": "distill",
    "tui.cli.prompt_optimize": "prompt",
    "tui.cli.prompt_versions": "prompt",
}
COMMAND_MODULES = tuple(COMMAND_OF_MODULE)

SANDBOX_HELP = ("use the local sandbox API on loopback (no key needed): the same sandbox, "
                "profile and store as `tunedeck --sandbox`, started if none runs")


def build_parser(*, commands: bool = True, only: str | None = None) -> argparse.ArgumentParser:
    """The CLI's parser; with `commands=False`, the TUI's own options only; with `only`, the
    one command of that name (see parse)."""
    parser = argparse.ArgumentParser(
        prog="tunedeck",
        add_help=commands,  # help is the full parser's: it lists the subcommands
        description="A keyboard-first terminal workbench for datasets, prompts, evals and "
        "fine-tuning jobs. With no subcommand, starts the TUI.",
        epilog="Python graders from eval files run in an OS-level jail (Landlock + seccomp: no "
        "network, no processes, reads only of Python's own files, writes only to a temp dir, "
        "time, memory and output bounded). Where the system offers no jail they are refused, "
        "unless you pass --allow-unsandboxed-graders to 'eval run', 'eval resume', "
        "'loop start' or 'loop resume', or set allow_unsandboxed_graders = true in "
        "config.toml. See docs/security.md.",
    )
    if commands:
        # Not in the light parser: a subcommand's own --version (`run --prompt P --version 1`)
        # would print it there; only side-effect-free options are tried before the full parse.
        parser.add_argument("--version", action="version", version=f"tunedeck {__version__}")
    parser.add_argument("--db", metavar="PATH", type=Path,
                        help="database file (default: $TUNEDECK_HOME/tunedeck.db)")
    parser.add_argument("--profile", metavar="NAME", help="provider profile to start with")
    parser.add_argument("--sandbox", action="store_true", help=SANDBOX_HELP)
    if not commands:
        parser.exit_on_error = False  # parse() hands anything it cannot take to the full one
        parser.set_defaults(command=None)
        return parser
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name, command in COMMAND_OF_MODULE.items():
        if only is None or command == only:
            importlib.import_module(module_name).register(subparsers)
    add_sandbox_to_subcommands(parser)
    return parser


def tui_session(args: argparse.Namespace):  # noqa: ANN201 - (Settings, str | None, Path, SandboxSession | None)
    """What the TUI starts with: settings, profile, database, and the `--sandbox` session
    (the one every headless `--sandbox` command joins). ConfigError when config.toml
    or the profile is wrong."""
    from tui.cli.sandbox_session import (
        SANDBOX_PROFILE,
        open_sandbox,
        use_sandbox,
        wants_sandbox,
    )
    from tui.core.config import load_settings
    from tui.core.paths import default_db_path

    settings = load_settings()
    sandbox = wants_sandbox(args.sandbox, args.profile, settings)
    if args.profile and not sandbox:
        settings.profile(args.profile)
    db_path = args.db or default_db_path()
    if not sandbox:
        return settings, args.profile, db_path, None
    session = open_sandbox(db_path)
    use_sandbox(settings, session)
    return settings, SANDBOX_PROFILE, db_path, session


def run_tui(args: argparse.Namespace) -> int:
    from tui import startup_gc

    startup_gc.pause()  # until the first pane is on screen: see tui/startup_gc.py
    try:
        return _start_tui(args)
    finally:
        startup_gc.resume()  # had the app ended (or failed to start) before it showed one


def _start_tui(args: argparse.Namespace) -> int:
    from tui.core.config import ConfigError
    from tui.core.untrusted import visible

    try:
        settings, profile_name, db_path, session = tui_session(args)
    except ConfigError as exc:
        print(f"tunedeck: {visible(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, RuntimeError) as exc:
        print(f"tunedeck: the sandbox did not start: {visible(exc)}", file=sys.stderr)
        return EXIT_PROVIDER
    try:
        from tui.app import TunedeckApp

        TunedeckApp(settings=settings, db_path=db_path, profile=profile_name,
                    sandbox=session.server if session else None).run()
    finally:
        if session is not None:
            session.close()
    return EXIT_OK


def add_sandbox_to_subcommands(parser: argparse.ArgumentParser) -> None:
    """`tunedeck jobs list --sandbox` as well as `tunedeck --sandbox jobs list`.

    Every runnable subcommand takes it, except the servers that own their terminal
    (`sandbox`, `serve`): they are what a session would start. SUPPRESS keeps the
    global option's value when the subcommand's is not given.
    """
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        # An alias (`eval runs` for `eval list`) names the same parser twice.
        for sub in {id(p): p for p in action.choices.values()}.values():
            if sub.get_default("own_terminal"):
                continue
            if sub.get_default("func") is not None:
                sub.add_argument("--sandbox", action="store_true", default=argparse.SUPPRESS,
                                 help=SANDBOX_HELP)
            add_sandbox_to_subcommands(sub)


def open_headless_sandbox(args: argparse.Namespace) -> object | None:
    """The `--sandbox` session for a headless command, when it asks for one (or names
    the `sandbox` profile where config.toml does not point it elsewhere)."""
    from tui.cli.sandbox_session import SANDBOX_PROFILE, open_sandbox, wants_sandbox
    from tui.core.config import ConfigError, load_settings
    from tui.core.paths import default_db_path

    flag = bool(getattr(args, "sandbox", False))
    named = {getattr(args, "profile", None), getattr(args, "target_profile", None)}
    if not flag and SANDBOX_PROFILE not in named:
        return None
    try:
        settings = load_settings()
    except ConfigError:
        return None  # the command itself says where config.toml is wrong
    if not any(wants_sandbox(flag, name, settings) for name in named):
        return None
    if flag:
        args.profile = SANDBOX_PROFILE
    return open_sandbox(args.db or default_db_path())


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


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line's arguments. Starting the TUI (no subcommand) needs none of the
    fourteen command modules, whose imports were ~40 ms of every start (issue 19): the
    TUI's options are tried alone first, and anything else (a subcommand, help, --version,
    a typo) goes to the full parser, which parses or explains it.

    A command's line is parsed by a parser holding that command alone: the first word
    the TUI's options leave is the command (the full parser reads it there too), and
    the thirteen others' modules were ~60 ms of every command (~3% of `tunedeck validate`
    on 20k lines). Its arguments, help and errors are that command's own either way."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args, rest = build_parser(commands=False).parse_known_args(argv)
    except argparse.ArgumentError:
        rest = []
    else:
        if not rest:
            return args
    if rest and rest[0] in COMMAND_OF_MODULE.values():
        return build_parser(only=rest[0]).parse_args(argv)
    return build_parser().parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    with visible_output():
        args = parse(argv)
    if args.command is None:
        # The TUI draws through its own driver (Content/Text, tui/ui_text.py); a crash
        # report is Textual's, in colour, so its streams stay as they are.
        return run_tui(args)
    if getattr(args, "own_terminal", False):  # sandbox, serve: see their register()
        return int(args.func(args) or 0)
    try:
        session = open_headless_sandbox(args)
    except (OSError, RuntimeError) as exc:  # a port, a state file, a timeout (an OSError)
        with visible_output():
            print(f"tunedeck: the sandbox did not start: {exc}", file=sys.stderr)
        return EXIT_PROVIDER
    args.sandbox_session = session  # read by tui.cli.plumbing.cli_settings
    try:
        with visible_output():
            return int(args.func(args) or 0)
    finally:
        if session is not None:
            session.close()


if __name__ == "__main__":
    sys.exit(main())
