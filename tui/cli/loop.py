"""`tunedeck loop start|resume|list|show`: the guided flywheel loop, headless.

start: baseline eval on the base model -> fine-tuning job through its
pre-flight -> the same eval on the fine-tuned model -> comparison. The loop
lives in the store; `resume N` continues one that was interrupted.
Exit codes: 0 done, 1 the loop failed, 2 usage or configuration, 3 provider.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tui.cli.eval import add_unsandboxed_flag
from tui.cli.plumbing import EXIT_FAILED, EXIT_OK, EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "loop", help="the guided loop: baseline eval, fine-tune, eval again, compare",
        description="The guided flywheel loop, kept in the store so it survives restarts.")
    sub = parser.add_subparsers(dest="loop_command", metavar="ACTION", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=run)
        return p

    p = add("start", "start a loop from a dataset and an eval")
    p.add_argument("--dataset", required=True, metavar="NAME[@VERSION]")
    p.add_argument("--validation", metavar="NAME[@VERSION]")
    p.add_argument("--eval", required=True, dest="eval_name", metavar="NAME|ID")
    p.add_argument("--model", required=True, help="base model to fine-tune")
    p.add_argument("--epochs", type=int, help="n_epochs (default: the provider's auto)")
    p.add_argument("--suffix")
    p.add_argument("--checkpoints", action="store_true",
                   help="also evaluate each checkpoint as it appears")
    p.add_argument("--yes", action="store_true",
                   help="launch without asking, even past the profile's budget")
    p.add_argument("--poll", type=float, default=None, help="job poll interval in seconds")
    add_unsandboxed_flag(p)
    p = add("resume", "continue an interrupted loop")
    p.add_argument("loop_id", type=int)
    p.add_argument("--poll", type=float, default=None)
    add_unsandboxed_flag(p)
    add("list", "loops in the store")
    p = add("show", "one loop's stages")
    p.add_argument("loop_id", type=int)


class _Usage(Exception):
    pass


def run(args: argparse.Namespace) -> int:
    from tui.cli.failures import run_on_store

    return run_on_store(args, "tunedeck loop", _COMMANDS[args.loop_command], _Usage)


def _loop_dict(store: Any, loop: Any) -> dict[str, Any]:
    from tui.core.loop import stage_lines

    data = loop.model_dump()
    data["stages"] = [{"state": s, "title": t, "detail": d}
                      for s, t, d in stage_lines(store, loop)]
    return data


def _print_loop(store: Any, loop: Any) -> None:
    from tui.core.loop import stage_lines

    marks = {"done": "✓", "active": "▶", "todo": "·", "failed": "✗"}
    print(f"Loop #{loop.id} {loop.name}: {loop.stage}")
    for state, title, detail in stage_lines(store, loop):
        print(f"  {marks[state]} {title}: {detail}")
    if loop.error:
        print(f"  error: {loop.error}")


def cmd_start(args: argparse.Namespace, settings: Any, profile: Any, store: Any) -> int:
    from tui.cli.jobs import _Usage as JobsUsage
    from tui.cli.jobs import _version_ref
    from tui.core import loop as loops
    from tui.core.evals.service import EvalNotFound, resolve
    from tui.core.pricing import training_prices_for
    from tui.core.spend import check_budget, estimate_loop_evals

    try:
        training = _version_ref(store, args.dataset)
        validation = _version_ref(store, args.validation) if args.validation else None
    except JobsUsage as exc:
        raise _Usage(str(exc)) from None
    try:
        eval_row = resolve(store, args.eval_name, profile=profile.name)[0]
    except (EvalNotFound, ValueError, OSError) as exc:
        raise _Usage(str(exc)) from None
    hyper = {"n_epochs": args.epochs} if args.epochs else {}
    loop = loops.create(store, profile=profile.name, eval_id=eval_row.id,
                        training_version_id=training, validation_version_id=validation,
                        base_model=args.model, hyperparameters=hyper, suffix=args.suffix,
                        eval_checkpoints=args.checkpoints)
    pre = loops.preflight(store, loop, training_prices_for(profile.kind,
                                                           settings.prices.training,
                                                           profile=profile), profile)
    out = sys.stderr if args.json else sys.stdout
    print("Pre-flight of the fine-tuning job (nothing sent yet):", file=out)
    for line in pre.summary_lines():
        print(f"  {line}", file=out)
    for warning in pre.warnings:
        print(f"  warning: {warning}", file=out)
    # A loop refused here never started: it is forgotten, not left as failed/cancelled.
    if not pre.ok:
        store.loops.delete(loop.id)
        raise _Usage("; ".join(pre.problems))
    adding = (pre.estimated_cost_usd or 0.0) + estimate_loop_evals(store, eval_row.id,
                                                                   args.model)
    budget = check_budget(store, settings, profile.name, adding)
    if budget.budget_usd is not None:
        print(f"  Budget: {budget.message()}", file=out)
    if not args.yes:
        question = ("This loop would pass the profile's budget. Start it anyway?"
                    if budget.exceeds else "Start the loop?")
        if not sys.stdin.isatty():
            store.loops.delete(loop.id)
            raise _Usage(f"{question} Confirm with --yes (no terminal to ask on).")
        if input(f"{question} [y/N] ").strip().lower() not in ("y", "yes"):
            store.loops.delete(loop.id)
            print("Not started.", file=out)
            return EXIT_USAGE
    print(f"Loop #{loop.id} started: {loop.name}", file=out)
    return _drive(args, settings, profile, store, loop.id)


def _drive(args: argparse.Namespace, settings: Any, profile: Any, store: Any,
           loop_id: int) -> int:
    import asyncio

    from tui.core.workbench import Workbench

    out = sys.stderr if args.json else sys.stdout
    loop = asyncio.run(Workbench.on(store, settings, profile).drive_loop(
        loop_id, poll_s=args.poll,
        allow_unsandboxed_graders=bool(getattr(args, "allow_unsandboxed_graders", False)),
        say=lambda text: print(text, file=out, flush=True)))
    if args.json:
        print(json.dumps(_loop_dict(store, loop), default=str))
    else:
        _print_loop(store, loop)
    return EXIT_OK if loop.stage == "done" else EXIT_FAILED


def _get(store: Any, loop_id: int) -> Any:
    try:
        return store.loops.get(loop_id)
    except KeyError:
        known = ", ".join(str(loop.id) for loop in store.loops.list()) or "none"
        raise _Usage(f"no loop {loop_id} (loops: {known})") from None


def cmd_resume(args: argparse.Namespace, settings: Any, profile: Any, store: Any) -> int:
    loop = _get(store, args.loop_id)
    if loop.stage in ("done", "failed", "cancelled"):
        raise _Usage(f"loop {loop.id} is {loop.stage}; nothing to resume")
    if loop.profile != profile.name:
        profile = settings.profile(loop.profile)
    return _drive(args, settings, profile, store, loop.id)


def cmd_list(args: argparse.Namespace, settings: Any, profile: Any, store: Any) -> int:
    loops = store.loops.list()
    if args.json:
        print(json.dumps([_loop_dict(store, loop) for loop in loops], default=str))
        return EXIT_OK
    if not loops:
        print("No loops yet: tunedeck loop start --dataset NAME --eval NAME --model BASE")
    for loop in loops:
        print(f"#{loop.id:<4} {loop.stage:<11} {loop.name}")
    return EXIT_OK


def cmd_show(args: argparse.Namespace, settings: Any, profile: Any, store: Any) -> int:
    loop = _get(store, args.loop_id)
    if args.json:
        print(json.dumps(_loop_dict(store, loop), default=str))
    else:
        _print_loop(store, loop)
    return EXIT_OK


_COMMANDS = {"start": cmd_start, "resume": cmd_resume, "list": cmd_list, "show": cmd_show}
