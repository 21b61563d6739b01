"""`tunedeck prompt optimize`: a prompt improved from its eval's feedback (GEPA), headless.

    prompt optimize --prompt NAME[@N] --eval E --model M --reflection-model R
                    [--profile P] [--reflection-profile P2] [--max-metric-calls N]
                    [--max-usd X] [--seed S] [--parts system,user,few_shot,message:N]
                    [--yes] [--json]
    prompt optimize --resume ID | --status ID | --stop ID | --list

The pre-flight (split sizes, calls, estimated cost) prints before anything is
sent; without a terminal to ask on, nothing starts without --yes. The best
candidate becomes a new version of the prompt; the seed and the best then run
on the held-out items and are compared paired (McNemar).
Exit codes: 0 done, 1 the optimization failed, 2 usage or configuration, 3 provider.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tui.cli.plumbing import EXIT_FAILED, EXIT_OK, EXIT_USAGE

PROG = "tunedeck prompt optimize"


def _prompt_actions(subparsers: argparse._SubParsersAction) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    """The `prompt` command's actions, made here unless another module registered it first
    (so `prompt save|list|show` and `prompt optimize` can live in separate modules)."""
    parser = subparsers.choices.get("prompt")
    if parser is None:
        parser = subparsers.add_parser("prompt", help="prompts: optimize from an eval's feedback",
                                       description="Saved prompts and their versions.")
    for action in parser._actions:  # argparse keeps no public handle on a parser's subparsers
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest="prompt_command", metavar="ACTION", required=True)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = _prompt_actions(subparsers).add_parser(
        "optimize", help="improve a prompt from an eval's feedback (GEPA), proved on held-out items",
        description="Reflective prompt evolution (GEPA) on tunedeck's eval runner: the eval's "
        "items split into train / validation / held-out test; the best candidate is saved as a "
        "new prompt version and compared with the seed on the held-out items.")
    p.add_argument("--prompt", metavar="NAME[@N]", help="the seed prompt version")
    p.add_argument("--eval", dest="eval_ref", metavar="NAME|ID", help="the eval to optimize on")
    p.add_argument("--model", help="the task model")
    p.add_argument("--profile", dest="task_profile", metavar="NAME",
                   help="the task model's profile (default: the active profile)")
    p.add_argument("--reflection-model", help="the model that proposes new prompts")
    p.add_argument("--reflection-profile", metavar="NAME",
                   help="its profile (default: the task's)")
    p.add_argument("--max-metric-calls", "--budget", dest="max_metric_calls", type=int,
                   default=60, metavar="N", help="items sampled and graded in the search "
                   "(default 60)")
    p.add_argument("--max-usd", type=float, metavar="X", help="dollar cap, everything included")
    p.add_argument("--seed", type=int, default=0, help="seed of the item split and of GEPA")
    p.add_argument("--parts", default="system", metavar="PARTS",
                   help="what may change, comma-separated: system, user (the template), "
                   "few_shot (the example turns), message:N (any other message; default system)")
    p.add_argument("--yes", action="store_true", help="start without asking")
    p.add_argument("--json", action="store_true", help="print one JSON object at the end")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--resume", type=int, metavar="ID", help="continue an interrupted one")
    which.add_argument("--status", type=int, metavar="ID", help="show one optimization")
    which.add_argument("--stop", type=int, metavar="ID",
                       help="stop a running one after its current iteration (best so far kept)")
    which.add_argument("--list", action="store_true", help="list optimizations")
    p.set_defaults(func=run)


class _Usage(Exception):
    pass


def run(args: argparse.Namespace) -> int:
    from tui.cli.failures import run_on_store

    return run_on_store(args, PROG, _dispatch, _Usage)


def _dispatch(args: argparse.Namespace, settings: Any, profile: Any, store: Any) -> int:
    if args.list:
        return _list(args, store)
    if args.status is not None:
        return _show(args, store, _get(store, args.status).id)
    if args.stop is not None:
        from tui.core.optimize.optimize_driver import request_stop

        opt = _get(store, args.stop)
        if opt.status != "searching":
            raise _Usage(f"optimization {opt.id} is {opt.status}; its search is over")
        request_stop(store, opt.id)
        print(f"optimization {opt.id}: asked to stop after its current iteration")
        return EXIT_OK
    if args.resume is not None:
        opt = _get(store, args.resume)
        if opt.status in ("done", "failed"):
            raise _Usage(f"optimization {opt.id} is {opt.status}; nothing to resume")
        return _drive(args, settings, store, opt.id)
    return _start(args, settings, profile, store)


def _get(store: Any, opt_id: int) -> Any:
    try:
        return store.optimizations.get(opt_id)
    except KeyError:
        known = ", ".join(str(o.id) for o in store.optimizations.list()[:10]) or "none"
        raise _Usage(f"no optimization {opt_id} (optimizations: {known})") from None


def _start(args: argparse.Namespace, settings: Any, profile: Any, store: Any) -> int:
    from tui.core.config import ConfigError
    from tui.core.optimize import optimize_driver as driver
    from tui.core.refs import parse_ref
    from tui.core.spend import check_budget

    missing = [flag for flag, value in (("--prompt", args.prompt), ("--eval", args.eval_ref),
                                        ("--model", args.model),
                                        ("--reflection-model", args.reflection_model))
               if not value]
    if missing:
        raise _Usage(f"{', '.join(missing)} required (or --resume/--status/--stop ID, --list)")
    try:
        task_profile = settings.profile(args.task_profile) if args.task_profile else profile
        reflection_profile = (settings.profile(args.reflection_profile)
                              if args.reflection_profile else task_profile)
    except ConfigError as exc:
        raise _Usage(str(exc)) from None
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    try:
        chosen = driver.plan(store, settings, prompt=args.prompt, eval_ref=args.eval_ref,
                             model=args.model, profile=task_profile.name,
                             reflection_model=args.reflection_model,
                             reflection_profile=reflection_profile.name,
                             max_metric_calls=args.max_metric_calls, max_usd=args.max_usd,
                             seed=args.seed, parts=parts)
    except driver.OptimizeError as exc:
        raise _Usage(str(exc)) from None
    out = sys.stderr if args.json else sys.stdout
    sizes = chosen.split.sizes()
    print(f"Pre-flight of the optimization (nothing sent yet): seed "
          f"{parse_ref(args.prompt).name} v{chosen.version.version} on eval "
          f"{chosen.eval_row.name!r}", file=out)
    print(f"  items: {sizes['train']} train, {sizes['val']} validation, {sizes['test']} "
          f"held-out test (split seed {args.seed})", file=out)
    for line in chosen.estimate.lines():
        print(f"  {line}", file=out)
    total = chosen.estimate.total_usd
    if args.max_usd is not None:
        from tui.core.optimize.optimize_preflight import cap_problem

        if chosen.estimate.unpriced:
            raise _Usage(cap_problem(chosen.estimate, args.max_usd) or "")
        print(f"  dollar cap: ${args.max_usd:.4f}", file=out)
        problem = cap_problem(chosen.estimate, args.max_usd)
        if problem:
            raise _Usage(problem)
    budget = check_budget(store, settings, task_profile.name, total)
    if budget.budget_usd is not None:
        print(f"  Budget: {budget.message()}", file=out)
    if not args.yes:
        question = ("This would pass the profile's budget. Start it anyway?"
                    if budget.exceeds else "Start the optimization?")
        if not sys.stdin.isatty():
            raise _Usage(f"{question} Confirm with --yes (no terminal to ask on).")
        if input(f"{question} [y/N] ").strip().lower() not in ("y", "yes"):
            print("Not started.", file=out)
            return EXIT_USAGE
    opt = driver.create(store, chosen)
    print(f"Optimization #{opt.id} started; interrupt and 'tunedeck prompt optimize --resume "
          f"{opt.id}' continues it", file=out)
    return _drive(args, settings, store, opt.id)


def _drive(args: argparse.Namespace, settings: Any, store: Any, opt_id: int) -> int:
    from tui.core.optimize import optimize_driver as driver

    out = sys.stderr if args.json else sys.stdout
    seen: set[int] = set()

    def progress() -> None:
        for candidate in store.optimizations.candidates(opt_id):
            if candidate.idx not in seen:
                seen.add(candidate.idx)
                print(f"  candidate {candidate.idx}: validation "
                      f"{100 * (candidate.val_score or 0.0):.1f}%", file=out, flush=True)

    opt = driver.run(store, settings, opt_id, on_change=progress)
    _show(args, store, opt.id)
    return EXIT_OK if opt.status == "done" else EXIT_FAILED


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _show(args: argparse.Namespace, store: Any, opt_id: int) -> int:
    from tui.core.optimize.optimize_report import best_diff, summary

    data = summary(store, opt_id)
    if args.json:
        print(json.dumps(data, default=str))
        return EXIT_OK
    seed, best, budget = data["seed"], data["best"], data["budget"]
    print(f"Optimization #{data['id']} · {data['status']}"
          + (f" ({data['stop_reason']})" if data["stop_reason"] else "")
          + f" · eval {data['eval']} · {data['model']}")
    if data["error"]:
        print(f"  error: {data['error']}")
    print(f"  items: {data['split']['train']} train, {data['split']['val']} validation, "
          f"{data['split']['test']} held-out")
    print(f"  calls: {budget['metric_calls']}/{budget['max_metric_calls']} metric, "
          f"{budget['reflection_calls']} reflection · spent ${budget['spent_usd']:.4f}"
          + (f" of ${budget['max_usd']:.4f}" if budget["max_usd"] is not None else ""))
    print(f"  candidates: {len(data['candidates'])}")
    print(f"  seed {seed.get('ref', '?')}: validation {_pct(seed.get('val_score'))}, "
          f"held-out {_pct(seed.get('test_pass_rate'))}")
    if best.get("ref") or best.get("candidate_idx") is not None:
        print(f"  best {best.get('ref', 'candidate ' + str(best.get('candidate_idx')))}: "
              f"validation {_pct(best.get('val_score'))}, "
              f"held-out {_pct(best.get('test_pass_rate'))}")
    held = data["held_out"]
    if held:
        print(f"  held-out: {len(held['fail_to_pass'])} fail→pass, {len(held['pass_to_fail'])}"
              f" pass→fail of {held['paired']} · McNemar p = {held['mcnemar_p']:.4g}"
              + (" (significant at 0.05)" if held["mcnemar_p"] < 0.05 else
                 " (not significant at 0.05: more held-out items would tell)"))
    for line in best_diff(store, opt_id):
        print(f"    {line}")
    return EXIT_OK


def _list(args: argparse.Namespace, store: Any) -> int:
    from tui.core.optimize.optimize_report import summary

    rows = [summary(store, o.id) for o in store.optimizations.list()]
    if args.json:
        print(json.dumps(rows, default=str))
        return EXIT_OK
    if not rows:
        print("No optimizations yet: tunedeck prompt optimize --prompt NAME --eval E "
              "--model M --reflection-model R")
    for row in rows:
        print(f"#{row['id']:<4} {row['status']:<10} {row['seed'].get('ref', '?'):<20} "
              f"eval {row['eval']} · best validation {_pct(row['best'].get('val_score'))}"
              f" · held-out {_pct(row['seed'].get('test_pass_rate'))} → "
              f"{_pct(row['best'].get('test_pass_rate'))}")
    return EXIT_OK
