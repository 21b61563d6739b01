"""ctrl+g makes a dataset the Datasets pane accepts as valid eval data, and an eval reads."""

from __future__ import annotations

from textual.widgets import OptionList, TextArea

from tests.apphelpers import SIZE, rendered, sandbox_app, settle, wait_for_group
from tests.playground.test_playground import open_playground, run_and_wait
from tui.core.eval_data import eval_items
from tui.core.evals.items import iter_source


async def test_eval_items_from_the_playground_are_valid_eval_data(
    sandbox, monkeypatch, isolated_home
):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_playground(pilot, models="sandbox-small",
                                     user="Capital of {{country}}?", variables="country=France")
        await run_and_wait(pilot, pane)
        for reference in ("Paris", "Paris."):
            await pilot.press("ctrl+g")
            await settle(pilot)
            app.screen.query_one("#edit-text", TextArea).text = reference
            await pilot.press("ctrl+s")
            await wait_for_group(pilot, "dataset-write")
        store = app.store
        dataset = store.datasets.get_by_name("playground-evals")
        version = store.datasets.versions(dataset.id)[0]
        summary = eval_items(store, version)
        assert summary is not None and summary.valid and summary.items == 2
        assert {"input", "reference", "country", "messages"} <= set(summary.fields)
        # The Datasets pane marks it ✓ and judges it as eval data.
        await pilot.press("1")
        await settle(pilot)
        datasets = app.pane("datasets")
        options = datasets.query_one("#ds-versions", OptionList)
        label = str(options.get_option_at_index(0).prompt)
        assert label.startswith("✓ playground-evals v2")
        stats = rendered(datasets.query_one("#ds-stats"))
        assert "✓ eval items" in stats and "cannot be trained" not in stats
        assert "ERR" not in rendered(datasets.query_one("#ds-examples"))
        # An eval can read it: the items carry the reference the graders compare with.
        items = list(iter_source({"type": "dataset_version", "id": version.id}, store))
        assert [i["item"]["reference"] for i in items] == ["Paris", "Paris."]
        assert items[0]["item"]["country"] == "France"


def test_training_data_and_broken_eval_data_are_told_apart(tmp_path):
    import json

    from store import Store
    from tui.core.dataset_versions import write_version

    with Store(tmp_path / "t.db") as store:
        chat = json.dumps({"messages": [{"role": "user", "content": "q"},
                                        {"role": "assistant", "content": "a"}]})
        assert eval_items(store, write_version(store, "train", [chat] * 3)) is None
        item = json.dumps({"item": {"input": "q", "reference": "a"}})
        broken = write_version(store, "evalset", [item, "not json", item])
        summary = eval_items(store, broken)
        assert summary is not None and not summary.valid
        assert (summary.items, summary.lines, summary.first_bad_line) == (2, 3, 2)
