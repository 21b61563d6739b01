"""`tunedeck prompt save|list|show`: saved prompts and their versions, headless.

    prompt save NAME --system TEXT [--user TEMPLATE] [--note TEXT]
    prompt list [--json]
    prompt show NAME[@N] [--json]

A save that changes anything makes a new version (an unchanged save keeps the
latest), as the Playground's ctrl+s does; `show` prints a version's messages
and its note, which names the optimization a version came from.
Exit codes: 0 done, 2 usage (unknown prompt or version).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tui.cli.plumbing import EXIT_OK, EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from tui.cli.prompt_optimize import _prompt_actions

    actions = _prompt_actions(subparsers)
    save = actions.add_parser("save", help="save a prompt (a change makes a new version)")
    save.add_argument("name")
    save.add_argument("--system", required=True, metavar="TEXT", help="the system prompt")
    save.add_argument("--user", metavar="TEMPLATE",
                      help="the user message, with {{item.x}} or {{x}} variables")
    save.add_argument("--note", default="", help="what changed")
    save.add_argument("--json", action="store_true")
    save.set_defaults(func=run, prompt_command="save")
    listing = actions.add_parser("list", help="saved prompts and their latest versions")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=run, prompt_command="list")
    show = actions.add_parser("show", help="one version's messages and note")
    show.add_argument("ref", metavar="NAME[@N]")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run, prompt_command="show")


def run(args: argparse.Namespace) -> int:
    from store import Store
    from tui.core.paths import default_db_path

    with Store(args.db or default_db_path()) as store:
        return {"save": _save, "list": _list, "show": _show}[args.prompt_command](args, store)


def _version_dict(store: Any, version: Any) -> dict[str, Any]:
    from tui.core.optimize.held_out import prompt_name

    name = prompt_name(store, version)
    return {"id": version.id, "prompt": name, "version": version.version,
            "ref": f"{name}@{version.version}", "messages": version.messages,
            "params": version.params, "model": version.model, "note": version.note,
            "created_at": version.created_at}


def _save(args: argparse.Namespace, store: Any) -> int:
    if not args.name.strip():
        print("tunedeck prompt save: the prompt needs a name", file=sys.stderr)
        return EXIT_USAGE
    messages = [{"role": "system", "content": args.system}]
    if args.user is not None:
        messages.append({"role": "user", "content": args.user})
    version = store.prompts.save(args.name.strip(), messages, note=args.note)
    data = _version_dict(store, version)
    print(json.dumps(data) if args.json else f"saved {data['ref']}")
    return EXIT_OK


def _list(args: argparse.Namespace, store: Any) -> int:
    rows = []
    for prompt in store.prompts.list():
        versions = store.prompts.versions_of(prompt.id)
        rows.append({"name": prompt.name, "versions": len(versions),
                     "latest": _version_dict(store, versions[0]) if versions else None})
    if args.json:
        print(json.dumps(rows))
        return EXIT_OK
    if not rows:
        print("No prompts yet: tunedeck prompt save NAME --system TEXT --user TEMPLATE")
    for row in rows:
        note = (row["latest"] or {}).get("note") or ""
        print(f"{row['name']}  v{row['versions']}" + (f"  · {note}" if note else ""))
    return EXIT_OK


def _show(args: argparse.Namespace, store: Any) -> int:
    from tui.core.optimize.optimize_driver import OptimizeError, resolve_version

    try:
        version = resolve_version(store, args.ref)
    except OptimizeError as exc:
        print(f"tunedeck prompt show: {exc}", file=sys.stderr)
        return EXIT_USAGE
    data = _version_dict(store, version)
    if args.json:
        print(json.dumps(data))
        return EXIT_OK
    print(f"{data['ref']}" + (f" · {data['note']}" if data["note"] else ""))
    for message in data["messages"]:
        print(f"  [{message.get('role')}] {message.get('content')}")
    return EXIT_OK
