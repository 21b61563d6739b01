"""`tunedeck eval chooser E`: which model and prompt to ship, from the store alone.

Exit 0 when a priced run meets --target, 1 when none does, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_chooser(sub) -> None:
    chooser = sub.add_parser(
        "chooser", help="every run of an eval on pass rate against cost: the front, and the "
        "cheapest run that meets a target")
    chooser.add_argument("eval", help="eval name or id")
    chooser.add_argument("--target", type=float, default=90.0, metavar="PERCENT",
                         help="pass rate the shipped model must reach (default 90)")
    chooser.add_argument("--json", action="store_true")
    chooser.set_defaults(func=cmd_chooser)


def _money(value: float | None) -> str:
    return "unpriced" if value is None else f"${value:.4g}"


def _fail(message: str) -> int:
    print(f"tunedeck eval chooser: {message}", file=sys.stderr)
    return 2


def cmd_chooser(args: argparse.Namespace) -> int:
    from store.store import Store
    from tui.cli.plumbing import cli_settings
    from tui.core.evals.chooser import build_chooser
    from tui.core.paths import default_db_path
    from tui.core.store_export import ExportError, resolve_eval

    if not 0 < args.target <= 100:
        return _fail("--target is a percentage between 0 and 100")
    settings = cli_settings(args)  # --sandbox: the TUI's sandbox session's prices
    with Store(args.db or default_db_path()) as store:
        try:
            evaluation = resolve_eval(store, args.eval)
        except ExportError as exc:
            return _fail(str(exc))
        result = build_chooser(store, evaluation.id, target=args.target / 100,
                               input_prices=dict(settings.prices.input) or None,
                               output_prices=dict(settings.prices.output) or None)
    met = result.pick is not None and result.pick.run_id is not None
    if args.json:
        print(json.dumps(result.as_dict()))
        return 0 if met else 1
    if not result.candidates:
        print(f"{result.eval_name}: no completed run yet; run the eval on a model first")
        return 1
    print(f"{result.eval_name} · {len(result.candidates)} completed runs · ★ on the front "
          "(nothing else is both cheaper and better)")
    print(f"  {'':1} {'run':>5}  {'pass rate (95% CI)':<22} {'per 1k req':>10} "
          f"{'p50 ms':>7}  candidate")
    for c in result.candidates:
        interval = f"{c.pass_rate:6.1%} ({c.ci_low:.0%}–{c.ci_high:.0%})"
        latency = "-" if c.p50_latency_ms is None else f"{c.p50_latency_ms:.0f}"
        print(f"  {'★' if c.on_front else ' '} {c.run_id:>5}  {interval:<22} "
              f"{_money(c.cost_per_1k):>10} {latency:>7}  {c.label} (n={c.graded})")
    if result.pick is not None:
        print(f"  → {result.pick.verdict}")
    return 0 if met else 1
