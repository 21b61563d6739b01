"""`tunedeck sandbox`: serve the loopback OpenAI-compatible sandbox until Ctrl-C.

Imported on every `tunedeck` start, so the server itself is imported lazily.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from tui.cli.plumbing import EXIT_OK, EXIT_USAGE

FAULTS_HELP = """\
fault spec (--faults), comma-separated KEY=VALUE:
  latency=SECONDS      delay every request
  429=P | 500=P        answer a share P (0..1) of requests 429 (with retry-after) or 500
  drop=P               drop the connection mid-response for a share P of requests
  fail_jobs=P          a share P of fine-tuning jobs fail halfway (server_error)
  training_not_available=P  a share P of OpenAI job creations answer 403 training_not_available
  retry_after=SECONDS  what a 429's retry-after says (default 1)
  seed=N               reproducible draws
per request: header X-Sandbox-Fault: 429 | 500 | drop | latency=SECONDS | fail_job |
             training_not_available
other providers' APIs on the same engine and state:
  Azure OpenAI v1   {base}/openai/v1   (api-key header; deployments: {base}/azure-management)
  Bedrock           {base}/bedrock/v1
  Together          Together(base_url="{base}/together")
  Fireworks         Fireworks(base_url="{base}/fireworks", account_id="sandbox")
"""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "sandbox",
        help="serve a local OpenAI-compatible sandbox API (deterministic models, no key needed)",
        description="Serve the sandbox: OpenAI-shaped endpoints on loopback with deterministic "
        "sandbox models, real fine-tuning jobs on your data, evals and batches.",
        epilog=FAULTS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one; default 8765)")
    parser.add_argument("--api-key", help="the key clients must send (default: a random sk-sandbox-… key)")
    parser.add_argument("--speed", type=float, default=1.0,
                        help="clock multiplier for jobs, runs and streams (default 1.0; 10 = ten times faster)")
    parser.add_argument("--faults", metavar="SPEC",
                        help="inject faults, e.g. latency=0.1,429=0.2,500=0.1,drop=0.1,fail_jobs=1")
    parser.add_argument("--state", metavar="PATH", help="keep state in this SQLite file across restarts")
    parser.add_argument("--allow-public", action="store_true",
                        help="allow binding a non-loopback address (anyone who can reach it can use it)")
    # A long-running server: its streams are its own (see serve.py); it prints no data.
    parser.set_defaults(func=run, own_terminal=True)


def run(args: argparse.Namespace) -> int:
    from tui.sandbox.faults import FaultSpecError
    from tui.sandbox.server import SandboxServer

    try:
        server = SandboxServer(
            host=args.host, port=args.port, api_key=args.api_key, speed=args.speed,
            faults=args.faults, state_path=args.state, allow_public=args.allow_public,
        )
        server.start()
    except (ValueError, FaultSpecError, OSError) as exc:
        print(f"tunedeck sandbox: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print("tunedeck sandbox: deterministic SANDBOX models, not a real model", flush=True)
    print(f"  base URL  {server.base_url}")
    print(f"  API key   {server.api_key}")
    print(f"  try       OPENAI_BASE_URL={server.base_url} OPENAI_API_KEY={server.api_key} ...")
    root = server.root_url
    print(f"  also      Azure v1 {root}/openai/v1/ · Bedrock {root}/bedrock/v1 · "
          f"Together {root}/together · Fireworks {root}/fireworks (same key)")
    if args.state:
        print(f"  state     {args.state}")
    from tui import startup_gc

    startup_gc.freeze_long_lived()  # a long-lived server's start-up heap: tui/startup_gc.py
    return serve_until_interrupted(server, "stopping the sandbox…")


def serve_until_interrupted(server: Any, stopping: str) -> int:
    """Keep a started server up until Ctrl-C, then stop it (it owns its thread)."""
    print("Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        print(f"\n{stopping}", file=sys.stderr)
    finally:
        server.stop()
    return EXIT_OK
