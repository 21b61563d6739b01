"""A run's summary sums every result: it is made off the UI thread, once per state of
the run, and the pane says so while it is being made."""

from __future__ import annotations

import threading

from tests.apphelpers import SIZE, rendered, sandbox_app, settle, summed
from tests.evals.test_pane import run_twice
from tui.core.evals import summary as summary_module


def record_summaries(monkeypatch) -> list[tuple[int, bool]]:
    """(run id, made on the main thread?) for every summary the app makes."""
    calls: list[tuple[int, bool]] = []
    real = summary_module.summarize

    def summarize(store, run_id):
        calls.append((run_id, threading.current_thread() is threading.main_thread()))
        return real(store, run_id)

    monkeypatch.setattr(summary_module, "summarize", summarize)
    return calls


def show_afresh(pane, summarize, monkeypatch) -> int:
    """The first run, selected as if the pane had just opened on it, summed by `summarize`."""
    run_id = pane.tunedeck.store.evals.runs(pane.tunedeck.store.evals.list()[0].id)[0].id
    monkeypatch.setattr(summary_module, "summarize", summarize)
    pane._summaries.clear()
    pane.selected_run = run_id
    pane.show_run()
    return run_id


async def test_summaries_are_made_in_a_thread_once_per_finished_run(sandbox, monkeypatch,
                                                                   isolated_home, tmp_path):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane = await run_twice(pilot, tmp_path)
        first, second = app.store.evals.runs(app.store.evals.list()[0].id)
        calls = record_summaries(monkeypatch)
        for run in (first, second, first, second, first):  # back and forth between the two
            pane.selected_run = run.id
            pane.show_run()
            await summed(pilot, pane)
            summary = rendered(pane.query_one("#eval-summary"))
            assert f"run {run.id}" in summary and "exact:" in summary
        runs_summed = [run_id for run_id, _ in calls]
        # Each finished run at most once (the pane may have summed one before the hook).
        assert len(runs_summed) == len(set(runs_summed)) and set(runs_summed) <= {first.id,
                                                                                   second.id}
        assert not any(on_main for _, on_main in calls)


async def test_the_pane_says_it_is_summing_until_the_summary_is_back(sandbox, monkeypatch,
                                                                    isolated_home, tmp_path):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane = await run_twice(pilot, tmp_path)
        release = threading.Event()
        real = summary_module.summarize

        def slow_summarize(store, run_id):
            release.wait(10)
            return real(store, run_id)

        first_id = show_afresh(pane, slow_summarize, monkeypatch)  # as on a big run
        await settle(pilot)
        summary = rendered(pane.query_one("#eval-summary"))
        assert f"run {first_id}" in summary and "summing the results…" in summary
        assert pane.summary_pending()
        release.set()
        await summed(pilot, pane)
        summary = rendered(pane.query_one("#eval-summary"))
        assert "3/6 passed (50.0%)" in summary and "summing" not in summary


async def test_a_summary_that_fails_says_why_and_the_pane_goes_on(sandbox, monkeypatch,
                                                                 isolated_home, tmp_path):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane = await run_twice(pilot, tmp_path)

        def broken(store, run_id):
            raise ValueError("results_json of item 3 is not JSON")

        show_afresh(pane, broken, monkeypatch)
        await summed(pilot, pane)
        summary = " ".join(rendered(pane.query_one("#eval-summary")).split())
        assert "the summary could not be made: ValueError: results_json of item 3" in summary
        assert pane.query_one("#eval-items").row_count == 6  # the items still show
