"""One factory for the fine-tuning port: `provider_for(profile)` picks the adapter.

Adapters import their SDKs lazily: `together` and `fireworks-ai` (the `providers`
extra) load only when a profile of that kind is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.core.finetune.rules import ProviderRules, rules_for

if TYPE_CHECKING:
    from tui.core.config import Profile
    from tui.core.finetune.port import Capabilities, FineTuningProvider


def adapter_class(profile: Profile) -> type:
    if profile.kind == "together":
        from tui.core.finetune.together import TogetherProvider

        return TogetherProvider
    if profile.kind == "fireworks":
        from tui.core.finetune.fireworks import FireworksProvider

        return FireworksProvider
    if profile.kind == "azure":
        from tui.core.finetune.azure import AzureV1

        return AzureV1
    if profile.preset == "bedrock":
        from tui.core.finetune.hosts import Bedrock

        return Bedrock
    if profile.preset == "nebius":
        from tui.core.finetune.hosts import Nebius

        return Nebius
    from tui.core.finetune.openai_shaped import OpenAIShaped

    return OpenAIShaped


def provider_for(profile: Profile, client: Any = None, **options: Any) -> FineTuningProvider:
    """The fine-tuning adapter for `profile`.

    `client` hands an already-made openai client to an OpenAI-shaped adapter (tests use
    it for fault headers and request logs); options are the adapter's (max_retries,
    timeout). A missing key raises MissingKeyError here, before any work.
    """
    cls = adapter_class(profile)
    if client is not None:
        return cls(profile, client, **options)
    return cls(profile, **options)


def capabilities_for(profile: Profile) -> Capabilities:
    """What the profile's provider can do, without a client (no key needed)."""
    return adapter_class(profile).capabilities_of(profile)


def rules_of(profile: Profile) -> ProviderRules:
    return rules_for(profile.kind, profile.preset)
