"""A model's card: its job, the exact dataset versions, eval runs against its base, cost.

The lineage is read in a thread with its own store connection (comparisons
against the base can take a moment on big evals), then shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import work
from textual.binding import Binding
from textual.widgets import Static

from tui.navigation import TryModelInPlayground
from tui.screens.text_view import TextViewScreen
from tui.ui_text import from_runs, lines, plain, styled
from tui.worker_errors import ReportsWorkerErrors


class ModelCardScreen(ReportsWorkerErrors, TextViewScreen):
    text_id: ClassVar[str] = "model-card-detail"
    BINDINGS: ClassVar = [
        Binding("escape,q", "dismiss", "Close", id="model_card.close"),
        Binding("g", "try_model", "Try in playground", id="model_card.playground"),
        Binding("R", "retrain", "Retrain elsewhere", id="model_card.retrain"),
    ]

    def __init__(self, model: str, db_path: Path,
                 training_prices: dict[str, float] | None = None) -> None:
        super().__init__(styled("Reading the lineage of ", model, "…"))
        self.model = model
        self.db_path = db_path
        self.training_prices = training_prices

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="model-card", exit_on_error=False,
          name="model card")
    def load(self) -> None:
        from store import Store
        from tui.core.lineage import model_lineage
        from tui.core.lineage_text import card_runs

        with Store(self.db_path) as store:
            card = model_lineage(store, self.model, training_prices=self.training_prices)
        text = lines([*(from_runs(runs) for runs in card_runs(card)), "",
                      plain("g try in the playground · R retrain elsewhere · esc close", "dim")])
        self.app.call_from_thread(self.query_one(f"#{self.text_id}", Static).update, text)

    def action_retrain(self) -> None:
        """The job that trained this model (or, for a base model, none) on another profile."""
        from tui.retrain_flow import start_retrain

        job = self.app.store.jobs.by_model(self.model)  # type: ignore[attr-defined]
        if job is None:
            self.notify(f"No job in the store trained {self.model}: retrain elsewhere starts "
                        "from a fine-tuning job (Jobs, 4)", severity="warning", markup=False)
            return
        start_retrain(self.app, job.id)

    def action_try_model(self) -> None:
        app = self.app
        self.dismiss()
        navigate = getattr(app, "navigate", None)
        if navigate is not None:
            app.call_later(navigate, TryModelInPlayground(self.model))
