"""Shared set-up for the jobs tests: a sandbox profile, a stored dataset, a counted client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from store import Store
from tui.core.config import Profile, Settings

SANDBOX_KEY_ENV = "TUNEDECK_SANDBOX_API_KEY"
MODEL = "sandbox-small"


def sandbox_profile(server: Any, monkeypatch: Any, name: str = "sandbox") -> Profile:
    monkeypatch.setenv(SANDBOX_KEY_ENV, server.api_key)
    return Profile(name=name, kind="sandbox", base_url=server.base_url,
                   api_key_env=SANDBOX_KEY_ENV)


def sft_lines(n: int = 12, *, bad: int = 0) -> list[str]:
    lines = []
    for i in range(n):
        lines.append(json.dumps({"messages": [
            {"role": "user", "content": f"What is the capital of country number {i}?"},
            {"role": "assistant", "content": f"The capital of country {i} is City{i}."},
        ]}))
    lines += ['{"messages": "not a list"}'] * bad
    return lines


def stored_version(store: Store, name: str = "capitals", n: int = 12, bad: int = 0) -> int:
    from tui.core.dataset_versions import write_version

    return write_version(store, name, sft_lines(n, bad=bad), model="gpt-4o-mini").id


def counted_client(profile: Profile, log: list[tuple[str, str]] | None = None, **kwargs: Any):
    """A client whose every request is appended to `log` as (method, path)."""
    from tui.core.providers import make_client

    client = make_client(profile, max_retries=0, **kwargs)
    if log is not None:
        async def hook(request: Any) -> None:
            log.append((request.method, request.url.path, request.url.query.decode() if isinstance(request.url.query, bytes) else str(request.url.query)))

        client._client.event_hooks["request"].append(hook)
    return client


def port(profile: Profile, client: Any, **options: Any) -> Any:
    """The fine-tuning port of `profile` over an already-made client (request logs, faults)."""
    from tui.core.finetune import provider_for

    return provider_for(profile, client, **options)


def fast_settings(profile: Profile, interval: float = 0.05) -> Settings:
    settings = Settings(default_profile=profile.name, profiles={profile.name: profile})
    settings.poll_interval_s = interval
    return settings


def db_path(tmp: Path) -> Path:
    return tmp / "jobs.db"
