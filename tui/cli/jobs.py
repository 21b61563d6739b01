"""`tunedeck jobs list|show|watch|create|cancel|pause|resume|deploy|retrain`: the Jobs
pane, headless, on any provider (through the fine-tuning port).

Imported on every `tunedeck` start: everything heavy is imported inside `run`.
Exit codes: 0 ok (watch: succeeded), 1 the job failed or was cancelled (deploy: the
model does not answer yet), 2 usage or configuration errors, 3 provider errors (a list
the provider would not end included: what was read is kept).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tui.cli.plumbing import EXIT_FAILED, EXIT_OK, EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "jobs", help="fine-tuning jobs: list, show, watch, create, cancel",
        description="Fine-tuning jobs of a profile, kept in the local store.",
    )
    sub = parser.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)

    def add(name: str, help_text: str, *, profile: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="machine-readable output")
        if profile:
            # SUPPRESS: without the option here, the global `tunedeck --profile X jobs` counts.
            p.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS,
                           help="provider profile (default: the configured default)")
        p.set_defaults(func=run)
        return p

    p = add("list", "jobs in the store (--sync pulls the provider's list first)")
    p.add_argument("--sync", action="store_true", help="import every job of the profile first")
    p = add("show", "one job: state, error, checkpoints, latest events")
    p.add_argument("job", help="job id (ftjob-…) or local number")
    p.add_argument("--offline", action="store_true", help="only what the store holds")
    p = add("watch", "print events as they arrive; exit with the job's outcome")
    p.add_argument("job")
    p.add_argument("--interval", type=float, help="poll interval in seconds (default: config)")
    p = add("create", "pre-flight, then launch a job from a stored dataset version")
    p.add_argument("--dataset", required=True, metavar="NAME[@VERSION]",
                   help="training dataset (latest ready version unless @N)")
    p.add_argument("--validation", metavar="NAME[@VERSION]")
    p.add_argument("--model", required=True, help="base model")
    p.add_argument("--method", default="supervised",
                   choices=("supervised", "dpo", "reinforcement"))
    for flag, name in (("--epochs", "n_epochs"), ("--batch-size", "batch_size"),
                       ("--lr-multiplier", "learning_rate_multiplier"), ("--beta", "beta"),
                       ("--compute-multiplier", "compute_multiplier"),
                       ("--eval-interval", "eval_interval"), ("--eval-samples", "eval_samples"),
                       ("--reasoning-effort", "reasoning_effort")):
        p.add_argument(flag, dest=name, default="auto", help="auto (default) or a value")
    p.add_argument("--grader", metavar="FILE", help="grader JSON file (reinforcement)")
    p.add_argument("--suffix")
    p.add_argument("--seed")
    p.add_argument("--metadata", default="", help="key=value,key2=value2")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="a provider option (Together lora_r=16, Azure training_type="
                        "GlobalStandard, Nebius packing=true…); repeatable")
    p.add_argument("--yes", action="store_true", help="launch without asking")
    for name in ("cancel", "pause", "resume"):
        p = add(name, f"{name} a job")
        p.add_argument("job")
        p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p = add("deploy", "make a job's tuned model answer (Azure: create its deployment)")
    p.add_argument("job")
    from tui.cli.jobs_retrain import add_retrain

    add_retrain(add("retrain", "start the same data, method and hyperparameters on another "
                               "profile and base model (with --eval: compare old and new)",
                    profile=False))


def run(args: argparse.Namespace) -> int:
    from tui.cli.failures import run_on_store

    return run_on_store(args, "tunedeck jobs", _COMMANDS[args.jobs_command], _Usage)


class _Usage(Exception):
    pass


def _provider(profile: Any, **kwargs: Any) -> Any:
    """The profile's fine-tuning port (a missing key or capability is said here)."""
    from tui.core.config import Capability
    from tui.core.finetune import provider_for
    from tui.core.providers import require

    require(profile, Capability.FINE_TUNING)
    return provider_for(profile, **kwargs)


def _run_async(coro: Any) -> Any:
    import asyncio

    return asyncio.run(coro)


def _job_dict(store: Any, job: Any, *, full: bool = False) -> dict[str, Any]:
    from tui.core.retirement import shutdown_of

    progress = store.jobs.progress(job.profile).get(job.id)
    shutdown, via = shutdown_of(store, job.profile, job.fine_tuned_model or job.model)
    out = {
        "id": job.remote_id, "local_id": job.id, "status": job.status, "method": job.method,
        "model": job.model, "fine_tuned_model": job.fine_tuned_model,
        "trained_tokens": job.trained_tokens, "created_at": job.remote_created_at,
        "finished_at": job.finished_at, "estimated_finish": job.estimated_finish,
        "step": progress[0] if progress else None, "total_steps": progress[1] if progress else None,
        "error": job.error, "profile": job.profile, "shutdown_date": shutdown,
        "shutdown_via": via,
        "deployments": [d.name for d in store.deployments.for_model(job.fine_tuned_model)
                        if d.status == "succeeded"] if job.fine_tuned_model else [],
    }
    if full:
        out["checkpoints"] = [c.model_dump() for c in store.jobs.checkpoints(job.id)]
        out["events"] = [e.model_dump() for e in reversed(store.jobs.events(job.id, limit=50))]
        out["result_file"] = store.jobs.result_file(job.id)
    return out


def _find(store: Any, profile: Any, ref: str, *, fetch: bool = True) -> Any:
    job = None
    if ref.isdigit():
        try:
            job = store.jobs.get(int(ref))
        except KeyError:
            job = None
    job = job or store.jobs.by_remote_id(profile.name, ref)
    if job is None and fetch and not ref.isdigit():
        async def retrieve() -> Any:
            provider = _provider(profile)
            try:
                return store.jobs.upsert(profile.name, await provider.retrieve_job(ref))
            finally:
                await provider.close()

        job = _run_async(retrieve())
    if job is None:
        raise _Usage(f"no job {ref!r} in the store for profile {profile.name}")
    return job


def cmd_list(args: argparse.Namespace, settings: Any, profile: Any, store: Any) -> int:
    if args.sync:
        from tui.core.sync import sync_job_list

        async def pull() -> None:
            provider = _provider(profile)
            try:
                await sync_job_list(provider, store, profile.name)
            finally:
                await provider.close()

        _run_async(pull())
    jobs = store.jobs.list(profile.name)
    if args.json:
        print(json.dumps([_job_dict(store, j) for j in jobs], indent=2))
        return EXIT_OK
    import time

    from tui.core.jobs.present import age, progress_bar
    from tui.core.retirement import retiring, shutdown_of

    if not jobs:
        print(f"No jobs for profile {profile.name} (tunedeck jobs list --sync imports them).")
    progress = store.jobs.progress(profile.name)
    for job in jobs:
        step, total = progress.get(job.id, (None, None))
        shutdown = shutdown_of(store, profile.name, job.fine_tuned_model or job.model)[0]
        print(f"{job.remote_id:<34} {job.status:<16} {job.method or '-':<13} {job.model:<28} "
              f"{progress_bar(step, total):<18} {job.fine_tuned_model or '-'}  "
              f"{age(job.remote_created_at, time.time())}"
              + (f"  retires {shutdown}" if shutdown else ""))
    for notice in retiring(store, profile=profile.name):
        print(f"! {notice.line()}")
    return EXIT_OK


def cmd_show(args: argparse.Namespace, settings: Any, profile: Any, store: Any) -> int:
    job = _find(store, profile, args.job, fetch=not args.offline)
    if not args.offline and profile.key_is_set:
        from tui.core.jobs.job_sync import hydrate

        async def refresh() -> Any:
            provider = _provider(profile)
            try:
                return (await hydrate(provider, store, profile.name, job)).job
            finally:
                await provider.close()

        job = _run_async(refresh())
    data = _job_dict(store, job, full=True)
    if args.json:
        print(json.dumps(data, indent=2, default=str))
        return EXIT_OK
    from tui.core.jobs.present import explain_job_error, offending_line

    print(f"{job.remote_id}  {job.status}  {job.method or '-'} on {job.model}")
    print(f"fine-tuned model: {job.fine_tuned_model or '-'}   trained tokens: "
          f"{job.trained_tokens or '-'}   step {data['step'] or '-'}/{data['total_steps'] or '-'}")
    explained = explain_job_error(job.error)
    if explained is not None:
        print(f"{explained.title}\n  {explained.detail}\n  → {explained.hint}")
        line = offending_line(store, job, explained.line)
        if line is not None:
            print(f"  line {explained.line}: {line[:300]}")
    for ckpt in data["checkpoints"]:
        print(f"checkpoint step {ckpt['step_number']}: {ckpt['fine_tuned_model_checkpoint']}")
    for event in data["events"][-15:]:
        print(f"  [{event['level']}] {event['message']}")
    return EXIT_OK


def _outcome(status: str) -> int:
    return EXIT_OK if status == "succeeded" else EXIT_FAILED


def cmd_watch(args: argparse.Namespace, settings: Any, profile: Any, store: Any) -> int:
    from tui.core.jobs.watch import PollPolicy, Watcher
    from tui.core.pagination import PaginationStopped

    job = _find(store, profile, args.job)
    policy = PollPolicy(args.interval or settings.poll_interval_s)
    printed: set[str] = set()

    def show_new() -> None:
        for event in reversed(store.jobs.events(job.id, limit=10_000)):
            if event.remote_id in printed:
                continue
            printed.add(event.remote_id)
            if args.json:
                print(json.dumps(event.model_dump(), default=str), flush=True)
            else:
                print(f"[{event.level or 'info'}] {event.message}", flush=True)

    async def loop() -> Any:
        provider = _provider(profile, max_retries=0)
        stopped: list[BaseException] = []

        def on_error(exc: BaseException, wait: float) -> None:
            if isinstance(exc, PaginationStopped) or job.id in watcher.gone:
                # Not a passing fault (a list that never ends, a job the provider no
                # longer knows): polling again would only repeat it.
                stopped.append(exc)
                return
            print(f"(poll failed: {type(exc).__name__}; retrying in {wait:.0f}s)",
                  file=sys.stderr, flush=True)

        # The same poller as the Jobs pane (one interval between polls, the job read only
        # when an event says it changed), for this one job, until it has finished.
        watcher = Watcher(provider, store, profile.name, policy, only={job.id},
                          on_change=lambda _results: show_new(), on_error=on_error)
        try:
            show_new()
            await watcher.run(until_idle=True)
            show_new()  # what was read and stored is shown, then a stuck list fails
            if stopped:
                raise stopped[0]
            return store.jobs.get(job.id)
        finally:
            await provider.close()

    job = _run_async(loop())
    if not args.json:
        print(f"{job.remote_id}: {job.status}"
              + (f" → {job.fine_tuned_model}" if job.fine_tuned_model else ""))
    return _outcome(job.status)


def _version_ref(store: Any, ref: str) -> int:
    """NAME or NAME@N (tui.core.refs), as a usage error listing what is stored."""
    from tui.core.refs import RefError, dataset_version

    try:
        return dataset_version(store, ref).id
    except RefError as exc:
        raise _Usage(str(exc)) from None


def cmd_create(args: argparse.Namespace, settings: Any, profile: Any, store: Any) -> int:
    from pathlib import Path

    from tui.core.jobs.preflight import run_preflight
    from tui.core.jobs.spec import HYPERPARAMETERS, SpecError, parse_form
    from tui.core.pricing import training_prices_for
    from tui.core.workbench import Workbench

    values: dict[str, Any] = {
        "model": args.model, "method": args.method,
        "training_version_id": _version_ref(store, args.dataset),
        "validation_version_id": _version_ref(store, args.validation) if args.validation
        else None,
        "suffix": args.suffix or "", "seed": args.seed or "", "metadata": args.metadata,
        "options": list(args.option),
    }
    for name in HYPERPARAMETERS[args.method]:
        values[name] = getattr(args, name)
    if args.grader:
        try:
            values["grader"] = Path(args.grader).read_text(encoding="utf-8")
        except OSError as exc:
            raise _Usage(f"cannot read the grader file: {exc}") from None
    try:
        spec = parse_form(values)
    except SpecError as exc:
        raise _Usage(str(exc)) from None
    pre = run_preflight(store, profile, spec,
                        prices=training_prices_for(profile.kind, settings.prices.training,
                                                   profile=profile))
    out = sys.stderr if args.json else sys.stdout
    print_preflight(pre, out)
    if not pre.ok:
        return EXIT_USAGE
    if not confirm("Launch this job?", args.yes, out):
        print("Not launched.", file=out)
        return EXIT_OK

    async def go() -> Any:
        provider = _provider(profile)
        try:
            return await Workbench.on(store, settings, profile).launch_job(
                pre, provider=provider, say=lambda t: print(t, file=out))
        finally:
            await provider.close()

    job = _run_async(go())
    if args.json:
        print(json.dumps(_job_dict(store, job), indent=2))
    else:
        print(f"Launched {job.remote_id} ({job.status}); follow it with: "
              f"tunedeck jobs watch {job.remote_id}")
    return EXIT_OK


def print_preflight(pre: Any, out: Any) -> None:
    print(f"Pre-flight for {pre.provider} (nothing sent yet):"
          if pre.provider != "OpenAI" else "Pre-flight (nothing sent yet):", file=out)
    for line in pre.summary_lines():
        print(f"  {line}", file=out)
    for warning in pre.warnings:
        print(f"  ! {warning}", file=out)
    for problem in pre.problems:
        print(f"  ✗ {problem}", file=out)


def confirm(question: str, yes: bool, out: Any) -> bool:
    """--yes, or a y at the terminal; without a terminal to ask on, a usage error."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise _Usage("not launched: pass --yes to launch without a terminal to confirm")
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def cmd_action(args: argparse.Namespace, settings: Any, profile: Any, store: Any) -> int:
    from tui.core.finetune import capabilities_for
    from tui.core.finetune.port import Feature
    from tui.core.jobs.actions import act, check_action

    action = args.jobs_command
    job = _find(store, profile, args.job)
    check_action(job, action)
    why = capabilities_for(profile).why_not(Feature(action))
    if why:
        raise _Usage(f"{profile.provider_label} cannot {action} a job: {why}")
    if not args.yes and sys.stdin.isatty():
        if input(f"{action.capitalize()} {job.remote_id}? [y/N] ").strip().lower() not in (
                "y", "yes"):
            print("Nothing done.")
            return EXIT_OK

    async def go() -> Any:
        provider = _provider(profile)
        try:
            return await act(provider, store, job, action)
        finally:
            await provider.close()

    job = _run_async(go())
    if args.json:
        print(json.dumps(_job_dict(store, job), indent=2))
    else:
        print(f"{job.remote_id}: {job.status}")
    return EXIT_OK


def cmd_deploy(args: argparse.Namespace, settings: Any, profile: Any, store: Any) -> int:
    job = _find(store, profile, args.job)

    async def go() -> Any:
        provider = _provider(profile)
        try:
            return await provider.make_answerable(store, job)
        finally:
            await provider.close()

    answer = _run_async(go())
    if args.json:
        print(json.dumps({"job": job.remote_id, "model": job.fine_tuned_model,
                          "answers_as": answer.model, "ready": answer.ready,
                          "deployment": answer.deployment, "message": answer.message,
                          "command": answer.command}, indent=2))
    else:
        print(answer.message)
        if answer.command:
            print(f"  run: {answer.command}")
    return EXIT_OK if answer.ready else EXIT_FAILED


def cmd_retrain(args: argparse.Namespace, settings: Any, profile: Any, store: Any) -> int:
    from tui.cli.jobs_retrain import run_retrain

    return run_retrain(args, settings, profile, store, usage=_Usage,
                       print_preflight=print_preflight, confirm=confirm, job_dict=_job_dict)


_COMMANDS = {
    "list": cmd_list, "show": cmd_show, "watch": cmd_watch, "create": cmd_create,
    "cancel": cmd_action, "pause": cmd_action, "resume": cmd_action, "deploy": cmd_deploy,
    "retrain": cmd_retrain,
}
