"""`tunedeck spend`: estimated and actual cost by day, provider, profile, model, source or item.

Exit codes: 0 ok, 2 usage.
"""

from __future__ import annotations

import argparse
import json

from tui.cli.plumbing import EXIT_OK, EXIT_USAGE
from tui.core.wording import money


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from tui.core.spend import GROUPINGS

    p = subparsers.add_parser(
        "spend", help="the spend ledger: jobs, eval runs and playground runs",
        description="What fine-tuning jobs, eval runs and playground runs cost (estimated and "
        "billed), and each profile's budget for this month.")
    p.add_argument("--by", choices=GROUPINGS, default="day", help="group by (default: day)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tui.cli.failures import settings_or_report
    from tui.core.paths import default_db_path
    from tui.core.spend import totals
    from tui.core.workbench import Workbench

    settings = settings_or_report("tunedeck spend", args)
    if settings is None:
        return EXIT_USAGE
    with Workbench(settings, args.db or default_db_path()) as workbench:
        entries, budgets = workbench.spend()
    groups = totals(entries, args.by)
    if args.json:
        print(json.dumps({
            "by": args.by,
            "totals": [g.__dict__ for g in groups],
            "entries": [{**e.__dict__, "usd": e.usd} for e in entries],
            "budgets": [{"profile": b.profile, "budget_usd": b.budget_usd,
                         "spent_this_month_usd": b.spent_usd} for b in budgets],
        }))
        return EXIT_OK
    if not groups:
        print("Nothing spent yet.")
    else:
        width = max(len(args.by), *(len(g.key) for g in groups))
        print(f"{args.by:<{width}}  {'estimated':>10}  {'billed':>10}  {'total':>10}")
        for g in groups:
            print(f"{g.key:<{width}}  {money(g.estimated_usd):>10}  {money(g.actual_usd):>10}  "
                  f"{money(g.usd):>10}")
        print(f"{'all':<{width}}  {'':>10}  {'':>10}  {money(sum(g.usd for g in groups)):>10}")
    for b in budgets:
        print(f"Budget {b.profile}: {b.spent_text()}")
    return EXIT_OK
