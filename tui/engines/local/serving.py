"""Answers from base models, fine-tuned adapters and checkpoints.

`TransformersServer` (the default, and the only one tested here): models load
in this process on the first request (CPU, or the first visible GPU), one
PEFT model per base with each adapter loaded once by name; a base model
answers with its adapters disabled. `VllmServer` (when vllm is importable and
a GPU is present, or `--serving vllm`): one `vllm serve` per base model on
loopback with runtime LoRA loading, called through the openai SDK.
"""

from __future__ import annotations

import hashlib
import importlib.util
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import orjson

from tui.engines import structured
from tui.engines.local.data import clean, ensure_template
from tui.engines.protocol import Generation, GenerationParams

DEFAULT_MAX_TOKENS = 256


def make(kind: str = "auto") -> Any:
    if kind == "vllm" or (kind == "auto" and importlib.util.find_spec("vllm") is not None
                          and _has_cuda()):
        return VllmServer()
    return TransformersServer()


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def _adapter_name(path: Path) -> str:
    return "a" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]


def _shape(text: str, params: GenerationParams) -> str:
    if params.json_schema is None:
        return text
    # As the sandbox does: a small model's text, delivered inside the schema asked for.
    try:
        value = orjson.loads(text)
        if isinstance(value, dict):
            return text
    except orjson.JSONDecodeError:
        pass
    schema = params.json_schema or {"type": "object", "properties": {"answer": {"type": "string"}}}
    return orjson.dumps(structured.fill(schema, text)).decode()


class _Loaded:
    def __init__(self, tokenizer: Any, model: Any, device: str) -> None:
        self.tokenizer, self.model, self.device = tokenizer, model, device
        self.adapters: set[str] = set()
        self.lock = threading.Lock()


class TransformersServer:
    def __init__(self) -> None:
        self._models: dict[str, _Loaded] = {}
        self._lock = threading.Lock()

    def _load(self, path: Path) -> _Loaded:
        key = str(path)
        with self._lock:
            if key not in self._models:
                import torch
                from transformers import AutoModelForCausalLM, AutoTokenizer

                device = "cuda" if torch.cuda.is_available() else "cpu"
                dtype = torch.bfloat16 if device == "cuda" else torch.float32
                tokenizer = AutoTokenizer.from_pretrained(key)
                ensure_template(tokenizer)
                model = AutoModelForCausalLM.from_pretrained(key, dtype=dtype).to(device).eval()
                self._models[key] = _Loaded(tokenizer, model, device)
            return self._models[key]

    def _model_for(self, base_path: Path, adapter: Path | None) -> tuple[_Loaded, str | None]:
        if adapter is not None and not (adapter / "adapter_config.json").exists():
            return self._load(adapter), None  # a full fine-tune's checkpoint is a model itself
        loaded = self._load(base_path)
        if adapter is None:
            return loaded, None
        name = _adapter_name(adapter)
        with loaded.lock:
            if name not in loaded.adapters:
                from peft import PeftModel

                if not loaded.adapters:
                    loaded.model = PeftModel.from_pretrained(loaded.model, str(adapter), adapter_name=name)
                else:
                    loaded.model.load_adapter(str(adapter), adapter_name=name)
                loaded.model.eval()
                loaded.adapters.add(name)
        return loaded, name

    def generate(self, base_path: Path, adapter: Path | None, messages: list[dict[str, Any]],
                 params: GenerationParams) -> Generation:
        import contextlib

        import torch

        loaded, name = self._model_for(base_path, adapter)
        tok = loaded.tokenizer
        prompt = tok.apply_chat_template([clean(m) for m in messages], tokenize=False,
                                         add_generation_prompt=True)
        inputs = tok(prompt, add_special_tokens=False, return_tensors="pt").to(loaded.device)
        max_new = min(params.max_tokens or DEFAULT_MAX_TOKENS, 4096)
        eos = tok.eos_token_id
        kwargs: dict[str, Any] = {"max_new_tokens": max_new, "eos_token_id": eos,
                                  "pad_token_id": tok.pad_token_id if tok.pad_token_id is not None else eos}
        if params.temperature:
            kwargs.update(do_sample=True, temperature=params.temperature)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        with loaded.lock, torch.inference_mode():
            model = loaded.model
            if name is not None:
                model.set_adapter(name)
                scope: Any = contextlib.nullcontext()
            else:
                scope = model.disable_adapter() if loaded.adapters else contextlib.nullcontext()
            if params.seed is not None:
                torch.manual_seed(params.seed)
            with scope:
                out = model.generate(**inputs, **kwargs)
        new = out[0, inputs["input_ids"].shape[1]:].tolist()
        stopped = bool(new) and new[-1] == eos
        text = tok.decode(new, skip_special_tokens=True)
        finish = "stop" if stopped or len(new) < max_new else "length"
        return Generation(_shape(text, params), int(inputs["input_ids"].shape[1]), len(new), finish)

    def close(self) -> None:
        self._models.clear()


class VllmServer:
    """One `vllm serve` per base model on loopback; adapters loaded at runtime by name.

    Not exercised by the test suite (no GPU there); see docs/local.md for how it was run.
    """

    def __init__(self) -> None:
        self._procs: dict[str, tuple[subprocess.Popen[bytes], int, set[str]]] = {}
        self._lock = threading.Lock()

    def _server(self, base_path: Path) -> tuple[int, set[str]]:
        key = str(base_path)
        with self._lock:
            if key not in self._procs:
                with socket.socket() as s:
                    s.bind(("127.0.0.1", 0))
                    port = s.getsockname()[1]
                cmd = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", key,
                       "--served-model-name", "base", "--host", "127.0.0.1", "--port", str(port),
                       "--enable-lora", "--max-loras", "8", "--max-lora-rank", "64"]
                env = {**__import__("os").environ, "VLLM_ALLOW_RUNTIME_LORA_UPDATING": "True"}
                proc = subprocess.Popen(cmd, env=env)
                self._wait_ready(proc, port)
                self._procs[key] = (proc, port, set())
            _, port, names = self._procs[key]
            return port, names

    @staticmethod
    def _wait_ready(proc: subprocess.Popen[bytes], port: int, timeout: float = 900) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"vllm exited with status {proc.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise TimeoutError("vllm did not start in time")

    def generate(self, base_path: Path, adapter: Path | None, messages: list[dict[str, Any]],
                 params: GenerationParams) -> Generation:
        import httpx
        import openai

        port, names = self._server(base_path)
        model = "base"
        if adapter is not None:
            model = _adapter_name(adapter)
            if model not in names:
                httpx.post(f"http://127.0.0.1:{port}/v1/load_lora_adapter", timeout=120,
                           json={"lora_name": model, "lora_path": str(adapter)}).raise_for_status()
                names.add(model)
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="local")
        reply = client.chat.completions.create(
            model=model, messages=[clean(m) for m in messages],  # type: ignore[misc]
            max_tokens=params.max_tokens or DEFAULT_MAX_TOKENS,
            temperature=params.temperature or 0.0, seed=params.seed)
        choice = reply.choices[0]
        usage = reply.usage
        return Generation(_shape(choice.message.content or "", params),
                          usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0,
                          "length" if choice.finish_reason == "length" else "stop")

    def close(self) -> None:
        for proc, _, _ in self._procs.values():
            proc.terminate()
        self._procs.clear()
