"""Fine-tuning anywhere: one provider port (port.py), one adapter per host.

* `openai_shaped` — OpenAI, the sandbox, the local engine, any compatible server;
* `azure` — Azure OpenAI's v1 API (training type, suffix rule, the deployment step);
* `hosts` — OpenAI-shaped hosts with quirks: Bedrock's Mantle endpoint, Nebius;
* `together`, `fireworks` — through their official SDKs, mapped into OpenAI's shapes.

`factory.provider_for(profile)` picks one; `rules` holds what each accepts, checked by
the pre-flight. Nothing here imports textual.
"""

from tui.core.finetune.factory import capabilities_for, provider_for, rules_of

__all__ = ["capabilities_for", "provider_for", "rules_of"]
