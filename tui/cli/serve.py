"""`tunedeck serve --engine local|sandbox`: the OpenAI-compatible server with a chosen engine.

`--engine local` trains open-weights models on this machine (TRL + PEFT, the
`[local]` extra) behind the same endpoints as the sandbox; `--engine sandbox`
is `tunedeck sandbox`. Loopback only unless --allow-public. `--export MODEL
--to DIR` writes a fine-tuned model's merged weights instead of serving.

Imported on every `tunedeck` start: the server and the engine load in `run`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tui.cli.plumbing import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from tui.core.untrusted import visible

LOCAL_KEY_HINT = "TUNEDECK_LOCAL_API_KEY"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "serve", help="serve the OpenAI-compatible API with a local training engine (or the sandbox)",
        description="Serve OpenAI-shaped endpoints on loopback. --engine local fine-tunes "
        "open-weights models from --models-dir (or the Hugging Face cache) on this machine's "
        "GPUs or CPU (needs: pip install 'tunedeck[local]').",
    )
    parser.add_argument("--engine", choices=("local", "sandbox"), default="local",
                        help="local: real training (TRL + PEFT); sandbox: deterministic models")
    parser.add_argument("--models-dir", type=Path, metavar="DIR",
                        help="folder of base models (one sub-folder with config.json each)")
    parser.add_argument("--model", action="append", default=[], metavar="HF_ID",
                        help="also offer this Hugging Face model id (from the HF cache; repeatable)")
    parser.add_argument("--work-dir", type=Path, metavar="DIR",
                        help="jobs' data, adapters and checkpoints (default $TUNEDECK_HOME/local)")
    parser.add_argument("--max-jobs", type=int, metavar="N",
                        help="jobs training at once (default: one per GPU, one on CPU)")
    parser.add_argument("--serving", choices=("auto", "transformers", "vllm"), default="auto",
                        help="how models answer (auto: vLLM when installed and a GPU is present)")
    parser.add_argument("--ray-address", metavar="URL",
                        help="train on this Ray cluster (its Jobs API, e.g. http://head:8265); "
                        "--work-dir must be storage every node mounts at the same path")
    parser.add_argument("--ray-runtime-env", type=Path, metavar="FILE",
                        help="a Ray runtime environment for the jobs (JSON: pip, env_vars, ...)")
    parser.add_argument("--tiny", action="store_true",
                        help="add a tiny random model 'tiny-chat' to the models dir (a demo in seconds)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8766, help="port (0 picks a free one; default 8766)")
    parser.add_argument("--api-key", help="the key clients must send (default: a random one)")
    parser.add_argument("--state", metavar="PATH",
                        help="SQLite state file (local default: WORK_DIR/state.db; sandbox: memory)")
    parser.add_argument("--speed", type=float, default=1.0, help="sandbox engine: clock multiplier")
    parser.add_argument("--faults", metavar="SPEC", help="fault injection (see `tunedeck sandbox -h`)")
    parser.add_argument("--allow-public", action="store_true",
                        help="allow binding a non-loopback address (anyone who can reach it can use it)")
    parser.add_argument("--export", metavar="MODEL",
                        help="instead of serving: write MODEL's merged weights (an ft:… name) --to DIR")
    parser.add_argument("--to", type=Path, metavar="DIR", help="export destination")
    parser.add_argument("--gguf", action="store_true", help="export: also write GGUF (llama.cpp)")
    # Long-running: the training libraries draw progress bars (carriage returns, colour)
    # on this terminal, so the command's streams are not passed through visible(); what
    # it prints from elsewhere (model names, errors) is, line by line, below.
    parser.set_defaults(func=run, own_terminal=True)


def _local_engine(args: argparse.Namespace, work_dir: Path):  # type: ignore[no-untyped-def]
    import importlib.util

    missing = [m for m in ("torch", "transformers", "trl", "peft") if importlib.util.find_spec(m) is None]
    if missing:
        raise ValueError(f"the local engine needs {', '.join(missing)}: "
                         "pip install 'tunedeck[local]'")
    from tui.engines.local.engine import LocalEngine

    if args.tiny:
        from tui.engines.local.tiny import build_tiny_model

        if args.models_dir is None:
            args.models_dir = work_dir / "models"
        if not (args.models_dir / "tiny-chat" / "config.json").exists():
            build_tiny_model(args.models_dir / "tiny-chat")
    if args.models_dir is None and not args.model:
        raise ValueError("--engine local needs --models-dir DIR and/or --model HF_ID (or --tiny)")
    ray = None
    if args.ray_address:
        from tui.engines.local.ray_jobs import RayCluster, RayUnavailable, read_runtime_env

        ray = RayCluster(args.ray_address, read_runtime_env(args.ray_runtime_env))
        try:
            ray.check()  # fail now, not at the first job
        except RayUnavailable as exc:
            raise ValueError(str(exc)) from None
    return LocalEngine(args.models_dir, work_dir=work_dir / "jobs", model_ids=tuple(args.model),
                       max_jobs=args.max_jobs, serving=args.serving, ray=ray)


def _export(args: argparse.Namespace, engine, state_path: str) -> int:  # type: ignore[no-untyped-def]
    from tui.engines.local import merged_weights
    from tui.sandbox.state import State

    if args.to is None:
        print("tunedeck serve: --export needs --to DIR", file=sys.stderr)
        return EXIT_USAGE
    state = State(state_path)
    try:
        record = state.get("models", args.export)
    finally:
        state.close()
    if record is None and args.export not in engine.base_models():
        print(f"tunedeck serve: no model {args.export!r} in {state_path}", file=sys.stderr)
        return EXIT_USAGE
    artifact = (record or {}).get("_artifact") or {}
    base = artifact.get("base", args.export)
    adapter = Path(artifact["adapter"]) if artifact.get("adapter") else None
    folder = merged_weights.merged(engine.resolve(base), adapter, args.to)
    print(f"merged weights: {visible(folder)}")
    if args.gguf:
        try:
            print(f"GGUF: {visible(merged_weights.to_gguf(folder))}")
        except merged_weights.ExportError as exc:
            print(f"tunedeck serve: {visible(exc)}", file=sys.stderr)
            return EXIT_FAILED
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from tui.core.paths import home_dir
    from tui.core.private_files import private_dir
    from tui.sandbox.faults import FaultSpecError
    from tui.sandbox.server import SandboxServer

    engine = None
    state = args.state
    try:
        if args.engine == "local":
            # Jobs' training data and weights live here: a folder only its owner enters.
            work_dir = private_dir((args.work_dir or home_dir() / "local").expanduser())
            engine = _local_engine(args, work_dir)
            state = state or str(work_dir / "state.db")
            if args.export:
                return _export(args, engine, state)
        server = SandboxServer(host=args.host, port=args.port, api_key=args.api_key, speed=args.speed,
                               faults=args.faults, state_path=state, allow_public=args.allow_public,
                               engine=engine)
        server.start()
    except (ValueError, FaultSpecError, OSError) as exc:
        print(f"tunedeck serve: {visible(exc)}", file=sys.stderr)
        return EXIT_USAGE
    if engine is None:
        print("tunedeck serve: sandbox engine: deterministic SANDBOX models, not a real model")
    elif engine.ray is not None:
        print(f"tunedeck serve: local engine: training on the Ray cluster at {engine.ray.address}; "
              f"jobs in {engine.work_dir} (storage its nodes must share)")
    else:
        print("tunedeck serve: local engine: real training on this machine "
              f"({', '.join('GPU ' + g for g in engine.gpus) or 'CPU'})")
        print(f"  models    {visible(', '.join(engine.base_models())) or '(none found)'}")
    print(f"  base URL  {server.base_url}")
    print(f"  API key   {server.api_key}")
    print(f"  profile   [profiles.local] kind = \"local\", base_url = \"{server.base_url}\", "
          f"api_key_env = \"{LOCAL_KEY_HINT}\"  (export {LOCAL_KEY_HINT}=<the key>)")
    if state:
        print(f"  state     {state}")
    from tui.cli.sandbox import serve_until_interrupted

    return serve_until_interrupted(server, "stopping…")
