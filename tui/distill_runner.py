"""Drives the distillations of the running app: one thread worker per run.

The same `drive` as `tunedeck distill` (tui.core.distill.drive), in a thread with
its own store connection and event loop (tui/core/background.py), so sampling hundreds of prompts never
touches the UI thread. At store-open the app resumes every confirmed run still
sampling (a quit or a kill stopped it): only the answers it lacks are asked for.
Screens follow a run through the app's one `store_changed` signal, announced on each
progress step (progress is not all a store write).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.host import Host


class DistillRunner:
    def __init__(self, app: Host) -> None:
        self.app = app
        # run id -> (event loop, the task driving it) while a worker drives it
        self.running: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]]] = {}
        self.progress: dict[int, Any] = {}  # run id -> its last DistillProgress

    def is_running(self, run_id: int) -> bool:
        return run_id in self.running

    def resume_unfinished(self) -> None:
        from tui.core.distill.drive import unfinished

        for run in unfinished(self.app.store):
            if run.teacher_profile not in self.app.settings.profiles:
                self.app.notify(f"Distillation #{run.id} asks its teacher on profile "
                                f"{run.teacher_profile!r}, which is not configured now.",
                                title="Distill", severity="warning", timeout=8)
                continue
            self.app.notify(f"Distillation #{run.id} goes on where it stopped.",
                            title="Distill")
            self.start(run.id)

    def start(self, run_id: int) -> None:
        if run_id in self.running:
            return
        self.app.run_worker(lambda: self._drive(run_id), thread=True, exclusive=True,
                            group=f"distill-{run_id}", exit_on_error=False,
                            name=f"distillation #{run_id}")

    def stop_all(self) -> None:
        """On quit: the runs stop (answers in flight are asked again at the next start)."""
        for event_loop, task in list(self.running.values()):
            event_loop.call_soon_threadsafe(task.cancel)

    def _changed(self, run_id: int) -> None:
        if self.app.is_running:
            self.app.call_from_thread(self.app.store_changes.announce)

    def _drive(self, run_id: int) -> None:
        from tui.core.distill.drive import drive

        app = self.app
        last = [0.0]

        def progress(p: Any) -> None:
            self.progress[run_id] = p
            now = time.monotonic()
            if now - last[0] >= 0.2:
                last[0] = now
                self._changed(run_id)

        async def go(store: Any) -> Any:
            task = asyncio.current_task()
            assert task is not None
            self.running[run_id] = (asyncio.get_running_loop(), task)
            return await drive(store, app.settings, run_id, on_progress=progress)

        error: str | None = None
        try:
            app.workbench.run_in_thread(go)
        except asyncio.CancelledError:
            return  # the app quit: the run resumes at the next start
        except Exception as exc:  # noqa: BLE001 - said to the user; the run stays resumable
            error = str(exc)
        finally:
            self.running.pop(run_id, None)
            self._changed(run_id)
        if app.is_running:
            app.call_from_thread(self._finished, run_id, error)

    def _finished(self, run_id: int, error: str | None) -> None:
        from tui.core.distill.distill_lineage import lineage

        if error is not None:
            self.app.notify(f"Distillation #{run_id} stopped: {error}", title="Distill",
                            severity="error", timeout=12)
            return
        info = lineage(self.app.store, self.app.store.distills.get(run_id))
        self.app.store_changes.announce()  # the new version appears in Datasets' list
        self.app.notify(f"Distillation #{run_id}: kept {info['kept']} of {info['sampled']} "
                        f"answers into {info['into']}. The student loop: l on that version.",
                        title="Distill", timeout=12)
