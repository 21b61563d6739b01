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


PROFILE_KINDS = ("openai", "azure", "compatible", "sandbox", "local")

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
}


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
    api_version: str | None = None  # Azure only
    capabilities: frozenset[Capability] | None = None
    concurrency: int = 8
    budget_usd: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in PROFILE_KINDS:
            raise ValueError(f"kind: must be one of {', '.join(PROFILE_KINDS)}")
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
            caps = DEFAULT_CAPABILITIES[self.kind]
        return capability in caps

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
