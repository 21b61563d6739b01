"""Which model and prompt to ship: every run of an eval on pass rate against cost.

The runs are read in a thread (an eval may hold many large runs); `+`/`-` move
the target pass rate and the pick is made again. Model names, prompt and
profile names are data: the chart and the table are built from parts.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from tui.core.evals.chooser import Candidate, Chooser
from tui.screens.text_view import TextViewScreen
from tui.ui_text import lines, styled
from tui.worker_errors import ReportsWorkerErrors

CHART_W, CHART_H = 56, 12
MARKS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _x_positions(costs: list[float], width: int) -> list[int]:
    """Columns for the costs: a log scale when they span more than 10x, else linear."""
    low, high = min(costs), max(costs)
    if high <= 0 or high == low:
        return [width // 2 for _ in costs]
    if low > 0 and high / low > 10:
        span = math.log10(high) - math.log10(low)
        return [round((math.log10(c) - math.log10(low)) / span * (width - 1)) for c in costs]
    return [round((c - low) / (high - low) * (width - 1)) for c in costs]


def chart(candidates: list[Candidate], target: float) -> list[Content]:
    """Pass rate (rows, 0-100%) against cost per 1,000 requests (columns); ★ = on the front."""
    priced = [(i, c) for i, c in enumerate(candidates) if c.cost_per_1k is not None]
    if not priced:
        return [styled(("no run has a known price: nothing to chart", "dim"))]
    grid = [[" "] * CHART_W for _ in range(CHART_H)]
    styles = [[""] * CHART_W for _ in range(CHART_H)]
    target_row = CHART_H - 1 - round(target * (CHART_H - 1))
    for x in range(CHART_W):
        grid[target_row][x], styles[target_row][x] = "┄", "yellow"
    columns = _x_positions([c.cost_per_1k for _, c in priced], CHART_W)
    for (index, c), x in zip(priced, columns, strict=True):
        y = CHART_H - 1 - round(c.pass_rate * (CHART_H - 1))
        grid[y][x] = MARKS[index % len(MARKS)]
        styles[y][x] = "bold green" if c.on_front else "bold"
    rows: list[Content] = []
    for y in range(CHART_H):
        label = f"{100 * (CHART_H - 1 - y) / (CHART_H - 1):4.0f}% │" if y % 3 == 0 else "      │"
        parts: list[str | tuple[str, str]] = [(label, "dim")]
        parts += [(ch, style) if style else ch for ch, style in zip(grid[y], styles[y],
                                                                     strict=True)]
        rows.append(styled(*parts))
    costs = [c.cost_per_1k for _, c in priced]
    scale = "log" if min(costs) > 0 and max(costs) / max(min(costs), 1e-12) > 10 else "linear"
    rows.append(styled(("      └" + "─" * CHART_W, "dim")))
    rows.append(styled(("       " + f"${min(costs):.3g}".ljust(CHART_W - 12)
                        + f"${max(costs):.3g}".rjust(12), "dim")))
    rows.append(styled(("       cost per 1,000 requests (" + scale + ") · ┄ target", "dim")))
    return rows


def describe(result: Chooser, target: float) -> Content:
    if not result.candidates:
        return lines([styled(("No completed run of this eval yet.", "b")),
                      "Run it on a model or two (r, or b for the Batch API at half price); "
                      "each completed run becomes a point here."])
    rows: list[Content | str] = [
        styled((f"{len(result.candidates)} completed runs of ", "b"), result.eval_name,
               (f" · target {target:.0%} (+/- to change)", "b")), ""]
    rows += chart(result.candidates, target)
    rows += ["", styled(("   run   pass rate (95% CI)     per 1k req  p50 ms  candidate", "b"))]
    for index, c in enumerate(result.candidates):
        cost = "unpriced" if c.cost_per_1k is None else f"${c.cost_per_1k:.4g}"
        latency = "-" if c.p50_latency_ms is None else f"{c.p50_latency_ms:.0f}"
        mark = ("★ " if c.on_front else "  ", "green" if c.on_front else "")
        rows.append(styled(
            (MARKS[index % len(MARKS)], "bold"), " ", mark,
            f"{c.run_id:>4}  {c.pass_rate:6.1%} ({c.ci_low:.0%}–{c.ci_high:.0%})".ljust(30),
            f"{cost:>10}  {latency:>6}  ", c.label, (f" n={c.graded}", "dim")))
    if result.pick is not None:
        rows += ["", styled(("→ ", "b"), result.pick.verdict)]
    rows += ["", styled(("★ on the front: no other run is both cheaper and better. Graders' own "
                         "calls are not counted in a model's cost.", "dim"))]
    return lines(rows)


class ModelChooserScreen(ReportsWorkerErrors, TextViewScreen):
    """The model chooser for one eval (tunedeck eval chooser E in the terminal)."""

    text_id = "model-chooser-detail"
    BINDINGS: ClassVar = [
        *TextViewScreen.BINDINGS,
        Binding("plus,equals_sign", "target(5)", "Target +5%", id="chooser.up"),
        Binding("minus", "target(-5)", "Target -5%", id="chooser.down"),
    ]

    def __init__(self, db_path: Path, eval_id: int, *, target: float = 0.9,
                 prices: Any = None) -> None:
        """`prices`: the settings' Prices (their input/output overrides price the runs)."""
        super().__init__(styled(("Reading the runs…", "dim")))
        self.db_path, self.eval_id, self.target = db_path, eval_id, target
        self.prices = {"input_prices": dict(prices.input) or None if prices else None,
                       "output_prices": dict(prices.output) or None if prices else None}

    def on_mount(self) -> None:
        self.load()

    def action_target(self, step: int) -> None:
        self.target = min(1.0, max(0.05, round(self.target + step / 100, 2)))
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, name="model chooser")
    def load(self) -> None:
        from store.store import Store
        from tui.core.evals.chooser import build_chooser

        target = self.target
        with Store(self.db_path) as store:
            result = build_chooser(store, self.eval_id, target=target, **self.prices)
        self.app.call_from_thread(self._show, describe(result, target))

    def _show(self, text: Content) -> None:
        self.query_one(f"#{self.text_id}", Static).update(text)
