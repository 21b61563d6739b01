"""The local engine's parts without a server: data masks, model lookup, rewards, export, CLI."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.local.conftest import sft_rows


@pytest.fixture(scope="module")
def tokenizer(models_dir: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(models_dir / "tiny-chat"))


def _decoded(tokenizer, example: dict) -> str:
    return tokenizer.decode([t for t, lab in zip(example["input_ids"], example["labels"], strict=True)
                             if lab != -100])


def test_only_weighted_assistant_turns_are_trained(tokenizer) -> None:
    from tui.engines.local.data import sft_example

    row = {"messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is two plus two?"},
        {"role": "assistant", "content": "Tell me a joke about cats.", "weight": 0},
        {"role": "user", "content": "Again?"},
        {"role": "assistant", "content": [{"type": "text", "text": "Two plus two is four."}]},
    ]}
    example = sft_example(row, tokenizer, 512)
    assert example is not None
    trained = _decoded(tokenizer, example)
    assert trained == "Two plus two is four.<|im_end|>\n"
    assert sft_example({"messages": [{"role": "user", "content": "hi"},
                                     {"role": "assistant", "content": "x", "weight": 0}]},
                       tokenizer, 512) is None


def test_tool_calls_and_truncation(tokenizer) -> None:
    from tui.engines.local.data import clean, sft_example

    call = {"role": "assistant", "content": None, "tool_calls": [{
        "id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]}
    assert clean(call)["tool_calls"][0]["function"]["arguments"] == {"city": "Paris"}
    assert clean({"role": "developer", "content": "x"})["role"] == "system"
    full = sft_example(sft_rows(1)[0], tokenizer, 512)
    cut = sft_example(sft_rows(1)[0], tokenizer, len(full["input_ids"]) - 2)
    assert cut["input_ids"] == full["input_ids"][:-2] and cut["labels"] == full["labels"][:-2]
    assert sft_example(sft_rows(1)[0], tokenizer, 4) is None  # nothing left to train on


def test_dpo_and_rft_rows() -> None:
    from tui.engines.local.data import convert

    dpo = convert("dpo", json.dumps({
        "input": {"messages": [{"role": "user", "content": "Q"}]},
        "preferred_output": [{"role": "assistant", "content": "good"}],
        "non_preferred_output": [{"role": "assistant", "content": "bad"}]}).encode(), "training_file")
    assert dpo == [{"prompt": [{"role": "user", "content": "Q"}],
                    "chosen": [{"role": "assistant", "content": "good"}],
                    "rejected": [{"role": "assistant", "content": "bad"}]}]
    rft = convert("reinforcement", b'{"messages": [{"role": "user", "content": "Q"}], "answer": "A"}\n',
                  "training_file")
    assert json.loads(rft[0]["item"])["answer"] == "A"


def test_rewards_are_the_graders_scores() -> None:
    from tui.engines.local.worker import _reward_function

    reward = _reward_function({"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
                               "reference": "{{item.answer}}", "operation": "eq"})
    item = json.dumps({"answer": "Paris"})
    completions = [[{"role": "assistant", "content": "Paris"}], [{"role": "assistant", "content": "Rome"}]]
    assert reward(completions, [item, item]) == [1.0, 0.0]
    assert reward.__name__ == "exact"


def test_a_model_missing_offline_says_what_is_missing(tmp_path: Path, monkeypatch) -> None:
    from tui.engines.local.models import ModelNotAvailable, list_dir, resolve

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(ModelNotAvailable) as info:
        resolve("HuggingFaceTB/SmolLM2-135M-Instruct", tmp_path)
    message = str(info.value)
    assert "not available offline" in message and "HF_HUB_OFFLINE" in message
    assert "hf download HuggingFaceTB/SmolLM2-135M-Instruct" in message
    assert list_dir(tmp_path) == []


def test_a_model_from_the_models_dir_or_a_path(models_dir: Path) -> None:
    from tui.engines.local.models import list_dir, resolve

    assert list_dir(models_dir) == ["tiny-chat"]
    assert resolve("tiny-chat", models_dir) == models_dir / "tiny-chat"
    assert resolve(str(models_dir / "tiny-chat")) == models_dir / "tiny-chat"


def test_metadata_options_map_onto_trainer_settings(models_dir: Path, tmp_path: Path) -> None:
    from tui.engines.local.engine import LocalEngine
    from tui.engines.protocol import TrainingSpec

    engine = LocalEngine(models_dir, work_dir=tmp_path)
    data = b"".join(json.dumps(r).encode() + b"\n" for r in sft_rows(12))
    plan = engine.plan(TrainingSpec(
        method="supervised", base_model="tiny-chat", training=data, validation=None,
        hyperparameters={"n_epochs": 2, "batch_size": 5, "learning_rate_multiplier": 2.0}, seed=7,
        job_id="ftjob-x", metadata={"lora_r": "4", "learning_rate": "0.001", "max_length": "64"}))
    assert (plan.steps_per_epoch, plan.total_steps) == (3, 6)
    cfg = json.loads((tmp_path / "ftjob-x" / "job.json").read_text())
    assert cfg["learning_rate"] == pytest.approx(0.002)
    assert cfg["local"] == {"lora_r": 4, "learning_rate": 0.001, "max_length": 64}
    auto = engine.plan(TrainingSpec(method="supervised", base_model="tiny-chat", training=data,
                                    validation=None, hyperparameters={}, seed=1, job_id="ftjob-y"))
    assert auto.hyperparameters == {"n_epochs": 8, "batch_size": 1, "learning_rate_multiplier": 1.0}


def test_the_queue_is_first_come_first_served(models_dir: Path, tmp_path: Path) -> None:
    from tui.engines.local.engine import LocalEngine

    engine = LocalEngine(models_dir, work_dir=tmp_path, max_jobs=1)
    engine.gpus = []
    assert engine.try_reserve("a")
    assert not engine.try_reserve("b") and not engine.try_reserve("c")
    engine.release("a")
    assert not engine.try_reserve("c")  # b came first
    assert engine.try_reserve("b")
    engine.release("b")
    assert engine.try_reserve("c")


def test_each_job_gets_a_gpu_of_its_own(models_dir: Path, tmp_path: Path, monkeypatch) -> None:
    """GPUs come from CUDA_VISIBLE_DEVICES; a job's process sees only the one it holds."""
    from tui.engines.local import process
    from tui.engines.local.engine import LocalEngine

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,5")
    engine = LocalEngine(models_dir, work_dir=tmp_path)
    assert engine.gpus == ["2", "5"] and engine.slots == 2
    assert engine.try_reserve("a") and engine.try_reserve("b") and not engine.try_reserve("c")
    assert {engine.device_of("a"), engine.device_of("b")} == {"2", "5"}
    freed = engine.device_of("a")
    engine.release("a")
    assert engine.try_reserve("c") and engine.device_of("c") == freed
    assert process.worker_env(engine.device_of("c"))["CUDA_VISIBLE_DEVICES"] == freed
    assert process.worker_env(None)["CUDA_VISIBLE_DEVICES"] == "2,5"  # a job naming none: as is


def test_export_merges_the_adapter(models_dir: Path, tmp_path: Path) -> None:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from tui.engines.local.merged_weights import ExportError, merged, to_gguf

    base = AutoModelForCausalLM.from_pretrained(str(models_dir / "tiny-chat"))
    tuned = get_peft_model(base, LoraConfig(r=4, target_modules="all-linear", init_lora_weights=False))
    tuned.save_pretrained(tmp_path / "adapter")
    ids = torch.tensor([[5, 6, 7]])
    expected = tuned(ids).logits
    out = merged(models_dir / "tiny-chat", tmp_path / "adapter", tmp_path / "merged")
    again = AutoModelForCausalLM.from_pretrained(str(out))
    assert torch.allclose(again(ids).logits, expected, atol=1e-4)
    assert (out / "tokenizer.json").exists()
    with pytest.raises(ExportError, match="convert_hf_to_gguf"):
        to_gguf(out)


def test_serve_command_needs_models(tmp_path: Path, capsys) -> None:
    from tui.cli.main import main

    assert main(["serve", "--engine", "local", "--work-dir", str(tmp_path)]) == 2
    assert "--models-dir" in capsys.readouterr().err
    assert main(["serve", "--models-dir", str(tmp_path), "--host", "0.0.0.0",
                 "--work-dir", str(tmp_path)]) == 2
    assert "non-loopback" in capsys.readouterr().err


def test_a_local_profile_has_fine_tuning() -> None:
    from tui.core.config import Capability, Profile

    profile = Profile(name="gpu-box", kind="local", base_url="http://127.0.0.1:8766/v1",
                      api_key_env="TUNEDECK_LOCAL_API_KEY")
    assert profile.has(Capability.FINE_TUNING) and profile.has(Capability.CHAT)
    assert profile.has(Capability.FILES)


def test_tokenizers_without_offsets_mask_the_same_turns(tokenizer) -> None:
    from tui.engines.local.data import sft_example

    class Slow:  # a tokenizer without offset mappings (slow, sentencepiece-only ones)
        is_fast = False

        def __init__(self, inner) -> None:
            self.inner = inner

        def __getattr__(self, name: str):
            return getattr(self.inner, name)

        def __call__(self, *args, **kwargs):
            return self.inner(*args, **kwargs)

    row = {"messages": [{"role": "user", "content": "What is two plus two?"},
                        {"role": "assistant", "content": "No.", "weight": 0},
                        {"role": "user", "content": "Again?"},
                        {"role": "assistant", "content": "Two plus two is four."}]}
    example = sft_example(row, Slow(tokenizer), 512)
    assert _decoded(tokenizer, example) == "Two plus two is four.<|im_end|>\n"
    assert tokenizer.decode(example["input_ids"]) == tokenizer.apply_chat_template(
        row["messages"], tokenize=False)


def test_bad_local_options_are_named(models_dir: Path, tmp_path: Path) -> None:
    from tui.engines.local.engine import local_options
    from tui.engines.protocol import TrainingDataError

    assert local_options({"full_finetune": "true", "gpus": "1"}) == {"full": True, "gpus": "1"}
    with pytest.raises(TrainingDataError, match="full_finetune.*true or false"):
        local_options({"full_finetune": "maybe"})
    with pytest.raises(TrainingDataError, match="lora_r.*an integer"):
        local_options({"lora_r": "x"})


def test_serve_tiny_and_export_from_the_command_line(models_dir: Path, tmp_path: Path, capsys) -> None:
    import argparse

    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from tui.cli.main import main
    from tui.cli.serve import _local_engine
    from tui.sandbox.state import State

    args = argparse.Namespace(tiny=True, models_dir=None, model=[], max_jobs=None, serving="auto",
                              ray_address=None, ray_runtime_env=None)
    engine = _local_engine(args, tmp_path / "work")
    assert engine.base_models() == ["tiny-chat"] and engine.owner == "tunedeck-local"

    base = AutoModelForCausalLM.from_pretrained(str(models_dir / "tiny-chat"))
    get_peft_model(base, LoraConfig(r=4, target_modules="all-linear")).save_pretrained(tmp_path / "ad")
    state = State(tmp_path / "state.db")
    state.put("models", {"id": "ft:tiny-chat:tunedeck::x", "object": "model", "_artifact": {
        "engine": "local", "base": "tiny-chat", "adapter": str(tmp_path / "ad")}})
    state.close()
    common = ["serve", "--models-dir", str(models_dir), "--work-dir", str(tmp_path / "work"),
              "--state", str(tmp_path / "state.db")]
    assert main([*common, "--export", "ft:tiny-chat:tunedeck::x", "--to", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "config.json").exists() and "merged weights" in capsys.readouterr().out
    assert main([*common, "--export", "ft:nope", "--to", str(tmp_path / "out2")]) == 2
    assert "no model 'ft:nope'" in capsys.readouterr().err


def test_a_ray_jobs_wire_is_read_in_whole_lines(tmp_path: Path) -> None:
    """A line the job is still writing (on a shared filesystem) waits for its end."""
    from tui.engines.local.ray_jobs import RayChannel, RayCluster
    from tui.engines.local.worker import FileWire

    channel = RayChannel(RayCluster("http://127.0.0.1:1"), tmp_path, "tunedeck-x")
    assert channel._next_line() is None  # no file yet: nothing, not an error
    FileWire(tmp_path).send({"type": "step", "step": 1, "metrics": {}})
    with open(tmp_path / "wire.jsonl", "ab") as f:
        f.write(b'{"type": "st')
    assert json.loads(channel._next_line() or b"")["step"] == 1
    assert channel._next_line() is None
    with open(tmp_path / "wire.jsonl", "ab") as f:
        f.write(b'ep", "step": 2, "metrics": {}}\n')
    assert json.loads(channel._next_line() or b"")["step"] == 2
    channel.request_pause()
    assert FileWire(tmp_path).should_pause()


def test_a_ray_cluster_that_stops_answering_fails_the_job_with_that_reason(tmp_path: Path,
                                                                          monkeypatch) -> None:
    from tui.engines.local import ray_jobs

    monkeypatch.setattr(ray_jobs, "LOST_AFTER_SECONDS", 0.5)
    monkeypatch.setattr(ray_jobs, "STATUS_SECONDS", 0.05)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        address = f"http://127.0.0.1:{s.getsockname()[1]}"
    channel = ray_jobs.RayChannel(ray_jobs.RayCluster(address), tmp_path, "tunedeck-gone")
    assert channel.receive() is None  # gives up instead of waiting for ever
    reason = channel.finish() or ""
    assert reason.startswith(f"lost contact with the Ray cluster at {address}")
    assert "the job tunedeck-gone may still be running there" in reason


def test_a_jobs_folder_and_its_copy_of_the_data_are_private(models_dir: Path,
                                                            tmp_path: Path) -> None:
    import os
    import stat

    from tui.engines.local.engine import LocalEngine
    from tui.engines.protocol import TrainingSpec

    old = os.umask(0o022)
    try:
        engine = LocalEngine(models_dir, work_dir=tmp_path)
        data = b"".join(json.dumps(r).encode() + b"\n" for r in sft_rows(12))
        engine.plan(TrainingSpec(method="supervised", base_model="tiny-chat", training=data,
                                 validation=data, hyperparameters={}, seed=1, job_id="ftjob-p"))
    finally:
        os.umask(old)
    job_dir = tmp_path / "ftjob-p"
    assert stat.S_IMODE(job_dir.stat().st_mode) == 0o700
    for name in ("job.json", "train.jsonl", "valid.jsonl"):
        assert stat.S_IMODE((job_dir / name).stat().st_mode) == 0o600, name
