"""The job charts' view: debiased EMA smoothing and the zoom onto the latest steps."""

from __future__ import annotations

import pytest

from tui.core.jobs.chart_view import MAX_ZOOM, ChartView, ema, value_range, zoom_start


def test_ema_is_debiased_and_zero_weight_is_raw():
    points = [(2, 4.0), (1, 2.0), (3, 0.0)]
    assert ema(points, 0.0) == [(1, 2.0), (2, 4.0), (3, 0.0)]
    smoothed = ema(points, 0.5)
    # The first point is its own value (not halved towards zero), then a running mean.
    assert smoothed[0] == (1, 2.0)
    assert smoothed[1] == (2, pytest.approx((0.5 * 2.0 * 0.5 + 0.5 * 4.0) / (1 - 0.25)))
    assert smoothed[2][1] < smoothed[1][1] and smoothed[2][1] > 0.0


def test_zoom_keeps_the_latest_steps_and_smooths_before_cutting():
    series = {"train": [(s, float(s % 3)) for s in range(1, 101)], "valid": [(50, 1.0)]}
    assert zoom_start(list(range(1, 101)), 0) is None
    assert zoom_start(list(range(1, 101)), 1) == 51
    view = ChartView(smoothing=0.9, zoom=2)
    shown = view.apply(series)
    assert [s for s, _ in shown["train"]][0] == 76 and "valid" not in shown
    full = dict(ChartView(smoothing=0.9).apply(series)["train"])
    assert all(full[s] == v for s, v in shown["train"])  # same values as unzoomed
    assert view.caption() == "EMA 0.9 ×4"
    assert ChartView().caption() == ""


def test_view_steps_wrap_and_clamp():
    view = ChartView()
    assert [view := view.next_smoothing() for _ in range(3)][-1].smoothing == 0.0
    assert ChartView(zoom=MAX_ZOOM).zoomed(+1).zoom == MAX_ZOOM
    assert ChartView().zoomed(-1).zoom == 0


def test_a_flat_line_gets_a_readable_range():
    assert value_range({}) is None
    assert value_range({"train": [(1, 0.2), (2, 0.9)]}) == (0.2, 0.9)
    low, high = value_range({"train": [(1, 1.0), (2, 1.0 - 1e-7)]})
    assert low == pytest.approx(0.99, abs=1e-6) and high == pytest.approx(1.01, abs=1e-6)
    # All zeros: a unit scale, not a span of 2e-11 with ticks fifteen characters wide.
    assert value_range({"train": [(1, 0.0), (2, 0.0)], "valid": [(2, -0.0)]}) == (0.0, 1.0)
    low, high = value_range({"lr": [(1, 2e-5), (2, 2e-5)]})  # small values keep their scale
    assert low == pytest.approx(1.98e-5) and high == pytest.approx(2.02e-5)
