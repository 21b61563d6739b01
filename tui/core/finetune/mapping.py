"""Carry a job's settings to another provider: what maps, and what cannot (said, not dropped
silently). Used by "retrain elsewhere" (tui.core.retrain)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui.core.finetune.rules import ProviderRules

# Settings that mean the same thing under another name on some providers.
_SAME = {"beta": ("dpo_beta",), "lora_rank": ("lora_r",), "lora_r": ("lora_rank",)}


@dataclass
class Mapped:
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    carried: list[str] = field(default_factory=list)  # "n_epochs=3", …
    unmapped: list[str] = field(default_factory=list)  # what stays behind, and why


def map_settings(method: str, source: dict[str, Any], rules: ProviderRules) -> Mapped:
    """OpenAI-shaped hyperparameters of a stored job (with a provider's extras, e.g.
    Together's learning_rate) as the target's hyperparameters and options."""
    out = Mapped()
    accepted = rules.hyperparameters.get(method, ())
    for name, value in source.items():
        if value is None or value == "auto":
            continue
        if name in accepted:
            out.hyperparameters[name] = value
            out.carried.append(f"{name}={value}")
            continue
        alias = next((a for a in (name, *_SAME.get(name, ())) if a in rules.options), None)
        if alias is not None:
            out.options[alias] = str(value).lower() if isinstance(value, bool) else str(value)
            out.carried.append(f"{name}={value}" + (f" (as {alias})" if alias != name else ""))
        elif name == "learning_rate_multiplier":
            out.unmapped.append(
                f"learning_rate_multiplier={value}: {rules.provider} takes an absolute learning "
                "rate, not OpenAI's multiplier of a default it does not share; left at its "
                "default" + (" (set the learning_rate option to choose one)"
                             if "learning_rate" in rules.options else ""))
        elif name == "learning_rate":
            out.unmapped.append(
                f"learning_rate={value}: {rules.provider} takes "
                + ("OpenAI's learning_rate_multiplier" if "learning_rate_multiplier" in accepted
                   else "no learning rate") + " instead; left at its default")
        else:
            out.unmapped.append(f"{name}={value}: {rules.provider} has no such setting for "
                                f"{method}")
    return out
