"""What a metric chart shows: EMA smoothing and a zoom onto the latest steps.

Headless, so the job detail's chart, the CLI and tests agree on the numbers. Loss by
step is noisy (one batch per step), and during a long run the early steps' large
values flatten everything after them; smoothing and zooming onto the tail are how a
user sees whether the run is still improving.
"""

from __future__ import annotations

from dataclasses import dataclass

Points = list[tuple[int, float]]
Series = dict[str, Points]

# Smoothing weights the `s` key steps through (0 = raw); TensorBoard's slider range.
SMOOTHING_WEIGHTS = (0.0, 0.6, 0.9)
# Zoom level k shows the last 1/2**k of the steps; 4 is the last sixteenth.
MAX_ZOOM = 4


def ema(points: Points, weight: float) -> Points:
    """Exponential moving average by step, debiased like TensorBoard's smoothing so the
    first points are not dragged towards zero. `weight` 0 returns the points as they are."""
    if weight <= 0:
        return sorted(points)
    out: Points = []
    last, count = 0.0, 0
    for step, value in sorted(points):
        count += 1
        last = last * weight + (1 - weight) * value
        out.append((step, last / (1 - weight ** count)))
    return out


def zoom_start(steps: list[int], zoom: int) -> int | None:
    """The first step shown at zoom level `zoom` (None: everything is shown)."""
    if zoom <= 0 or not steps:
        return None
    first, last = min(steps), max(steps)
    return last - (last - first) // (2 ** zoom)


@dataclass(frozen=True)
class ChartView:
    """How one chart is viewed: a smoothing weight and a zoom level."""

    smoothing: float = 0.0
    zoom: int = 0

    def next_smoothing(self) -> ChartView:
        weights = SMOOTHING_WEIGHTS
        at = weights.index(self.smoothing) if self.smoothing in weights else 0
        return ChartView(weights[(at + 1) % len(weights)], self.zoom)

    def zoomed(self, by: int) -> ChartView:
        return ChartView(self.smoothing, max(0, min(MAX_ZOOM, self.zoom + by)))

    def apply(self, series: Series) -> Series:
        """The series as shown: smoothed over every point (so zooming does not change
        the smoothed values), then cut to the zoomed window."""
        start = zoom_start([step for pts in series.values() for step, _ in pts], self.zoom)
        shown: Series = {}
        for name, points in series.items():
            smoothed = ema(points, self.smoothing)
            kept = [p for p in smoothed if start is None or p[0] >= start]
            if kept:
                shown[name] = kept
        return shown

    def caption(self) -> str:
        """What is applied, in a few words (empty for the raw, whole view)."""
        parts = []
        if self.smoothing:
            parts.append(f"EMA {self.smoothing:g}")
        if self.zoom:
            parts.append(f"×{2 ** self.zoom}")  # short: it shares the chart's title line
        return " ".join(parts)


def value_range(series: Series) -> tuple[float, float] | None:
    """The y range to draw: the values' own, widened to at least 2% of their size, so a
    flat line (accuracy stuck at 1.0) reads 0.99…1.01 instead of ticks eight digits long."""
    values = [v for pts in series.values() for _, v in pts]
    if not values:
        return None
    low, high = min(values), max(values)
    size = max(abs(low), abs(high))
    if size == 0.0:
        # All zeros (token accuracy while nothing matches yet): 2% of nothing drew ticks
        # from -0.0000000000100 to 0.0000000000100.
        return 0.0, 1.0
    least = size * 0.02
    if high - low >= least:
        return low, high
    middle = (low + high) / 2
    return middle - least / 2, middle + least / 2
