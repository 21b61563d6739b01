"""The Jobs pane's headless twin with a `local` profile: a stored dataset fine-tunes tiny-chat."""

from __future__ import annotations

import json
from pathlib import Path

from tests.local.conftest import sft_rows


def test_jobs_commands_drive_the_local_engine(local_server, isolated_home: Path, monkeypatch,
                                              capsys, tmp_path: Path) -> None:
    from store import Store
    from tui.cli.main import main
    from tui.core.dataset_versions import write_version

    monkeypatch.setenv("TUNEDECK_LOCAL_API_KEY", local_server.api_key)
    (isolated_home / "config.toml").write_text(
        'default_profile = "gpu-box"\npoll_interval_s = 1.0\n[profiles.gpu-box]\nkind = "local"\n'
        f'base_url = "{local_server.base_url}"\napi_key_env = "TUNEDECK_LOCAL_API_KEY"\n')
    db = tmp_path / "cli.db"
    with Store(db) as store:
        write_version(store, "capitals", [json.dumps(r) for r in sft_rows(10)], model="tiny-chat")
    assert main(["--db", str(db), "jobs", "create", "--dataset", "capitals", "--model", "tiny-chat",
                 "--epochs", "1", "--batch-size", "2", "--metadata", "learning_rate=0.01",
                 "--yes", "--json"]) == 0
    job_id = json.loads(capsys.readouterr().out)["id"]
    assert main(["--db", str(db), "jobs", "watch", job_id, "--interval", "0.2"]) == 0
    watched = capsys.readouterr().out
    assert "Step 5/5" in watched and f"{job_id}: succeeded" in watched
    assert main(["--db", str(db), "jobs", "show", job_id, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["checkpoints"] and shown["result_file"].startswith("step,")
