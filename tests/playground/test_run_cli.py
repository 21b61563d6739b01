"""`tunedeck run`: a saved prompt against the sandbox, recorded like a pane run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from store import Store
from tests.apphelpers import SANDBOX_KEY_ENV

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui.cli.main", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_run_records_a_saved_prompt_version(sandbox, isolated_home):
    (isolated_home / "config.toml").write_text(
        f'default_profile = "sandbox"\n[profiles.sandbox]\nkind = "sandbox"\n'
        f'base_url = "{sandbox.base_url}"\napi_key_env = "{SANDBOX_KEY_ENV}"\n')
    env = {**os.environ, SANDBOX_KEY_ENV: sandbox.api_key}
    with Store(isolated_home / "tunedeck.db") as store:
        store.prompts.save("greet", [{"role": "user", "content": "Hello {{who}}"}])
        v2 = store.prompts.save("greet", [{"role": "user", "content": "Hi there {{who}}"}])
    done = cli("run", "--prompt", "greet", "--model", "sandbox-small", "--var", "who=Ada",
               "--json", env=env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "completed" and result["version"] == 2
    assert "Ada" in result["output"] and result["usage"]["output_tokens"] > 0
    with Store(isolated_home / "tunedeck.db") as store:
        (run,) = store.prompts.runs()
        assert run.prompt_version_id == v2.id and run.output_text == result["output"]
        assert run.input == [{"role": "user", "content": "Hi there Ada"}]
    old = cli("run", "--prompt", "greet", "--version", "1", "--model", "sandbox-small",
              "--var", "who=Bo", env=env)
    assert old.returncode == 0 and "Hello Bo" in old.stdout
    missing = cli("run", "--prompt", "greet", "--model", "sandbox-small", env=env)
    assert missing.returncode == 2 and "--var" in missing.stderr
    unknown = cli("run", "--prompt", "nope", "--model", "sandbox-small", env=env)
    assert unknown.returncode == 2 and "greet" in unknown.stderr
    bad_model = cli("run", "--prompt", "greet", "--model", "no-such-model", "--var", "who=x",
                    env=env)
    assert bad_model.returncode == 1 and "404" in bad_model.stderr
