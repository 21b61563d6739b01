"""The Workbench: tunedeck's headless application layer.

It owns what every use case needs (the settings, the database file and the
UI thread's connection to it, the active profile) and exposes the use cases
that both a pane and a `tunedeck ...` command run, so each is written once:
the pane asks the Workbench from a worker and shows the result; the CLI asks
it and prints the result. It imports no UI module; the App builds one
(tui/app.py) and hands it to panes through `Host.workbench`, the CLI builds one
through `tui.cli.plumbing.cli_workbench`.

A method that takes `store=` runs on that connection (a worker thread's own,
from `connect()` or `run_in_thread`); without it, on the Workbench's own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from store import Store
    from tui.core.config import Profile, Settings
    from tui.core.playground.runner import RunOutcome, RunParams

T = TypeVar("T")


class Workbench:
    def __init__(self, settings: Settings, db_path: Path, profile: str | None = None) -> None:
        self.settings = settings
        self.db_path = Path(db_path)
        self.profile: Profile = settings.profile(profile)
        self._store: Store | None = None
        # The dataset version the user has in view (Datasets pane): the job and loop forms
        # start from it rather than from whichever version is listed first.
        self.current_version_id: int | None = None

    @classmethod
    def on(cls, store: Store, settings: Settings, profile: Profile) -> Workbench:
        """A Workbench over a connection the caller already holds (and closes)."""
        workbench = cls(settings, store.path, profile.name)
        workbench.use_store(store)
        return workbench

    # -- the store -----------------------------------------------------------
    @property
    def store(self) -> Store:
        """The owner's connection (the UI thread's in the app, the command's in the CLI)."""
        if self._store is None:
            raise RuntimeError("the store is not open yet")
        return self._store

    @property
    def store_is_open(self) -> bool:
        return self._store is not None

    def connect(self) -> Store:
        """A new connection to the same file, for the thread that calls this (the caller
        closes it). Opening the first one runs the migrations."""
        from store import Store

        return Store(self.db_path)

    def use_store(self, store: Store) -> None:
        """Adopt `store` as the owner's connection (the App opens it off the UI thread)."""
        self._store = store

    def open(self) -> Store:
        self._store = self.connect()
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Workbench:
        if self._store is None:
            self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run_in_thread(self, main: Callable[[Store], Awaitable[T]]) -> T:
        """`main(store)` on this worker thread's own event loop and connection."""
        from tui.core.background import run_with_store

        return run_with_store(self.db_path, main)

    # -- the profile and its clients -------------------------------------------
    def switch_profile(self, name: str) -> Profile:
        """Make `name` the active profile (ConfigError when it is not configured)."""
        self.profile = self.settings.profile(name)
        return self.profile

    def client(self, profile: Profile | None = None, **kwargs: Any) -> Any:
        """An inference client (AsyncOpenAI) for the profile; MissingKeyError without a key."""
        from tui.core.providers import make_client

        return make_client(profile or self.profile, **kwargs)

    def provider(self, profile: Profile | None = None, **kwargs: Any) -> Any:
        """The fine-tuning provider (files, jobs, evals) for the profile."""
        from tui.core.finetune import provider_for

        return provider_for(profile or self.profile, **kwargs)

    # -- use cases ---------------------------------------------------------------
    def import_dataset(self, path: str | Path, *, name: str, model: str,
                       progress: Callable[[int, int], None] | None = None,
                       store: Store | None = None) -> Any:
        """Validate a JSONL file line by line and store it as a dataset version
        (DatasetImportError when it cannot be read). Returns an ImportResult."""
        from tui.core.dataset_versions import import_file

        return import_file(store or self.store, path, name=name, model=model,
                           progress=progress)

    async def upload_dataset_version(self, version_id: int, *, purpose: str = "train",
                                     progress: Callable[[int, int], None] | None = None,
                                     store: Store | None = None) -> tuple[Any, str | None, bool]:
        """Upload a version's valid lines to the profile's provider, once per content.

        Returns (prepared file, file id, fresh); the id is None when the version has no
        valid line to send (nothing is uploaded then).
        """
        from tui.core.jobs.preflight import prepare_file
        from tui.core.jobs.upload import ensure_uploaded

        store = store or self.store
        profile = self.profile
        prepared = prepare_file(store, profile.name, version_id, purpose)
        if not prepared.lines:
            return prepared, None, False
        provider = self.provider(profile)
        try:
            file_id, fresh = await ensure_uploaded(
                provider, store, profile.name, prepared.data, filename=prepared.filename,
                dataset_version_id=version_id, sha256=prepared.sha256, progress=progress)
        finally:
            await provider.close()
        return prepared, file_id, fresh

    def validate_file(self, path: str | Path, **kwargs: Any) -> Any:
        """The offline validation report of a fine-tuning JSONL file (nothing stored)."""
        from tui.core.datasets.validate import validate_file

        return validate_file(path, **kwargs)

    def start_playground_run(self, *, model: str, messages: list[dict[str, Any]], api: str,
                             params: RunParams, prompt_version_id: int | None,
                             compare_group: str | None = None,
                             variables: dict[str, str] | None = None,
                             store: Store | None = None) -> int:
        from tui.core.playground.record import start_run

        return start_run(store or self.store, self.profile, model=model, messages=messages,
                         api=api, params=params, prompt_version_id=prompt_version_id,
                         compare_group=compare_group, variables=variables)

    async def record_playground_run(self, run_id: int, *, model: str,
                                    messages: list[dict[str, Any]], params: RunParams,
                                    api: str, on_delta: Callable[[str], None] | None = None,
                                    shown: Callable[[], str] | None = None,
                                    store: Store | None = None) -> RunOutcome:
        """Stream a started run and store its end (see tui/core/playground/record.py)."""
        from tui.core.playground.record import stream_and_record

        return await stream_and_record(store or self.store, self.profile, self.settings,
                                       run_id=run_id, model=model, messages=messages,
                                       params=params, api=api, on_delta=on_delta,
                                       shown=shown)

    async def execute_eval(self, run_id: int, *, store: Store | None = None,
                           options: Any = None, on_progress: Callable[[Any], None] | None = None,
                           runner_ref: Callable[[Any], None] | None = None,
                           client: Any = None) -> Any:
        """Run (or resume) a stored eval run to its end; returns the run row.

        A run with a model needs a client: one is made for the active profile and
        closed after, unless the caller passes its own (a CLI batch shares one).
        """
        from tui.core.evals import service

        store = store or self.store
        if options is None:
            options = service.options_for(self.profile, self.settings)
        own = client is None and bool(store.evals.run(run_id).model)
        if own:
            client = service.client_for(self.profile)
        try:
            return await service.execute(store, run_id, client=client, options=options,
                                         on_progress=on_progress, runner_ref=runner_ref)
        finally:
            if own:
                await client.close()

    def eval_jail_notice(self, run_id: int, *, allowed: bool | None = None,
                         store: Store | None = None) -> str | None:
        """What to say before a run whose Python graders have no OS jail here."""
        from tui.core.evals import service

        if allowed is None:
            allowed = bool(self.settings.allow_unsandboxed_graders)
        return service.jail_notice(store or self.store, run_id, allowed=allowed)

    async def drive_loop(self, loop_id: int, *, store: Store | None = None,
                         **options: Any) -> Any:
        """Drive a guided loop from its stage to its end (or a wait); returns the loop.
        `options`: say, on_progress, started, poll_s, allow_unsandboxed_graders
        (see core/loop_drive.py). The loop's own profile runs it, not the active one."""
        from tui.core.loop_drive import drive_loop

        return await drive_loop(store or self.store, self.settings, loop_id, **options)

    async def launch_job(self, preflight: Any, *, provider: Any,
                         say: Callable[[str], None], store: Store | None = None) -> Any:
        """Upload what the provider lacks and create the fine-tuning job a pre-flight
        approved; returns the stored job. The caller owns (and closes) `provider`."""
        from tui.core.jobs.actions import launch

        return await launch(provider, store or self.store, preflight, say=say)

    async def sync(self, parts: tuple[str, ...], *, say: Callable[[str], None],
                   store: Store | None = None, provider: Any = None) -> Any:
        """Pull the profile's files, jobs and evals from the provider into the store."""
        from tui.core.sync import sync_profile

        own = provider is None
        provider = provider or self.provider()
        try:
            return await sync_profile(provider, store or self.store, self.profile,
                                      parts=parts, say=say)
        finally:
            if own:
                await provider.close()

    def export_eval_run(self, run_id: int, path: str, *, store: Store | None = None) -> int:
        """Write a run's results to `path` (CSV for .csv, JSONL otherwise); the row count."""
        from tui.core.evals.results_export import export_csv, export_jsonl

        writer = export_csv if path.endswith(".csv") else export_jsonl
        return writer(store or self.store, run_id, path)

    def spend(self, *, store: Store | None = None) -> tuple[list[Any], list[Any]]:
        """The spend ledger's entries and every budgeted profile's month so far."""
        from tui.core.spend import check_budget, ledger

        store = store or self.store
        entries = ledger(store, self.settings)
        budgets = [check_budget(store, self.settings, name, 0.0, entries=entries)
                   for name, profile in self.settings.profiles.items()
                   if profile.budget_usd is not None]
        return entries, budgets
