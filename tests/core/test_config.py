"""Settings and provider profiles from config.toml and the environment."""

from __future__ import annotations

import pytest

from tui.core.config import Capability, ConfigError, load_settings
from tui.core.providers import MissingKeyError, key_status, make_client
from tui.core.secrets import redact


def test_no_config_gives_an_openai_profile_from_the_environment(monkeypatch, isolated_home):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj_1")
    settings = load_settings()
    profile = settings.profile()
    assert (profile.name, profile.kind, profile.api_key_env) == (
        "openai",
        "openai",
        "OPENAI_API_KEY",
    )
    assert profile.base_url == "http://127.0.0.1:9/v1" and profile.project == "proj_1"
    assert not profile.key_is_set
    assert "OPENAI_API_KEY" in key_status(profile)


def test_config_file_profiles_and_capabilities(isolated_home):
    (isolated_home / "config.toml").write_text(
        """
default_profile = "azure-east"
poll_interval_s = 5

[profiles.azure-east]
kind = "azure"
base_url = "https://example-resource.openai.azure.com"
api_key_env = "AZURE_EAST_KEY"
api_version = "2025-04-01-preview"

[profiles.vllm]
kind = "compatible"
base_url = "http://127.0.0.1:8000/v1"
api_key_env = "VLLM_KEY"

[keymap]
"app.help" = "h"

[prices.training]
"gpt-4.1-mini" = 4.0
"""
    )
    settings = load_settings()
    assert settings.profile().name == "azure-east"
    assert set(settings.profiles) == {"azure-east", "vllm", "openai"}
    assert settings.profile("vllm").has(Capability.CHAT)
    assert not settings.profile("vllm").has(Capability.FINE_TUNING)
    assert settings.keymap == {"app.help": "h"}
    assert settings.prices.training["gpt-4.1-mini"] == 4.0
    with pytest.raises(ConfigError, match="unknown profile 'nope'"):
        settings.profile("nope")


def test_a_key_pasted_into_config_is_refused(isolated_home):
    (isolated_home / "config.toml").write_text(
        '[profiles.bad]\napi_key_env = "sk-live-abcdefghijklmnop"\n'
    )
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "NAME of an environment variable" in str(info.value)


def test_broken_toml_names_the_file(isolated_home):
    (isolated_home / "config.toml").write_text("[profiles\n")
    with pytest.raises(ConfigError, match="config.toml"):
        load_settings()


def test_config_env_override(tmp_path, monkeypatch):
    other = tmp_path / "elsewhere.toml"
    other.write_text('default_profile = "openai"\npoll_interval_s = 42\n')
    monkeypatch.setenv("TUNEDECK_CONFIG", str(other))
    assert load_settings().poll_interval_s == 42


def test_client_factory_reads_the_key_from_the_named_variable(monkeypatch):
    settings = load_settings()
    profile = settings.profile()
    with pytest.raises(MissingKeyError) as info:
        make_client(profile)
    assert "OPENAI_API_KEY" in str(info.value)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdef")
    client = make_client(profile)
    assert client.api_key == "sk-test-0123456789abcdef"
    assert "sk-test-0123456789abcdef" not in repr(settings)


def test_redact_removes_key_values_and_key_shapes(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value-123456")
    text = "401: Incorrect API key provided: sk-secret-value-123456 (and sk-otherkey12345678)"
    cleaned = redact(text)
    assert "sk-secret" not in cleaned and "sk-otherkey" not in cleaned
    assert cleaned.count("[redacted]") == 2


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[profiles.x]\nkind = "bogus"\n', "profiles.x.kind: must be one of"),
        ('[profiles.x]\nconcurrency = "lots"\n', "profiles.x.concurrency: expected int"),
        ('[profiles.x]\nbase_ur = "http://127.0.0.1"\n', "unknown key(s) base_ur"),
        ("poll_interval_s = 0.1\n", "poll_interval_s must be between"),
        ('[prices.training]\n"gpt-4o" = "cheap"\n', "prices.training: must be a table"),
        ('[profiles.x]\ncapabilities = ["teleport"]\n', "capabilities: each must be one of"),
    ],
)
def test_invalid_settings_say_where(isolated_home, toml, message):
    (isolated_home / "config.toml").write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert message in str(info.value)


def test_provider_profiles_parse_with_their_settings(isolated_home):
    (isolated_home / "config.toml").write_text(
        """
[profiles.tg]
kind = "together"

[profiles.fw]
kind = "fireworks"
account = "acme"
deployment = "serving"

[profiles.az]
kind = "azure"
resource = "acme"
training_type = "GlobalStandard"
subscription = "sub"
resource_group = "rg"
management_token_env = "AZURE_MGMT_TOKEN"
training_prices = { "gpt-4.1-mini" = 5.5 }

[profiles.mantle]
kind = "compatible"
preset = "bedrock"
base_url = "https://bedrock-mantle.us-west-2.api.aws/v1"
"""
    )
    settings = load_settings()
    tg, fw, az, mantle = (settings.profile(n) for n in ("tg", "fw", "az", "mantle"))
    assert (tg.api_key_env, fw.api_key_env) == ("TOGETHER_API_KEY", "FIREWORKS_API_KEY")
    assert tg.has(Capability.FINE_TUNING) and not tg.has(Capability.EVALS)
    assert fw.account == "acme" and fw.deployment == "serving"
    assert az.training_type == "GlobalStandard" and az.training_prices == {"gpt-4.1-mini": 5.5}
    assert mantle.has(Capability.FINE_TUNING) and mantle.provider_label == "bedrock"
    assert not settings.profile("openai").preset


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[profiles.x]\nkind = "openai"\npreset = "bedrock"\n', 'only a kind = "compatible"'),
        ('[profiles.x]\nkind = "compatible"\npreset = "mantle"\n', "preset: must be one of"),
        ('[profiles.x]\nkind = "azure"\ntraining_type = "Turbo"\n', "training_type: must be"),
        ('[profiles.x]\nkind = "azure"\nmanagement_token_env = "eyJ0.eyJ1.sig"\n',
         "NAME of an environment variable holding the token"),
        ('[profiles.x]\ntraining_prices = { "m" = -1 }\n', "training_prices: must be"),
    ],
)
def test_invalid_provider_settings_say_where(isolated_home, toml, message):
    (isolated_home / "config.toml").write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert message in str(info.value)
