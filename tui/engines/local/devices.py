"""Which device a job trains on: one GPU per job, picked by free memory, or the CPU.

The GPUs this process may use are CUDA_VISIBLE_DEVICES (when set) or all that
NVML reports; a job gets the one with the most free memory that no other job
holds, through CUDA_VISIBLE_DEVICES in its process's environment. A job's
metadata may name its own (`gpus: "1"`). Without NVML (nvidia-ml-py) torch
counts the GPUs and the first free one is taken; no GPU: one slot, the CPU.
"""

from __future__ import annotations

import os


def visible_gpus() -> list[str]:
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is not None:
        return [g.strip() for g in env.split(",") if g.strip() and g.strip() != "-1"]
    try:
        import pynvml  # nvidia-ml-py

        pynvml.nvmlInit()
        return [str(i) for i in range(pynvml.nvmlDeviceGetCount())]
    except Exception:  # noqa: BLE001 - no NVML: ask torch (no driver: no GPU)
        import torch

        return [str(i) for i in range(torch.cuda.device_count())]


def free_memory(gpu: str) -> int:
    """Free bytes on `gpu` per NVML, or 0 when unknown (then the order decides)."""
    try:
        import pynvml

        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(int(gpu))
        return int(pynvml.nvmlDeviceGetMemoryInfo(handle).free)
    except Exception:  # noqa: BLE001
        return 0


def pick(free: list[str]) -> str:
    """The free GPU with the most free memory."""
    return max(free, key=free_memory)
