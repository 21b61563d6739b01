"""--state: files, jobs, models and evals survive a restart; a running job resumes."""

from __future__ import annotations

import asyncio

from tests.sandbox.sandbox_data import client, question, sft_rows, upload, wait_for
from tui.sandbox.server import SandboxServer


async def test_state_survives_a_restart_and_a_running_job_resumes(tmp_path) -> None:
    path = str(tmp_path / "sandbox.db")
    with SandboxServer(api_key="k", speed=50, state_path=path) as server:
        async with client(server) as c:
            train = await upload(c, sft_rows(12))
            finished = await c.fine_tuning.jobs.create(model="sandbox-small", training_file=train,
                                                       hyperparameters={"n_epochs": 1})
            finished = await wait_for(lambda: c.fine_tuning.jobs.retrieve(finished.id), ("succeeded",))
            running = await c.fine_tuning.jobs.create(model="sandbox-small", training_file=train,
                                                      hyperparameters={"n_epochs": 8})
            await wait_for(lambda: c.fine_tuning.jobs.retrieve(running.id), ("running",))
            await asyncio.sleep(0.1)
            ev = await c.evals.create(name="kept", data_source_config={"type": "custom", "item_schema": {}},
                                      testing_criteria=[])
    with SandboxServer(api_key="k", speed=50, state_path=path) as server:
        async with client(server) as c:
            assert (await c.files.content(train)).content.count(b"\n") == 12
            kept = await c.fine_tuning.jobs.retrieve(finished.id)
            assert kept.status == "succeeded" and kept.fine_tuned_model == finished.fine_tuned_model
            answer = await c.chat.completions.create(
                model=kept.fine_tuned_model, messages=[{"role": "user", "content": question("Italy")}])
            assert answer.choices[0].message.content == "Rome"
            assert (await c.evals.retrieve(ev.id)).name == "kept"
            done = await wait_for(lambda: c.fine_tuning.jobs.retrieve(running.id), ("succeeded", "failed"))
            assert done.status == "succeeded"
            steps = [e.data["step"] async for e in c.fine_tuning.jobs.list_events(running.id)
                     if e.type == "metrics"]
            assert sorted(steps) == list(range(1, 97))  # no step lost or repeated across the restart
