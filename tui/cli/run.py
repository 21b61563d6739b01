"""`tunedeck run`: the playground, headless — one saved prompt against one model.

Records the run in the store exactly as the pane does (prompt version, model,
parameters, output, usage), so CI runs and pane runs share one history.
Exit codes: 0 completed, 1 the run failed or was cut short, 2 usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys

from tui.cli.plumbing import EXIT_FAILED, EXIT_OK, EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "run", help="run a saved prompt against a model (the playground, headless)",
        description="Run a saved prompt version against a model and record the run.",
    )
    parser.add_argument("--prompt", required=True, metavar="NAME", help="a saved prompt")
    parser.add_argument("--version", type=int, metavar="N", help="prompt version (default: latest)")
    parser.add_argument("--model", required=True, metavar="M")
    parser.add_argument("--var", action="append", default=[], metavar="K=V",
                        help="fill {{K}} with V (repeatable)")
    parser.add_argument("--api", choices=("chat", "responses"), default="chat")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from tui.cli.plumbing import cli_workbench
    from tui.core import templates
    from tui.core.config import ConfigError
    from tui.core.playground.runner import RunParams

    variables = {}
    for pair in args.var:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            print(f"tunedeck run: --var takes NAME=VALUE, not {pair!r}", file=sys.stderr)
            return EXIT_USAGE
        variables[name] = value
    try:
        workbench = cli_workbench(args)
    except ConfigError as exc:
        print(f"tunedeck run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with workbench:
        store = workbench.store
        versions = store.prompts.versions(args.prompt)
        if args.version is not None:
            versions = [v for v in versions if v.version == args.version]
        if not versions:
            known = ", ".join(p.name for p in store.prompts.list()) or "none saved yet"
            print(f"tunedeck run: no prompt {args.prompt!r}"
                  + (f" version {args.version}" if args.version else "")
                  + f" (prompts: {known})", file=sys.stderr)
            return EXIT_USAGE
        version = versions[0]
        missing = [n for n in templates.message_variables(version.messages)
                   if n not in variables]
        if missing:
            print(f"tunedeck run: fill {', '.join(missing)} with --var NAME=VALUE",
                  file=sys.stderr)
            return EXIT_USAGE
        messages = templates.fill_messages(version.messages, variables)
        params = RunParams(**{k: v for k, v in (version.params or {}).items()
                              if k in RunParams.__dataclass_fields__})
        # The same start and finish as the Playground pane's (tui/core/playground/record.py).
        run_id = workbench.start_playground_run(model=args.model, messages=messages,
                                                api=args.api, params=params,
                                                prompt_version_id=version.id)
        outcome = asyncio.run(workbench.record_playground_run(
            run_id, model=args.model, messages=messages, params=params, api=args.api,
            on_delta=None if args.json else lambda t: print(t, end="", flush=True)))
    if "error_text" in outcome.extra:  # it never reached the model (no key, no capability)
        print(f"tunedeck run: {outcome.extra['error_text']}", file=sys.stderr)
        return EXIT_FAILED
    cost = outcome.extra.get("cost_usd")
    error = str(outcome.error) if outcome.error else None
    if args.json:
        print(json.dumps({
            "run_id": run_id, "prompt": args.prompt, "version": version.version,
            "model": args.model, "status": outcome.status, "output": outcome.output_text,
            "error": error, "usage": {"input_tokens": outcome.input_tokens,
                                      "cached_tokens": outcome.cached_tokens,
                                      "output_tokens": outcome.output_tokens,
                                      "reasoning_tokens": outcome.reasoning_tokens},
            "ttft_ms": outcome.ttft_ms, "latency_ms": outcome.latency_ms, "cost_usd": cost,
        }))
    else:
        print()
        if error:
            print(f"tunedeck run: {error}", file=sys.stderr)
    return EXIT_OK if outcome.status == "completed" else 1
