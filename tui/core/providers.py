"""Provider clients: one OpenAI-compatible AsyncOpenAI per profile (chat, evals, batches).

The key is read from the environment variable the profile names, at the moment a client
is made, and never stored or logged. Fine-tuning goes through `tui.core.finetune` (the
provider port); this client is also what calls a provider's tuned models: Azure's v1
API, Together's and Fireworks' OpenAI-compatible inference APIs.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from tui.core.config import Capability, Profile

if TYPE_CHECKING:
    from openai import AsyncOpenAI


class MissingKeyError(Exception):
    """The profile's key variable is not set; the message says which one and what to do."""


class MissingSettingError(MissingKeyError):
    """The profile lacks a setting its provider needs (a base URL, an account)."""


class MissingCapabilityError(Exception):
    """The profile's provider cannot do what was asked."""


def key_status(profile: Profile) -> str:
    """A one-line, secret-free description of the key's state, for the header."""
    if profile.key_is_set:
        return f"key set (${profile.api_key_env})"
    return f"no key (${profile.api_key_env} unset)"


def require(profile: Profile, capability: Capability) -> None:
    if not profile.has(capability):
        raise MissingCapabilityError(
            f"profile {profile.name!r} ({profile.kind}) has no {capability.value.replace('_', '-')}"
            " capability; pick another profile or add it to the profile's capabilities"
        )


TOGETHER_BASE = "https://api.together.ai"
FIREWORKS_BASE = "https://api.fireworks.ai"


def api_key(profile: Profile) -> str:
    key = os.environ.get(profile.api_key_env)
    if not key:
        raise MissingKeyError(
            f"profile {profile.name!r} needs an API key in ${profile.api_key_env}: "
            f"export {profile.api_key_env}=… and restart, or try `tunedeck --sandbox`"
        )
    return key


def azure_v1_base(profile: Profile) -> str:
    """`https://RESOURCE.openai.azure.com/openai/v1/`: from base_url, or from the resource."""
    base = (profile.base_url or "").rstrip("/")
    if not base and profile.resource:
        base = f"https://{profile.resource}.openai.azure.com"
    if not base:
        raise MissingSettingError(f"profile {profile.name!r} (azure) needs base_url "
                              "(https://RESOURCE.openai.azure.com/openai/v1/) or resource")
    if not base.endswith("/openai/v1"):
        base += "/openai/v1"
    return base + "/"


def inference_base(profile: Profile) -> str | None:
    """Where the profile's OpenAI-compatible chat API lives."""
    if profile.kind == "azure":
        return azure_v1_base(profile)
    if profile.kind == "together":
        return f"{(profile.base_url or TOGETHER_BASE).rstrip('/')}/v1"
    if profile.kind == "fireworks":
        return f"{(profile.base_url or FIREWORKS_BASE).rstrip('/')}/inference/v1"
    return profile.base_url


def make_client(profile: Profile, *, max_retries: int = 2, timeout: float = 60.0) -> AsyncOpenAI:
    key = api_key(profile)
    # Imported lazily: the SDK takes longer to import than the whole TUI.
    from openai import AsyncOpenAI

    if profile.kind == "azure":
        # Azure's v1 API is the plain OpenAI client on the resource's /openai/v1/, keyed
        # by the api-key header (the legacy AzureOpenAI client sends no training type).
        return AsyncOpenAI(api_key=key, base_url=azure_v1_base(profile),
                           default_headers={"api-key": key}, max_retries=max_retries,
                           timeout=timeout)
    if profile.kind in ("together", "fireworks"):
        return AsyncOpenAI(api_key=key, base_url=inference_base(profile),
                           max_retries=max_retries, timeout=timeout)
    return AsyncOpenAI(
        api_key=key,
        base_url=profile.base_url,
        organization=profile.organization,
        project=profile.project,
        max_retries=max_retries,
        timeout=timeout,
    )
