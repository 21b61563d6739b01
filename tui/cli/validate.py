"""`tunedeck validate FILE`: the datasets pane's validation, headless.

Exit status: 0 when the file can be trained on, 1 when it cannot, 2 when it
cannot be read at all (or the options are wrong). Imports of the engine wait
until the command runs: this module is imported on every `tunedeck` start.
"""

from __future__ import annotations

import argparse
import sys

from tui.cli.plumbing import EXIT_OK, EXIT_USAGE

METHOD_CHOICES = ("supervised", "dpo", "reinforcement")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "validate", help="check a fine-tuning JSONL file offline and report on it",
        description="Check a fine-tuning JSONL file exactly and offline (formats, rules, token "
        "counts with the model's encoding) and estimate the training cost. Exit status: "
        "0 trainable, 1 not trainable, 2 usage error.")
    parser.add_argument("file", metavar="FILE", help="the JSONL file (~ is expanded)")
    parser.add_argument("--model", "-m", default="gpt-4o-mini",
                        help="model to fine-tune (encoding, token limit, price); default gpt-4o-mini")
    parser.add_argument("--method", choices=METHOD_CHOICES,
                        help="fine-tuning method (default: detected from the file)")
    parser.add_argument("--validation", metavar="FILE",
                        help="the validation file: checked too, and for examples shared with FILE")
    parser.add_argument("--epochs", type=int, metavar="N",
                        help="epochs to price (default: the service's default rule)")
    parser.add_argument("--workers", "-j", type=int, default=2, metavar="N",
                        help="worker processes for large files (default 2)")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.set_defaults(func=run)


def _training_prices() -> dict[str, float] | None:
    try:
        from tui.core.config import load_settings

        return dict(load_settings().prices.training) or None
    except Exception as exc:  # noqa: BLE001 - a broken config must not block a local check
        print(f"tunedeck validate: using default prices ({exc})", file=sys.stderr)
        return None


def run(args: argparse.Namespace) -> int:
    from tui.core.datasets.validate import UsageError, validate_file

    if args.workers is not None and args.workers < 1:
        print("tunedeck validate: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    if args.epochs is not None and not 1 <= args.epochs <= 50:
        print("tunedeck validate: --epochs must be between 1 and 50", file=sys.stderr)
        return EXIT_USAGE
    try:
        report = validate_file(args.file, model=args.model, method=args.method,
                               workers=args.workers, epochs=args.epochs,
                               prices=_training_prices(), validation_path=args.validation)
    except (UsageError, ValueError) as exc:
        print(f"tunedeck validate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        import json

        print(json.dumps(report.model_dump(mode="json"), ensure_ascii=False))
    else:
        from tui.core.datasets.render import render_report

        print(render_report(report))
    return EXIT_OK if report.trainable else 1
