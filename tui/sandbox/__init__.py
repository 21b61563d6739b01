"""The sandbox: a loopback OpenAI-compatible API with deterministic, labelled models.

Layers, so a real training engine can replace the sandbox's own:

* `runner.SandboxServer` — uvicorn in a daemon thread (what the CLI, the app and tests start);
* `app` — Starlette app, auth and fault injection (`faults` documents the spec grammar);
* `routes/` — one module per resource, answering in the openai SDK's own types (`shapes.dump`);
* `dialects/` — the other providers' APIs (Azure v1 and ARM, Bedrock, Together, Fireworks)
  as shape layers over the same lifecycles, engine and state;
* `jobs`, `batch_runner`, `eval_runner` — lifecycles, as asyncio tasks in the server loop;
* `engine.Engine` — the protocol; `sandbox_engine.SandboxEngine` — the honest models;
* `state` — in memory, or written through to SQLite with `--state`;
* `validation` — job files checked by `tui.core.datasets` (the datasets pane's validator);
* `grading` — templates and `string_check` for eval runs and RFT.

Nothing here imports textual.
"""
