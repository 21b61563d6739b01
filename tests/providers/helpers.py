"""Profiles for each provider's dialect on one sandbox, and a launch-and-watch through the port.

Every adapter talks to its dialect through the provider's own SDK over real HTTP on
loopback; the same sandbox engine trains every job.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from store import Store
from tests.jobs.helpers import MODEL, sft_lines
from tui.core.config import Profile
from tui.core.finetune import provider_for
from tui.core.jobs.actions import launch
from tui.core.jobs.preflight import run_preflight
from tui.core.jobs.spec import JobSpec
from tui.core.jobs.watch import PollPolicy, Watcher

KEY_ENV = "TUNEDECK_PROVIDERS_TEST_KEY"
TOKEN_ENV = "TUNEDECK_PROVIDERS_TEST_ENTRA"
FIREWORKS_BASE = "accounts/fireworks/models/sandbox-small"
QUESTION = "What is the capital of country number 3?"
ANSWER = "The capital of country 3 is City3."


def profiles(server: Any, monkeypatch: Any) -> dict[str, Profile]:
    """One profile per provider kind, each on its dialect of `server`."""
    monkeypatch.setenv(KEY_ENV, server.api_key)
    monkeypatch.setenv(TOKEN_ENV, server.api_key)  # the sandbox takes its key as the token
    root = server.root_url
    return {
        "openai": Profile(name="openai-sb", kind="sandbox", base_url=server.base_url,
                          api_key_env=KEY_ENV),
        "azure": Profile(name="azure-sb", kind="azure", base_url=f"{root}/openai/v1",
                         api_key_env=KEY_ENV, subscription="sub-0001", resource_group="rg-ft",
                         resource="res-ft", management_token_env=TOKEN_ENV,
                         management_base_url=f"{root}/azure-management",
                         training_type="GlobalStandard"),
        "bedrock": Profile(name="bedrock-sb", kind="compatible", preset="bedrock",
                           base_url=f"{root}/bedrock/v1", api_key_env=KEY_ENV),
        "together": Profile(name="together-sb", kind="together", base_url=f"{root}/together",
                            api_key_env=KEY_ENV),
        "fireworks": Profile(name="fireworks-sb", kind="fireworks",
                             base_url=f"{root}/fireworks", api_key_env=KEY_ENV,
                             account="acme", deployment="ft-serving"),
    }


def dpo_lines(n: int = 12) -> list[str]:
    return [json.dumps({
        "input": {"messages": [{"role": "user",
                                "content": f"What is the capital of country number {i}?"}]},
        "preferred_output": [{"role": "assistant", "content": f"The capital of country {i} "
                                                              f"is City{i}."}],
        "non_preferred_output": [{"role": "assistant", "content": "I don't know."}]})
        for i in range(n)]


def stored(store: Store, name: str = "capitals", lines: list[str] | None = None) -> int:
    from tui.core.dataset_versions import write_version

    return write_version(store, name, lines or sft_lines(12)).id


async def train_through_port(store: Store, profile: Profile, spec: JobSpec, *,
                             provider: Any = None, timeout: float = 60.0) -> Any:
    """Pre-flight against the provider's rules, launch, and watch to the end (the store)."""
    pre = run_preflight(store, profile, spec)
    assert pre.ok, pre.problems
    provider = provider or provider_for(profile, max_retries=0)
    job = await launch(provider, store, pre)
    assert job.training_version_id == spec.training_version_id
    before = provider.requests
    watcher = Watcher(provider, store, profile.name, PollPolicy(0.05))
    await asyncio.wait_for(watcher.run(until_idle=True), timeout)
    assert watcher.stats.requests == provider.requests - before > 0  # every one counted
    return store.jobs.get(job.id), provider


async def ask(provider: Any, model: str, question: str = QUESTION) -> str:
    reply = await provider.inference_client().chat.completions.create(
        model=model, messages=[{"role": "user", "content": question}], max_tokens=32)
    return reply.choices[0].message.content or ""


def sft(version: int, **extra: Any) -> JobSpec:
    extra.setdefault("hyperparameters", {"n_epochs": 2})
    return JobSpec(model=extra.pop("model", MODEL), training_version_id=version, **extra)


def dpo(version: int, **extra: Any) -> JobSpec:
    extra.setdefault("hyperparameters", {"n_epochs": 2, "beta": 0.2})
    return JobSpec(model=extra.pop("model", MODEL), training_version_id=version, method="dpo",
                   **extra)
