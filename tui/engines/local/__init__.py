"""The local fine-tuning engine: open-weights models trained with TRL + PEFT on this machine.

Installed with `pip install 'tunedeck[local]'`; served behind the sandbox's
OpenAI-compatible HTTP layer by `tunedeck serve --engine local`. Only
`engine.LocalEngine` is imported by the server; torch, transformers, trl and
peft load lazily, inside the functions that need them, so the core app and
`tunedeck --version` never pay for them.

* `models` — base models from a directory or the Hugging Face cache (offline-aware);
* `data` — OpenAI's supervised / DPO / RFT JSONL turned into TRL datasets;
* `engine` — the `Engine` protocol: plans, the job queue (slots), one process per job;
* `worker` — the training function and its process (`python -m tui.engines.local.worker JOB_DIR`);
* `process` — how a run talks to its training: a child process (one, or `accelerate launch`);
* `ray_jobs`, `ray_train` — the same training on a Ray cluster (Ray Jobs + Ray Train);
* `devices` — which GPU a job gets (CUDA_VISIBLE_DEVICES, NVML free memory);
* `serving` — chat answers from base models, adapters and checkpoints (transformers; vLLM);
* `export` — merged weights (and GGUF where llama.cpp's converter is available);
* `tiny` — a tiny random model + tokenizer for tests, demos and the benchmark.
"""
