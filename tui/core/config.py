"""Typed settings read from config.toml, with provider profiles.

With no config file, a single `openai` profile comes from the environment
(OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID). A profile
stores the *name* of the variable holding its key, never the key.

Plain dataclasses checked by `_check` rather than pydantic models: settings
are read before the first frame, and importing pydantic there cost a third
of tunedeck's start-up time (bench/startup.py).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any, get_args

from tui.core.paths import config_path


class Capability(StrEnum):
    CHAT = "chat"
    RESPONSES = "responses"
    FILES = "files"
    FINE_TUNING = "fine_tuning"
    EVALS = "evals"
    BATCH = "batch"
    EMBEDDINGS = "embeddings"


PROFILE_KINDS = ("openai", "azure", "compatible", "sandbox", "local", "together", "fireworks")
# OpenAI-shaped hosts with known quirks, chosen by `preset` on a `compatible` profile:
# they speak OpenAI's files and fine-tuning routes, so they need no kind of their own.
PRESETS = ("bedrock", "nebius")
AZURE_TRAINING_TYPES = ("Standard", "GlobalStandard", "Developer")
# Where a profile of these kinds looks for its key when config.toml names no variable
# (the variables the providers' own SDKs read).
KEY_ENV_BY_KIND = {"together": "TOGETHER_API_KEY", "fireworks": "FIREWORKS_API_KEY"}

_ALL = frozenset(Capability)
DEFAULT_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "openai": _ALL,
    "sandbox": _ALL - {Capability.EMBEDDINGS},
    "local": _ALL - {Capability.EVALS, Capability.EMBEDDINGS},
    "azure": frozenset(
        {
            Capability.CHAT,
            Capability.RESPONSES,
            Capability.FILES,
            Capability.FINE_TUNING,
            Capability.BATCH,
            Capability.EMBEDDINGS,
        }
    ),
    # An arbitrary OpenAI-compatible server: only chat is a safe assumption.
    "compatible": frozenset({Capability.CHAT}),
    # Together and Fireworks: their own fine-tuning APIs (through their SDKs) and an
    # OpenAI-compatible chat API; no hosted evals or OpenAI-shaped batches.
    "together": frozenset({Capability.CHAT, Capability.FILES, Capability.FINE_TUNING}),
    "fireworks": frozenset({Capability.CHAT, Capability.FILES, Capability.FINE_TUNING}),
}
PRESET_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "bedrock": frozenset({Capability.CHAT, Capability.FILES, Capability.FINE_TUNING}),
    "nebius": frozenset({Capability.CHAT, Capability.FILES, Capability.FINE_TUNING}),
}


def default_capabilities(kind: str, preset: str | None = None) -> frozenset[Capability]:
    if preset is not None:
        return PRESET_CAPABILITIES[preset]
    return DEFAULT_CAPABILITIES[kind]


class ConfigError(Exception):
    """config.toml is unreadable or invalid; the message says where."""


@dataclass
class Profile:
    name: str
    kind: str = "openai"
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    organization: str | None = None
    project: str | None = None
    api_version: str | None = None  # Azure's legacy API only; the v1 API takes none
    capabilities: frozenset[Capability] | None = None
    concurrency: int = 8
    budget_usd: float | None = None
    # A `compatible` host with known quirks: bedrock | nebius (see PRESETS).
    preset: str | None = None
    # Fireworks: the account the datasets, jobs and models live in; and the deployment
    # a LoRA model is loaded onto to answer.
    account: str | None = None
    deployment: str | None = None
    # Azure: the training type sent when a job names none; and, for the deployment step
    # through the management API, where the resource lives and which environment
    # variable holds an Entra token (never the token itself).
    training_type: str | None = None
    subscription: str | None = None
    resource_group: str | None = None
    resource: str | None = None
    management_token_env: str | None = None
    management_base_url: str | None = None
    # USD per 1M training tokens by model prefix, over the global [prices.training].
    training_prices: dict[str, float] | None = None

    def __post_init__(self) -> None:
        if self.kind not in PROFILE_KINDS:
            raise ValueError(f"kind: must be one of {', '.join(PROFILE_KINDS)}")
        if self.preset is not None:
            if self.preset not in PRESETS:
                raise ValueError(f"preset: must be one of {', '.join(PRESETS)}")
            if self.kind != "compatible":
                raise ValueError('preset: only a kind = "compatible" profile takes a preset')
        if self.training_type is not None and self.training_type not in AZURE_TRAINING_TYPES:
            raise ValueError(f"training_type: must be one of {', '.join(AZURE_TRAINING_TYPES)}")
        token_env = self.management_token_env
        if token_env is not None and not token_env.replace("_", "").isalnum():
            # An Entra token (a JWT, dotted) pasted here would end up in config.toml.
            raise ValueError("management_token_env: takes the NAME of an environment variable "
                             "holding the token, not the token itself")
        if self.training_prices is not None and not all(
                isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
                for v in self.training_prices.values()):
            raise ValueError("training_prices: must be a table of USD amounts >= 0")
        # Guards against a key pasted where its variable's name belongs: we
        # never want a secret in config.toml.
        name = self.api_key_env
        if not name.replace("_", "").isalnum() or name.startswith("sk-"):
            raise ValueError(
                "api_key_env: takes the NAME of an environment variable (e.g. OPENAI_API_KEY), "
                "not the key itself"
            )
        if not 1 <= self.concurrency <= 512:
            raise ValueError("concurrency: must be between 1 and 512")
        if self.budget_usd is not None and self.budget_usd < 0:
            raise ValueError("budget_usd: must be >= 0")
        if self.capabilities is not None:
            try:
                self.capabilities = frozenset(Capability(c) for c in self.capabilities)
            except ValueError:
                known = ", ".join(c.value for c in Capability)
                raise ValueError(f"capabilities: each must be one of {known}") from None

    def has(self, capability: Capability) -> bool:
        caps = self.capabilities
        if caps is None:
            caps = default_capabilities(self.kind, self.preset)
        return capability in caps

    @property
    def provider_label(self) -> str:
        """What the profile talks to, for messages: `bedrock`, `together`, `azure`…"""
        return self.preset or self.kind

    @property
    def key_is_set(self) -> bool:
        return bool(os.environ.get(self.api_key_env))


@dataclass
class Prices:
    """Editable prices (USD per 1M tokens); fine-tuning is being retired, prices move."""

    training: dict[str, float] = field(default_factory=dict)
    input: dict[str, float] = field(default_factory=dict)
    output: dict[str, float] = field(default_factory=dict)


@dataclass
class Settings:
    default_profile: str = "openai"
    profiles: dict[str, Profile] = field(default_factory=dict)
    # Binding id -> comma-separated keys, applied with App.set_keymap.
    keymap: dict[str, str] = field(default_factory=dict)
    poll_interval_s: float = 10.0
    prices: Prices = field(default_factory=Prices)
    # Run python graders without the OS jail where the kernel offers none (docs/security.md).
    allow_unsandboxed_graders: bool = False

    def profile(self, name: str | None = None) -> Profile:
        wanted = name or self.default_profile
        try:
            return self.profiles[wanted]
        except KeyError:
            known = ", ".join(sorted(self.profiles)) or "none"
            raise ConfigError(f"unknown profile {wanted!r} (profiles: {known})") from None


def environment_profile() -> Profile:
    return Profile(
        name="openai",
        kind="openai",
        base_url=os.environ.get("OPENAI_BASE_URL") or None,
        api_key_env="OPENAI_API_KEY",
        organization=os.environ.get("OPENAI_ORG_ID") or None,
        project=os.environ.get("OPENAI_PROJECT_ID") or None,
    )


_SCALARS = {"str": str, "int": int, "float": (int, float), "bool": bool}


def _check(cls: type, data: Any, where: str) -> dict[str, Any]:
    """Check a TOML table against a dataclass's fields: names and scalar types."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: must be a table")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    for key, value in data.items():
        kind = str(known[key].type)
        if value is None or kind.startswith(("dict", "frozenset", "Prices")):
            continue
        expected = next((t for n, t in _SCALARS.items() if kind.startswith(n)), None)
        if expected and (
            not isinstance(value, expected) or isinstance(value, bool) != (expected is bool)
        ):
            raise ConfigError(f"{where}.{key}: expected {kind.split(' ')[0]}, got {value!r}")
    return data


def _mapping(data: Any, where: str, value_type: type | tuple[type, ...]) -> dict[str, Any]:
    if not isinstance(data, dict) or not all(isinstance(v, value_type) for v in data.values()):
        raise ConfigError(f"{where}: must be a table of {get_args(value_type) or value_type}")
    return data


def parse_settings(data: dict, *, source: str = "config.toml") -> Settings:
    data = dict(_check(Settings, data, source))
    profiles: dict[str, Profile] = {}
    raw_profiles = data.pop("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise ConfigError(f"{source}: [profiles] must be a table of tables")
    for name, body in raw_profiles.items():
        where = f"{source}: profiles.{name}"
        body = dict(_check(Profile, body, where))
        body.pop("name", None)
        if "api_key_env" not in body and body.get("kind") in KEY_ENV_BY_KIND:
            body["api_key_env"] = KEY_ENV_BY_KIND[body["kind"]]
        try:
            profiles[name] = Profile(name=name, **body)
        except ValueError as exc:
            raise ConfigError(f"{where}.{exc}") from None
    if "openai" not in profiles:
        profiles["openai"] = environment_profile()
    prices = _check(Prices, data.pop("prices", {}), f"{source}: prices")
    for table, values in prices.items():
        _mapping(values, f"{source}: prices.{table}", (int, float))
    keymap = _mapping(data.pop("keymap", {}), f"{source}: keymap", str)
    settings = Settings(profiles=profiles, keymap=keymap, prices=Prices(**prices), **data)
    if not 1.0 <= settings.poll_interval_s <= 3600.0:
        raise ConfigError(f"{source}: poll_interval_s must be between 1 and 3600 seconds")
    return settings


def load_settings(path: Path | None = None) -> Settings:
    path = path or config_path()
    if not path.exists():
        return parse_settings({})
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return parse_settings(data, source=str(path))
