"""What panes, screens, the palette and the loop host may use of the App: `Host`.

They used to type against the concrete `TunedeckApp` (under TYPE_CHECKING), and
the App imports them, so ten modules formed one import cycle: to read a pane, a
newcomer had to read the App. `Host` names what they actually reach for, and
imports no UI module itself; the App satisfies it. A new pane or screen types
against `Host` and the architecture tests keep `tui.app` out of its imports.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Protocol


class Host(Protocol):
    # The headless application layer (tui.core.workbench.Workbench): the store, the
    # settings, the active profile and the use cases. The attributes below read through
    # to it and stay for the code that used them first.
    workbench: Any
    # State the panes read (the store only once `store_ready` is set).
    settings: Any  # tui.core.config.Settings
    db_path: Path
    profile: Any  # tui.core.config.Profile
    store_ready: asyncio.Event
    loops: Any  # tui.loop_runner.LoopRunner: guided loops running in this session
    distills: Any  # tui.distill_runner.DistillRunner: distillations running in this session
    store_changes: Any  # tui.store_changes.StoreChanges: subscribe to re-read after writes
    PANES: Any  # the pane classes, in tab order (the palette lists their actions)

    @property
    def store(self) -> Any: ...  # store.Store, the UI thread's connection

    # Textual's App surface that panes and screens use.
    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None: ...
    def push_screen(self, screen: Any, callback: Any = None, *args: Any,
                    **kwargs: Any) -> Any: ...
    def call_from_thread(self, callback: Any, *args: Any, **kwargs: Any) -> Any: ...
    def run_worker(self, work: Any, *args: Any, **kwargs: Any) -> Any: ...
    async def run_action(self, action: Any, *args: Any, **kwargs: Any) -> Any: ...
    @property
    def is_running(self) -> bool: ...

    # Navigation and the flywheel's screens (the App routes; a pane never pokes another).
    def pane_shown(self) -> None: ...  # a pane is on screen: the store may open now
    def pane(self, pane_id: str) -> Any: ...
    async def run_pane_action(self, pane_id: str, action: str) -> None: ...
    def show_model_card(self, model: str | None) -> None: ...
    def open_comparison(self, run_a: int, run_b: int) -> None: ...
    def resume_optimization(self, opt_id: int) -> bool: ...
    async def navigate(self, request: Any) -> bool: ...  # a tui.navigation request
    def action_new_loop(self, version_id: int | None = None) -> None: ...
    def action_loops(self, select: int | None = None) -> None: ...
    def action_spend(self) -> None: ...
    def action_switch_profile(self) -> None: ...
    def action_help(self) -> None: ...
