"""`tunedeck sync`: copy what the profile's provider still has into the local store.

Files' metadata, fine-tuning jobs (events, checkpoints, result files) and
hosted evals (runs, output items), idempotently: a second sync adds nothing.
Progress goes to stderr with --json (stdout then holds one summary object).

Exit codes: 0 every part that ran synced (parts the profile lacks, or that the
provider no longer offers, are reported, not failures); 1 some parts synced
but another failed (what was synced is kept); 2 usage or configuration error
(unknown profile or part, no key, no requested part within the profile's
capabilities); 3 nothing synced: every part failed or is no longer offered;
130 interrupted (what was stored so far stays).
"""

from __future__ import annotations

import argparse
import json
import sys

from tui.cli.plumbing import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_PROVIDER, EXIT_USAGE
from tui.core.wording import count_of


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "sync", help="copy the provider's files, jobs and evals into the local store",
        description="Pull everything the profile's provider still has (files' metadata, "
        "fine-tuning jobs with events, checkpoints and result files, evals with runs and "
        "output items) into the local store, so it stays browsable after the vendor retires "
        "it. Running it again adds only what is new.",
    )
    # SUPPRESS: without the option here, the global `tunedeck --profile X sync` still counts.
    parser.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS,
                        help="provider profile (default: the configured default)")
    parser.add_argument("--only", metavar="PARTS",
                        help="comma-separated subset of files,jobs,evals (default: all)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON summary object (progress goes to stderr)")
    parser.set_defaults(func=run)


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"tunedeck sync: {message}", file=sys.stderr)
    return code


def exit_code(report) -> int:
    from tui.core.sync import FAILED, RETIRED_STATE, SKIPPED, SYNCED

    states = report.states()
    if SYNCED in states:
        return EXIT_FAILED if FAILED in states else EXIT_OK
    if states <= {SKIPPED}:
        return EXIT_USAGE
    return EXIT_PROVIDER if states & {FAILED, RETIRED_STATE} else EXIT_OK


def run(args: argparse.Namespace) -> int:
    import asyncio

    from tui.cli.plumbing import cli_workbench
    from tui.core.config import ConfigError
    from tui.core.providers import MissingKeyError
    from tui.core.sync import CAPABILITY, parse_only

    try:
        parts = parse_only(args.only)
        workbench = cli_workbench(args)
        profile = workbench.profile
    except (ValueError, ConfigError) as exc:
        return _fail(str(exc))
    if not any(profile.has(CAPABILITY[p]) for p in parts):
        return _fail(f"profile {profile.name!r} ({profile.kind}) has none of "
                     f"{', '.join(parts)}: nothing to sync")
    try:
        provider = workbench.provider()
    except MissingKeyError as exc:
        return _fail(str(exc))
    progress = sys.stderr if args.json else sys.stdout

    def say(text: str) -> None:
        print(text, file=progress, flush=True)

    async def go():
        try:
            with workbench:
                return await workbench.sync(parts, say=say, provider=provider)
        finally:
            await provider.close()

    say(f"Syncing profile {profile.name} ({', '.join(parts)})…")
    try:
        report = asyncio.run(go())
    except KeyboardInterrupt:
        # Every row is written as it arrives: a later sync carries on from there.
        return _fail("interrupted; what was synced so far is kept", EXIT_INTERRUPTED)
    code = exit_code(report)
    if args.json:
        print(json.dumps(report.summary()))
    else:
        print(f"Done: {count_of(report.added(), 'new row')} stored." if code in (EXIT_OK, EXIT_FAILED)
              else "Nothing synced.")
    return code
