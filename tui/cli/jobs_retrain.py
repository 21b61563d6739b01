"""`tunedeck jobs retrain JOB --profile P --model M [--eval E]`: retrain elsewhere, headless.

Without --eval the new job is launched (and `tunedeck jobs watch` follows it); with an
eval a guided loop runs it on the model being replaced and on the new one and prints
the comparison, stored so both models' cards show it (`tunedeck card MODEL`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from tui.cli.plumbing import EXIT_FAILED, EXIT_OK, EXIT_USAGE


def add_retrain(p: argparse.ArgumentParser) -> None:
    p.add_argument("job", help="the job to retrain: its id (ftjob-…, ft-…) or local number")
    p.add_argument("--profile", dest="target_profile", required=True, metavar="P",
                   help="the profile to train on (the job's own is found in the store)")
    p.add_argument("--model", required=True, metavar="M", help="base model on that profile")
    p.add_argument("--eval", dest="eval_name", metavar="E",
                   help="compare the old and the new model on this eval (a guided loop)")
    p.add_argument("--suffix", help="the new model's suffix (default: the job's, if allowed)")
    p.add_argument("--poll", type=float, help="poll interval in seconds (default: config)")
    p.add_argument("--yes", action="store_true", help="start without asking")


def run_retrain(args: argparse.Namespace, settings: Any, profile: Any, store: Any, *,
                usage: type[Exception], print_preflight: Callable[[Any, Any], None],
                confirm: Callable[[str, bool, Any], bool], job_dict: Callable[..., Any]) -> int:
    import asyncio

    from tui.core.config import ConfigError
    from tui.core.pricing import training_prices_for
    from tui.core.retrain import RetrainError, find_job, loop_for, plan_retrain, preflight

    out = sys.stderr if args.json else sys.stdout
    try:
        target = settings.profile(args.target_profile)
        source = find_job(store, args.job, profile.name if getattr(args, "profile", None)
                          else None)
        eval_id = _eval_id(store, args.eval_name, target.name, usage) if args.eval_name \
            else None
        plan = plan_retrain(store, settings, source, target, args.model, eval_id=eval_id,
                            suffix=args.suffix)
    except (ConfigError, RetrainError) as exc:
        raise usage(str(exc)) from None
    pre = preflight(store, plan, training_prices_for(target.kind, settings.prices.training,
                                                     profile=target))
    for line in plan.lines():
        print(line, file=out)
    print_preflight(pre, out)
    if not pre.ok:
        return EXIT_USAGE
    question = ("Start the loop (baseline on the old model, the job, the same eval on the "
                "new one)?" if eval_id is not None else "Launch this job?")
    if not confirm(question, args.yes, out):
        print("Not started.", file=out)
        return EXIT_OK
    if eval_id is None:
        return _launch_only(args, store, target, pre, out, job_dict)
    from tui.core.loop_drive import drive_loop

    loop = loop_for(store, plan)
    print(f"Loop #{loop.id} started: {loop.name}", file=out)
    loop = asyncio.run(drive_loop(store, settings, loop.id, poll_s=args.poll,
                                  say=lambda text: print(text, file=out, flush=True)))
    if args.json:
        print(json.dumps({"loop": loop.id, "stage": loop.stage, "error": loop.error,
                          "comparison": loop.comparison,
                          "job": job_dict(store, store.jobs.get(loop.job_id))
                          if loop.job_id else None}, default=str))
    else:
        from tui.core.loop import stage_lines

        for state, title, detail in stage_lines(store, loop):
            print(f"  [{state}] {title}: {detail}")
        if loop.stage == "done":
            print(f"Both model cards show it: tunedeck card {plan.replaces} · "
                  f"tunedeck card {(loop.comparison or {}).get('model')}")
    return EXIT_OK if loop.stage == "done" else EXIT_FAILED


def _launch_only(args: Any, store: Any, target: Any, pre: Any, out: Any,
                 job_dict: Callable[..., Any]) -> int:
    import asyncio

    from tui.core.config import Capability
    from tui.core.finetune import provider_for
    from tui.core.jobs.actions import launch
    from tui.core.providers import require

    require(target, Capability.FINE_TUNING)

    async def go() -> Any:
        provider = provider_for(target)
        try:
            return await launch(provider, store, pre, say=lambda t: print(t, file=out))
        finally:
            await provider.close()

    job = asyncio.run(go())
    if args.json:
        print(json.dumps(job_dict(store, job), indent=2))
    else:
        print(f"Launched {job.remote_id} on {target.name} ({job.status}); follow it with: "
              f"tunedeck jobs watch {job.remote_id} --profile {target.name}")
    return EXIT_OK


def _eval_id(store: Any, name: str, profile: str, usage: type[Exception]) -> int:
    from tui.core.evals.service import EvalNotFound, resolve

    try:
        return resolve(store, name, profile=profile)[0].id
    except (EvalNotFound, ValueError, OSError) as exc:
        raise usage(str(exc)) from None
