"""Provider clients: one AsyncOpenAI (or AsyncAzureOpenAI) per profile.

The key is read from the environment variable the profile names, at the
moment a client is made, and never stored or logged.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from tui.core.config import Capability, Profile

if TYPE_CHECKING:
    from openai import AsyncOpenAI


class MissingKeyError(Exception):
    """The profile's key variable is not set; the message says which one and what to do."""


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


def make_client(profile: Profile, *, max_retries: int = 2, timeout: float = 60.0) -> AsyncOpenAI:
    key = os.environ.get(profile.api_key_env)
    if not key:
        raise MissingKeyError(
            f"profile {profile.name!r} needs an API key in ${profile.api_key_env}: "
            f"export {profile.api_key_env}=… and restart, or try `tunedeck --sandbox`"
        )
    # Imported lazily: the SDK takes longer to import than the whole TUI.
    if profile.kind == "azure":
        from openai import AsyncAzureOpenAI

        return AsyncAzureOpenAI(
            api_key=key,
            azure_endpoint=profile.base_url or "",
            api_version=profile.api_version or "2025-04-01-preview",
            max_retries=max_retries,
            timeout=timeout,
        )
    from openai import AsyncOpenAI

    return AsyncOpenAI(
        api_key=key,
        base_url=profile.base_url,
        organization=profile.organization,
        project=profile.project,
        max_retries=max_retries,
        timeout=timeout,
    )
