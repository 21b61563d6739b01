"""The pre-flight form of a prompt optimization: what to optimize, on what, within what.

Every change re-plans in a thread (its own store connection): the split sizes, the
estimated calls and cost (tui.core.optimize.optimize_preflight) and any problem are
shown before anything is sent. Start is the confirmation: it dismisses with the plan
only when the estimate on screen is the one for the values in the form; a problem
stays on the form with every value kept. The parts that may change are the seed's
own (system prompt, few-shot examples, the template, any other message): re-read
with each plan, since they follow the version and the eval chosen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from tui.ui_text import lines, styled
from tui.worker_errors import ReportsWorkerErrors


@dataclass
class OptimizeChoices:
    """What the form offers, read by the caller from the store and the settings."""

    versions: list[tuple[str, int]]  # "name@N", version id
    evals: list[tuple[str, int]]
    profiles: list[str]
    version_id: int | None
    eval_id: int | None
    profile: str
    model: str
    parts: list[tuple[str, str]] = field(default_factory=lambda: [
        ("system", "system prompt"), ("user", "user template message")])


class OptimizeForm(ReportsWorkerErrors, ModalScreen[Any]):
    DEFAULT_CSS = """
    OptimizeForm { align: center middle; }
    OptimizeForm > Vertical { width: 110; height: auto; max-height: 95%;
                              border: thick $accent; background: $surface; padding: 0 1; }
    OptimizeForm Grid { grid-size: 4; grid-columns: 16 1fr 16 1fr; grid-rows: 3;
                        height: auto; grid-gutter: 0 1; }
    OptimizeForm Grid Label { padding-top: 1; color: $text-muted; }
    OptimizeForm #optf-parts { height: auto; }
    OptimizeForm #optf-plan { height: auto; min-height: 7; padding: 0 1; background: $boost; }
    OptimizeForm #optf-error { height: auto; color: $error; }
    OptimizeForm #optf-buttons { height: 3; align-horizontal: right; }
    """
    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="optimize_form.cancel"),
        Binding("ctrl+s", "start", "Start", id="optimize_form.start"),
    ]

    def __init__(self, choices: OptimizeChoices, db_path: Path, settings: Any) -> None:
        super().__init__()
        self.choices = choices
        self.db_path = db_path
        self.settings = settings
        self.plan: Any = None
        self.plan_for: dict[str, Any] | None = None
        self._generation = 0
        self._offered: list[tuple[str, str]] = list(choices.parts)

    def compose(self) -> ComposeResult:
        c = self.choices
        profiles = [(name, name) for name in c.profiles]
        with Vertical():
            yield Static(styled(("Optimize a prompt", "b"), " with GEPA from an eval's feedback "
                                "· nothing is sent before Start"))
            with Grid():
                yield Label("seed version")
                yield Select(c.versions, value=c.version_id or Select.BLANK, allow_blank=False
                             if c.version_id else True, id="optf-version")
                yield Label("eval")
                yield Select(c.evals, value=c.eval_id or Select.BLANK, id="optf-eval")
                yield Label("task model")
                yield Input(c.model, id="optf-model")
                yield Label("task profile")
                yield Select(profiles, value=c.profile, allow_blank=False, id="optf-profile")
                yield Label("reflection model")
                yield Input(c.model, id="optf-reflection-model")
                yield Label("refl. profile")
                yield Select(profiles, value=c.profile, allow_blank=False,
                             id="optf-reflection-profile")
                yield Label("max metric calls")
                yield Input("30", id="optf-budget", type="integer")
                yield Label("dollar cap")
                yield Input("", placeholder="none", id="optf-usd")
                yield Label("split seed")
                yield Input("0", id="optf-seed", type="integer")
            with Horizontal(id="optf-parts"):
                yield Label("may change: ")
                yield from self._part_boxes({"system"})
            yield Static("", id="optf-plan")
            yield Static("", id="optf-error")
            with Horizontal(id="optf-buttons"):
                yield Button("Cancel", id="optf-cancel")
                yield Button("Start (ctrl+s)", variant="primary", id="optf-start")

    def on_mount(self) -> None:
        self.replan()

    def values(self) -> dict[str, Any]:
        """The form as driver.plan's keyword arguments; ValueError names a bad field."""
        def text(widget_id: str) -> str:
            return self.query_one(f"#{widget_id}", Input).value.strip()

        def chosen(widget_id: str) -> Any:
            value = self.query_one(f"#{widget_id}", Select).value
            return None if value is Select.BLANK else value

        version_id, eval_id = chosen("optf-version"), chosen("optf-eval")
        if version_id is None:
            raise ValueError("choose the seed prompt version")
        if eval_id is None:
            raise ValueError("choose the eval to optimize on")
        if not text("optf-model") or not text("optf-reflection-model"):
            raise ValueError("name the task model and the reflection model")
        try:
            budget = int(text("optf-budget"))
        except ValueError:
            raise ValueError("max metric calls: a whole number, such as 30") from None
        try:
            max_usd = float(text("optf-usd")) if text("optf-usd") else None
        except ValueError:
            raise ValueError("dollar cap: a number of dollars, such as 0.50, or empty") from None
        try:
            seed = int(text("optf-seed") or "0")
        except ValueError:
            raise ValueError("split seed: a whole number") from None
        parts = [part for part, _ in self._offered
                 if self.query_one(f"#{_box_id(part)}", Checkbox).value]
        if not parts:
            raise ValueError("tick at least one part that may change")
        return {"version_id": version_id, "eval_id": eval_id, "model": text("optf-model"),
                "profile": chosen("optf-profile"),
                "reflection_model": text("optf-reflection-model"),
                "reflection_profile": chosen("optf-reflection-profile"),
                "max_metric_calls": budget, "max_usd": max_usd, "seed": seed, "parts": parts}

    def _part_boxes(self, ticked: set[str]) -> list[Checkbox]:
        from textual.content import Content

        # A label may hold a message's role, which is the prompt's data: never markup.
        return [Checkbox(Content(label), part in ticked, id=_box_id(part))
                for part, label in self._offered]

    async def _offer(self, offered: list[tuple[str, str]]) -> bool:
        """Show the parts this seed has; True when they changed (the form must re-plan)."""
        if offered == self._offered:
            return False
        ticked = {part for part, _ in self._offered
                  if self.query_one(f"#{_box_id(part)}", Checkbox).value}
        self._offered = offered
        ticked &= {part for part, _ in offered}
        row = self.query_one("#optf-parts", Horizontal)
        await row.remove_children(Checkbox)
        await row.mount_all(self._part_boxes(ticked or {"system"}))
        return True

    def on_input_changed(self) -> None:
        self.replan()

    def on_select_changed(self) -> None:
        self.replan()

    def on_checkbox_changed(self) -> None:
        self.replan()

    def replan(self) -> None:
        if not self.is_mounted:
            return
        self._generation += 1
        self.plan, self.plan_for = None, None
        try:
            wanted = self.values()
        except ValueError as exc:
            self._show_problem(str(exc))
            return
        self.query_one("#optf-plan", Static).update(styled(("estimating…", "dim")))
        self._plan_in_thread(wanted, self._generation)

    @work(thread=True, exclusive=True, group="optimize-preflight", exit_on_error=False,
          name="optimize: pre-flight")
    def _plan_in_thread(self, wanted: dict[str, Any], generation: int) -> None:
        from store import Store
        from tui.core.optimize.optimize_driver import parts_offered, plan_by_ids
        from tui.core.optimize.optimize_preflight import cap_problem
        from tui.core.spend import check_budget

        with Store(self.db_path) as store:
            try:
                offered = parts_offered(store, wanted["version_id"], wanted["eval_id"])
            except LookupError:  # a version or an eval gone: the plan says which
                offered = self._offered
            try:
                chosen = plan_by_ids(store, self.settings, **wanted)
                problem = cap_problem(chosen.estimate, wanted["max_usd"])
                budget = check_budget(store, self.settings, wanted["profile"],
                                      chosen.estimate.total_usd)
            except (ValueError, LookupError) as exc:  # OptimizeError, an eval gone
                chosen, problem, budget = None, str(exc), None
        self.app.call_from_thread(self._planned, generation, wanted, chosen, problem, budget,
                                  offered)

    async def _planned(self, generation: int, wanted: dict[str, Any], chosen: Any,
                       problem: str | None, budget: Any,
                       offered: list[tuple[str, str]]) -> None:
        if generation != self._generation or not self.is_mounted:
            return  # the form changed meanwhile: a newer plan is on its way
        if await self._offer(offered):
            self.replan()  # another seed, other parts: plan for the ones now ticked
            return
        if chosen is None:
            self._show_problem(problem or "")
            return
        sizes = chosen.split.sizes()
        rows: list[Any] = [
            styled(("items ", "b"), f"{sizes['train']} train · {sizes['val']} validation · "
                   f"{sizes['test']} held-out test (split seed {chosen.split.seed})"),
            *[styled(("  ", ""), line) for line in chosen.estimate.lines()]]
        if wanted["max_usd"] is not None:
            rows.append(styled(f"  dollar cap ${wanted['max_usd']:.4f}, held-out proof included"))
        if budget is not None and budget.budget_usd is not None:
            rows.append(styled(("  budget: ", "b"), budget.message()))
        self.query_one("#optf-plan", Static).update(lines(rows))
        self.query_one("#optf-error", Static).update(styled(problem) if problem else "")
        if problem is None:
            self.plan, self.plan_for = chosen, wanted

    def _show_problem(self, problem: str) -> None:
        self.query_one("#optf-plan", Static).update(styled(("no estimate yet", "dim")))
        self.query_one("#optf-error", Static).update(styled(problem))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "optf-start":
            self.action_start()
        else:
            self.action_cancel()

    def action_start(self) -> None:
        try:
            wanted = self.values()
        except ValueError as exc:
            self._show_problem(str(exc))
            return
        if self.plan is None or self.plan_for != wanted:
            if not str(self.query_one("#optf-error", Static).render()).strip():
                self.notify("Wait for the estimate, then start", severity="warning")
            return
        self.dismiss(self.plan)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _box_id(part: str) -> str:
    return "optf-part-" + part.replace(":", "-")
