"""A server stopped mid-job (--state) picks the job up from its last checkpoint after a restart."""

from __future__ import annotations

import json
from pathlib import Path

import openai

from tests.local.conftest import metrics, sft_rows, upload, wait_for, wait_for_steps


def test_a_running_job_resumes_from_its_checkpoint_after_a_restart(models_dir: Path, tmp_path: Path,
                                                                   monkeypatch) -> None:
    from tui.engines.local.engine import LocalEngine
    from tui.sandbox.server import SandboxServer

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def server() -> SandboxServer:
        engine = LocalEngine(models_dir, work_dir=tmp_path / "jobs")
        return SandboxServer(api_key="sk-local-test", engine=engine, state_path=str(tmp_path / "state.db"))

    with server() as first:
        api = openai.OpenAI(base_url=first.base_url, api_key=first.api_key, max_retries=0)
        job = api.fine_tuning.jobs.create(model="tiny-chat", training_file=upload(api, sft_rows(10)), method={
            "type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 6, "batch_size": 1}}})
        wait_for_steps(api, job.id, 12)  # past the first epoch's checkpoint (step 10)
        before = len(metrics(api, job.id))
        api.close()
    assert before < 60, "the job must still be running when the server stops"
    with server() as second:
        api = openai.OpenAI(base_url=second.base_url, api_key=second.api_key, max_retries=0)
        done = wait_for(api, job.id)
        assert done.status == "succeeded", done.error
        assert [m["step"] for m in metrics(api, job.id)] == list(range(1, 61))
        api.close()
    log = (tmp_path / "jobs" / job.id / "train.log").read_text().splitlines()
    starts = [line for line in log if line.startswith("# tunedeck:")]
    assert len(starts) == 2 and "--resume" in starts[1]
    resumed_at = int(starts[1].rsplit("checkpoint-", 1)[1])
    assert resumed_at >= 10 and resumed_at % 10 == 0  # an epoch-end checkpoint
    recorded = [json.loads(line)["step"]
                for line in (tmp_path / "jobs" / job.id / "steps.jsonl").read_text().splitlines()]
    assert recorded == list(range(1, 61))


def test_a_restart_forgets_recorded_steps_the_store_never_took(models_dir: Path, tmp_path: Path) -> None:
    """A stop between the engine recording a step and the store taking it: the step runs again, once."""
    from tui.engines.local.engine import LocalEngine, LocalRun
    from tui.engines.protocol import TrainingPlan, TrainingSpec

    job_dir = tmp_path / "jobs" / "ftjob-race"
    job_dir.mkdir(parents=True)
    (job_dir / "steps.jsonl").write_text(
        "".join(json.dumps({"type": "step", "step": n, "metrics": {"train_loss": 1.0}}) + "\n"
                for n in range(1, 20)))
    spec = TrainingSpec(method="supervised", base_model="tiny-chat", training=b"", validation=None,
                        hyperparameters={}, seed=0, job_id="ftjob-race")
    plan = TrainingPlan(spec=spec, n_examples=10, n_epochs=6, batch_size=1, steps_per_epoch=10,
                        total_steps=60, trained_tokens=0, hyperparameters={},
                        private={"dir": str(job_dir), "job_id": "ftjob-race"})
    engine = LocalEngine(models_dir, work_dir=tmp_path / "jobs")

    LocalRun(engine, plan, start_step=19)  # the store holds steps 1-18

    recorded = [json.loads(line)["step"] for line in (job_dir / "steps.jsonl").read_text().splitlines()]
    assert recorded == list(range(1, 19))
    assert oct((job_dir / "steps.jsonl").stat().st_mode & 0o777) == "0o600"
