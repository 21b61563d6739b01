"""A profile's base URL is its own: the environment shapes only the environment profile.

The openai SDK reads $OPENAI_BASE_URL (and $OPENAI_ORG_ID, $OPENAI_PROJECT_ID)
for whatever it is given as None: a config.toml profile without base_url sent
its key to wherever those pointed while the profile picker said api.openai.com.
The together and fireworks SDKs read $TOGETHER_BASE_URL and $FIREWORKS_BASE_URL
the same way.
"""

from __future__ import annotations

import pytest

from tui.core.config import Profile, load_settings
from tui.core.providers import make_client

ELSEWHERE = "http://127.0.0.1:9/v1"


@pytest.fixture
def hostile_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", ELSEWHERE)
    monkeypatch.setenv("OPENAI_ORG_ID", "org-from-the-environment")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-from-the-environment")
    monkeypatch.setenv("WORK_KEY", "sk-work-key-0123456789")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key-0123456789")
    monkeypatch.setenv("TOGETHER_BASE_URL", ELSEWHERE)
    monkeypatch.setenv("FIREWORKS_BASE_URL", ELSEWHERE)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", ELSEWHERE)


def write_config(home) -> None:
    (home / "config.toml").write_text(
        'default_profile = "work"\n[profiles.work]\nkind = "openai"\napi_key_env = "WORK_KEY"\n'
        '[profiles.azure-east]\nkind = "azure"\napi_key_env = "WORK_KEY"\n'
        'base_url = "https://example-resource.openai.azure.com/"\n'
        '[profiles.azure-west]\nkind = "azure"\napi_key_env = "WORK_KEY"\nresource = "west"\n'
        '[profiles.tg]\nkind = "together"\napi_key_env = "WORK_KEY"\n'
        '[profiles.fw]\nkind = "fireworks"\napi_key_env = "WORK_KEY"\naccount = "acme"\n')


async def test_a_config_profile_without_base_url_talks_to_openai_not_the_environment(
        hostile_environment, isolated_home):
    write_config(isolated_home)
    client = make_client(load_settings().profile("work"))
    try:
        assert str(client.base_url) == "https://api.openai.com/v1/"
        assert client.organization is None and client.project is None
        assert "OpenAI-Organization" not in {k for k, v in client.default_headers.items()
                                             if isinstance(v, str)}
    finally:
        await client.close()


async def test_the_environment_profile_still_follows_the_environment(hostile_environment,
                                                                      isolated_home):
    profile = load_settings().profile("openai")  # no config.toml: built from the environment
    client = make_client(profile)
    try:
        assert str(client.base_url) == ELSEWHERE + "/"
        assert (client.organization, client.project) == (
            "org-from-the-environment", "proj-from-the-environment")
    finally:
        await client.close()


async def test_effective_base_url_is_what_the_client_really_uses(hostile_environment,
                                                                 isolated_home):
    from tui.core.providers import effective_base_url

    write_config(isolated_home)
    settings = load_settings()
    for name in ("work", "azure-east", "azure-west", "openai"):
        profile = settings.profile(name)
        client = make_client(profile)
        try:
            assert effective_base_url(profile) == str(client.base_url).rstrip("/"), name
        finally:
            await client.close()
    assert effective_base_url(settings.profile("work")) == "https://api.openai.com/v1"
    assert effective_base_url(settings.profile("azure-east")) == (
        "https://example-resource.openai.azure.com/openai/v1")
    assert effective_base_url(settings.profile("azure-west")) == (
        "https://west.openai.azure.com/openai/v1")


@pytest.mark.parametrize(("name", "host", "inference"), [
    ("tg", "https://api.together.ai", "https://api.together.ai/v1/"),
    ("fw", "https://api.fireworks.ai", "https://api.fireworks.ai/inference/v1/")])
async def test_together_and_fireworks_use_their_own_host_not_the_environment(
        hostile_environment, isolated_home, name, host, inference):
    """Both the port's SDK client and the inference client go to the provider's host."""
    from tui.core.finetune import provider_for
    from tui.core.providers import effective_base_url

    write_config(isolated_home)
    profile = load_settings().profile(name)
    assert effective_base_url(profile) == host
    provider = provider_for(profile)
    try:
        assert str(provider.sdk.base_url).rstrip("/") == host
        assert str(provider.inference_client().base_url) == inference
        assert provider.inference_client().organization is None
    finally:
        await provider.close()


async def test_a_together_profile_with_a_base_url_keeps_it(hostile_environment):
    from tui.core.finetune import provider_for

    profile = Profile(name="t", kind="together", api_key_env="WORK_KEY",
                      base_url="http://127.0.0.1:9/together/")
    provider = provider_for(profile)
    try:
        assert str(provider.sdk.base_url) == "http://127.0.0.1:9/together/"
        assert str(provider.inference_client().base_url) == "http://127.0.0.1:9/together/v1/"
    finally:
        await provider.close()


def test_a_profile_of_another_kind_without_base_url_makes_no_client(hostile_environment):
    from tui.core.providers import MissingEndpointError, MissingKeyError, effective_base_url

    for kind in ("compatible", "sandbox", "local", "azure"):
        profile = Profile(name="x", kind=kind, api_key_env="WORK_KEY")
        assert effective_base_url(profile) is None
        with pytest.raises(MissingEndpointError, match="has no base_url") as caught:
            make_client(profile)
        assert isinstance(caught.value, MissingKeyError)  # caught wherever a key is


async def test_the_profile_picker_shows_the_url_the_key_goes_to(hostile_environment,
                                                               isolated_home, tmp_path):
    from textual.widgets import OptionList

    from tui.app import TunedeckApp
    from tui.screens.profiles import ProfileScreen

    write_config(isolated_home)
    app = TunedeckApp(settings=load_settings(), db_path=tmp_path / "p.db")
    async with app.run_test(size=(140, 40)) as pilot:
        await app.store_ready.wait()
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ProfileScreen)
        options = app.screen.query_one(OptionList)
        lines = {options.get_option_at_index(i).id: str(options.get_option_at_index(i).prompt)
                 for i in range(options.option_count)}
        assert lines["work"].endswith("https://api.openai.com/v1")
        assert ELSEWHERE not in lines["work"]
        assert lines["openai"].endswith(ELSEWHERE)  # the environment profile: its variables
        assert lines["azure-east"].endswith("https://example-resource.openai.azure.com/openai/v1")
        assert lines["azure-west"].endswith("https://west.openai.azure.com/openai/v1")
        assert lines["tg"].endswith("https://api.together.ai")  # its own host, said
        assert lines["fw"].endswith("https://api.fireworks.ai")
