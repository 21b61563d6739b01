"""Apps whose profiles are the sandbox's provider dialects, for Pilot tests of the UI above
the port (config.toml in the test's private home; keys only in the environment)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.apphelpers import make_app
from tests.providers.helpers import KEY_ENV, TOKEN_ENV
from tui.core.paths import home_dir


def dialect_config(server: Any, monkeypatch: Any, default: str = "together-sb",
                   extra: str = "") -> Path:
    monkeypatch.setenv(KEY_ENV, server.api_key)
    monkeypatch.setenv(TOKEN_ENV, server.api_key)
    root = server.root_url
    text = f"""default_profile = "{default}"
[profiles.openai-sb]
kind = "sandbox"
base_url = "{server.base_url}"
api_key_env = "{KEY_ENV}"
[profiles.together-sb]
kind = "together"
base_url = "{root}/together"
api_key_env = "{KEY_ENV}"
[profiles.fireworks-sb]
kind = "fireworks"
base_url = "{root}/fireworks"
api_key_env = "{KEY_ENV}"
account = "acme"
deployment = "ft-serving"
[profiles.azure-sb]
kind = "azure"
base_url = "{root}/openai/v1"
api_key_env = "{KEY_ENV}"
subscription = "sub-0001"
resource_group = "rg-ft"
resource = "res-ft"
management_token_env = "{TOKEN_ENV}"
management_base_url = "{root}/azure-management"
training_type = "GlobalStandard"
[profiles.azure-manual]
kind = "azure"
base_url = "{root}/openai/v1"
api_key_env = "{KEY_ENV}"
[profiles.nebius-sb]
kind = "compatible"
preset = "nebius"
base_url = "{server.base_url}"
api_key_env = "{KEY_ENV}"
{extra}"""
    path = home_dir() / "config.toml"
    path.write_text(text)
    return path


def dialect_app(server: Any, monkeypatch: Any, profile: str = "together-sb", **kw: Any):
    dialect_config(server, monkeypatch, default=profile, **kw)
    return make_app(profile=profile)
