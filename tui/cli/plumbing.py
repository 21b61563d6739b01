"""What every headless command shares: its exit codes and its settings.

One definition of each exit code, so `jobs`, `loop`, `sync`, `eval` and the rest
answer a script the same way. The settings come through `cli_settings`, so a
command started with `--sandbox` (or `--profile sandbox`) sees the session's
`sandbox` profile exactly as the TUI does (tui/cli/sandbox_session.py).
"""

from __future__ import annotations

from typing import Any

EXIT_OK = 0
# It ran, and the outcome is a failure: a job failed or was cancelled, a loop stopped
# short, a sync only partly synced, an eval under its --min-pass-rate, a model that
# does not answer yet.
EXIT_FAILED = 1
EXIT_USAGE = 2  # usage or configuration: unknown name, bad option, no key, no capability
EXIT_PROVIDER = 3  # the provider failed (a sync: nothing synced at all)
EXIT_INTERRUPTED = 130  # Ctrl-C; what was stored so far stays


def cli_settings(args: Any) -> Any:
    """config.toml's settings (ConfigError when it is wrong), plus the `--sandbox` session's
    profile when the command runs in one (main() opens it: see tui/cli/main.py)."""
    from tui.core.config import load_settings

    settings = load_settings()
    session = getattr(args, "sandbox_session", None)
    if session is not None:
        from tui.cli.sandbox_session import use_sandbox

        use_sandbox(settings, session)
    return settings


def cli_workbench(args: Any) -> Any:
    """The headless Workbench a command runs its use case on: `cli_settings`, the
    `--profile` it names (or the default) and `--db` (or the default database).
    Raises ConfigError for a bad config or an unknown profile; the store opens on `with`."""
    from tui.core.paths import default_db_path
    from tui.core.workbench import Workbench

    return Workbench(cli_settings(args), getattr(args, "db", None) or default_db_path(),
                     getattr(args, "profile", None))
