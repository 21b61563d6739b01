"""The Workbench's use cases, headless (no Textual), against the sandbox over real HTTP."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest

from tests.apphelpers import SANDBOX_KEY_ENV, use_sandbox_profile
from tests.evals.helpers import make_run
from tui.core.config import load_settings
from tui.core.playground.runner import RunParams
from tui.core.workbench import Workbench

MESSAGES = [{"role": "user", "content": "Say hello"}]


@pytest.fixture
def workbench(sandbox, monkeypatch, isolated_home):
    use_sandbox_profile(sandbox, monkeypatch, isolated_home)
    with Workbench(load_settings(), isolated_home / "tunedeck.db") as workbench:
        yield workbench


def _sft_file(tmp_path: Path, n: int = 12) -> Path:
    path = tmp_path / "support.jsonl"
    path.write_text("".join(json.dumps({"messages": [
        {"role": "user", "content": f"question {i}"},
        {"role": "assistant", "content": f"answer {i}"}]}) + "\n" for i in range(n)))
    return path


def _start(workbench: Workbench, model: str = "sandbox-small") -> int:
    version = workbench.store.prompts.save("hello", MESSAGES)
    return workbench.start_playground_run(model=model, messages=MESSAGES, api="chat",
                                          params=RunParams(), prompt_version_id=version.id)


def test_a_playground_run_streams_and_is_recorded(workbench):
    run_id = _start(workbench)
    assert workbench.store.prompts.run(run_id).status == "running"
    deltas: list[str] = []
    outcome = asyncio.run(workbench.record_playground_run(
        run_id, model="sandbox-small", messages=MESSAGES, params=RunParams(), api="chat",
        on_delta=deltas.append))
    run = workbench.store.prompts.run(run_id)
    assert outcome.status == run.status == "completed"
    assert deltas and run.output_text == "".join(deltas) == outcome.output_text
    assert run.input_tokens and run.output_tokens and run.latency_ms is not None
    assert run.profile == "sandbox" and run.error is None


def test_a_run_without_a_key_is_stored_as_an_error_not_raised(workbench, monkeypatch):
    monkeypatch.delenv(SANDBOX_KEY_ENV)
    run_id = _start(workbench)
    outcome = asyncio.run(workbench.record_playground_run(
        run_id, model="sandbox-small", messages=MESSAGES, params=RunParams(), api="chat"))
    run = workbench.store.prompts.run(run_id)
    assert run.status == "error" and SANDBOX_KEY_ENV in (run.error or "")
    assert outcome.extra["error_text"] == run.error


def test_import_then_upload_on_a_worker_thread_s_own_connection(workbench, tmp_path):
    result = workbench.import_dataset(_sft_file(tmp_path), name="support", model="gpt-4o-mini")
    version = result.version
    assert (version.status, version.n_examples, version.n_invalid) == ("ready", 12, 0)
    uploads: list[tuple[str | None, bool]] = []

    def worker() -> None:
        # As the Datasets pane's upload worker does: its own loop and store connection.
        async def upload(store):
            return await workbench.upload_dataset_version(version.id, store=store)

        for _ in range(2):
            prepared, file_id, fresh = workbench.run_in_thread(upload)
            uploads.append((file_id, fresh))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=60)
    (first, fresh), (second, again) = uploads
    assert first and first.startswith("file") and fresh
    assert second == first and not again  # the same content is not sent twice
    assert workbench.store.files.list("sandbox")


def test_an_eval_run_executes_to_its_end(workbench):
    run = make_run(workbench.store, 10)
    finished = asyncio.run(workbench.execute_eval(run.id))
    assert finished.status == "completed"
    assert finished.result_counts["passed"] == 5 and finished.result_counts["failed"] == 5


def test_switching_profile_changes_whose_runs_are_recorded(workbench):
    with pytest.raises(Exception, match="nosuch"):
        workbench.switch_profile("nosuch")
    assert workbench.profile.name == "sandbox"
    other = next(name for name in workbench.settings.profiles if name != "sandbox")
    assert workbench.switch_profile(other).name == other
    run_id = _start(workbench)
    assert workbench.store.prompts.run(run_id).profile == other


def test_an_eval_run_exports_as_csv(workbench, tmp_path):
    run = make_run(workbench.store, 4)
    asyncio.run(workbench.execute_eval(run.id))
    target = tmp_path / "results.csv"
    assert workbench.export_eval_run(run.id, str(target)) == 4
    assert target.read_text().count("\n") >= 5  # a header and one row per item


def test_spend_counts_a_recorded_playground_run(workbench):
    # Priced (USD per 1M tokens) in the settings, as `[prices.input]` / `[prices.output]` do.
    workbench.settings.prices.input["sandbox-small"] = 1000.0
    workbench.settings.prices.output["sandbox-small"] = 2000.0
    run_id = _start(workbench)
    asyncio.run(workbench.record_playground_run(
        run_id, model="sandbox-small", messages=MESSAGES, params=RunParams(), api="chat"))
    assert (workbench.store.prompts.run(run_id).cost_usd or 0) > 0
    entries, budgets = workbench.spend()
    assert [(e.source, e.profile, e.model) for e in entries] == [
        ("playground", "sandbox", "sandbox-small")]
    assert budgets == []  # no profile has a budget here


def test_sync_pulls_the_provider_s_files_into_a_fresh_database(workbench, tmp_path):
    version = workbench.import_dataset(_sft_file(tmp_path), name="support",
                                       model="gpt-4o-mini").version
    _, file_id, _ = asyncio.run(workbench.upload_dataset_version(version.id))
    # Another machine's database knows nothing of that file until it syncs.
    with Workbench(workbench.settings, tmp_path / "other.db", "sandbox") as other:
        assert other.store.files.list("sandbox") == []
        said: list[str] = []
        report = asyncio.run(other.sync(("files",), say=said.append))
        assert report.added() >= 1
        assert file_id in [f.remote_id for f in other.store.files.list("sandbox")]
