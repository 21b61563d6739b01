"""Provider clients: one OpenAI-compatible AsyncOpenAI per profile (chat, evals, batches).

The key is read from the environment variable the profile names, at the moment a client
is made, and never stored or logged. Fine-tuning goes through `tui.core.finetune` (the
provider port); this client is also what calls a provider's tuned models: Azure's v1
API, Together's and Fireworks' OpenAI-compatible inference APIs.

Where the key goes is the profile's alone. The SDKs fall back to the environment for
anything passed as None ($OPENAI_BASE_URL, $OPENAI_ORG_ID, $OPENAI_PROJECT_ID;
$TOGETHER_BASE_URL; $FIREWORKS_BASE_URL), so a config.toml profile without base_url
would send its key wherever those variables point while the profile picker said
api.openai.com. Every client (this one and the port's Together and Fireworks SDK
clients) is therefore built from `effective_base_url` and the profile's own
organization and project, always given explicitly; the environment shapes only the
profile built from it (`config.environment_profile`).
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
    """The profile lacks a setting its provider needs (a base URL, an account).

    A MissingKeyError, so that every caller already saying "this profile cannot make a
    client yet" says this too.
    """


class MissingEndpointError(MissingSettingError):
    """The profile names no base_url and its kind has no default one."""


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
TOGETHER_BASE = "https://api.together.ai"
FIREWORKS_BASE = "https://api.fireworks.ai"
# The kinds whose provider has a host of its own, used when the profile names none.
DEFAULT_HOSTS = {"openai": OPENAI_BASE_URL, "together": TOGETHER_BASE,
                 "fireworks": FIREWORKS_BASE}


def effective_base_url(profile: Profile) -> str | None:
    """The URL this profile's requests (and its key) really go to; None: it has none.

    The profile's base_url; else its provider's own host (OpenAI, Together, Fireworks;
    Azure's resource: https://RESOURCE.openai.azure.com/openai/v1). Other kinds (a
    compatible server, the sandbox, a local engine) have no default: sending their key
    to api.openai.com would be a leak of its own. For Together and Fireworks this is the
    SDK's base (the fine-tuning API); their inference API lives under it
    (`inference_base`).
    """
    if profile.kind == "azure":
        if not (profile.base_url or profile.resource):
            return None
        return azure_v1_base(profile).rstrip("/")
    if profile.base_url:
        return profile.base_url.rstrip("/")
    return DEFAULT_HOSTS.get(profile.kind)


def base_url_or_refuse(profile: Profile) -> str:
    """`effective_base_url`, or MissingEndpointError saying which setting to add."""
    base = effective_base_url(profile)
    if base is None:
        what = ("base_url (https://RESOURCE.openai.azure.com/openai/v1/) or resource"
                if profile.kind == "azure" else "base_url")
        raise MissingEndpointError(
            f"profile {profile.name!r} ({profile.kind}) has no base_url: set {what} in its "
            "[profiles.…] table of config.toml to the server's URL"
        )
    return base


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
        raise MissingEndpointError(f"profile {profile.name!r} (azure) needs base_url "
                                   "(https://RESOURCE.openai.azure.com/openai/v1/) or resource")
    if not base.endswith("/openai/v1"):
        base += "/openai/v1"
    return base + "/"


def inference_base(profile: Profile) -> str:
    """Where the profile's OpenAI-compatible chat API lives (MissingEndpointError: nowhere)."""
    base = base_url_or_refuse(profile)
    if profile.kind == "together":
        return f"{base}/v1"
    if profile.kind == "fireworks":
        return f"{base}/inference/v1"
    return base


def make_client(profile: Profile, *, max_retries: int = 2, timeout: float = 60.0) -> AsyncOpenAI:
    key = api_key(profile)
    base_url = inference_base(profile)
    # Imported lazily: the SDK takes longer to import than the whole TUI.
    from openai import AsyncOpenAI

    # Azure's v1 API is the plain OpenAI client on the resource's /openai/v1/, keyed by the
    # api-key header (the legacy AzureOpenAI client sends no training type).
    headers = {"api-key": key} if profile.kind == "azure" else None
    client = AsyncOpenAI(api_key=key, base_url=base_url, default_headers=headers,
                         max_retries=max_retries, timeout=timeout)
    # The SDK reads $OPENAI_ORG_ID / $OPENAI_PROJECT_ID for a None it is given; the
    # profile's own values (None included: no header) are what is sent. Only OpenAI-shaped
    # kinds carry them; Together's and Fireworks' inference APIs take neither.
    own = profile.kind not in ("together", "fireworks")
    client.organization = profile.organization if own else None
    client.project = profile.project if own else None
    return client
