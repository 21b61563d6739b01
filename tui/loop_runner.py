"""Drives the guided loops of the running app: one thread worker per loop.

Each worker runs on its own store connection and event loop
(`Workbench.run_in_thread`: the loop's eval runs write a row per item, which stays
off the UI thread). At store-open the
app resumes every unfinished loop, so a loop survives quitting and restarts.
Views re-read the store on `store_changed`, which the workers announce.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.host import Host


class LoopRunner:
    def __init__(self, app: Host) -> None:
        self.app = app
        # loop id -> (event loop, driver) while a worker drives it
        self.running: dict[int, tuple[asyncio.AbstractEventLoop, Any]] = {}

    def is_running(self, loop_id: int) -> bool:
        return loop_id in self.running

    def resume_unfinished(self) -> None:
        for loop in self.app.store.loops.unfinished():
            if loop.profile not in self.app.settings.profiles:
                self.app.notify(
                    f"Loop #{loop.id} belongs to profile {loop.profile!r}, which is not "
                    f"configured now; start tunedeck with that profile to go on.",
                    title="Flywheel loop", severity="warning", timeout=8)
                continue
            self.start(loop.id)

    def start(self, loop_id: int) -> None:
        if loop_id in self.running:
            return
        self.app.run_worker(lambda: self._drive(loop_id), thread=True, exclusive=True,
                            group=f"loop-{loop_id}", exit_on_error=False,
                            name=f"flywheel loop #{loop_id}")

    def stop(self, loop_id: int) -> None:
        """Stop driving (the loop keeps its stage and resumes at the next start)."""
        from tui.core.background import call_in_loop

        entry = self.running.get(loop_id)
        if entry is not None:
            event_loop, driver = entry
            call_in_loop(event_loop, driver.cancel)

    def stop_all(self) -> None:
        """On quit: every driver stops at its next safe point (nothing is lost; the loops
        resume at the next start), so no thread outlives the app."""
        for loop_id in list(self.running):
            self.stop(loop_id)

    def _changed(self, loop_id: int) -> None:
        # Progress and start/stop (not all of it a store write): views re-read.
        if self.app.is_running:
            self.app.call_from_thread(self.app.store_changes.announce)

    def _drive(self, loop_id: int) -> None:
        from tui.core import loop as loops

        app = self.app
        workbench = app.workbench
        last = [0.0]

        def progress(_p: Any) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.25:
                last[0] = now
                self._changed(loop_id)

        def say(text: str) -> None:
            self._changed(loop_id)

        def started(driver: Any) -> None:
            self.running[loop_id] = (asyncio.get_running_loop(), driver)

        async def go(store: Any) -> Any:
            return await workbench.drive_loop(loop_id, store=store, say=say,
                                              on_progress=progress, started=started)

        try:
            finished = workbench.run_in_thread(go)
        finally:
            self.running.pop(loop_id, None)
            self._changed(loop_id)
        if finished.stage == "done" and app.is_running:
            with workbench.connect() as store:  # this thread's own connection
                self._three_way(store, finished)
        if not app.is_running:  # the app quit: the loop resumes at its next start
            return
        if finished.stage == "done":
            app.call_from_thread(app.notify, f"Loop #{loop_id} done: "
                                 f"{loops.stage_lines_summary(finished)}",
                                 title="Flywheel loop", timeout=10)
        elif finished.stage == "failed":
            app.call_from_thread(app.notify, f"Loop #{loop_id} failed: {finished.error}",
                                 title="Flywheel loop", severity="error", timeout=10)
        elif (finished.error or "").startswith("waiting"):
            # The tuned model does not answer yet (a deployment to make): the loop resumes
            # at the next start, or when started again from the loops view.
            app.call_from_thread(app.notify, f"Loop #{loop_id} is {finished.error}",
                                 title="Flywheel loop", severity="warning", timeout=15)

    def _three_way(self, store: Any, loop: Any) -> None:
        """A student loop (trained on a distilled version) ends on the three-way comparison."""
        from tui.distill_flow import after_loop

        try:
            after_loop(self.app, store, loop)
        except Exception as exc:  # noqa: BLE001 - the loop is done either way; say why
            self.app.call_from_thread(self.app.notify, f"Loop #{loop.id}: the teacher's run "
                                      f"of the eval failed: {exc}", title="Distill",
                                      severity="warning", timeout=10)
