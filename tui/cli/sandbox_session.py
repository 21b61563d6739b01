"""The `--sandbox` session: one loopback sandbox per database, for the TUI and every command.

`tunedeck --sandbox` and `tunedeck --sandbox jobs list` must see the same provider:
the same state file (beside the database), the same `sandbox` profile, the same store.
The sandbox keeps its state in memory once loaded, so two servers on one state file
would drift apart; the first process to start one therefore leaves a small endpoint
file beside the state (0600: it holds the sandbox's own random key, never a real one)
and every later process reuses that server while it answers.

Imported on every `tunedeck` start: the server and HTTP client load lazily.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

SANDBOX_PROFILE = "sandbox"
SANDBOX_KEY_ENV = "TUNEDECK_SANDBOX_API_KEY"


def sandbox_state_path(db_path: Path) -> Path:
    """Where `--sandbox` keeps its server's files, jobs and models: beside the database."""
    return db_path.with_name(f"{db_path.stem}.sandbox{db_path.suffix or '.db'}")


def endpoint_path(db_path: Path) -> Path:
    """The running sandbox's address and key, while one runs for this database."""
    return db_path.with_name(f"{db_path.stem}.sandbox.endpoint.json")


@dataclass
class SandboxSession:
    base_url: str
    api_key: str
    server: Any = None  # the SandboxServer this process started; None when reusing one
    db_path: Path | None = None

    @property
    def owned(self) -> bool:
        return self.server is not None

    def close(self) -> None:
        """Stop the server this process started (a reused one belongs to its owner)."""
        if self.server is None:
            return
        if self.db_path is not None:
            with _locked(self.db_path):
                found = _read_endpoint(self.db_path)
                if found and found.get("pid") == os.getpid():
                    endpoint_path(self.db_path).unlink(missing_ok=True)
        self.server.stop()
        self.server = None


@contextmanager
def _locked(db_path: Path) -> Iterator[None]:
    """One process at a time decides whether to start a sandbox for this database."""
    from tui.core.private_files import private_opener

    lock = db_path.with_name(f"{db_path.stem}.sandbox.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a", opener=private_opener) as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_endpoint(db_path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(endpoint_path(db_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not all(
            isinstance(data.get(k), str) for k in ("base_url", "api_key")):
        return None
    return data


def _answers(endpoint: dict[str, Any]) -> bool:
    """The recorded sandbox is up, on loopback, and still takes its key."""
    from urllib.parse import urlsplit

    import httpx

    from tui.sandbox.server import is_loopback

    if not is_loopback(urlsplit(endpoint["base_url"]).hostname or ""):
        return False  # a tampered file must not send the key (or data) anywhere else
    try:
        answer = httpx.get(f"{endpoint['base_url']}/models", timeout=2.0,
                           headers={"Authorization": f"Bearer {endpoint['api_key']}"})
    except httpx.HTTPError:
        return False
    return answer.status_code == 200


def open_sandbox(db_path: Path) -> SandboxSession:
    """The sandbox for `db_path`: the one already running for it, or a new one on its state."""
    from tui.core.private_files import atomic_output
    from tui.sandbox.server import SandboxServer

    with _locked(db_path):
        found = _read_endpoint(db_path)
        if found is not None and _answers(found):
            return SandboxSession(found["base_url"], found["api_key"], db_path=db_path)
        # The state file is created 0600 by the sandbox's State.
        server = SandboxServer(state_path=str(sandbox_state_path(db_path)))
        server.start()
        with atomic_output(endpoint_path(db_path)) as out:
            out.write(json.dumps({"base_url": server.base_url, "api_key": server.api_key,
                                  "pid": os.getpid()}))
    return SandboxSession(server.base_url, server.api_key, server=server, db_path=db_path)


# What a configured [profiles.sandbox] keeps under `--sandbox`: the user's own limits.
# Where it lives (base URL, key variable) is the session's.
_KEPT = ("budget_usd", "concurrency", "capabilities", "training_prices")


def sandbox_profile(settings: Any, session: SandboxSession) -> Any:
    """The `sandbox` profile on this session's server, with the configured one's limits."""
    from tui.core.config import Profile

    fresh = Profile(name=SANDBOX_PROFILE, kind="sandbox", base_url=session.base_url,
                    api_key_env=SANDBOX_KEY_ENV)
    configured = settings.profiles.get(SANDBOX_PROFILE)
    if configured is None:
        return fresh
    return replace(fresh, **{k: getattr(configured, k) for k in _KEPT})


def use_sandbox(settings: Any, session: SandboxSession) -> None:
    """Make `settings` talk to the session: its profile, and its key in this process only."""
    os.environ[SANDBOX_KEY_ENV] = session.api_key
    settings.profiles[SANDBOX_PROFILE] = sandbox_profile(settings, session)


def wants_sandbox(sandbox_flag: bool, profile_name: str | None, settings: Any) -> bool:
    """`--sandbox`, or `--profile sandbox` where config.toml does not point it elsewhere."""
    if sandbox_flag:
        return True
    if profile_name != SANDBOX_PROFILE:
        return False
    configured = settings.profiles.get(SANDBOX_PROFILE)
    return configured is None or configured.base_url is None
