"""How the headless commands report a provider's failure: a clear line, an exit code.

Shared by the commands that call a provider, so each says the same thing the
same way (and none prints a key: `explain` redacts).
"""

from __future__ import annotations

import sys
from typing import Any

from tui.cli.plumbing import EXIT_PROVIDER, EXIT_USAGE


def provider_error(exc: Exception, profile: Any, prog: str, settings: Any = None) -> int:
    """Exit code for `exc` after printing why; re-raises what is not a provider's failure."""
    import openai

    from tui.core.jobs.actions import ActionError
    from tui.core.providers import MissingCapabilityError, MissingKeyError

    if isinstance(exc, MissingKeyError | MissingCapabilityError | ActionError):
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from tui.core.pagination import PaginationStopped

    if isinstance(exc, PaginationStopped):
        # What was read is stored; the command still failed to read it all.
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_PROVIDER
    if isinstance(exc, openai.APIError):
        from tui.core.errors import explain

        print(f"{prog}: {explain(exc, key_env=profile.api_key_env, settings=settings, profile=profile.name)}",
              file=sys.stderr)
        return EXIT_PROVIDER
    raise exc


def settings_or_report(prog: str, args: Any) -> Any | None:
    """The checked settings (with a `--sandbox` session's profile), or None after printing
    where config.toml is wrong."""
    from tui.cli.plumbing import cli_settings
    from tui.core.config import ConfigError

    try:
        return cli_settings(args)
    except ConfigError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return None


def run_on_store(args: Any, prog: str, command: Any, usage: type[Exception]) -> int:
    """Settings, the chosen profile and the store for `command(args, settings, profile,
    store)`; `usage` errors and provider failures become a line and an exit code."""
    from tui.core.config import ConfigError
    from tui.core.paths import default_db_path

    settings = settings_or_report(prog, args)
    if settings is None:
        return EXIT_USAGE
    try:
        profile = settings.profile(args.profile)
    except ConfigError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from store import Store

    with Store(args.db or default_db_path()) as store:
        try:
            return command(args, settings, profile, store)
        except usage as exc:
            print(f"{prog}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except Exception as exc:
            return provider_error(exc, profile, prog, settings)
