"""The tunedeck App: four panes, global bindings, profile, help, command palette."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from tui import __version__
from tui.app_routes import FlywheelActions
from tui.core.config import Profile, Settings
from tui.core.providers import key_status
from tui.core.untrusted import visible
from tui.core.workbench import Workbench
from tui.distill_runner import DistillRunner
from tui.loop_runner import LoopRunner
from tui.palette import TunedeckCommands
from tui.panes.base import Pane, is_shown
from tui.panes.registry import PANES, PaneSpec
from tui.store_changes import StoreChanges
from tui.ui_text import styled
from tui.widgets.key_footer import KeyFooter
from tui.widgets.title_bar import TitleBar
from tui.worker_errors import report_worker_error

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from store import Store
    from tui.sandbox.server import SandboxServer


# The store opens once the first pane is on screen, and at the latest this long after the
# shell's first frame.
STORE_OPEN_LATEST_S = 1.0


class TunedeckApp(FlywheelActions, App[None]):
    # Absolute, so subclasses defined elsewhere (benchmarks, tests) find it too.
    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "tunedeck"
    COMMANDS = App.COMMANDS | {TunedeckCommands}
    PANES: ClassVar[tuple[PaneSpec, ...]] = PANES
    BINDINGS: ClassVar = [
        Binding("1,f2", "show_pane('datasets')", "Datasets", id="app.pane.datasets",
                show=False),
        Binding("2,f3", "show_pane('playground')", "Playground", id="app.pane.playground",
                show=False),
        Binding("3,f4", "show_pane('evals')", "Evals", id="app.pane.evals",
                show=False),
        Binding("4,f5", "show_pane('jobs')", "Jobs", id="app.pane.jobs",
                show=False),
        Binding("p", "switch_profile", "Profile", id="app.profile"),
        # Shown in help and the palette; the footer keeps to the panes' own keys. Priority:
        # they also answer over a dialog (Textual stops plain app keys at a modal screen),
        # so the ledger can be checked from a job's pre-flight.
        Binding("f8", "loops", "Guided loops", id="app.loops", show=False, priority=True),
        Binding("f9", "spend", "Spend ledger", id="app.spend", show=False, priority=True),
        Binding("question_mark,f1", "help", "Help", id="app.help", key_display="?"),
        Binding("q,ctrl+q", "quit", "Quit", id="app.quit", priority=False),
    ]

    def __init__(
        self,
        *,
        settings: Settings,
        db_path: Path,
        profile: str | None = None,
        sandbox: SandboxServer | None = None,
    ) -> None:
        super().__init__()
        # The headless application layer: settings, store, active profile, use cases.
        self.workbench = Workbench(settings, db_path, profile)
        self.sandbox = sandbox
        self._first_frame_done = False
        self._store_opening = False
        self._pane_mount_lock = asyncio.Lock()
        self.loops = LoopRunner(self)
        self.distills = DistillRunner(self)
        # The one "the store has news" signal every pane and screen re-reads on.
        self.store_changes = StoreChanges(self)
        # Set once the store is open; tests and the first reloads wait on it.
        self.store_ready = asyncio.Event()

    # The App's state is the Workbench's; these read through to it.
    @property
    def settings(self) -> Settings:
        return self.workbench.settings

    @property
    def db_path(self) -> Path:
        return self.workbench.db_path

    @property
    def profile(self) -> Profile:
        return self.workbench.profile

    @profile.setter
    def profile(self, profile: Profile) -> None:
        self.workbench.profile = profile

    @property
    def store(self) -> Store:
        return self.workbench.store

    # -- layout ------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TitleBar("◆")
        yield Static("", id="key-banner")
        with TabbedContent(id="panes", initial=self.PANES[0].pane_id):
            for number, pane_cls in enumerate(self.PANES, start=1):
                with TabPane(f"{number} {pane_cls.pane_title}", id=pane_cls.pane_id):
                    yield Static("", classes="pane-placeholder")
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self.refresh_profile()
        # After the first frame: these imports would otherwise delay it.
        self.call_after_refresh(self._after_first_frame)

    async def _after_first_frame(self) -> None:
        self._first_frame_done = True
        pane = await self.ensure_pane(self.query_one("#panes", TabbedContent).active)
        self.call_after_refresh(pane.focus_first)
        # After the pane is on screen, not beside it: importing the store (~0.15 s of CPU)
        # in a thread shares the GIL with the pane's layout and delayed its frame by
        # ~70 ms (issue 19). "After a refresh" callbacks can run before anything is
        # painted, so the first pane's Show (sent once it is laid out, handled after that
        # frame is written) opens it; the timer is for a pane never shown. The pane shows
        # its empty state until the store is open, then reloads.
        self.set_timer(STORE_OPEN_LATEST_S, self.open_store_once)

    def pane_shown(self) -> None:
        """A pane was laid out on screen (its Show): the store may open now."""
        if self._first_frame_done:
            self.open_store_once()

    def open_store_once(self) -> None:
        from tui import startup_gc

        startup_gc.resume()  # paused by `tunedeck` for the start (tui/startup_gc.py)
        if not self._store_opening:
            self._store_opening = True
            self.open_store()

    @work(thread=True, exclusive=True, group="store", exit_on_error=False, name="open database")
    def open_store(self) -> None:
        # Importing the store (sqlite-utils, pydantic records) and running
        # migrations happens off the UI thread, after the first frame.
        self.call_from_thread(self._store_opened, self.workbench.connect())

    def _store_opened(self, store: Store) -> None:
        self.workbench.use_store(store)
        self.store_ready.set()
        # From now on, commits by other connections (workers, other processes) show.
        self.store_changes.watch(store)
        # A pane still being mounted reloads itself when its mount finishes
        # (_mount_pane); its widgets may not exist yet.
        for pane in self.query(Pane):
            if pane.is_mounted:
                pane.reload()
        # Unfinished jobs are watched (and their endings notified) from the
        # start, whichever pane the user is on; so are eval batches.
        self.call_later(self.ensure_pane, "jobs")
        # Eval batches left in flight are picked up again by the Evals pane.
        self.call_later(self.ensure_pane, "evals")
        # Guided loops left running by the last session go on.
        self.loops.resume_unfinished()
        self.distills.resume_unfinished()  # and confirmed distillations still sampling
        from tui.optimize_flow import resume_unfinished  # prompt optimizations go on too
        resume_unfinished(self)
        # Reloading may have hidden what had focus (an empty pane hides its list).
        self.call_after_refresh(self._refocus_active_pane)

    def _refocus_active_pane(self) -> None:
        """Focus into the pane shown *now*, if nothing visible has focus.

        Decided when it runs, not when scheduled: focusing a pane the user has
        just left would pull its tab back (TabbedContent follows focus).
        """
        active = self.query(f"#pane-{self.query_one('#panes', TabbedContent).active}")
        if active and (self.focused is None or not is_shown(self.focused)):
            active.first(Pane).focus_first()

    def on_unmount(self) -> None:
        from tui.optimize_flow import pause_all

        pause_all(self)  # at once, not after the GEPA iteration in flight
        self.loops.stop_all()
        self.distills.stop_all()
        self.store_changes.stop()
        self.workbench.close()

    def refresh_profile(self) -> None:
        """Title line and key banner for the active profile; panes re-read for it."""
        profile = self.profile
        self.title = "tunedeck · SANDBOX" if profile.kind == "sandbox" else "tunedeck"
        self.sub_title = visible(f"profile {profile.name} ({profile.kind}) · {key_status(profile)}")
        banner = self.query_one("#key-banner", Static)
        if profile.key_is_set:
            banner.display = False
        else:
            banner.update(styled(
                "No API key: profile ", (profile.name, "b"), " reads ",
                (f"${profile.api_key_env}", "b"), ", which is not set. Export it and restart, "
                "press ", ("p", "b"), " to pick another profile, or try everything offline "
                "with ", ("tunedeck --sandbox", "b"), "."))
            banner.display = True
        if self.store_ready.is_set():
            for pane in self.query(Pane):
                pane.reload()

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every notification is plain text, whoever raises it.

        Messages quote names, provider errors and data (and `[redacted]`, which
        markup would swallow), so they are never parsed as markup (`markup` is
        accepted for Widget.notify's sake and ignored), and their control
        characters are shown, not sent to the terminal.
        """
        del markup
        super().notify(visible(message), title=visible(title), severity=severity,
                       timeout=timeout, markup=False)

    def action_help_quit(self) -> None:
        """ctrl+c's hint, worded as Textual words it, without the markup Textual puts in
        it (notifications here parse none)."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(f"Press {key} to quit the app", title="Do you want to quit?")
                return

    @on(events.DeliveryComplete)
    def _screenshot_saved(self, event: events.DeliveryComplete) -> None:
        """A screenshot saved from the palette: Textual's own notice is markup."""
        if event.name == "screenshot":
            event.prevent_default()
            where = f" to {str(event.path)!r}" if event.path is not None else ""
            self.notify(f"Saved screenshot{where}", title="Screenshot")

    # -- actions -----------------------------------------------------------
    def pane(self, pane_id: str) -> Pane:
        return self.query_one(f"#pane-{pane_id}", Pane)

    async def ensure_pane(self, pane_id: str) -> Pane:
        """The pane's widget, mounted into its tab the first time it is needed.

        Concurrent callers (start-up, a key, a click) share one mount.
        """
        async with self._pane_mount_lock:
            found = self.query(f"#pane-{pane_id}")
            if found:
                return found.first(Pane)
            return await self._mount_pane(pane_id)

    async def _mount_pane(self, pane_id: str) -> Pane:
        spec = next(p for p in self.PANES if p.pane_id == pane_id)
        tab = self.query_one(f"TabPane#{pane_id}", TabPane)
        pane = spec.cls(id=f"pane-{pane_id}")
        await tab.query(".pane-placeholder").remove()
        await tab.mount(pane)
        if self.store_ready.is_set():
            pane.reload()
        return pane

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        # The initial activation happens before the first frame; that pane is
        # mounted right after it instead (see _after_first_frame).
        if event.tabbed_content.id == "panes" and event.pane.id and self._first_frame_done:
            await self.ensure_pane(event.pane.id)

    async def action_show_pane(self, pane_id: str) -> None:
        # Drop focus first: TabbedContent follows focus, and a field of the
        # pane being left could otherwise pull its tab back.
        self.set_focus(None)
        self.query_one("#panes", TabbedContent).active = pane_id
        pane = await self.ensure_pane(pane_id)
        if self.store_ready.is_set():
            pane.reload()
        # Focus into the pane so its bindings show in the footer and act at once:
        # now, so a key typed right after the switch reaches the pane, and again
        # after a refresh (a pane mounted just now cannot take focus yet).
        if pane.is_mounted:
            pane.focus_first()
        self.call_after_refresh(pane.focus_first)

    async def run_pane_action(self, pane_id: str, action: str) -> None:
        await self.action_show_pane(pane_id)
        await self.run_action(action, self.pane(pane_id))

    def action_switch_profile(self) -> None:
        from tui.screens.profiles import ProfileScreen

        def chosen(name: str | None) -> None:
            if name and name != self.profile.name:
                self.workbench.switch_profile(name)
                self.refresh_profile()
                self.notify(f"Active profile: {name}")

        self.push_screen(
            ProfileScreen(list(self.settings.profiles.values()), self.profile.name), chosen
        )

    def help_sections(self) -> list[tuple[str, list[tuple[str, str, str]]]]:
        from tui.screens.help import binding_rows

        keymap = self.settings.keymap
        sections = [("Everywhere", binding_rows(list(self.BINDINGS), keymap))]
        sections.append(("", [("ctrl+p", "Command palette", "")]))
        for pane_cls in self.PANES:
            rows = binding_rows(list(pane_cls.BINDINGS), keymap)
            if rows:
                sections.append((pane_cls.pane_title, rows))
        return sections

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.help_sections()))

    # -- workers -----------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers; panes and screens report theirs the same way."""
        if event.state is WorkerState.ERROR:
            report_worker_error(self, event.worker)


def version_string() -> str:
    return f"tunedeck {__version__}"
