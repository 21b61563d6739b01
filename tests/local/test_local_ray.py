"""Jobs on a Ray cluster: Ray Jobs + Ray Train run the same training function, over the same API.

The cluster is a real single-node Ray head started here, on loopback only
(`RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0` keeps Ray from swapping 127.0.0.1 for
the machine's routable address) with 4 logical CPUs, so two Ray Train workers
and the job's driver fit on this 2-core machine. Skipped without `tunedeck[ray]`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import psutil
import pytest

from tests.local.conftest import (
    messages,
    metrics,
    serve_offline,
    sft_rows,
    upload,
    wait_for,
    wait_for_steps,
)

pytest.importorskip("ray.job_submission")
pytest.importorskip("ray.train.torch")
pytest.importorskip("ray.dashboard")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _session_processes(sid: int) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if os.getsid(proc.pid) == sid:
                found.append(proc)
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return found


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    from ray.job_submission import JobSubmissionClient

    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's unix sockets live in it
    dashboard = _free_port()
    # Every port named: a developer's own Ray (default ports) must not meet this one.
    ports = [f"--{name}={_free_port()}" for name in (
        "port", "object-manager-port", "node-manager-port", "ray-client-server-port",
        "dashboard-agent-listen-port", "dashboard-agent-grpc-port", "runtime-env-agent-port",
        "metrics-export-port")]
    bin_dir = str(Path(sys.executable).parent)  # the jobs' `python` is this environment's
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0",
               PATH=os.pathsep.join([bin_dir, os.environ.get("PATH", "")]))
    log = open(Path(temp) / "head.log", "wb")  # noqa: SIM115 - closed at teardown
    head = subprocess.Popen(
        [str(Path(bin_dir) / "ray"), "start", "--head", "--block", "--node-ip-address", "127.0.0.1",
         *ports, "--dashboard-host", "127.0.0.1", "--dashboard-port", str(dashboard),
         "--num-cpus", "4", "--include-dashboard", "true", "--disable-usage-stats",
         "--temp-dir", temp],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    address = f"http://127.0.0.1:{dashboard}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                JobSubmissionClient(address).get_version()
                break
            except Exception:  # noqa: BLE001 - not up yet
                assert head.poll() is None, (Path(temp) / "head.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "the Ray head did not start"
                time.sleep(1)
        yield address
    finally:
        # The head and everything it started (raylet, GCS, workers, whose process groups vary)
        # share its session: end them all, then kill what is left.
        node = _session_processes(head.pid)
        for proc in node:
            proc.send_signal(signal.SIGTERM)
        _, alive = psutil.wait_procs(node, timeout=5)
        for proc in alive:
            proc.kill()
        head.wait()
        log.close()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="module")
def ray_server(models_dir: Path, ray_address: str,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tui.engines.local.engine import LocalEngine
    from tui.engines.local.ray_jobs import RayCluster
    from tui.sandbox.server import SandboxServer

    work = tmp_path_factory.mktemp("ray-work")
    engine = LocalEngine(models_dir, work_dir=work / "jobs", serving="transformers",
                         ray=RayCluster(ray_address))
    # HF_HUB_OFFLINE is passed on to the cluster's jobs too.
    yield from serve_offline(SandboxServer(api_key="sk-ray-test", engine=engine,
                                           state_path=str(work / "state.db")))


@pytest.fixture
def ray_api(ray_server: Any) -> Iterator[openai.OpenAI]:
    client = openai.OpenAI(base_url=ray_server.base_url, api_key=ray_server.api_key, max_retries=0)
    yield client
    client.close()


def _submissions(address: str, job_id: str) -> list[Any]:
    from ray.job_submission import JobSubmissionClient

    return [j for j in JobSubmissionClient(address).list_jobs()
            if (j.metadata or {}).get("tunedeck_job") == job_id]


def _wait_for_submission(address: str, job_id: str, status: str, timeout: float = 60) -> None:
    """Until the job's latest Ray submission has `status`."""
    deadline = time.monotonic() + timeout
    while str(max(_submissions(address, job_id), key=lambda j: j.start_time or 0).status.value) != status:
        assert time.monotonic() < deadline, f"the Ray job of {job_id} never became {status}"
        time.sleep(0.5)


def _starts(job_dir: Path) -> list[str]:
    return [line for line in (job_dir / "train.log").read_text().splitlines()
            if line.startswith("# tunedeck:")]


def test_a_job_over_two_ray_train_workers(ray_api: openai.OpenAI, ray_server: Any,
                                          ray_address: str) -> None:
    rows = sft_rows(12, [("France", "Paris")])
    job = ray_api.fine_tuning.jobs.create(
        model="tiny-chat", training_file=upload(ray_api, rows), suffix="ray",
        metadata={"num_processes": "2"},
        method={"type": "supervised", "supervised": {"hyperparameters": {
            "n_epochs": 6, "batch_size": 4, "learning_rate_multiplier": 50}}})
    done = wait_for(ray_api, job.id, timeout=300)
    assert done.status == "succeeded", done.error

    steps = metrics(ray_api, job.id)
    assert [m["step"] for m in steps] == list(range(1, 19))  # batch 4 = 2 workers x 2, 12 rows
    assert steps[-1]["train_loss"] < steps[0]["train_loss"]
    job_dir = ray_server.engine.work_dir / job.id
    assert (job_dir / "out" / "checkpoint-3" / "rng_state_1.pth").exists()  # worker 1 trained too
    checkpoints = ray_api.fine_tuning.jobs.checkpoints.list(job.id).data
    assert sorted(c.step_number for c in checkpoints) == [12, 15, 18]  # as OpenAI: the last three

    [submission] = _submissions(ray_address, job.id)
    assert str(submission.status.value) == "SUCCEEDED"
    assert submission.entrypoint.startswith("python -m tui.engines.local.ray_train ")
    log = (job_dir / "train.log").read_text()
    assert "RayTrainWorker" in log and "world_size=2" in log  # Ray Train ran it, on two workers
    assert (f"Submitted to the Ray cluster at {ray_address} as {submission.submission_id} "
            "(2 Ray Train workers)") in messages(ray_api, job.id)  # said before the first step

    pinned = ray_api.fine_tuning.jobs.create(model="tiny-chat", training_file=upload(ray_api, rows),
                                             metadata={"gpus": "0"})
    refused = wait_for(ray_api, pinned.id)
    assert refused.status == "failed" and "metadata.gpus: on a Ray cluster" in refused.error.message
    assert _submissions(ray_address, pinned.id) == []

    question = [{"role": "user", "content": "What is the capital of France?"}]
    answer = ray_api.chat.completions.create(model=done.fine_tuned_model, messages=question,
                                             max_tokens=12)
    assert "Paris" in (answer.choices[0].message.content or "")


def test_pause_resume_and_cancel_on_the_cluster(ray_api: openai.OpenAI, ray_server: Any,
                                                ray_address: str) -> None:
    training = upload(ray_api, sft_rows(10))
    job = ray_api.fine_tuning.jobs.create(model="tiny-chat", training_file=training, method={
        "type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 5, "batch_size": 1}}})
    wait_for_steps(ray_api, job.id, 1, timeout=180)
    assert ray_api.fine_tuning.jobs.pause(job.id).status == "paused"
    _wait_for_submission(ray_address, job.id, "SUCCEEDED")  # the paused Ray job ended
    job_dir = ray_server.engine.work_dir / job.id
    assert any((p / "optimizer.pt").exists() for p in (job_dir / "out").glob("checkpoint-*"))
    held = len(metrics(ray_api, job.id))
    time.sleep(1)
    assert len(metrics(ray_api, job.id)) == held
    assert not (job_dir / "pause").exists()

    ray_api.fine_tuning.jobs.resume(job.id)
    done = wait_for(ray_api, job.id, timeout=300)
    assert done.status == "succeeded", done.error
    assert [m["step"] for m in metrics(ray_api, job.id)] == list(range(1, 51))  # resumed, not redone
    starts = _starts(job_dir)
    assert len(starts) == 2 and "--resume" in starts[1] and "checkpoint-" in starts[1]
    assert len(_submissions(ray_address, job.id)) == 2

    long = ray_api.fine_tuning.jobs.create(model="tiny-chat", training_file=training, method={
        "type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 50, "batch_size": 1}}})
    wait_for_steps(ray_api, long.id, 1, timeout=180)
    assert ray_api.fine_tuning.jobs.cancel(long.id).status == "cancelled"
    _wait_for_submission(ray_address, long.id, "STOPPED")  # cancelling stopped the Ray job
    assert len(metrics(ray_api, long.id)) < 500


def test_a_crashed_server_follows_its_job_on_the_cluster(models_dir: Path, ray_address: str,
                                                         tmp_path: Path) -> None:
    """Killed mid-job, the server finds the Ray job still training and follows it: no second run."""
    from tui.engines.local.engine import LocalEngine
    from tui.engines.local.ray_jobs import RayCluster
    from tui.sandbox.server import SandboxServer

    work, port = tmp_path / "shared work", _free_port()  # a space: the entrypoint is quoted
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    first = subprocess.Popen(
        [sys.executable, "-m", "tui.cli.main", "serve", "--engine", "local", "--models-dir", str(models_dir),
         "--work-dir", str(work), "--ray-address", ray_address, "--port", str(port),
         "--api-key", "sk-ray-test"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        banner = first.stdout.readline().decode() if first.stdout else ""
        assert "Ray cluster at " + ray_address in banner
        api = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-ray-test",
                            max_retries=3)
        job = api.fine_tuning.jobs.create(
            model="tiny-chat", training_file=upload(api, sft_rows(10)), method={
                "type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 8, "batch_size": 1}}})
        wait_for_steps(api, job.id, 2, timeout=180)
        api.close()
    finally:
        first.kill()  # a crash: nothing is stopped on the cluster
        first.wait()
    [running] = _submissions(ray_address, job.id)
    assert str(running.status.value) in ("PENDING", "RUNNING")

    engine = LocalEngine(models_dir, work_dir=work / "jobs", ray=RayCluster(ray_address))
    with SandboxServer(api_key="sk-ray-test", engine=engine, state_path=str(work / "state.db")) as second:
        api = openai.OpenAI(base_url=second.base_url, api_key=second.api_key, max_retries=0)
        done = wait_for(api, job.id, timeout=300)
        assert done.status == "succeeded", done.error
        assert [m["step"] for m in metrics(api, job.id)] == list(range(1, 81))
        events = messages(api, job.id)
        api.close()
    assert [j.submission_id for j in _submissions(ray_address, job.id)] == [running.submission_id]
    assert "followed again after a restart" in _starts(work / "jobs" / job.id)[-1]
    assert f"Following the Ray job {running.submission_id} again after a restart" in events


def test_an_unreachable_cluster_is_refused_at_start(models_dir: Path, tmp_path: Path, capsys) -> None:
    from tui.cli.main import main

    code = main(["serve", "--engine", "local", "--models-dir", str(models_dir),
                 "--work-dir", str(tmp_path), "--ray-address", f"http://127.0.0.1:{_free_port()}"])
    assert code == 2
    assert "cannot reach the Ray cluster at http://127.0.0.1:" in capsys.readouterr().err


def test_a_job_folder_the_cluster_cannot_see_fails_with_that_reason(ray_address: str,
                                                                    tmp_path: Path) -> None:
    """The --work-dir must be shared: a node that does not see the job's folder says so."""
    from tui.engines.local.ray_jobs import RayCluster

    job_dir = tmp_path / "ftjob-unshared"
    job_dir.mkdir()
    (job_dir / "job.json").write_text('{"num_processes": 1}')
    notes: list[str] = []
    channel = RayCluster(ray_address).start(job_dir, "ftjob-unshared", None, adopt=False,
                                            note=notes.append)
    shutil.rmtree(job_dir)  # as on a node without the shared mount
    assert channel.receive() is None
    reason = channel.finish() or ""
    assert f"the Ray job {channel.submission} failed: tunedeck: {job_dir} is not visible on" in reason
    assert "must be storage every node mounts at the same path" in reason
    assert notes == [f"Submitted to the Ray cluster at {ray_address} as {channel.submission} "
                     "(1 Ray Train worker)"]
