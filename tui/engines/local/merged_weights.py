"""Merged weights of a fine-tuned model, for users who serve it elsewhere.

The adapter is merged into its base (PEFT `merge_and_unload`) and saved with
the tokenizer as a plain transformers folder; with `gguf=True` llama.cpp's
`convert_hf_to_gguf.py` (found on PATH or in $LLAMA_CPP_DIR) writes a GGUF
file beside it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tui.core.private_files import private_dir


class ExportError(RuntimeError):
    pass


def merged(base_path: Path, adapter: Path | None, out: Path) -> Path:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if adapter is not None and not (adapter / "adapter_config.json").exists():
        base_path, adapter = adapter, None  # a full fine-tune: already a whole model
    model = AutoModelForCausalLM.from_pretrained(str(base_path))
    if adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    # Weights trained on the user's data: a folder only its owner enters.
    private_dir(out)
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(str(base_path)).save_pretrained(out)
    return out


def gguf_converter() -> Path | None:
    found = shutil.which("convert_hf_to_gguf.py")
    if found:
        return Path(found)
    root = os.environ.get("LLAMA_CPP_DIR")
    if root and (Path(root) / "convert_hf_to_gguf.py").is_file():
        return Path(root) / "convert_hf_to_gguf.py"
    return None


def to_gguf(folder: Path) -> Path:
    converter = gguf_converter()
    if converter is None:
        raise ExportError("GGUF export needs llama.cpp's convert_hf_to_gguf.py: put it on PATH or "
                          "set LLAMA_CPP_DIR to a llama.cpp checkout (the merged folder is written)")
    target = folder / "model.gguf"
    subprocess.run([sys.executable, str(converter), str(folder), "--outfile", str(target)], check=True)
    return target
