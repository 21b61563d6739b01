"""`tunedeck eval init [PATH] [--from-dataset NAME[@N]]`: an eval file to start from.

Without a dataset: a commented example that runs as written. With one: items made
from the version's conversations (up to the last user turn; the last assistant turn
is the reference) in a JSONL file beside the eval, graded by closeness to it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tui.cli.plumbing import EXIT_OK, EXIT_USAGE


def add_init(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    init = sub.add_parser(
        "init", help="write an example eval file (or one made from a stored dataset)",
        description="Write a commented eval file that runs as written: tunedeck eval run PATH. "
        "With --from-dataset, its items come from a stored dataset version's conversations.")
    init.add_argument("path", nargs="?", metavar="PATH",
                      help="where to write it (default: capitals.eval.json, or "
                           "NAME.eval.json with --from-dataset)")
    init.add_argument("--from-dataset", metavar="NAME[@N]",
                      help="make the items from this dataset version (latest ready one "
                           "unless @N): each conversation up to its last user turn, with the "
                           "last assistant answer as the reference")
    init.add_argument("--model", "-m",
                      help="the model the eval samples by default (default: sandbox-small on "
                           "a sandbox profile, else the dataset's model or gpt-4.1-mini)")
    init.add_argument("--force", action="store_true", help="overwrite files that exist")
    init.set_defaults(func=cmd_init)


def _fail(message: str) -> int:
    print(f"tunedeck eval init: {message}", file=sys.stderr)
    return EXIT_USAGE


def _default_model(args: argparse.Namespace, fallback: str | None = None) -> str:
    from tui.cli.plumbing import cli_settings
    from tui.core.config import ConfigError

    if args.model:
        return args.model
    try:
        kind = cli_settings(args).profile(args.profile).kind
    except ConfigError:
        kind = None
    if kind == "sandbox":
        return "sandbox-small"
    return fallback or "gpt-4.1-mini"


def _write(path: Path, text: str) -> None:
    from tui.core.private_files import atomic_output

    with atomic_output(path) as out:
        out.write(text)


def cmd_init(args: argparse.Namespace) -> int:
    if args.from_dataset:
        return _from_dataset(args)
    path = Path(args.path or "capitals.eval.json")
    if path.exists() and not args.force:
        return _fail(f"{path} exists (--force overwrites it)")
    from tui.core.evals.starter import example_eval

    _write(path, example_eval(_default_model(args), str(path)))
    print(f"wrote {path}: an example eval with three items and two graders (read its comments)")
    print(f"  run it:  tunedeck eval run {path}")
    return EXIT_OK


def _from_dataset(args: argparse.Namespace) -> int:
    from store import Store
    from tui.core.dataset_versions import version_lines
    from tui.core.evals.starter import dataset_eval, dataset_items
    from tui.core.paths import default_db_path, safe_file_name
    from tui.core.refs import RefError, dataset_version, parse_ref
    from tui.core.wording import count_of

    with Store(args.db or default_db_path()) as store:
        try:
            name = parse_ref(args.from_dataset).name
            version = dataset_version(store, args.from_dataset)
        except RefError as exc:
            return _fail(str(exc))
        items, skipped = dataset_items(version_lines(store, version.id))
    if not items:
        return _fail(f"{name}@{version.version} has no conversation that ends in an "
                     "assistant answer after a user turn: nothing to grade against")
    path = Path(args.path or f"{safe_file_name(name, 'dataset')}.eval.json")
    data_path = path.with_name(f"{path.name.removesuffix('.json')}.items.jsonl")
    for target in (path, data_path):
        if target.exists() and not args.force:
            return _fail(f"{target} exists (--force overwrites it)")
    definition = dataset_eval(f"{name}@{version.version}", data_path.name,
                              _default_model(args, version.model))
    _write(data_path, "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items))
    _write(path, json.dumps(definition, indent=2, ensure_ascii=False) + "\n")
    left_out = f"; {count_of(skipped, 'line')} without an answer to compare left out" \
        if skipped else ""
    print(f"wrote {path} and {data_path.name}: {count_of(len(items), 'item')} from "
          f"{name}@{version.version}{left_out}")
    print("  graded by closeness to each conversation's last answer (fuzzy_match >= 0.8)")
    print(f"  run it:  tunedeck eval run {path}")
    return EXIT_OK

