"""Counts in user-facing sentences."""

from __future__ import annotations

from tui.core.wording import count_of


def test_counts_read_as_sentences() -> None:
    assert count_of(1, "example") == "1 example"
    assert count_of(0, "example") == "0 examples"
    assert count_of(12_345, "example") == "12,345 examples"
    assert count_of(2, "child", "children") == "2 children"


def test_first_hour_wording_is_singular_and_plural(tmp_path) -> None:
    # Issue 21 item 16: "1 lines · 1 examples", "line(s)", "690 a pass",
    # "+1 from tunedeck", "line 0: file:".
    from rich.console import Console

    from store import Store
    from tests.jobs.helpers import stored_version
    from tui.core.config import Profile
    from tui.core.dataset_versions import append_lines
    from tui.core.jobs.preflight import run_preflight
    from tui.core.jobs.spec import parse_form
    from tui.widgets.dataset_stats import render_report

    with Store(tmp_path / "w.db") as store:
        few = stored_version(store, name="few", n=7, bad=1)
        tiny = stored_version(store, name="tiny", n=4)  # the validation file: too few
        spec = parse_form({"model": "gpt-4o-mini", "method": "supervised",
                           "training_version_id": few, "validation_version_id": tiny,
                           "n_epochs": "1", "batch_size": "auto",
                           "learning_rate_multiplier": "auto"})
        pre = run_preflight(store, Profile(name="o", kind="openai"), spec)
        said = "\n".join(pre.summary_lines() + pre.problems + pre.warnings)
        assert "per pass × epochs" in said and " a pass" not in said
        assert "1 invalid line left out" in said and "(s)" not in said
        assert "line 0" not in said and "file: 4 valid examples" in said
        version = append_lines(store, "few", [{"messages": []}])
        assert version.note == "added 1 line"
    console = Console(width=200, record=True)
    console.print(render_report({"lines": 1, "examples": 1, "invalid": 0, "over_limit": 0,
                                 "token_limit": 65536, "trainable": True}, "t"))
    shown = console.export_text()
    assert "1 line · 1 example ·" in shown


async def test_empty_state_paragraphs_reflow_at_80_columns():
    """An empty pane's text wraps to the terminal, not at hard 80-column breaks that
    left ragged half-lines ("provider" alone on a line) over SSH (issue 21 walk)."""
    from tests.apphelpers import make_app, ready
    from tui.panes.base import EmptyState

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        state = app.screen.query(EmptyState).first()
        lines = [line.text.rstrip() for line in state.render_lines(state.region.reset_offset)]
        words = [line.split() for line in lines if line.strip()]
        assert words and all(len(w) > 1 for w in words), lines
        assert "\n\n" in str(state.render()) and "provider\n" not in str(state.render())


async def test_the_help_filters_its_keys_after_slash():
    """A searchable help (issue 21, 'also expected'): `/` focuses a filter, typing keeps
    only the bindings whose key, action or id match; ? and q still close it before `/`."""
    from textual.widgets import Input

    from tests.apphelpers import make_app, ready, rendered, settle
    from tui.screens.help import HelpScreen

    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        everything = rendered(app.screen.query_one("#help-text"))
        assert "datasets.import" in everything and "jobs.new" in everything
        await pilot.press("slash")
        await settle(pilot)
        assert isinstance(app.focused, Input)
        await pilot.press(*"distill")
        await settle(pilot)
        shown = rendered(app.screen.query_one("#help-text"))
        assert "datasets.distill" in shown and "evals.distill" in shown
        assert "datasets.import" not in shown and "jobs.new" not in shown
        await pilot.press(*"zzz")
        await settle(pilot)
        assert "No key matches 'distillzzz'" in rendered(app.screen.query_one("#help-text"))
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        await settle(pilot)
        await pilot.press("q")  # before `/`, q still closes help
        await settle(pilot)
        assert not isinstance(app.screen, HelpScreen)
