"""What the job form offers for a profile, read from its provider's capabilities and rules.

The form (tui/screens/job_create.py) shows the methods the provider trains and, for the
others, why not; the hyperparameters it takes for each method; its own options (Azure's
training type as a choice, Nebius's and Together's LoRA settings as fields); its suffix
limit; and base models from its catalogue. No textual here: the CLI's --help and tests
read the same choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from tui.core.jobs.spec import HYPERPARAMETERS, METHODS

if TYPE_CHECKING:
    from tui.core.config import Profile

OPENAI_MODELS = (
    "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-2025-04-14",
    "gpt-4.1-nano-2025-04-14",
    "gpt-4o-mini-2024-07-18",
    "gpt-4o-2024-08-06",
    "o4-mini-2025-04-16",
)
SANDBOX_MODELS = ("sandbox-small", "sandbox-large")
# Open-weights models each host lists for fine-tuning (their public model pages); the
# provider's own list (cached in the store) follows them.
TOGETHER_MODELS = ("meta-llama/Meta-Llama-3.1-8B-Instruct-Reference",
                   "Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.3-70B-Instruct-Reference")
FIREWORKS_MODELS = ("accounts/fireworks/models/llama-v3p1-8b-instruct",
                    "accounts/fireworks/models/qwen2p5-7b-instruct")
FIREWORKS_PREFIX = "accounts/fireworks/models/"
# Kinds whose base models only the server itself can list (no known catalogue).
LISTED_KINDS = ("local", "compatible")


@dataclass(frozen=True)
class OptionField:
    name: str
    wording: str  # what a value must be (the field's placeholder)
    choices: tuple[str, ...] = ()  # a closed set (a Select) when not empty
    default: str | None = None  # the profile's own default, where it names one


@dataclass(frozen=True)
class FormChoices:
    provider: str  # "Together", "Azure OpenAI"…
    methods: tuple[tuple[str, str | None], ...]  # (method, why it is not offered or None)
    hyperparameters: dict[str, tuple[str, ...]]  # method -> the fields the form shows
    options: tuple[OptionField, ...] = ()
    suffix_max: int | None = 64  # None: the provider takes no suffix
    suffix_rule: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)  # seed, metadata it ignores…

    def method_problem(self, method: str) -> str | None:
        return dict(self.methods).get(method)


def is_loopback(profile: Profile) -> bool:
    """A Together or Fireworks profile on 127.0.0.1: the sandbox's dialect (or a proxy)."""
    host = urlparse(profile.base_url or "").hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")


def base_model_choices(kind: str, cached: list[str], profile: Profile | None = None
                       ) -> list[str]:
    """Base models to offer for a new job: the provider's catalogue, then what it listed."""
    base = [m for m in cached if not m.startswith("ft:")]
    if kind in LISTED_KINDS and (profile is None or profile.preset is None):
        return base
    sandboxed = profile is not None and is_loopback(profile)
    if kind == "sandbox":
        defaults: tuple[str, ...] = SANDBOX_MODELS
    elif kind == "together":
        defaults = SANDBOX_MODELS if sandboxed else TOGETHER_MODELS
    elif kind == "fireworks":
        defaults = tuple(FIREWORKS_PREFIX + m for m in SANDBOX_MODELS) if sandboxed \
            else FIREWORKS_MODELS
    elif kind == "compatible":  # a preset host: only what it lists
        defaults = ()
    else:
        defaults = OPENAI_MODELS
    listed = cached if kind in ("openai", "sandbox", "azure") else base
    return list(dict.fromkeys([*defaults, *listed]))


def form_choices(profile: Profile) -> FormChoices:
    from tui.core.finetune.factory import capabilities_for, rules_of
    from tui.core.finetune.port import Feature

    caps, rules = capabilities_for(profile), rules_of(profile)
    methods = tuple((m, caps.method_problem(m, rules.provider)) for m in METHODS)
    hyper = {m: tuple(h for h in HYPERPARAMETERS[m] if h in rules.hyperparameters.get(m, ()))
             for m in METHODS}
    options = []
    for name, rule in rules.options.items():
        choices = tuple(v.strip() for v in rule.wording.split("|")) if "|" in rule.wording \
            else ()
        default = profile.training_type if name == "training_type" else None
        options.append(OptionField(name, rule.wording, choices, default))
    notes = tuple(f"{feature.value}: {caps.why_not(feature)}"
                  for feature in (Feature.SEED, Feature.METADATA) if not caps.can(feature))
    # The sandbox speaks OpenAI's dialect and follows its rules, but it is not OpenAI:
    # "New fine-tuning job on OpenAI" on a sandbox profile misled (issue 21 walk).
    provider = (f"the sandbox ({rules.provider}'s rules)" if profile.kind == "sandbox"
                else rules.provider)
    return FormChoices(provider=provider, methods=methods, hyperparameters=hyper,
                       options=tuple(options), suffix_max=rules.suffix_max,
                       suffix_rule=rules.suffix_rule, notes=notes)
