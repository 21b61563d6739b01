"""Distill, step 2: the pre-flight. The teacher answers the first few prompts only
(tui.core.distill.drive with `probe`, in a thread with its own store connection);
from them come the estimated teacher cost of the whole run and the share the grader
filter keeps. Nothing more is sent until the user confirms: the screen answers the
run's id to go on (y), or None (esc: the run waits; `tunedeck distill --resume ID`
or D again later).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, ProgressBar, Static

from tui.screens.distill_start import STORED, DistillRequest
from tui.ui_text import lines, plain, styled
from tui.worker_errors import ReportsWorkerErrors


class DistillPreflight(ReportsWorkerErrors, ModalScreen[int | None]):
    DEFAULT_CSS = """
    DistillPreflight { align: center middle; }
    DistillPreflight > #distill-preflight-box {
        width: 100; max-width: 100%; height: auto; max-height: 90%; border: thick $accent;
        background: $surface; padding: 0 1;
    }
    DistillPreflight #distill-preflight-body { height: auto; max-height: 24; }
    DistillPreflight ProgressBar { margin: 1 0 0 0; }
    DistillPreflight #distill-preflight-buttons { height: auto; margin-top: 1; }
    DistillPreflight Button { margin-right: 2; }
    """
    BINDINGS: ClassVar = [
        Binding("y", "go", "Distill", id="distill.preflight.go"),
        Binding("escape,n", "back", "Back", id="distill.preflight.back"),
    ]

    class Probed(Message):
        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done, self.total = done, total

    class Ready(Message):
        def __init__(self, rows: list[Any] | None, run_id: int | None,
                     error: str | None = None) -> None:
            super().__init__()
            self.rows, self.run_id, self.error = rows, run_id, error

    def __init__(self, request: DistillRequest, source_label: str, db_path: Path,
                 settings: Any) -> None:
        super().__init__()
        self.request = request
        self.source_label = source_label
        self.db_path = db_path
        self.settings = settings
        self.run_id: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="distill-preflight-box"):
            yield Static(styled(("Distill · pre-flight", "b"), ": only a small sample is "
                                "sent before you confirm"), id="distill-preflight-title")
            with VerticalScroll(id="distill-preflight-body"):
                yield Static(f"Asking the teacher about the first {self.request.probe} "
                             "prompts…", id="distill-preflight-text")
            yield ProgressBar(total=None, show_eta=False, id="distill-preflight-progress")
            with Horizontal(id="distill-preflight-buttons"):
                yield Button("Distill the rest (y)", variant="success",
                             id="distill-preflight-go", disabled=True)
                yield Button("Back (esc)", id="distill-preflight-back")

    def on_mount(self) -> None:
        self.probe()

    @work(thread=True, exclusive=True, group="distill-preflight", exit_on_error=False,
          name="distill pre-flight")
    def probe(self) -> None:
        from store import Store
        from tui.core.distill.distiller import start
        from tui.core.distill.drive import drive

        r = self.request
        try:
            with Store(self.db_path) as store:
                profile = self.settings.profile(r.profile)
                version_id = r.source[1] if r.source[0] == "dataset" else None
                if r.source[0] == STORED:
                    from tui.core.distill.stored import import_stored

                    version_id = asyncio.run(import_stored(store, profile, r.source[1]))
                params: dict[str, Any] = {**r.params, "concurrency": r.concurrency}
                if r.batch:
                    params["batch"] = True
                run = start(store, into=r.into, teacher=r.teacher, teacher_profile=profile.name,
                            from_version_id=version_id,
                            from_eval_id=r.source[1] if r.source[0] == "eval" else None,
                            samples=r.samples, filter_eval_id=r.filter_eval_id,
                            min_score=r.min_score, params=params)
                self.run_id = run.id
                probed = min(r.probe, run.n_prompts or 0) * r.samples

                def progress(p: Any) -> None:
                    self.post_message(self.Probed(p.done, probed))

                pre = asyncio.run(drive(store, self.settings, run.id, probe=r.probe,
                                        on_progress=progress))
                rows = self._rows(store, pre)
        except Exception as exc:  # noqa: BLE001 - shown on the screen, not a crash
            self.post_message(self.Ready(None, self.run_id, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.Ready(rows, run.id))

    def _rows(self, store: Any, pre: Any) -> list[Any]:
        from tui.core.spend import check_budget

        r = self.request
        cost = ("unpriced (no price known for this model)" if pre.estimated_cost_usd is None
                else f"about ${pre.estimated_cost_usd:.4f}"
                + (" (Batch API: the rest at half price)" if r.batch else ""))
        keep = ("every answer (no grader filter)" if r.filter_eval_id is None else
                f"{store.evals.get(r.filter_eval_id).name}: "
                + ("pass" if r.min_score is None else f"score ≥ {r.min_score:g}"))
        kept = ("—" if pre.expected_kept_fraction is None
                else f"{pre.expected_kept_fraction:.0%} of the sample")
        rows: list[Any] = [
            styled(("Source         ", "b"), self.source_label),
            styled(("Teacher        ", "b"), r.teacher, f"  on {r.profile}  ·  "
                   + ("Batch API" if r.batch else f"live, {r.concurrency} at a time")),
            styled(("Prompts        ", "b"), f"{pre.n_prompts} × {pre.samples} samples = "
                   f"{pre.n_prompts * pre.samples} answers"),
            styled(("Grader filter  ", "b"), keep),
            styled(("Into           ", "b"), r.into, " (a new SFT version)"),
            "",
            styled(("Sample         ", "b"), f"{pre.probed} answers"
                   + ("" if pre.probe_cost_usd is None else f", ${pre.probe_cost_usd:.4f}")),
            styled(("Teacher cost   ", "b"), cost),
            styled(("Expected kept  ", "b"), kept),
        ]
        if pre.estimated_cost_usd is not None:
            budget = check_budget(store, self.settings, r.profile, pre.estimated_cost_usd)
            if budget.budget_usd is not None:
                rows.append(plain(("Over budget: " if budget.exceeds else "Budget: ")
                                  + budget.message(), "red" if budget.exceeds else ""))
        rows.append(styled("\n", ("Go on?", "b"), " y asks the teacher for the other "
                           f"{max(0, pre.n_prompts * pre.samples - pre.probed)} answers "
                           "(the sample is kept); esc stops here."))
        return rows

    def on_distill_preflight_probed(self, message: Probed) -> None:
        self.query_one(ProgressBar).update(total=max(1, message.total), progress=message.done)

    def on_distill_preflight_ready(self, message: Ready) -> None:
        text = self.query_one("#distill-preflight-text", Static)
        self.query_one(ProgressBar).display = False
        if message.rows is None:
            text.update(styled(("The pre-flight failed:", "red"), " ", message.error or ""))
            return
        text.update(lines(message.rows))
        self.query_one("#distill-preflight-go", Button).disabled = False

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "distill-preflight-go":
            self.action_go()
        else:
            self.action_back()

    def action_go(self) -> None:
        if not self.query_one("#distill-preflight-go", Button).disabled:
            self.dismiss(self.run_id)

    def action_back(self) -> None:
        if self.run_id is not None:
            self.app.notify(f"Distillation #{self.run_id} waits after its sample; "
                            f"`tunedeck distill --resume {self.run_id}` goes on.",
                            title="Distill")
        self.dismiss(None)
