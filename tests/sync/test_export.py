"""`tunedeck export dataset|eval`: exact training lines, CSV columns, atomic files, clear errors."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import os

import pytest

from store import Store
from tests.evals.helpers import client as sandbox_client
from tests.jobs.helpers import port, sft_lines, stored_version
from tests.sync.helpers import KEY_ENV, run_cli, seed_account
from tui.core.config import Profile
from tui.core.jobs.preflight import prepare_file
from tui.core.private_files import atomic_output
from tui.core.sync import sync_profile


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "x.db"
    with Store(path) as store:
        stored_version(store, name="capitals", n=12, bad=2)  # v1: 12 valid + 2 invalid
        stored_version(store, name="capitals", n=11)  # v2: 11 valid
        stored_version(store, name="other", n=10)
    return path


def test_dataset_jsonl_is_exactly_what_a_job_trains_on(db, capsys):
    assert run_cli(db, "export", "dataset", "capitals@1") == 0
    out = capsys.readouterr()
    with Store(db) as store:
        [v1] = [v for v in store.datasets.versions(store.datasets.get_by_name("capitals").id)
                if v.version == 1]
        training = prepare_file(store, "any", v1.id, "training")
    assert out.out.encode() == training.data
    assert hashlib.sha256(out.out.encode()).hexdigest() == training.sha256
    assert out.out.splitlines() == sft_lines(12)
    assert "capitals v1: 12 valid of 14 lines" in out.err
    # Latest ready version by default; @v2 names the same.
    assert run_cli(db, "export", "dataset", "capitals") == 0
    latest = capsys.readouterr().out
    assert latest.splitlines() == sft_lines(11)
    assert run_cli(db, "export", "dataset", "capitals@v2") == 0
    assert capsys.readouterr().out == latest
    # --all keeps the invalid lines too.
    assert run_cli(db, "export", "dataset", "capitals@1", "--all") == 0
    assert capsys.readouterr().out.splitlines() == sft_lines(12, bad=2)


def test_dataset_csv(db, capsys, tmp_path):
    assert run_cli(db, "export", "dataset", "capitals@1", "--all", "--format", "csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0]) == ["line", "status", "category", "tokens", "data"]
    assert [r["line"] for r in rows] == [str(n) for n in range(1, 15)]
    assert [r["status"] for r in rows] == ["valid"] * 12 + ["invalid"] * 2
    assert json.loads(rows[0]["data"]) == json.loads(sft_lines(1)[0])
    assert int(rows[0]["tokens"]) > 10 and rows[13]["category"]
    # The extension picks the format when --format is not given.
    target = tmp_path / "out" / "capitals.csv"
    assert run_cli(db, "export", "dataset", "capitals@1", "-o", str(target)) == 0
    assert f"wrote 12 examples to {target} (csv)" in capsys.readouterr().err
    assert target.read_bytes().startswith(b"line,status,category,tokens,data\r\n")
    assert len(list(csv.DictReader(target.open(newline="")))) == 12


def test_output_file_is_replaced_atomically(db, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    target = out / "capitals.jsonl"
    target.write_text("old contents\n")
    os.chmod(target, 0o640)
    assert run_cli(db, "export", "dataset", "capitals", "-o", str(target)) == 0
    assert target.read_text().splitlines() == sft_lines(11)
    assert target.stat().st_mode & 0o777 == 0o600  # replaced, private: it holds the data
    # A writer that fails half-way leaves the old file whole and no temp file behind.
    with pytest.raises(RuntimeError), atomic_output(target) as handle:
        handle.write("partial\n")
        raise RuntimeError("disk on fire")
    assert target.read_text().splitlines() == sft_lines(11)
    assert [p.name for p in out.iterdir()] == ["capitals.jsonl"]
    fresh = out / "new.jsonl"
    assert run_cli(db, "export", "dataset", "other", "-o", str(fresh)) == 0
    assert fresh.stat().st_mode & 0o777 == 0o600  # private, like the store
    assert run_cli(db, "export", "dataset", "other", "-o", str(out)) == 2
    assert "cannot write" in capsys.readouterr().err


def test_unknown_references_list_what_exists(db, capsys):
    assert run_cli(db, "export", "dataset", "capitols") == 2
    assert "no dataset named 'capitols'; stored datasets: capitals, other" \
        in capsys.readouterr().err
    assert run_cli(db, "export", "dataset", "capitals@7") == 2
    assert "dataset 'capitals' has no ready version 7; its versions: v2, v1" \
        in capsys.readouterr().err
    assert run_cli(db, "export", "eval", "nope") == 2
    assert "no eval 'nope'; stored evals: none" in capsys.readouterr().err


def _eval_with_two_runs(store) -> tuple[int, list[int]]:
    ev = store.evals.create("local-echo", testing_criteria=[
        {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
         "reference": "{{item.reference}}", "operation": "eq"}])
    runs = []
    for model, passing in (("sandbox-small", {1}), ("ft:sandbox-small:x", {0, 1})):
        run = store.evals.create_run(ev.id, model=model, status="completed", name=model)
        for i in range(2):
            ok = i in passing
            store.evals.record_result(
                run.id, i, item={"reference": f"r{i}"}, status="pass" if ok else "fail",
                sample={"output_text": f"o{i}"}, score=1.0 if ok else 0.0,
                results=[{"name": "exact", "score": 1.0 if ok else 0.0, "passed": ok}],
                input_tokens=5, output_tokens=2)
        runs.append(run.id)
    return ev.id, runs


def test_eval_all_runs_or_one(db, capsys):
    with Store(db) as store:
        eval_id, (first, second) = _eval_with_two_runs(store)
    assert run_cli(db, "export", "eval", "local-echo") == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["run_id"], r["model"], r["datasource_item_id"], r["status"]) for r in rows] == [
        (first, "sandbox-small", 0, "fail"), (first, "sandbox-small", 1, "pass"),
        (second, "ft:sandbox-small:x", 0, "pass"), (second, "ft:sandbox-small:x", 1, "pass")]
    assert rows[0]["results"] == [{"name": "exact", "score": 0.0, "passed": False}]
    assert rows[0]["sample"] == {"output_text": "o0"} and rows[0]["eval"] == "local-echo"
    assert run_cli(db, "export", "eval", str(eval_id), "--run", str(second),
                   "--format", "csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["run_id"], r["model"], r["item_index"], r["exact.passed"], r["output_text"])
            for r in rows] == [(str(second), "ft:sandbox-small:x", "0", "True", "o0"),
                               (str(second), "ft:sandbox-small:x", "1", "True", "o1")]
    assert run_cli(db, "export", "eval", "local-echo", "--run", "99") == 2
    assert f"eval 'local-echo' has no run '99'; its runs: {first}, {second}" \
        in capsys.readouterr().err
    assert run_cli(db, "export", "eval", "nope") == 2
    assert f"stored evals: local-echo (id {eval_id})" in capsys.readouterr().err


def test_a_synced_hosted_eval_exports_by_its_provider_id(sandbox, tmp_path, monkeypatch,
                                                          capsys):
    monkeypatch.setenv(KEY_ENV, sandbox.api_key)
    profile = Profile(name="acct", kind="sandbox", base_url=sandbox.base_url,
                      api_key_env=KEY_ENV)
    db = tmp_path / "h.db"

    async def go():
        client = sandbox_client(sandbox)
        with Store(db) as store:
            seeded = await seed_account(client, store, "acct")
            await sync_profile(port(profile, client), store, profile)
        await client.close()
        return seeded

    seeded = asyncio.run(go())
    assert run_cli(db, "export", "eval", seeded["eval"], "--run", seeded["run"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 4 and {r["run_remote_id"] for r in rows} == {seeded["run"]}
    assert {r["model"] for r in rows} == {"sandbox-small"}
    assert [r["datasource_item"] for r in rows] == [{"q": f"q {i}"} for i in range(4)]
    assert all(r["status"] == "pass" for r in rows)
