"""The Jobs pane's new-job flow: the form, the pre-flight, then the launch.

A mixin of JobsPane. A new job asks which models a listed-models provider serves
(a local engine has no catalogue), opens the form with the ready dataset versions
and the stored graders, shows the pre-flight (cost, validation) and only then
uploads and creates the job; a failed launch keeps the form's values and says why.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.widgets import DataTable

from tui.core.config import Capability
from tui.core.finetune.form_choices import LISTED_KINDS, base_model_choices
from tui.core.pricing import training_prices_for


class JobLaunch:
    """Mixed into JobsPane: `self` is the pane (its store, status line and watcher)."""

    @work(exclusive=True, group="jobs-models", exit_on_error=False, name="list models")
    async def list_models_then_new_job(self) -> None:
        from tui.core.providers import make_client
        from tui.core.served_models import served_models

        profile = self.tunedeck.profile
        self._status(f"Asking {profile.name} which models it serves…")
        async with make_client(profile) as client:
            models = await served_models(client)
        self.tunedeck.store.models.replace(profile.name, models)
        self.action_new_job(listed=True)

    def action_new_job(self, listed: bool = False) -> None:
        from tui.core.providers import MissingCapabilityError, require
        from tui.screens.job_create import JobCreate

        profile = self.tunedeck.profile
        try:
            require(profile, Capability.FINE_TUNING)
        except MissingCapabilityError as exc:
            self.notify(str(exc), severity="warning")
            return
        store = self.tunedeck.store
        from tui.core.dataset_versions import ready_version_choices

        versions = ready_version_choices(store)
        if not versions:
            self.notify("No dataset versions yet: import a JSONL file in Datasets (1) first.",
                        severity="warning")
            return
        cached = [m.model_id for m in store.models.list(profile.name)]
        if profile.kind in LISTED_KINDS and not cached and not listed:
            # A local engine or compatible server: its models are whatever it serves.
            self.list_models_then_new_job()
            return
        models = base_model_choices(profile.kind, cached, profile)

        def chosen(spec: Any) -> None:
            if spec is not None:
                self.preflight(spec)

        graders = [(f"{ev.name}: {c.get('name', c.get('type', '?'))}", c)
                   for ev in self.tunedeck.store.evals.list()
                   for c in ev.testing_criteria or [] if isinstance(c, dict)]
        from tui.core.finetune.form_choices import form_choices

        current = self.tunedeck.workbench.current_version_id
        initial = ({"training_version_id": current}
                   if current in {v for _, v in versions} else None)
        self.tunedeck.push_screen(JobCreate(versions, models, graders=graders, initial=initial,
                                            choices=form_choices(profile)), chosen)

    def preflight(self, spec: Any) -> None:
        from tui.screens.job_preflight import JobPreflight

        def confirmed(preflight: Any) -> None:
            if preflight is not None:
                self.launch_job(preflight)

        self.tunedeck.push_screen(
            JobPreflight(spec, self.tunedeck.profile.name, self.tunedeck.db_path,
                         training_prices_for(self.tunedeck.profile.kind,
                                             self.tunedeck.settings.prices.training,
                                             profile=self.tunedeck.profile),
                         settings=self.tunedeck.settings),
            confirmed,
        )

    @work(exclusive=True, group="jobs-launch", exit_on_error=False, name="launch job")
    async def launch_job(self, preflight: Any) -> None:
        from tui.core.errors import describe_failure

        provider = self._provider()
        self._status("Launching: uploading what the provider does not have yet…")
        try:
            job = await self.tunedeck.workbench.launch_job(
                preflight, provider=provider, say=lambda text: self._status(text))
        except Exception as exc:  # noqa: BLE001 - explained, nothing stored is lost
            profile = self.tunedeck.profile
            self.notify(describe_failure(exc, key_env=profile.api_key_env, profile=profile.name,
                                         settings=self.tunedeck.settings),
                        title="Launch failed", severity="error", timeout=15)
            self._status(_launch_failed_hint(exc))
            return
        finally:
            await provider.close()
        self.notify(f"Launched {job.remote_id} ({job.status})", title="Fine-tuning job")
        self.reload()
        table = self.query_one("#jobs-table", DataTable)
        table.move_cursor(row=table.get_row_index(str(job.id)))
        table.focus()
        if self.watcher is not None:
            self.watcher.add(job.id)


def _launch_failed_hint(exc: BaseException) -> str:
    from tui.core.errors import TRAINING_NOT_AVAILABLE

    if getattr(exc, "code", None) == TRAINING_NOT_AVAILABLE:
        return ("OpenAI takes no new fine-tuning jobs here: R on a job retrains it on another "
                "profile (the notice names those that still train).")
    return "Launch failed; the form's values are kept in the pre-flight note."


def is_api_error(exc: BaseException) -> bool:
    try:
        import openai
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, openai.APIError)
