"""`tunedeck eval`: run, resume, list, export and import evals headless (for CI).

`eval run NAME|FILE` exits 0 when the run completed and its pass rate reached
--min-pass-rate, 1 when it did not, 2 on a usage error (unknown eval, bad file,
no key). Heavy imports wait until a subcommand runs.
"""

from __future__ import annotations

import argparse
import json
import sys

from tui.cli.plumbing import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from tui.core.wording import count_of

UNSANDBOXED_HELP = ("where this system offers no OS jail for python graders (Landlock + seccomp),"
                    " run them without it; only for eval files you trust (config.toml:"
                    " allow_unsandboxed_graders = true). With the jail, nothing changes")


def add_unsandboxed_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--allow-unsandboxed-graders", action="store_true",
                        help=UNSANDBOXED_HELP)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "eval", help="run, resume, list, export and import evals",
        description="Evals with OpenAI's grader schema, run locally against any profile. "
        "Python graders run in an OS-level jail (no network, no processes, files only in "
        "their temp dir; docs/security.md); where the system offers none they are refused "
        "unless --allow-unsandboxed-graders is given.")
    sub = parser.add_subparsers(dest="eval_command", metavar="ACTION", required=True)

    run = sub.add_parser("run", help="run an eval (a stored eval's name, or an eval file; "
                                     "tunedeck eval init writes one to start from)")
    run.add_argument("target", metavar="NAME|FILE")
    run.add_argument("--model", "-m", action="append",
                     help="model to sample (repeat for several; default: the file's model)")
    run.add_argument("--json", action="store_true",
                     help="print one JSON object: result_counts, per-criterion and per-item results")
    run.add_argument("--min-pass-rate", type=float, metavar="X",
                     help="exit 1 when the pass rate (0..1) is below X")
    run.add_argument("--concurrency", "-j", type=int, metavar="N",
                     help="requests in flight (default: the profile's concurrency)")
    run.add_argument("--name", default="", help="name of the run")
    run.add_argument("--prompt", metavar="NAME[@N]",
                     help="sample with this saved prompt version instead of the eval's template")
    run.add_argument("--batch", action="store_true",
                     help="sample through the provider's Batch API (half price, may take hours),"
                          " then grade locally; 'eval resume' picks up a batch in flight")
    run.add_argument("--poll", type=float, default=10.0, metavar="SECONDS",
                     help="with --batch: how often to check the batch (default 10)")
    run.add_argument("--yes", action="store_true",
                     help="run even when the estimate would pass the profile's budget")
    add_unsandboxed_flag(run)
    run.set_defaults(func=cmd_run)

    resume = sub.add_parser("resume", help="continue an interrupted run where it stopped")
    resume.add_argument("run_id", type=int)
    resume.add_argument("--json", action="store_true")
    add_unsandboxed_flag(resume)
    resume.set_defaults(func=cmd_resume)

    listing = sub.add_parser("list", aliases=["runs"], help="list evals and their runs")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)

    export = sub.add_parser("export", help="write a run's results as CSV or JSONL")
    export.add_argument("run_id", type=int)
    export.add_argument("file", help="*.csv or *.jsonl")
    export.set_defaults(func=cmd_export)

    imp = sub.add_parser("import", help="copy OpenAI's hosted evals, runs and items into the store")
    imp.add_argument("--eval", dest="eval_ids", action="append", metavar="ID",
                     help="only this eval (repeatable)")
    imp.set_defaults(func=cmd_import)

    from tui.cli.eval_chooser import add_chooser
    from tui.cli.eval_init import add_init

    add_chooser(sub)
    add_init(sub)


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"tunedeck eval: {message}", file=sys.stderr)
    return code


def _open(args):
    from store.store import Store
    from tui.cli.plumbing import cli_settings
    from tui.core.paths import default_db_path

    settings = cli_settings(args)
    profile = settings.profile(args.profile)
    return Store(args.db or default_db_path()), settings, profile


def _run_json(store, run, *, items: bool = True) -> dict:
    from tui.core.evals.results_export import output_item
    from tui.core.evals.summary import summarize

    summary = summarize(store, run.id)
    data = {
        "object": "eval.run", "id": run.id, "eval": store.evals.get(run.eval_id).name,
        "name": run.name, "model": run.model, "status": run.status, "error": run.error,
        "result_counts": summary["result_counts"],
        "per_testing_criteria_results": [
            {"testing_criteria": c["testing_criteria"], "passed": c["passed"],
             "failed": c["failed"]} for c in summary["per_testing_criteria_results"]],
        "per_model_usage": summary["per_model_usage"], "pass_rate": summary["pass_rate"],
        "cost_usd": summary["cost_usd"], "latency_ms": summary["latency_ms"],
    }
    from tui.core.evals.batch import batch_state, is_batch_run

    if is_batch_run(run):
        data["batch"] = batch_state(run)
    if items:
        data["items"] = []
        for r in store.evals.iter_results(run.id):
            item = output_item(r)
            item["status"] = r.status
            data["items"].append({k: item[k] for k in (
                "datasource_item_id", "status", "score", "results", "error")}
                | {"output_text": (r.sample or {}).get("output_text")})
    return data


def _print_text(store, run) -> None:
    from tui.core.evals.summary import summarize

    summary = summarize(store, run.id)
    counts = summary["result_counts"]
    print(f"{store.evals.get(run.eval_id).name} · run {run.id} · {run.model or 'given samples'}"
          f" · {run.status}{' · ' + run.error if run.error else ''}")
    print(f"  {counts['passed']}/{counts['total']} passed ({100 * summary['pass_rate']:.1f}%),"
          f" {counts['failed']} failed, {counts['errored']} errored")
    from tui.core.evals.batch import batch_state, describe, is_batch_run

    if is_batch_run(run):
        state = batch_state(run)
        print(f"  {describe(state)}" + (f" · {state['id']}" if state.get("id") else ""))
    for c in summary["per_testing_criteria_results"]:
        print(f"  {c['testing_criteria']}: {c['passed']} passed, {c['failed']} failed,"
              f" {c['errored']} errored · mean score {c['mean_score']:.3f}")
    tokens = sum(u["total_tokens"] for u in summary["per_model_usage"])
    print(f"  tokens {tokens} · cost ${summary['cost_usd']:.4f}"
          + (f" · p50 {summary['latency_ms']['p50']:.0f} ms" if summary['latency_ms']['p50']
             else ""))


def _freeze_heap(store, run_ids) -> None:
    """What a run works with is loaded, then frozen out of the collector's walks: a full
    collection of it stalled every call in flight (tui/startup_gc.py)."""
    from tui import startup_gc

    if any(store.evals.run(run_id).model for run_id in run_ids):
        from tui.core.evals.fastchat import load_transport

        load_transport()
    startup_gc.freeze_long_lived()


def _execute(store, settings, profile, run_ids, *, concurrency=None, poll=None,
             allow_unsandboxed=False):
    import asyncio

    from tui.core.evals import service
    from tui.core.workbench import Workbench

    workbench = Workbench.on(store, settings, profile)
    _freeze_heap(store, run_ids)

    async def go():
        client = None
        try:
            runs = []
            for run_id in run_ids:
                run = store.evals.run(run_id)
                if run.model and client is None:
                    client = service.client_for(profile)
                options = service.options_for(profile, settings)
                if concurrency:
                    options.concurrency = concurrency
                if poll:
                    options.batch_poll_s = poll
                options.allow_unsandboxed_graders |= allow_unsandboxed
                notice = service.jail_notice(store, run_id,
                                             allowed=options.allow_unsandboxed_graders)
                if notice:
                    print(f"tunedeck eval: {notice}", file=sys.stderr)
                runs.append(await workbench.execute_eval(run_id, client=client,
                                                         options=options))
            return runs
        finally:
            if client is not None:
                await client.close()

    return asyncio.run(go())


def _report(store, runs, args) -> int:
    from tui.core.evals.summary import pass_rate

    if args.json:
        payload = [_run_json(store, r) for r in runs]
        print(json.dumps(payload[0] if len(payload) == 1 else {"runs": payload}, indent=None))
    else:
        for run in runs:
            _print_text(store, run)
    code = EXIT_OK
    for run in runs:
        if run.status != "completed":
            code = EXIT_FAILED
        threshold = getattr(args, "min_pass_rate", None)
        if threshold is not None and pass_rate(run.result_counts or {}) < threshold:
            if not args.json:
                print(f"  pass rate below {threshold:g}", file=sys.stderr)
            code = EXIT_FAILED
    return code


def cmd_run(args: argparse.Namespace) -> int:
    from tui.core.config import Capability, ConfigError
    from tui.core.evals import service
    from tui.core.evals.definition import DefinitionError
    from tui.core.evals.items import ItemError
    from tui.core.optimize.optimize_driver import OptimizeError
    from tui.core.providers import MissingKeyError

    if args.min_pass_rate is not None and not 0 <= args.min_pass_rate <= 1:
        return _fail("--min-pass-rate must be between 0 and 1")
    if args.concurrency is not None and args.concurrency < 1:
        return _fail("--concurrency must be at least 1")
    if args.poll <= 0:
        return _fail("--poll must be a positive number of seconds")
    try:
        store, settings, profile = _open(args)
    except ConfigError as exc:
        return _fail(str(exc))
    with store:
        try:
            eval_row, definition = service.resolve(store, args.target, profile=profile.name)
            models = args.model or [definition.model]
            if args.batch and not profile.has(Capability.BATCH):
                return _fail(f"profile {profile.name!r} has no Batch API (capability 'batch')")
            from tui.core.spend import check_budget, estimate_eval_runs

            budget = check_budget(store, settings, profile.name, estimate_eval_runs(
                store, eval_row.id, models, batch=args.batch))
            if budget.exceeds and not args.yes:
                return _fail(f"{budget.message()} Nothing started; --yes runs it anyway.")
            version = None
            if args.prompt:
                from tui.core.optimize.prompt_runs import with_prompt

                definition, version = with_prompt(store, definition, args.prompt)
            run_ids = [service.new_run(store, eval_row, definition, model=m,
                                       profile=profile.name, name=args.name,
                                       batch=args.batch).id for m in models]
            if version is not None:
                from tui.core.optimize.prompt_runs import name_prompt

                name_prompt(store, run_ids, version)
            if args.batch and not args.json:
                print(f"sampling {count_of(len(run_ids), 'run')} through the Batch API; interrupt "
                      "and 'tunedeck eval resume RUN_ID' to pick the batch up again",
                      file=sys.stderr)
            runs = _execute(store, settings, profile, run_ids, concurrency=args.concurrency,
                            poll=args.poll, allow_unsandboxed=args.allow_unsandboxed_graders)
        except (service.EvalNotFound, DefinitionError, ItemError, MissingKeyError,
                OptimizeError) as exc:
            return _fail(str(exc))
        return _report(store, runs, args)


def cmd_resume(args: argparse.Namespace) -> int:
    from tui.core.config import ConfigError
    from tui.core.providers import MissingKeyError

    try:
        store, settings, profile = _open(args)
    except ConfigError as exc:
        return _fail(str(exc))
    with store:
        try:
            store.evals.run(args.run_id)
            runs = _execute(store, settings, profile, [args.run_id],
                            allow_unsandboxed=args.allow_unsandboxed_graders)
        except (KeyError, MissingKeyError) as exc:
            return _fail(str(exc).strip("'\""))
        return _report(store, runs, args)


def cmd_list(args: argparse.Namespace) -> int:
    from tui.core.evals.summary import pass_rate

    store, _, _ = _open(args)
    with store:
        rows = []
        for ev in store.evals.list():
            runs = [{"id": r.id, "name": r.name, "model": r.model, "status": r.status,
                     "result_counts": r.result_counts,
                     "pass_rate": pass_rate(r.result_counts or {})} for r in store.evals.runs(ev.id)]
            rows.append({"id": ev.id, "name": ev.name, "source": ev.source, "runs": runs})
    if args.json:
        print(json.dumps(rows))
        return EXIT_OK
    if not rows:
        print("No evals yet: 'tunedeck eval init' writes an example eval file to run "
              "('tunedeck eval run FILE').")
    for ev in rows:
        print(f"{ev['id']:>4}  {ev['name']}  ({ev['source']}, {len(ev['runs'])} runs)")
        for r in ev["runs"]:
            print(f"      run {r['id']:>4}  {r['model'] or '-':<24} {r['status']:<12}"
                  f" {100 * r['pass_rate']:.1f}%")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from tui.core.workbench import Workbench

    store, settings, profile = _open(args)
    with store:
        try:
            store.evals.run(args.run_id)
        except KeyError:
            return _fail(f"no eval run {args.run_id}")
        n = Workbench.on(store, settings, profile).export_eval_run(args.run_id, args.file)
    print(f"wrote {n} results to {args.file}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    import asyncio

    from tui.core.config import ConfigError
    from tui.core.evals.importer import import_openai
    from tui.core.providers import MissingKeyError, make_client

    try:
        store, _, profile = _open(args)
        client = make_client(profile)
    except (ConfigError, MissingKeyError) as exc:
        return _fail(str(exc))

    async def go():
        try:
            return await import_openai(store, client, profile.name, eval_ids=args.eval_ids)
        finally:
            await client.close()

    with store:
        try:
            report = asyncio.run(go())
        except Exception as exc:  # noqa: BLE001 - a provider error is reported, not a traceback
            from tui.core.errors import explain

            return _fail(str(explain(exc)), EXIT_FAILED)
    print(f"imported {report.evals} evals, {report.runs} runs, {report.items} items")
    return EXIT_OK
