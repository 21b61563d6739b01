"""`tunedeck card MODEL`: where a model came from and how it scores against its base.

Read from the store only, so it works after the provider has retired the
model. Exit codes: 0 ok, 2 usage (nothing in the store names the model).
"""

from __future__ import annotations

import argparse
import json
import sys

from tui.cli.plumbing import EXIT_OK, EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "card", help="a model's lineage: job, dataset versions, eval runs, cost",
        description="A model's card: the job and exact dataset versions it came from, every "
        "eval run made against it (with the base model's scores), and what it cost.")
    p.add_argument("model", help="a fine-tuned model, checkpoint or any evaluated model")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from store import Store
    from tui.cli.failures import settings_or_report
    from tui.core.lineage import model_lineage
    from tui.core.lineage_text import card_lines
    from tui.core.paths import default_db_path

    settings = settings_or_report("tunedeck card", args)
    if settings is None:
        return EXIT_USAGE
    with Store(args.db or default_db_path()) as store:
        card = model_lineage(store, args.model, training_prices=dict(settings.prices.training))
    if card.job_id is None and not card.runs and not card.playground_usd:
        print(f"tunedeck card: nothing in the store mentions {args.model!r} "
              "(run `tunedeck sync` to pull the provider's jobs)", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(card.as_dict(), default=str))
    else:
        print("\n".join(card_lines(card)))
    return EXIT_OK
