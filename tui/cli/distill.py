"""`tunedeck distill`: a teacher's answers to a dataset's or an eval's prompts, kept by an
eval's graders, as a new SFT dataset version.

The pre-flight asks the teacher about the first --probe prompts (their answers are kept
for the run), then shows the estimated teacher cost and the share the filter keeps, and
asks before the rest. `--resume ID` continues a distillation that was stopped, refused
or killed, asking only for the answers it does not have.
Exit codes: 0 written, 1 the run failed or stopped unfinished, 2 usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tui.cli.plumbing import EXIT_FAILED, EXIT_OK, EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "distill", help="sample a teacher on prompts, keep what an eval's graders pass, and "
        "write the answers as a new SFT dataset version")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--from-dataset", metavar="NAME[@N]",
                        help="prompts: the version's conversations up to their last user turn")
    source.add_argument("--from-eval", metavar="EVAL",
                        help="prompts: the eval's items through its input_messages")
    source.add_argument("--from-stored", action="store_true",
                        help="prompts: the profile's stored chat completions (OpenAI's "
                        "store: true) matching --metadata, imported as a dataset version")
    source.add_argument("--resume", type=int, metavar="ID", help="continue distillation ID")
    p.add_argument("--metadata", action="extend", nargs="+", default=[], metavar="KEY=VALUE",
                   help="with --from-stored: keep the completions whose metadata has every pair")
    p.add_argument("--stored-model", metavar="MODEL",
                   help="with --from-stored: only the completions made by MODEL")
    p.add_argument("--stored-limit", type=int, metavar="N",
                   help="with --from-stored: at most N completions (the oldest first)")
    p.add_argument("--teacher", metavar="MODEL", help="the model whose answers are kept")
    p.add_argument("--teacher-profile", metavar="P",
                   help="provider profile of the teacher (default: --profile or the default)")
    p.add_argument("--filter-eval", metavar="EVAL",
                   help="grade each answer with this eval's graders; keep those that pass")
    p.add_argument("--min-score", type=float, metavar="S",
                   help="keep answers whose mean grader score is at least S instead")
    p.add_argument("--samples", type=int, default=1, metavar="K",
                   help="answers per prompt (duplicates are dropped; default 1)")
    p.add_argument("--batch", action="store_true",
                   help="ask the teacher through the Batch API (half price, slower; the "
                   "pre-flight's probe is asked live)")
    p.add_argument("--temperature", type=float, help="the teacher's sampling temperature")
    p.add_argument("--into", metavar="NAME", help="dataset the distilled version goes into")
    p.add_argument("--concurrency", type=int, metavar="C",
                   help="teacher requests in flight at most (default: the profile's)")
    p.add_argument("--probe", type=int, default=5, metavar="N",
                   help="prompts asked before the estimate (default 5; 0: no estimate)")
    p.add_argument("--student", metavar="MODEL",
                   help="then fine-tune MODEL on the distilled version (the guided loop) and "
                   "run the eval on teacher, student base and student tuned")
    p.add_argument("--student-eval", metavar="EVAL",
                   help="the eval of the comparison (default: --filter-eval, else --from-eval)")
    p.add_argument("--student-profile", metavar="P",
                   help="where the student is fine-tuned (default: the teacher's profile)")
    p.add_argument("--epochs", type=int, metavar="N", help="the student's training epochs")
    p.add_argument("--poll", type=float, help="job poll interval in seconds")
    p.add_argument("--yes", action="store_true",
                   help="go on after the pre-flight without asking (with --student: the "
                   "fine-tune too)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=cmd_distill)


class _Usage(Exception):
    pass


def cmd_distill(args: argparse.Namespace) -> int:
    from store import Store
    from tui.cli.plumbing import cli_settings
    from tui.core.config import ConfigError
    from tui.core.distill.distiller import DistillError
    from tui.core.paths import default_db_path
    from tui.core.providers import MissingKeyError
    from tui.core.refs import RefError

    out = sys.stderr if args.json else sys.stdout
    try:
        settings = cli_settings(args)  # --sandbox: the TUI's sandbox session
        with Store(args.db or default_db_path()) as store:
            run = _resumed(store, args) if args.resume is not None else _started(store, args,
                                                                                 settings)
            settings.profile(run.teacher_profile)  # a profile gone from the config: usage
            return _drive(args, settings, store, run, out)
    except (_Usage, ConfigError, RefError, KeyError) as exc:
        print(f"tunedeck distill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (DistillError, MissingKeyError) as exc:
        print(f"tunedeck distill: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _resumed(store: Any, args: argparse.Namespace):
    run = store.distills.get(args.resume)
    if run.status != "sampling":
        raise _Usage(f"distillation {run.id} is {run.status}; nothing to resume")
    return run


def _eval_id(store: Any, ref: str) -> int:
    from tui.core.store_export import ExportError, resolve_eval

    try:
        return resolve_eval(store, ref).id
    except ExportError as exc:
        raise _Usage(str(exc)) from None


def _started(store: Any, args: argparse.Namespace, settings: Any):
    from tui.core.distill.distiller import start
    from tui.core.refs import dataset_version

    if not (args.from_dataset or args.from_eval or args.from_stored):
        raise _Usage("give --from-dataset NAME[@N], --from-eval EVAL or --from-stored "
                     "(or --resume ID)")
    if not args.teacher or not args.into:
        raise _Usage("--teacher MODEL and --into NAME are needed")
    profile = settings.profile(args.teacher_profile or args.profile)
    params: dict[str, Any] = {"temperature": args.temperature} if args.temperature is not None \
        else {}
    if args.batch:
        params["batch"] = True  # kept with the run: a resume samples the same way
    version_id = dataset_version(store, args.from_dataset).id if args.from_dataset else None
    if args.from_stored:
        version_id = _stored_version(store, args, profile)
    return start(
        store, into=args.into, teacher=args.teacher, teacher_profile=profile.name,
        from_version_id=version_id,
        from_eval_id=_eval_id(store, args.from_eval) if args.from_eval else None,
        samples=args.samples,
        filter_eval_id=_eval_id(store, args.filter_eval) if args.filter_eval else None,
        min_score=args.min_score, params=params)


def _stored_version(store: Any, args: argparse.Namespace, profile: Any) -> int:
    import asyncio

    from tui.core.distill.stored import import_stored, parse_metadata

    try:
        metadata = parse_metadata(",".join(args.metadata))
    except ValueError as exc:
        raise _Usage(str(exc)) from None
    return asyncio.run(import_stored(store, profile, metadata, model=args.stored_model,
                                     limit=args.stored_limit))


def _drive(args: argparse.Namespace, settings: Any, store: Any, run: Any, out: Any) -> int:
    import asyncio

    from tui.core.distill.distill_lineage import lineage
    from tui.core.distill.distill_report import preflight_text
    from tui.core.distill.drive import drive

    student_eval = _student_eval(store, args, run)
    report: dict[str, Any] = {"distillation": run.id}
    calls: list[int] = []

    def go(probe_only: bool) -> Any:
        try:
            return asyncio.run(drive(store, settings, run.id,
                                     probe=args.probe if probe_only else None,
                                     concurrency=args.concurrency, poll_s=args.poll,
                                     calls=calls))
        finally:
            report["teacher_calls"] = sum(calls)

    if args.resume is None and args.probe > 0:
        pre = go(probe_only=True)
        report["preflight"] = pre.as_dict()
        print(f"Pre-flight: {preflight_text(pre)}", file=out)
        if not args.yes:
            if not sys.stdin.isatty():
                raise _Usage(f"Go on? Confirm with --yes, or later with `tunedeck distill "
                             f"--resume {run.id}` (no terminal to ask on).")
            if input("Ask the teacher for the rest? [y/N] ").strip().lower() not in ("y", "yes"):
                print(f"Stopped after the probe; `tunedeck distill --resume {run.id}` goes on.",
                      file=out)
                return EXIT_FAILED
    done = go(probe_only=False)
    report["lineage"] = info = lineage(store, done)
    cost = "unpriced" if info["cost_usd"] is None else f"${info['cost_usd']:.4f}"
    print(f"Distillation {done.id}: kept {info['kept']} of {info['sampled']} teacher answers"
          f" ({info['kept_fraction']:.0%}) into {info['into']}; teacher cost {cost}", file=out)
    if args.student:
        report["three_way"] = _student(args, settings, store, done, student_eval, out)
    if args.json:
        print(json.dumps(report))
    if args.student and report["three_way"]["stage"] != "done":
        return EXIT_FAILED
    return EXIT_OK


def _student_eval(store: Any, args: argparse.Namespace, run: Any) -> int | None:
    if not args.student:
        return None
    if args.student_eval:
        return _eval_id(store, args.student_eval)
    fallback = run.filter_eval_id or run.source_eval_id
    if fallback is None:
        raise _Usage("--student needs an eval to compare on: give --student-eval EVAL")
    return fallback


def _student(args: argparse.Namespace, settings: Any, store: Any, run: Any, eval_id: int,
             out: Any) -> dict[str, Any]:
    import asyncio

    from tui.core.distill.student import student_loop

    hyper = {"n_epochs": args.epochs} if args.epochs else None
    result = asyncio.run(student_loop(
        store, settings, run.id, eval_id=eval_id, student=args.student,
        profile=args.student_profile or run.teacher_profile, hyperparameters=hyper,
        poll_s=args.poll))

    def pct(rate: float | None) -> str:
        return "—" if rate is None else f"{rate:.1%}"

    print(f"Student loop #{result.loop_id} ({result.stage}) on eval "
          f"{store.evals.get(eval_id).name}:", file=out)
    print(f"  teacher        {result.teacher}: {pct(result.teacher_pass_rate)}", file=out)
    print(f"  student base   {result.student_base}: {pct(result.base_pass_rate)}", file=out)
    print(f"  student tuned  {result.student_tuned or '—'}: {pct(result.tuned_pass_rate)}",
          file=out)
    if result.error:
        print(f"  error: {result.error}", file=out)
    return result.as_dict()
