"""A small braille line chart of metrics by step (train / validation series, a legend)."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from tui.core.untrusted import visible

# Braille dot bits by [row 0..3][column 0..1] of a 2x4 cell.
_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
COLORS = ("cyan", "magenta", "yellow", "green", "red", "blue")
LABEL_WIDTH = 8

Series = dict[str, list[tuple[int, float]]]


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def render_chart(title: str, series: Series, width: int, height: int) -> Text:
    """The chart as styled text: `height` lines of `width` cells (last line: axis + legend)."""
    points = [p for pts in series.values() for p in pts]
    out = Text(no_wrap=True, overflow="crop")
    if not points or width < LABEL_WIDTH + 4 or height < 3:
        out.append(f"{title}: no metrics yet", style="dim")
        return out
    plot_w, plot_h = width - LABEL_WIDTH, height - 2
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 0.5, y1 + 0.5
    dots_w, dots_h = plot_w * 2, plot_h * 4
    bits = [[0] * plot_w for _ in range(plot_h)]
    color: list[list[str | None]] = [[None] * plot_w for _ in range(plot_h)]

    def dot(x: int, y: int, style: str) -> None:
        row, col = y // 4, x // 2
        bits[row][col] |= _DOTS[y % 4][x % 2]
        color[row][col] = style

    for index, (_name, pts) in enumerate(series.items()):
        style = COLORS[index % len(COLORS)]
        previous: tuple[int, int] | None = None
        for step, value in sorted(pts):
            px = round((step - x0) / ((x1 - x0) or 1) * (dots_w - 1))
            py = round((y1 - value) / (y1 - y0) * (dots_h - 1))
            if previous is None:
                dot(px, py, style)
            else:
                (ax, ay), n = previous, max(abs(px - previous[0]), abs(py - previous[1]), 1)
                for i in range(1, n + 1):
                    dot(round(ax + (px - ax) * i / n), round(ay + (py - ay) * i / n), style)
            previous = (px, py)
    out.append(f"{title}\n", style="bold")
    for row in range(plot_h):
        if row == 0:
            label = _fmt(y1)
        elif row == plot_h - 1:
            label = _fmt(y0)
        elif row == plot_h // 2:
            label = _fmt((y0 + y1) / 2)
        else:
            label = ""
        out.append(label.rjust(LABEL_WIDTH - 1)[: LABEL_WIDTH - 1] + "┤", style="dim")
        for col in range(plot_w):
            out.append(chr(0x2800 + bits[row][col]), style=color[row][col] or "")
        out.append("\n")
    out.append(f"{'step':>{LABEL_WIDTH - 1}} {x0}…{x1}  ", style="dim")
    for index, (name, pts) in enumerate(series.items()):
        last = sorted(pts)[-1][1]
        out.append("■ ", style=COLORS[index % len(COLORS)])
        out.append(f"{visible(name)} {_fmt(last)}  ")  # a provider's metric name
    return out


class LossChart(Widget):
    """Metrics by step; `series` maps a name (train, valid…) to (step, value) points."""

    DEFAULT_CSS = """
    LossChart {
        height: 12;
        width: 1fr;
        padding: 0 1;
    }
    """

    def __init__(self, title: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.title = title
        self.series: Series = {}

    def set_series(self, series: Series) -> None:
        self.series = series
        self.refresh()

    @property
    def steps(self) -> set[int]:
        return {step for pts in self.series.values() for step, _ in pts}

    def render(self) -> Text:
        size = self.content_size
        return render_chart(self.title, self.series, size.width, size.height)
