"""Provider clients: one AsyncOpenAI (or AsyncAzureOpenAI) per profile.

The key is read from the environment variable the profile names, at the
moment a client is made, and never stored or logged.

Where the key goes is the profile's alone: the SDK falls back to
$OPENAI_BASE_URL, $OPENAI_ORG_ID and $OPENAI_PROJECT_ID (and Azure's to
$AZURE_OPENAI_ENDPOINT) for anything passed as None, so a profile from
config.toml without base_url would send its key wherever those variables
point while the profile picker said api.openai.com. Clients are therefore
built from `effective_base_url` and the profile's own organization and
project, always given explicitly; the environment shapes only the profile
built from it (`config.environment_profile`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from tui.core.config import Capability, Profile

if TYPE_CHECKING:
    from openai import AsyncOpenAI


class MissingKeyError(Exception):
    """The profile's key variable is not set; the message says which one and what to do."""


class MissingEndpointError(MissingKeyError):
    """The profile names no base_url and its kind has no default one.

    A MissingKeyError, so that every caller already saying "this profile cannot
    make a client yet" says this too.
    """


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


OPENAI_BASE_URL = "https://api.openai.com/v1"


def effective_base_url(profile: Profile) -> str | None:
    """The URL this profile's requests (and its key) really go to; None: it has none.

    An `openai` profile without base_url talks to OpenAI itself; an Azure one to
    its endpoint's /openai path (as the SDK builds it). Other kinds (a compatible
    server, the sandbox, a local engine) have no default: sending their key to
    api.openai.com would be a leak of its own.
    """
    if profile.kind == "azure":
        return f"{profile.base_url.rstrip('/')}/openai" if profile.base_url else None
    if profile.base_url:
        return profile.base_url
    return OPENAI_BASE_URL if profile.kind == "openai" else None


def make_client(profile: Profile, *, max_retries: int = 2, timeout: float = 60.0) -> AsyncOpenAI:
    key = os.environ.get(profile.api_key_env)
    if not key:
        raise MissingKeyError(
            f"profile {profile.name!r} needs an API key in ${profile.api_key_env}: "
            f"export {profile.api_key_env}=… and restart, or try `tunedeck --sandbox`"
        )
    base_url = effective_base_url(profile)
    if base_url is None:
        raise MissingEndpointError(
            f"profile {profile.name!r} ({profile.kind}) has no base_url: set base_url in its "
            "[profiles.…] table of config.toml to the server's URL"
        )
    # Imported lazily: the SDK takes longer to import than the whole TUI.
    if profile.kind == "azure":
        from openai import AsyncAzureOpenAI

        client: AsyncOpenAI = AsyncAzureOpenAI(
            api_key=key,
            azure_endpoint=profile.base_url,  # the SDK adds /openai: effective_base_url
            api_version=profile.api_version or "2025-04-01-preview",
            max_retries=max_retries,
            timeout=timeout,
        )
    else:
        from openai import AsyncOpenAI

        client = AsyncOpenAI(
            api_key=key,
            base_url=base_url,
            max_retries=max_retries,
            timeout=timeout,
        )
    # The SDK reads $OPENAI_ORG_ID / $OPENAI_PROJECT_ID for a None it is given; the
    # profile's own values (None included: no header) are what is sent.
    client.organization = profile.organization
    client.project = profile.project
    return client
