"""The job charts' widget: a provider's metric name reaches the chart as visible text.

plotext's output is parsed as ANSI, so a metric name carrying an escape sequence would
style or move the chart if it were passed through as it is."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.widgets.metric_plot import MetricPlot

HOSTILE = "reward\x1b[2J\x1b]0;pwned\x07 \u202e"


class OneChart(App[None]):
    def compose(self) -> ComposeResult:
        yield MetricPlot("reward", id="chart")


async def test_a_hostile_metric_name_is_shown_escaped():
    app = OneChart()
    async with app.run_test(size=(80, 14)) as pilot:
        chart = app.query_one(MetricPlot)
        chart.set_series({HOSTILE: [(1, 0.1), (2, 0.4), (3, 0.9)]})
        await pilot.pause()
        text = chart.render()
        assert "\x1b" not in text.plain and "\x07" not in text.plain
        assert "\u202e" not in text.plain
        assert "reward␛[2J␛]0;pwned␇ \\u202e 0.9" in text.plain


async def test_a_metric_stuck_at_zero_has_short_ticks():
    # 2% of a zero range drew ticks from -0.0000000000100 to 0.0000000000100.
    app = OneChart()
    async with app.run_test(size=(80, 14)) as pilot:
        chart = app.query_one(MetricPlot)
        chart.set_series({"train": [(1, 0.0), (2, 0.0), (3, 0.0)]})
        await pilot.pause()
        text = chart.render().plain
        assert "0.000000" not in text
        assert "1.0" in text and "0.0" in text
