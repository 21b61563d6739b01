"""Every file tunedeck writes that holds a user's data is 0600, whatever the umask.

On a shared machine a umask of 022 made `tunedeck sandbox --state PATH` (the
uploaded training data), the Datasets and Evals panes' exports (`w`) and the
eval exports 0644: readable by every other account.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from store import Store
from tests.apphelpers import SIZE, make_app, ready, settle, wait_for_group
from tests.datasets_pane.test_datasets_pane import import_through_form, sft
from tests.evals.helpers import make_run

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def shared_machine_umask():
    old = os.umask(0o022)  # the usual default: new files 0644 unless made private
    yield
    os.umask(old)


def test_tunedeck_sandbox_state_and_its_wal_are_private(tmp_path):
    state = tmp_path / "state" / "sandbox.db"
    state.parent.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.cli.main", "sandbox", "--port", "0", "--state", str(state),
         "--api-key", "sk-sandbox-private-test"],
        stdout=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
        # Ctrl-C must reach it even when the tests run in a background job (which
        # starts children with SIGINT ignored).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        lines = [proc.stdout.readline() for _ in range(2)]
        base = lines[1].split()[-1]
        request = urllib.request.Request(
            f"{base}/uploads", method="POST", headers={
                "Authorization": "Bearer sk-sandbox-private-test",
                "Content-Type": "application/json"},
            data=json.dumps({"purpose": "fine-tune", "filename": "t.jsonl", "bytes": 10,
                             "mime_type": "application/jsonl"}).encode())
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200  # a write: the WAL now holds data
        deadline = time.monotonic() + 10
        while not Path(f"{state}-wal").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        for path in (state, Path(f"{state}-wal"), Path(f"{state}-shm")):
            assert mode(path) == 0o600, path
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()


def test_an_older_world_readable_sandbox_state_is_narrowed(tmp_path):
    from tui.sandbox.state import State

    path = tmp_path / "old.db"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    State(path).close()
    assert mode(path) == 0o600


async def test_the_datasets_pane_export_is_private(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text("\n".join(sft(i) for i in range(12)) + "\n")
    out = tmp_path / "exports" / "clean.jsonl"
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await import_through_form(pilot, str(data), "support")
        await pilot.press("w")
        await settle(pilot)
        from textual.widgets import Input

        app.screen.query_one(Input).value = str(out)
        await pilot.press("enter")
        await wait_for_group(pilot, "dataset-derive")
    assert len(out.read_text().splitlines()) == 12
    assert mode(out) == 0o600


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_eval_exports_are_private_even_over_a_world_readable_file(tmp_path, suffix):
    # The function the Evals pane's `w` and `tunedeck eval export` both call.
    from tui.core.evals.results_export import export_csv, export_jsonl

    with Store(tmp_path / "e.db") as store:
        run = make_run(store, 3)
        for i in range(3):
            store.evals.record_result(run.id, i, item={"question": f"q {i}"}, status="pass")
        target = tmp_path / f"run{suffix}"
        target.write_text("old\n")
        os.chmod(target, 0o644)
        writer = export_csv if suffix == ".csv" else export_jsonl
        assert writer(store, run.id, target) == 3
    assert mode(target) == 0o600
    text = target.read_text()
    assert "old" not in text
    rows = list(csv.reader(text.splitlines())) if suffix == ".csv" else text.splitlines()
    assert len(rows) == (4 if suffix == ".csv" else 3)


def test_the_cli_export_over_a_world_readable_file_is_private(tmp_path):
    from tests.jobs.helpers import stored_version
    from tui.cli import main as cli

    db = tmp_path / "c.db"
    with Store(db) as store:
        stored_version(store, name="support", n=12)
    out = tmp_path / "support.csv"
    out.write_text("old\n")
    os.chmod(out, 0o644)
    assert cli.main(["--db", str(db), "export", "dataset", "support", "-o", str(out)]) == 0
    assert mode(out) == 0o600 and len(out.read_text().splitlines()) == 13


def test_private_files_helpers(tmp_path):
    from tui.core.private_files import atomic_output, private_dir, write_private

    folder = private_dir(tmp_path / "a" / "b")
    assert mode(folder) == 0o700
    write_private(folder / "x.bin", b"secret")
    assert mode(folder / "x.bin") == 0o600
    with pytest.raises(FileExistsError):
        with atomic_output(folder / "x.bin", overwrite=False) as handle:
            handle.write("never")
    assert (folder / "x.bin").read_bytes() == b"secret"
    assert [p.name for p in folder.iterdir()] == ["x.bin"]  # no temp file left behind


async def test_the_copy_the_together_sdk_uploads_from_is_private(sandbox, monkeypatch):
    """The SDK uploads from a path: tunedeck's copy of the training data is 0600 in 0700."""
    pytest.importorskip("together")
    from tests.providers.helpers import profiles
    from tui.core.finetune import provider_for

    provider = provider_for(profiles(sandbox, monkeypatch)["together"], max_retries=0)
    seen: list[tuple[int, int]] = []
    upload = provider.sdk.files.upload

    async def watched(*, file, **kwargs):
        seen.append((mode(file), mode(file.parent)))  # while the copy exists
        return await upload(file=file, **kwargs)

    monkeypatch.setattr(provider.sdk.files, "upload", watched)
    try:
        data = b'{"messages": [{"role": "user", "content": "hi"}, ' \
               b'{"role": "assistant", "content": "hello"}]}\n' * 10
        remote = await provider.send_file(data, "private-v1-training-0123456789ab.jsonl")
        assert remote["status"] == "processed"
        assert seen == [(0o600, 0o700)]
    finally:
        await provider.close()
