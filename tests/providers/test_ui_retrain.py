"""Retrain elsewhere from the TUI: R on an OpenAI sandbox job -> the form -> the plan and
pre-flight on Together's rules -> the same guided loop `tunedeck jobs retrain` runs, over
real HTTP to the sandbox's OpenAI and Together dialects; the comparison on both cards."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Select

from store import Store
from tests.apphelpers import ready, until
from tests.flywheel.helpers import capitals_eval
from tests.jobs.helpers import stored_version
from tests.providers.helpers import profiles, sft, train_through_port
from tests.providers.uihelpers import dialect_app
from tui.core.paths import home_dir
from tui.screens.job_retrain import RetrainForm
from tui.screens.loops import LoopsScreen
from tui.screens.retrain_preflight import RetrainPreflight

pytest.importorskip("together")
SIZE = (150, 44)


def _trained(sandbox, monkeypatch, tmp_path):
    profile = profiles(sandbox, monkeypatch)["openai"]

    async def go():
        with Store(home_dir() / "tunedeck.db") as store:
            version = stored_version(store, name="capitals", n=12)
            capitals_eval(store, tmp_path)
            spec = sft(version, suffix="caps", seed=7)
            spec.hyperparameters["learning_rate_multiplier"] = 1.5
            job, provider = await train_through_port(store, profile, spec)
            await provider.close()
            return job

    return asyncio.run(go())


async def _retrain_form(pilot) -> RetrainForm:
    await ready(pilot)
    await pilot.press("4")
    await pilot.pause()
    await pilot.press("R")
    await until(pilot, lambda: isinstance(pilot.app.screen, RetrainForm))
    return pilot.app.screen


async def test_retrain_with_an_eval_runs_the_loop_and_compares(sandbox, monkeypatch,
                                                               tmp_path):
    old = await asyncio.to_thread(_trained, sandbox, monkeypatch, tmp_path)
    app = dialect_app(sandbox, monkeypatch, "openai-sb")
    app.settings.poll_interval_s = 0.05

    async with app.run_test(size=SIZE) as pilot:
        form = await _retrain_form(pilot)
        # Other profiles first; the base model follows the picked profile.
        assert form.query_one("#retrain-form-profile", Select).value == "together-sb"
        assert form.request().model == "sandbox-small"
        form.query_one("#retrain-form-eval", Select).value = \
            app.store.evals.list()[0].id
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, RetrainPreflight)
                    and app.screen.preflight is not None, timeout=30)
        text = str(app.screen.query_one("#job-preflight-text").render())
        assert f"Retrain {old.remote_id}" in text
        carried = next(line for line in text.splitlines() if line.startswith("Carried over"))
        assert "n_epochs=2" in carried and "suffix=caps" in carried and "seed=7" in carried
        assert "⚠ not carried over: learning_rate_multiplier=1.5: Together takes an " \
               "absolute" in text and "Not carried over" not in text  # said once
        assert "Provider: Together (profile together-sb)" in text
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, LoopsScreen))
        (loop,) = app.store.loops.list()
        assert loop.source_job_id == old.id and loop.profile == "together-sb"
        await until(pilot, lambda: app.store.loops.get(loop.id).stage in ("done", "failed"),
                    timeout=120)
        done = app.store.loops.get(loop.id)
        assert done.stage == "done", done.error
        assert done.comparison["baseline_model"] == old.fine_tuned_model
        await until(pilot, lambda: "100.0%" in str(
            app.screen.query_one("#loop-detail").render()), timeout=10)

    from tui.core.lineage import model_lineage

    with Store(home_dir() / "tunedeck.db") as store:
        new_model = store.loops.list()[0].comparison["model"]
        old_card = model_lineage(store, old.fine_tuned_model)
        assert [link["model"] for link in old_card.retrained_as] == [new_model]


async def test_retrain_without_an_eval_launches_on_the_target(sandbox, monkeypatch, tmp_path):
    old = await asyncio.to_thread(_trained, sandbox, monkeypatch, tmp_path)
    app = dialect_app(sandbox, monkeypatch, "openai-sb")
    async with app.run_test(size=SIZE) as pilot:
        form = await _retrain_form(pilot)
        form.query_one("#retrain-form-profile", Select).value = "fireworks-sb"
        await pilot.pause()
        assert form.request().model == "accounts/fireworks/models/sandbox-small"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, RetrainPreflight)
                    and app.screen.preflight is not None, timeout=30)
        text = str(app.screen.query_one("#job-preflight-text").render()).replace("\n", " ")
        assert "seed=7: Fireworks takes no seed" in text
        await pilot.press("y")
        await until(pilot, lambda: bool(app.store.jobs.list("fireworks-sb")), timeout=30)
        (new,) = app.store.jobs.list("fireworks-sb")
        assert new.training_version_id == old.training_version_id


async def test_the_model_card_offers_retrain_for_a_tuned_model_only(sandbox, monkeypatch,
                                                                    tmp_path):
    from tui.screens.model_card import ModelCardScreen

    old = await asyncio.to_thread(_trained, sandbox, monkeypatch, tmp_path)
    app = dialect_app(sandbox, monkeypatch, "openai-sb")
    notes: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append(str(message)))
        app.show_model_card("sandbox-large")  # a base model no job trained
        await until(pilot, lambda: isinstance(app.screen, ModelCardScreen))
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ModelCardScreen)
        assert "No job in the store trained sandbox-large" in notes[-1]
        await pilot.press("escape")
        app.show_model_card(old.fine_tuned_model)
        await until(pilot, lambda: isinstance(app.screen, ModelCardScreen))
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, RetrainForm))
        assert old.remote_id in str(app.screen.query_one("#retrain-form-job").render())
