"""The local engine over real HTTP: a tiny random model built here, trained on this CPU.

Skipped without the `[local]` extra. One server for the folder (jobs queue
in it as they would for a user); nothing reaches the Hugging Face hub.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("trl")
pytest.importorskip("peft")

import openai  # noqa: E402

FINAL = ("succeeded", "failed", "cancelled")


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tui.engines.local.tiny import build_tiny_model

    root = tmp_path_factory.mktemp("local-models")
    build_tiny_model(root / "tiny-chat")
    return root


@pytest.fixture(scope="package")  # stopped (and HF_HUB_OFFLINE restored) when tests/local ends
def local_server(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tui.engines.local.engine import LocalEngine
    from tui.sandbox.server import SandboxServer

    work = tmp_path_factory.mktemp("local-work")
    engine = LocalEngine(models_dir, work_dir=work / "jobs", serving="transformers")
    yield from serve_offline(SandboxServer(api_key="sk-local-test", engine=engine,
                                           state_path=str(work / "state.db")))


def serve_offline(server: Any) -> Iterator[Any]:
    """Run `server` with HF_HUB_OFFLINE=1 (restored after): nothing reaches the hub."""
    saved = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if saved is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = saved


@pytest.fixture
def api(local_server: Any) -> Iterator[openai.OpenAI]:
    client = openai.OpenAI(base_url=local_server.base_url, api_key=local_server.api_key, max_retries=0)
    yield client
    client.close()


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in rows)


def upload(api: openai.OpenAI, rows: list[dict[str, Any]], name: str = "train.jsonl") -> str:
    return api.files.create(file=(name, jsonl(rows)), purpose="fine-tune").id


def wait_for(api: openai.OpenAI, job_id: str, statuses: tuple[str, ...] = FINAL,
             timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        job = api.fine_tuning.jobs.retrieve(job_id)
        if job.status in statuses:
            return job
        assert time.monotonic() < deadline, f"job stayed {job.status}"
        time.sleep(0.1)


def metrics(api: openai.OpenAI, job_id: str) -> list[dict[str, Any]]:
    events = api.fine_tuning.jobs.list_events(job_id, limit=1000).data
    return [e.data for e in reversed(events) if e.type == "metrics"]


def messages(api: openai.OpenAI, job_id: str) -> list[str]:
    """The job's event messages, oldest first."""
    return [e.message for e in reversed(api.fine_tuning.jobs.list_events(job_id, limit=1000).data)]


def wait_for_steps(api: openai.OpenAI, job_id: str, n: int = 1, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(metrics(api, job_id)) < n:
        assert time.monotonic() < deadline, "no metrics arrived"
        time.sleep(0.05)


QA = [("France", "Paris"), ("Italy", "Rome")]


def sft_rows(n: int = 10, pairs: list[tuple[str, str]] = QA) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        country, city = pairs[i % len(pairs)]
        rows.append({"messages": [
            {"role": "user", "content": f"What is the capital of {country}?"},
            {"role": "assistant", "content": f"The capital of {country} is {city}."},
        ]})
    return rows
