"""The local engine (a tiny model trained on this CPU) through the port, like any provider.

Reuses tests/local's fixtures (skipped, as they are, without the `[local]` extra).
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("trl")
pytest.importorskip("peft")

from store import Store  # noqa: E402
from tests.local.conftest import local_server, models_dir, sft_rows  # noqa: E402,F401
from tests.providers.helpers import ask, stored, train_through_port  # noqa: E402
from tui.core.config import Profile  # noqa: E402
from tui.core.jobs.spec import JobSpec  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
KEY_ENV = "TUNEDECK_LOCAL_PORT_KEY"


def local_profile(server, monkeypatch) -> Profile:
    monkeypatch.setenv(KEY_ENV, server.api_key)
    return Profile(name="gpu-box", kind="local", base_url=server.base_url, api_key_env=KEY_ENV)


async def test_sft_on_the_local_engine_through_the_port(tmp_path, local_server,  # noqa: F811
                                                      monkeypatch):
    profile = local_profile(local_server, monkeypatch)
    store = Store(tmp_path / "p.db")
    lines = [json.dumps(r) for r in sft_rows(10, [("France", "Paris")])]
    spec = JobSpec(model="tiny-chat", training_version_id=stored(store, "france", lines),
                   hyperparameters={"n_epochs": 3, "batch_size": 2,
                                    "learning_rate_multiplier": 50})
    job, provider = await train_through_port(store, profile, spec, timeout=240)
    assert job.status == "succeeded", job.error
    assert [m.step for m in store.jobs.metrics(job.id)] == list(range(1, 16))
    assert sorted(c.step_number for c in store.jobs.checkpoints(job.id)) == [5, 10, 15]
    assert (await provider.make_answerable(store, job)).ready
    assert "Paris" in await ask(provider, job.fine_tuned_model, "What is the capital of France?")
    await provider.close()


async def test_dpo_on_the_local_engine_through_the_port(tmp_path, local_server,  # noqa: F811
                                                      monkeypatch):
    profile = local_profile(local_server, monkeypatch)
    store = Store(tmp_path / "p.db")
    rows = [json.dumps({
        "input": {"messages": [{"role": "user", "content": f"What is the capital of {c}?"}]},
        "preferred_output": [{"role": "assistant", "content": f"The capital of {c} is {city}."}],
        "non_preferred_output": [{"role": "assistant", "content": "Tell me a joke."}]})
        for c, city in [("France", "Paris"), ("Italy", "Rome")] * 5]
    spec = JobSpec(model="tiny-chat", training_version_id=stored(store, "prefs", rows),
                   method="dpo", hyperparameters={"n_epochs": 2, "batch_size": 2, "beta": 0.1})
    job, provider = await train_through_port(store, profile, spec, timeout=240)
    assert job.status == "succeeded", job.error
    assert len(store.jobs.metrics(job.id)) == 10 and store.jobs.checkpoints(job.id)
    assert await ask(provider, job.fine_tuned_model, "Hello")
    await provider.close()
