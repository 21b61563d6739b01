"""Each provider's rules for a job, checked by the pre-flight before anything is sent.

Formats are the dataset validator's line formats (tui.core.datasets.formats): sft,
sft_tools, vision, dpo, rft. Hyperparameters are OpenAI's names (what a JobSpec holds);
`options` are the provider's own settings a job may carry (Together's `lora_r`, Azure's
`training_type`…), given as strings by the CLI and the form and checked here.
Sources for each number are in docs/providers.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tui.core.config import AZURE_TRAINING_TYPES

MB, GB = 1 << 20, 1 << 30
OPENAI_GRADERS = frozenset({"string_check", "text_similarity", "python", "score_model", "multi",
                            "label_model"})
_CHAT = frozenset({"sft", "sft_tools", "vision"})
_TEXT_CHAT = frozenset({"sft", "sft_tools"})


@dataclass(frozen=True)
class OptionRule:
    parse: Callable[[str], Any]  # raises ValueError with what is wrong
    wording: str  # what a value must be, for messages and --help


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "yes", "1", "on"):
        return True
    if value in ("false", "no", "0", "off"):
        return False
    raise ValueError("must be true or false")


def _int(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"must be an integer, not {text!r}") from None
        if value < low or (high is not None and value > high):
            raise ValueError(f"must be from {low}" + (f" to {high}" if high is not None else " up"))
        return value
    return parse


def _float(low: float, high: float | None = None, *, open_low: bool = False
           ) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"must be a number, not {text!r}") from None
        if value < low or (open_low and value == low) or (high is not None and value > high):
            bound = f"greater than {low:g}" if open_low else f"at least {low:g}"
            raise ValueError(f"must be {bound}" + (f" and at most {high:g}" if high else ""))
        return value
    return parse


def _choice(values: tuple[str, ...]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        for value in values:
            if text.strip().lower() == value.lower():
                return value
        raise ValueError(f"must be one of {', '.join(values)}")
    return parse


BOOL = OptionRule(_bool, "true or false")
LR = OptionRule(_float(0.0, 1.0, open_low=True), "an absolute learning rate, e.g. 1e-5")
RANK = OptionRule(_int(1, 1024), "an integer from 1 to 1024")
RATIO = OptionRule(_float(0.0, 1.0), "a number from 0 to 1")


@dataclass(frozen=True)
class ProviderRules:
    provider: str  # how messages name it: "Together", "Azure OpenAI"…
    formats: Mapping[str, frozenset[str]]  # method -> line formats the provider trains on
    hyperparameters: Mapping[str, tuple[str, ...]]  # method -> OpenAI names it accepts
    min_examples: int | Mapping[str, int] = 10
    max_examples: int | None = None
    max_file_bytes: int | None = None
    suffix_max: int | None = 64  # None: the provider takes no suffix at all
    suffix_pattern: str | None = None  # a regex the whole suffix must match
    suffix_rule: str = ""  # the pattern in words
    graders: frozenset[str] | None = None  # RFT grader types it runs (None: any)
    options: Mapping[str, OptionRule] = field(default_factory=dict)
    # Files at most this size go in one request; larger ones in parts (the plan's wording).
    single_upload_bytes: int | None = None
    upload_how: str = "with the Files API"
    parts_how: str = "with the Uploads API in parts of 64 MB"
    part_bytes: int = 64 * MB

    def minimum(self, method: str) -> int:
        if isinstance(self.min_examples, int):
            return self.min_examples
        return int(self.min_examples.get(method, 1))

    def upload_plan(self, size: int) -> str:
        if self.single_upload_bytes is not None and size > self.single_upload_bytes:
            parts = -(-size // self.part_bytes)
            return f"upload {human_size(size)} {self.parts_how} ({parts} parts)"
        return f"upload {human_size(size)} {self.upload_how}"

    def suffix_problem(self, suffix: str | None) -> str | None:
        if not suffix:
            return None
        if self.suffix_max is None:
            return f"{self.provider} takes no suffix: clear it (the model is named by the provider)"
        if len(suffix) > self.suffix_max:
            return f"{self.provider} takes a suffix of at most {self.suffix_max} characters"
        if self.suffix_pattern and not re.fullmatch(self.suffix_pattern, suffix):
            return f"{self.provider}: the suffix {suffix!r} {self.suffix_rule}"
        return None

    def parse_options(self, raw: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        """(checked options, option -> what is wrong) for `key=value` strings."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for key, text in raw.items():
            rule = self.options.get(key)
            if rule is None:
                known = ", ".join(sorted(self.options)) or "none"
                errors[key] = f"{self.provider} takes no option {key!r} (options: {known})"
                continue
            try:
                values[key] = rule.parse(str(text))
            except ValueError as exc:
                errors[key] = f"{key}: {exc}"
        return values, errors


def human_size(n: int) -> str:
    for unit, size in (("GB", GB), ("MB", MB), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


_OPENAI_HYPER = {
    "supervised": ("n_epochs", "batch_size", "learning_rate_multiplier"),
    "dpo": ("n_epochs", "batch_size", "learning_rate_multiplier", "beta"),
    "reinforcement": ("n_epochs", "batch_size", "learning_rate_multiplier", "compute_multiplier",
                      "eval_interval", "eval_samples", "reasoning_effort"),
}
_OPENAI_FORMATS = {"supervised": _CHAT, "dpo": frozenset({"dpo"}),
                   "reinforcement": frozenset({"rft"})}

OPENAI = ProviderRules(
    provider="OpenAI", formats=_OPENAI_FORMATS, hyperparameters=_OPENAI_HYPER,
    max_file_bytes=8 * GB, graders=OPENAI_GRADERS, single_upload_bytes=512 * MB)

# The local engine and the sandbox speak OpenAI's API; the local engine reads its own
# training options from the job's metadata (docs/local.md), not from options here.
SANDBOX = OPENAI

AZURE = ProviderRules(
    provider="Azure OpenAI", formats=_OPENAI_FORMATS, hyperparameters=_OPENAI_HYPER,
    max_file_bytes=512 * MB, graders=OPENAI_GRADERS,
    # Azure names a tuned model `<base>.ft-<id>-<suffix>`: a dot would break the name.
    suffix_pattern=r"[^.]+", suffix_rule="may not contain dots (Azure's rule)",
    options={"training_type": OptionRule(_choice(AZURE_TRAINING_TYPES),
                                         " | ".join(AZURE_TRAINING_TYPES))},
    single_upload_bytes=512 * MB)

BEDROCK = ProviderRules(
    provider="Bedrock", formats={"supervised": _TEXT_CHAT, "reinforcement": frozenset({"rft"})},
    hyperparameters={"supervised": ("n_epochs", "batch_size", "learning_rate_multiplier"),
                     "reinforcement": _OPENAI_HYPER["reinforcement"]},
    min_examples={"supervised": 10, "reinforcement": 100}, max_examples=20_000,
    suffix_max=None, graders=frozenset({"lambda"}))

NEBIUS = ProviderRules(
    provider="Nebius", formats={"supervised": _TEXT_CHAT},
    hyperparameters={"supervised": ("n_epochs", "batch_size")},
    max_file_bytes=5 * GB,
    options={"lora": BOOL, "lora_r": RANK, "lora_alpha": RANK, "lora_dropout": RATIO,
             "packing": BOOL, "warmup_ratio": RATIO, "learning_rate": LR,
             "weight_decay": RATIO, "max_grad_norm": OptionRule(_float(0.0), "a number >= 0")})

TOGETHER = ProviderRules(
    provider="Together", formats={"supervised": _CHAT, "dpo": frozenset({"dpo"})},
    hyperparameters={"supervised": ("n_epochs", "batch_size"),
                     "dpo": ("n_epochs", "batch_size", "beta")},
    min_examples=1, max_file_bytes=int(50.1 * GB), suffix_max=40,
    options={"lora": BOOL, "lora_r": RANK, "lora_alpha": RANK, "lora_dropout": RATIO,
             "learning_rate": LR, "warmup_ratio": RATIO, "packing": BOOL,
             "n_checkpoints": OptionRule(_int(1, 100), "an integer from 1 to 100"),
             "n_evals": OptionRule(_int(0, 100), "an integer from 0 to 100"),
             "train_on_inputs": OptionRule(_choice(("auto", "true", "false")),
                                           "auto, true or false"),
             "max_seq_length": OptionRule(_int(1), "an integer")},
    single_upload_bytes=5 * GB, upload_how="to Together (one signed upload)",
    parts_how="to Together in a multipart upload", part_bytes=250 * MB)

FIREWORKS = ProviderRules(
    provider="Fireworks", formats={"supervised": _TEXT_CHAT, "dpo": frozenset({"dpo"})},
    hyperparameters={"supervised": ("n_epochs", "batch_size"),
                     "dpo": ("n_epochs", "batch_size", "beta")},
    min_examples=1, suffix_max=63, suffix_pattern=r"[a-z0-9][a-z0-9-]*",
    suffix_rule="must be lowercase letters, digits and dashes (it becomes the model's id)",
    options={"learning_rate": LR, "lora_rank": RANK,
             "max_context_length": OptionRule(_int(1), "an integer"),
             "warmup_steps": OptionRule(_int(0), "an integer >= 0"), "early_stop": BOOL},
    single_upload_bytes=150 * MB, upload_how="as a Fireworks dataset (one request)",
    parts_how="as a Fireworks dataset through a signed URL", part_bytes=150 * MB)

_BY_KIND = {"openai": OPENAI, "sandbox": SANDBOX, "local": SANDBOX, "compatible": OPENAI,
            "azure": AZURE, "together": TOGETHER, "fireworks": FIREWORKS}
_BY_PRESET = {"bedrock": BEDROCK, "nebius": NEBIUS}


def rules_for(kind: str, preset: str | None = None) -> ProviderRules:
    if preset is not None:
        return _BY_PRESET[preset]
    return _BY_KIND[kind]
