"""The job form and pre-flight adapt to the profile's provider, then launch over real HTTP."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select

from store import Store
from tests.apphelpers import ready, until
from tests.jobs.helpers import stored_version
from tests.providers.uihelpers import dialect_app
from tui.core.finetune.form_choices import base_model_choices, form_choices
from tui.core.paths import home_dir
from tui.screens.job_create import JobCreate
from tui.screens.job_preflight import JobPreflight

SIZE = (140, 44)


def _seed(n: int = 12) -> int:
    with Store(home_dir() / "tunedeck.db") as store:
        return stored_version(store, n=n)


async def _open_form(pilot) -> JobCreate:
    await ready(pilot)
    await pilot.press("4")
    await pilot.pause()
    await pilot.press("n")
    await until(pilot, lambda: isinstance(pilot.app.screen, JobCreate))
    return pilot.app.screen


def test_choices_follow_each_provider():
    from tui.core.config import Profile

    nebius = form_choices(Profile(name="n", kind="compatible", preset="nebius"))
    assert nebius.method_problem("dpo") == "Nebius Token Factory fine-tunes with supervised " \
                                           "jobs only"
    assert {o.name for o in nebius.options} >= {"lora", "lora_r", "packing", "warmup_ratio"}
    assert nebius.hyperparameters["supervised"] == ("n_epochs", "batch_size")
    azure = form_choices(Profile(name="a", kind="azure", training_type="Developer"))
    (training,) = azure.options
    assert training.choices == ("Standard", "GlobalStandard", "Developer")
    assert training.default == "Developer" and azure.method_problem("reinforcement") is None
    together = form_choices(Profile(name="t", kind="together"))
    assert "Together" in (together.method_problem("reinforcement") or "")
    assert together.suffix_max == 40
    assert form_choices(Profile(name="b", kind="compatible", preset="bedrock")).suffix_max is None
    # The sandbox follows OpenAI's rules and says it is the sandbox, not OpenAI.
    assert form_choices(Profile(name="s", kind="sandbox")).provider == "the sandbox (OpenAI's rules)"
    assert form_choices(Profile(name="o", kind="openai")).provider == "OpenAI"
    assert base_model_choices("together", [])[0].startswith("meta-llama/")
    assert base_model_choices("fireworks", [], Profile(
        name="f", kind="fireworks", base_url="http://127.0.0.1:9/fireworks"))[0] == \
        "accounts/fireworks/models/sandbox-small"


async def test_azure_form_offers_training_type_and_sends_it(sandbox, monkeypatch):
    _seed()
    app = dialect_app(sandbox, monkeypatch, "azure-sb")
    async with app.run_test(size=SIZE) as pilot:
        form = await _open_form(pilot)
        pick = form.query_one("#job-form-opt-training_type", Select)
        assert "GlobalStandard" in str(pick.prompt)  # the profile's default is named
        pick.value = "Developer"
        form.query_one("#job-form-training", Select).value = \
            form.query_one("#job-form-training", Select)._options[1][1]
        form.query_one("#job-form-model", Input).value = "sandbox-small"
        assert form.values()["options"] == {"training_type": "Developer"}
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, JobPreflight)
                    and app.screen.preflight is not None)
        text = "\n".join(app.screen.preflight.summary_lines())
        assert "Provider: Azure OpenAI (profile azure-sb)" in text
        assert "may not contain dots" in text and "Options: training_type=Developer" in text
        await pilot.press("y")
        await until(pilot, lambda: app.query_one("#jobs-table", DataTable).row_count == 1,
                    timeout=30)
        with Store(home_dir() / "tunedeck.db") as store:
            (job,) = store.jobs.list("azure-sb")
        assert job.raw.get("trainingType") == "Developer"  # Azure's dialect took it


async def test_nebius_form_marks_dpo_and_shows_its_options(sandbox, monkeypatch):
    _seed()
    app = dialect_app(sandbox, monkeypatch, "nebius-sb")
    async with app.run_test(size=SIZE) as pilot:
        form = await _open_form(pilot)
        assert form.query_one("#job-form-opt-lora_r", Input).placeholder.endswith(
            "an integer from 1 to 1024")
        # OpenAI's LR multiplier is not a Nebius setting: the field is not offered.
        assert not form.query_one(".hp-learning_rate_multiplier").display
        form.query_one("#job-form-method", Select).value = "dpo"
        await pilot.pause()
        note = form.query_one("#job-form-method-note")
        assert note.display and "supervised jobs only" in str(note.render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # refused, with the reason
        assert "supervised jobs only" in str(form.query_one("#job-form-errors").render())


async def test_together_preflight_uses_its_rules_then_launches(sandbox, monkeypatch):
    _seed()
    app = dialect_app(sandbox, monkeypatch, "together-sb")
    async with app.run_test(size=SIZE) as pilot:
        form = await _open_form(pilot)
        assert form.query_one("#job-form-model", Input).value == "sandbox-small"
        assert form.query_one("#job-form-suffix", Input).max_length == 40
        training = form.query_one("#job-form-training", Select)
        training.value = training._options[1][1]
        form.query_one("#job-form-opt-lora_r", Input).value = "8"
        form.query_one("#job-form-suffix", Input).value = "capitals"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, JobPreflight)
                    and app.screen.preflight is not None)
        pre = app.screen.preflight
        assert pre.ok, pre.problems
        assert pre.summary_lines()[0].startswith("Provider: Together (profile together-sb) · "
                                                 "at least 1 example;")
        assert pre.spec.options == {"lora_r": 8}
        await pilot.press("y")
        await until(pilot, lambda: app.query_one("#jobs-table", DataTable).row_count == 1,
                    timeout=30)
        with Store(home_dir() / "tunedeck.db") as store:
            (job,) = store.jobs.list("together-sb")
        assert job.remote_id.startswith("ft-") and job.model == "sandbox-small"
