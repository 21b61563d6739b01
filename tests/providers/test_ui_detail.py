"""The job detail explains the provider's limits and makes a tuned model answer (deploy step),
on the sandbox's Azure and Fireworks dialects over real HTTP."""

from __future__ import annotations

from dataclasses import replace

from store import Store
from tests.apphelpers import ready, until
from tests.providers.helpers import profiles, sft, stored, train_through_port
from tests.providers.test_fireworks import deployment
from tests.providers.uihelpers import dialect_app
from tui.core.paths import home_dir
from tui.screens.job_detail import JobDetail

SIZE = (150, 44)


async def _train(sandbox, monkeypatch, name: str, profile=None):
    profile = profile or profiles(sandbox, monkeypatch)[name]
    with Store(home_dir() / "tunedeck.db") as store:
        version = stored(store)
        model = "accounts/fireworks/models/sandbox-small" if profile.kind == "fireworks" \
            else "sandbox-small"
        job, provider = await train_through_port(store, profile, sft(version, model=model))
        await provider.close()
    assert job.status == "succeeded"
    return job


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def _open_detail(pilot) -> JobDetail:
    await ready(pilot)
    await pilot.press("4")
    await pilot.pause()
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, JobDetail))
    return pilot.app.screen


async def test_azure_detail_deploys_through_the_management_api(sandbox, monkeypatch):
    job = await _train(sandbox, monkeypatch, "azure")
    app = dialect_app(sandbox, monkeypatch, "azure-sb")
    async with app.run_test(size=SIZE) as pilot:
        await _open_detail(pilot)
        assert "Azure OpenAI · Before it answers: an Azure fine-tuned model answers only " \
               "once it is deployed; tunedeck creates it through the management API" in \
               _text(app, "#job-detail-provider").replace("\n", " ")
        await pilot.press("d")
        await until(pilot, lambda: "✓" in _text(app, "#job-detail-answer"), timeout=30)
        assert "call it as sandbox-small-ft-" in _text(app, "#job-detail-answer")
        deployments = app.store.deployments.for_model(job.fine_tuned_model, "azure-sb")
        assert [d.status for d in deployments] == ["succeeded"]


async def test_azure_without_management_fields_shows_the_az_command(sandbox, monkeypatch):
    manual = replace(profiles(sandbox, monkeypatch)["azure"], name="azure-manual",
                     subscription=None, resource_group=None, resource=None,
                     management_token_env=None, management_base_url=None)
    await _train(sandbox, monkeypatch, "azure", manual)
    app = dialect_app(sandbox, monkeypatch, "azure-manual")
    async with app.run_test(size=SIZE) as pilot:
        await _open_detail(pilot)
        assert "tunedeck prints the az command" in _text(app, "#job-detail-provider")
        await pilot.press("d")
        await until(pilot, lambda: "run:" in _text(app, "#job-detail-answer"), timeout=30)
        answer = _text(app, "#job-detail-answer").replace("\n", " ")
        assert "az cognitiveservices account deployment create" in answer
        assert "answers only once deployed" in answer


async def test_fireworks_detail_says_where_progress_comes_from_and_loads_the_lora(
        sandbox, monkeypatch):
    job = await _train(sandbox, monkeypatch, "fireworks")
    app = dialect_app(sandbox, monkeypatch, "fireworks-sb")
    async with app.run_test(size=SIZE) as pilot:
        await _open_detail(pilot)
        notes = _text(app, "#job-detail-provider").replace("\n", " ")
        assert "Events are made from the job's states and progress: Fireworks lists no job " \
               "events" in notes
        assert "Fireworks keeps no intermediate checkpoints" in notes
        assert "z (Fireworks has no pause" in notes
        await pilot.press("d")  # no deployment to load it onto yet: the command to make one
        await until(pilot, lambda: "run:" in _text(app, "#job-detail-answer"), timeout=30)
        assert "firectl create deployment" in _text(app, "#job-detail-answer")
        deployment(sandbox)
        await pilot.press("d")
        await until(pilot, lambda: "✓" in _text(app, "#job-detail-answer"), timeout=30)
        assert job.fine_tuned_model in _text(app, "#job-detail-answer").replace("\n", "")


async def test_pause_on_together_is_refused_before_asking(sandbox, monkeypatch):
    await _train(sandbox, monkeypatch, "together")  # whatever its state: Together never pauses
    app = dialect_app(sandbox, monkeypatch, "together-sb")
    notes: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append(str(message)))
    async with app.run_test(size=SIZE) as pilot:
        await _open_detail(pilot)
        await pilot.press("z")
        await pilot.pause()
        assert isinstance(app.screen, JobDetail)  # no confirmation to answer for nothing
        assert "Together cannot pause a job: Together has no pause" in notes[-1]
