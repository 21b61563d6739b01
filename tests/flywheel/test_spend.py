"""The spend ledger sums what the store's rows cost; a monthly budget warns before it is passed."""

from __future__ import annotations

import datetime as dt

import pytest

from store import Store
from tests.jobs.seed import job
from tui.core import spend
from tui.core.config import Profile, Settings


def settings(budget: float | None = None) -> Settings:
    return Settings(default_profile="work", profiles={
        "work": Profile(name="work", kind="openai", budget_usd=budget),
        "lab": Profile(name="lab", kind="azure", api_version="2025-04-01-preview")})


def seeded(tmp_path) -> Store:
    store = Store(tmp_path / "t.db")
    jan1 = 1_767_225_600  # 2026-01-01 UTC
    # Billed: 2,000,000 tokens of gpt-4o-mini at $3 per 1M = $6.00; the pre-flight said $5.
    store.jobs.upsert("work", job(1, "succeeded", trained_tokens=2_000_000, created_at=jan1,
                                  fine_tuned_model="ft:gpt-4o-mini:acme::x"),
                      estimated_cost_usd=5.0)
    # Still running: only its estimate counts.
    store.jobs.upsert("work", job(2, "running", created_at=jan1 + 86_400),
                      estimated_cost_usd=1.5)
    eval_row = store.evals.create("qa", testing_criteria=[])
    run = store.evals.create_run(eval_row.id, model="gpt-4o-mini", profile="lab")
    store.evals.update_run(run.id, status="completed", cost_usd=0.25)
    store.db.execute("UPDATE eval_runs SET created_at = '2026-01-02T10:00:00+00:00'")
    for cost in (0.01, 0.02):
        rid = store.prompts.start_run(profile="work", model="gpt-4o-mini", input=[])
        store.prompts.finish_run(rid, status="done", output_text="", cost_usd=cost)
    store.db.execute("UPDATE playground_runs SET created_at = '2026-01-02T11:00:00+00:00'")
    return store


def test_ledger_has_estimates_and_actuals_by_source(tmp_path):
    entries = spend.ledger(seeded(tmp_path), settings())
    by_source = {t.key: t for t in spend.totals(entries, "source")}
    assert by_source["job"].estimated_usd == pytest.approx(6.5)
    assert by_source["job"].actual_usd == pytest.approx(6.0)
    assert by_source["job"].usd == pytest.approx(7.5)  # actual 6.00 + the running job's 1.50
    assert by_source["eval run"].usd == pytest.approx(0.25)
    assert by_source["playground"].usd == pytest.approx(0.03)
    days = spend.totals(entries, "day")
    assert [d.key for d in days] == ["2026-01-01", "2026-01-02"]
    assert days[1].usd == pytest.approx(1.5 + 0.25 + 0.03)
    providers = {t.key: t.usd for t in spend.totals(entries, "provider")}
    assert providers == pytest.approx({"openai": 7.53, "azure": 0.25})
    with pytest.raises(ValueError, match="group by"):
        spend.totals(entries, "colour")


def test_budget_check_counts_this_month_of_one_profile(tmp_path):
    store = seeded(tmp_path)
    january = dt.date(2026, 1, 20)
    check = spend.check_budget(store, settings(10.0), "work", 2.0, today=january)
    assert check.spent_usd == pytest.approx(7.53) and not check.exceeds
    over = spend.check_budget(store, settings(10.0), "work", 3.0, today=january)
    assert over.exceeds and "$7.53 of its $10.00 budget" in over.message()
    # Another month starts from zero; no budget never exceeds.
    assert spend.check_budget(store, settings(10.0), "work", 3.0,
                              today=dt.date(2026, 2, 1)).spent_usd == 0
    assert not spend.check_budget(store, settings(None), "work", 1e9, today=january).exceeds


def test_a_local_profile_trains_for_free_but_listed_prices_still_count():
    from tui.core.pricing import training_price_per_1m, training_prices_for

    local = training_prices_for("local", {"my-llama": 0.5})
    assert training_price_per_1m("tiny-chat", local) == 0.0
    assert training_price_per_1m("my-llama-8b", local) == 0.5
    assert training_price_per_1m("tiny-chat", training_prices_for("openai", None)) is None


def test_small_amounts_keep_their_digits_and_a_passed_budget_says_so(tmp_path):
    # Issue 21 item 15: $0.001 showed as "$0.00"; "$7.91 of $0.00" was not flagged.
    from tui.core.wording import money
    from tui.screens.spend import budget_line

    assert [money(x) for x in (0, 0.001, 0.0004, 0.00001, 0.25, 7.5, 1204)] == [
        "$0.00", "$0.001", "$0.0004", "<$0.0001", "$0.25", "$7.50", "$1,204.00"]
    store = seeded(tmp_path)
    january = dt.date(2026, 1, 20)
    over = spend.check_budget(store, settings(0.0), "work", 0.001, today=january)
    assert over.over and "over it by $7.53" in over.message()
    assert "adding about $0.001" not in over.message() and "about $0.001" in over.message()
    assert over.spent_text() == "$7.53 of $0.00 this month, over budget by $7.53"
    assert "over budget by $7.53" in budget_line(over).plain
    within = spend.check_budget(store, settings(10.0), "work", 0.0, today=january)
    assert not within.over and "over" not in within.spent_text()


def test_cli_spend_flags_a_passed_budget(isolated_home, capsys):
    from tui.cli.main import main
    from tui.core.paths import default_db_path

    (isolated_home / "config.toml").write_text("[profiles.work]\nkind = 'openai'\nbudget_usd = 0\n")
    with Store(default_db_path()) as store:
        rid = store.prompts.start_run(profile="work", model="gpt-4o-mini", input=[])
        store.prompts.finish_run(rid, status="done", output_text="", cost_usd=0.001)
    assert main(["spend"]) == 0
    out = capsys.readouterr().out
    assert "$0.001" in out and "Budget work: $0.001 of $0.00 this month, over budget by $0.001" in out


def test_one_estimate_rule_for_batch_runs_and_loops(tmp_path):
    """The Batch discount and the loop's two eval runs are applied in one place each."""
    from tests.evals.helpers import EXACT, TEMPLATE
    from tui.core.evals.definition import parse, save_to_store
    from tui.core.spend import estimate_eval_runs, estimate_loop_evals

    store = Store(tmp_path / "e.db")
    ev = save_to_store(store, parse({"name": "e", "items": [{"item": {"question": "q"}}],
                                     "input_messages": TEMPLATE, "testing_criteria": [EXACT]}))
    for model, cost in (("gpt-4o-mini", 0.2), ("gpt-4o-mini", 0.4), ("gpt-4.1", 3.0)):
        run = store.evals.create_run(ev.id, model=model)
        store.evals.update_run(run.id, status="completed", cost_usd=cost)
    assert estimate_eval_runs(store, ev.id, ["gpt-4o-mini"]) == pytest.approx(0.3)
    assert estimate_eval_runs(store, ev.id, ["gpt-4o-mini", "gpt-4.1"], batch=True) \
        == pytest.approx(1.65)
    assert estimate_loop_evals(store, ev.id, "gpt-4o-mini") == pytest.approx(0.6)


def test_nothing_that_cost_nothing_is_listed_whatever_its_source(tmp_path):
    # Issue 21 item 15: F9 left out $0 eval and playground runs but listed $0 jobs (a
    # sandbox job's estimate is $0). One rule now: a spend line is something that cost.
    store = seeded(tmp_path)
    before = len(spend.ledger(store, settings()))
    store.jobs.upsert("work", job(3, "succeeded", trained_tokens=1_000, model="sandbox-small"),
                      estimated_cost_usd=0.0)
    store.jobs.upsert("work", job(4, "running"), estimated_cost_usd=0.0)
    free_run = store.evals.create_run(store.evals.list()[0].id, model="m", profile="work")
    store.evals.update_run(free_run.id, status="completed", cost_usd=0.0)
    rid = store.prompts.start_run(profile="work", model="m", input=[])
    store.prompts.finish_run(rid, status="done", output_text="", cost_usd=0.0)
    entries = spend.ledger(store, settings())
    assert len(entries) == before and all(e.usd > 0 for e in entries)
