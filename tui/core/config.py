"""Typed settings read from config.toml, with provider profiles.

With no config file, a single `openai` profile comes from the environment
(OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID). A profile
stores the *name* of the variable holding its key, never the key.
"""

from __future__ import annotations

import os
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tui.core.paths import config_path


class Capability(StrEnum):
    CHAT = "chat"
    RESPONSES = "responses"
    FILES = "files"
    FINE_TUNING = "fine_tuning"
    EVALS = "evals"
    BATCH = "batch"
    EMBEDDINGS = "embeddings"


ProfileKind = Literal["openai", "azure", "compatible", "sandbox", "local"]

_ALL = frozenset(Capability)
DEFAULT_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "openai": _ALL,
    "sandbox": _ALL - {Capability.EMBEDDINGS},
    "local": _ALL - {Capability.EVALS, Capability.EMBEDDINGS},
    "azure": frozenset(
        {Capability.CHAT, Capability.RESPONSES, Capability.FILES, Capability.FINE_TUNING,
         Capability.BATCH, Capability.EMBEDDINGS}
    ),
    # An arbitrary OpenAI-compatible server: only chat is a safe assumption.
    "compatible": frozenset({Capability.CHAT}),
}


class ConfigError(Exception):
    """config.toml is unreadable or invalid; the message says where."""


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    kind: ProfileKind = "openai"
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    organization: str | None = None
    project: str | None = None
    api_version: str | None = None  # Azure only
    capabilities: frozenset[Capability] | None = None
    concurrency: int = Field(default=8, ge=1, le=512)
    budget_usd: float | None = Field(default=None, ge=0)

    @field_validator("api_key_env")
    @classmethod
    def _looks_like_a_variable_name(cls, value: str) -> str:
        # Guards against a key pasted where its variable's name belongs: we
        # never want a secret in config.toml.
        if not value.replace("_", "").isalnum() or value.startswith("sk-"):
            raise ValueError(
                "api_key_env takes the NAME of an environment variable (e.g. OPENAI_API_KEY), "
                "not the key itself"
            )
        return value

    def has(self, capability: Capability) -> bool:
        caps = self.capabilities if self.capabilities is not None else DEFAULT_CAPABILITIES[
            self.kind
        ]
        return capability in caps

    @property
    def key_is_set(self) -> bool:
        return bool(os.environ.get(self.api_key_env))


class Prices(BaseModel):
    """Editable prices (USD per 1M tokens); fine-tuning is being retired, prices move."""

    model_config = ConfigDict(extra="forbid")

    training: dict[str, float] = Field(default_factory=dict)
    input: dict[str, float] = Field(default_factory=dict)
    output: dict[str, float] = Field(default_factory=dict)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_profile: str = "openai"
    profiles: dict[str, Profile] = Field(default_factory=dict)
    # Binding id -> comma-separated keys, applied with App.set_keymap.
    keymap: dict[str, str] = Field(default_factory=dict)
    poll_interval_s: float = Field(default=10.0, ge=1.0, le=3600.0)
    prices: Prices = Field(default_factory=Prices)

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


def parse_settings(data: dict, *, source: str = "config.toml") -> Settings:
    raw_profiles = data.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise ConfigError(f"{source}: [profiles] must be a table of tables")
    profiles = {
        name: {**body, "name": name} if isinstance(body, dict) else body
        for name, body in raw_profiles.items()
    }
    try:
        settings = Settings.model_validate({**data, "profiles": profiles})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{source}: {problems}") from None
    if "openai" not in settings.profiles:
        settings.profiles["openai"] = environment_profile()
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
