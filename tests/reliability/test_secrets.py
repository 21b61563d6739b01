"""A known fake key used everywhere must show up nowhere: store, config, output, notices."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from textual.widgets import Input, TextArea

from tests.apphelpers import SIZE, ready, sandbox_app, settle, wait_for_group
from tui.sandbox.server import SandboxServer

CANARY = "sk-canary-7f3e9a1b2c4d5e6f0a1b2c3d"


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def leaks(root: Path) -> list[str]:
    return [str(p) for p in files_under(root) if CANARY.encode() in p.read_bytes()]


async def test_the_key_is_never_written_or_shown(monkeypatch, isolated_home, tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps({"messages": [
        {"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}) + "\n"
        for i in range(12)))
    with SandboxServer(api_key=CANARY, speed=50.0) as server:
        app = sandbox_app(server, monkeypatch, isolated_home)
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            datasets = app.pane("datasets")
            datasets.run_import(str(data), "train", "gpt-4o-mini")
            await wait_for_group(pilot, "dataset-import")
            await settle(pilot)
            await pilot.press("u")
            await settle(pilot)
            await wait_for_group(pilot, "dataset-upload")
            await pilot.press("2")
            await settle(pilot)
            pane = app.pane("playground")
            pane.query_one("#pg-models", Input).value = "sandbox-small, no-such-model"
            pane.query_one("#pg-user", TextArea).text = f"echo this: {CANARY[:6]}"
            await app.run_pane_action("playground", "run")
            await wait_for_group(pilot, "playground-run")
            await settle(pilot)
            shown = [n.message for n in app._notifications]
            runs = app.store.prompts.runs()
            export = tmp_path / "export.jsonl"
            datasets.derive("export", datasets.version_id, path=str(export))
            await wait_for_group(pilot, "dataset-derive")
            shot = tmp_path / "shots"
            shot.mkdir()
            app.save_screenshot(filename="s.svg", path=str(shot))
        # A wrong key: the provider's 401 message must not echo it either.
        env = {**os.environ, "TUNEDECK_TEST_SANDBOX_KEY": CANARY + "x"}
        root = Path(__file__).resolve().parents[2]
        outputs = []
        for args in (["jobs", "list", "--sync"], ["validate", str(data), "--json"]):
            done = subprocess.run([sys.executable, "-m", "tui.cli.main", *args], cwd=root, env=env,
                                  capture_output=True, text=True, timeout=120)
            outputs.append(done.stdout + done.stderr)
    assert any(r.status == "error" for r in runs)  # the unknown model failed, visibly
    assert not any(CANARY in text for text in shown + outputs)
    assert not any(CANARY in (r.error or "") for r in runs)
    assert leaks(isolated_home) == []  # database (+ WAL), config
    assert leaks(tmp_path / "shots") == [] and CANARY not in export.read_text()
    db = isolated_home / "tunedeck.db"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
