"""A metric-by-step line chart (train / validation series) drawn by textual-plotext.

The hand-written braille chart this replaces had no axes ticks, no smoothing and no
zoom; plotext draws axes, ticks and a legend, and `tui.core.jobs.chart_view` decides
what is shown (EMA smoothing, the latest steps). The same widget is meant for any
metric-by-step view (job detail now; the model chooser and loss views later).

Metric names come from the provider: they reach plotext through `visible()`, because
the widget's output is parsed as ANSI (a name holding an escape sequence would style
or move the chart).
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from tui.core.jobs.chart_view import ChartView, Series, value_range
from tui.core.untrusted import visible

# plotext's 256-colour codes read on dark and light themes alike.
COLORS = ("cyan", "magenta", "orange", "green", "red", "blue")


class MetricPlot(PlotextPlot):
    """Metrics by step; `series` maps a name (train, valid…) to (step, value) points.
    The mouse wheel over the chart zooms onto the latest steps and back."""

    DEFAULT_CSS = """
    MetricPlot {
        height: 12;
        width: 1fr;
        padding: 0 1;
    }
    """

    def __init__(self, title: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.title = title
        self.series: Series = {}
        self.view = ChartView()

    def set_series(self, series: Series) -> None:
        self.series = series
        self._replot()

    def set_view(self, view: ChartView) -> None:
        self.view = view
        self._replot()

    @property
    def steps(self) -> set[int]:
        return {step for pts in self.series.values() for step, _ in pts}

    @property
    def shown(self) -> Series:
        """The series as drawn (smoothed, zoomed)."""
        return self.view.apply(self.series)

    def on_mount(self) -> None:
        # No super() call: Textual calls PlotextPlot's on_mount itself (every class's in
        # the MRO), and the call here made it subscribe to theme changes twice.
        self._replot()

    def render(self) -> RenderResult:
        if not self.series:  # an empty frame of axes says less than one line
            return Text(f"{self.title}: no metrics yet", style="dim")
        return super().render()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.set_view(self.view.zoomed(+1))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.set_view(self.view.zoomed(-1))

    def _replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        caption = self.view.caption()
        # "token accuracy · EMA 0.6 ×4": plotext drops a title wider than the chart.
        plt.title(self.title + (f" · {caption}" if caption else ""))
        shown = self.shown
        for index, (name, points) in enumerate(shown.items()):
            last = points[-1][1]
            plt.plot([p[0] for p in points], [p[1] for p in points], marker="braille",
                     color=COLORS[index % len(COLORS)], label=f"{visible(name)} {last:.3g}")
        steps = sorted({step for pts in shown.values() for step, _ in pts})
        if steps:  # steps are whole numbers: plotext's own ticks would read 5.2, 9.5…
            first, last = steps[0], steps[-1]
            plt.xticks(sorted({round(first + (last - first) * i / 4) for i in range(5)}))
        span = value_range(shown)
        if span is not None:
            plt.ylim(*span)
        plt.xlabel("step")
        self.refresh()
