"""`tunedeck export KIND …`: write what the store holds as JSONL or CSV.

Kinds: `dataset NAME[@VERSION]` (the valid examples: the exact training lines),
`eval NAME|ID [--run RUN]` (every run's results, one row per item), `lineage MODEL`
(the model's job, dataset versions by content hash, and eval runs vs its base). Output goes
to stdout, or with -o to a file written atomically (temp file + rename). The
format is --format, else the -o file's extension (.csv), else JSONL.

A new kind is one `Kind` entry in KINDS: its arguments and a function that
resolves the reference (raising ExportError) and writes rows to a handle.

Exit codes: 0 written; 2 usage error (unknown dataset, version, eval or run:
the message lists what exists; unwritable output).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from tui.cli.plumbing import EXIT_OK, EXIT_USAGE


@dataclass(frozen=True)
class Kind:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    # (store, args) -> a writer(handle, fmt) -> rows written, and the rows' noun
    prepare: Callable[[Any, argparse.Namespace], tuple[Callable[[IO[str], str], int], str]]


def _dataset_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", metavar="NAME[@VERSION]",
                   help="dataset name; its latest ready version unless @N is given")
    p.add_argument("--all", action="store_true",
                   help="every line, invalid ones too (default: only the valid examples)")


def _dataset(store: Any, args: argparse.Namespace):
    from tui.core.store_export import resolve_dataset, write_dataset

    name, version = resolve_dataset(store, args.ref)
    valid = store.datasets.count_examples(version.id, status="valid")
    print(f"{name} v{version.version}: {valid} valid of {version.n_lines} lines", file=sys.stderr)
    return (lambda handle, fmt: write_dataset(store, version.id, handle, fmt=fmt,
                                              only_valid=not args.all)), "examples"


def _eval_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", metavar="NAME|ID", help="eval name, local id or provider id (eval_…)")
    p.add_argument("--run", metavar="RUN_ID", help="only this run (local or provider id)")


def _eval(store: Any, args: argparse.Namespace):
    from tui.core.store_export import resolve_eval, resolve_runs, write_eval

    ev = resolve_eval(store, args.ref)
    runs = resolve_runs(store, ev, args.run)
    if not runs:
        print(f"eval {ev.name!r} has no runs yet: nothing but a header to write",
              file=sys.stderr)
    return (lambda handle, fmt: write_eval(store, ev, runs, handle, fmt=fmt)), "results"


def _lineage_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", metavar="MODEL", help="a fine-tuned model, checkpoint or evaluated model")


def _lineage(store: Any, args: argparse.Namespace):
    from tui.core.lineage import model_lineage, write_lineage
    from tui.core.store_export import ExportError

    lineage = model_lineage(store, args.ref)
    if lineage.job_id is None and not lineage.runs:
        raise ExportError(f"nothing in the store mentions {args.ref!r} "
                          "(tunedeck sync pulls the provider's jobs)")
    return (lambda handle, fmt: write_lineage(lineage, handle, fmt=fmt)), "links"


KINDS: tuple[Kind, ...] = (
    Kind("dataset", "a dataset version's examples (JSONL: the exact training lines)",
         _dataset_args, _dataset),
    Kind("eval", "an eval's run results, one row per item (all runs unless --run)",
         _eval_args, _eval),
    Kind("lineage", "a model's lineage: its job, dataset versions (hashes) and eval runs",
         _lineage_args, _lineage),
)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "export", help="write a dataset or an eval's results as JSONL or CSV",
        description="Write what the local store holds as JSONL or CSV, to stdout or a file.")
    sub = parser.add_subparsers(dest="export_kind", metavar="KIND", required=True)
    for kind in KINDS:
        p = sub.add_parser(kind.name, help=kind.help, description=kind.help)
        kind.add_arguments(p)
        p.add_argument("--format", choices=("jsonl", "csv"),
                       help="output format (default: from -o's extension, else jsonl)")
        p.add_argument("-o", "--output", metavar="PATH",
                       help="write to this file (atomically) instead of stdout")
        p.set_defaults(func=run, export=kind)


def run(args: argparse.Namespace) -> int:
    from store import Store
    from tui.core.paths import default_db_path
    from tui.core.private_files import atomic_output
    from tui.core.store_export import ExportError, guess_format

    fmt = guess_format(args.output, args.format)
    with Store(args.db or default_db_path()) as store:
        try:
            write, noun = args.export.prepare(store, args)
        except ExportError as exc:
            print(f"tunedeck export: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if args.output is None:
            from tui.core.untrusted import data_output

            try:
                # The exact lines into a pipe or file; their controls shown on a terminal.
                write(data_output(sys.stdout), fmt)
                sys.stdout.flush()
            except BrokenPipeError:
                # The reader stopped early (`| head`): not an error, and no traceback.
                import os

                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_OK
        try:
            with atomic_output(args.output) as handle:
                n = write(handle, fmt)
        except OSError as exc:
            print(f"tunedeck export: cannot write {args.output}: {exc.strerror or exc}",
                  file=sys.stderr)
            return EXIT_USAGE
    print(f"wrote {n} {noun} to {args.output} ({fmt})", file=sys.stderr)
    return EXIT_OK
