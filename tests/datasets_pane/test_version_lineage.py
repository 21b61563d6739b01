"""Dataset versions branch visibly: parents shown, the source of a derivation chosen,
versions deleted on request (and kept while something uses them), splits checked first."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from tests.apphelpers import SIZE, make_app, ready, rendered, settle, wait_for_group
from tests.datasets_pane.test_datasets_pane import sft
from tui.core.dataset_versions import write_version
from tui.screens.version_choice import ChooseVersion, ConfirmChange


def seed_three_versions(store) -> list:
    """v1; v2 = v1 + a fix; v3 = v2 + another (each derived from the one before)."""
    lines = [sft(i) for i in range(20)] + [sft(0)]  # one duplicate
    v1 = write_version(store, "support", lines)
    v2 = write_version(store, "support", lines + [sft(100)], parent_version_id=v1.id,
                       note="added 100")
    v3 = write_version(store, "support", lines + [sft(100), sft(101)], parent_version_id=v2.id,
                       note="added 101")
    return [v1, v2, v3]


def version_list(pane) -> str:
    options = pane.query_one("#ds-versions", OptionList)
    return "\n".join(str(options.get_option_at_index(i).prompt)
                     for i in range(options.option_count))


async def select(pilot, pane, version_id: int) -> None:
    options = pane.query_one("#ds-versions", OptionList)
    options.highlighted = next(i for i in range(options.option_count)
                               if options.get_option_at_index(i).id == str(version_id))
    await settle(pilot)
    assert pane.version_id == version_id


async def test_versions_show_their_parent_and_deriving_from_an_old_one_asks(isolated_home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        v1, v2, v3 = seed_three_versions(app.store)
        pane = app.pane("datasets")
        pane.reload()
        await settle(pilot)
        listing = version_list(pane)
        assert "support v3 ←v2" in listing and "support v2 ←v1" in listing
        await select(pilot, pane, v1.id)
        assert "support v1" in rendered(pane.query_one("#ds-stats"))
        # d on the old v1: asked, and enter (the default) takes the latest, v3.
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ChooseVersion)
        choices = app.screen.query_one("#choice-versions", OptionList)
        shown = " | ".join(str(choices.get_option_at_index(i).prompt) for i in range(2))
        assert "the latest: support v3" in shown and "the selected: support v1" in shown
        await pilot.press("enter")
        await wait_for_group(pilot, "dataset-derive")
        newest = app.store.datasets.versions(v1.dataset_id)[0]
        assert newest.version == 4 and newest.parent_version_id == v3.id
        assert newest.n_examples == 22  # v3's 23 lines less the duplicate: v2's and v3's kept
        assert any("v4 from v3: 1 duplicate removed" in n.message for n in app._notifications)
        assert "support v4 ←v3" in version_list(pane)
        # Choosing the selected older one is possible too, and said.
        await select(pilot, pane, v1.id)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("down", "enter")
        await wait_for_group(pilot, "dataset-derive")
        branch = app.store.datasets.versions(v1.dataset_id)[0]
        assert branch.version == 5 and branch.parent_version_id == v1.id
        assert any("v5 from v1" in n.message for n in app._notifications)
        # On the latest version nothing is asked; no duplicates left: nothing new is made.
        await pilot.press("d")
        await settle(pilot)
        assert not isinstance(app.screen, ChooseVersion)
        await wait_for_group(pilot, "dataset-derive")
        assert len(app.store.datasets.versions(v1.dataset_id)) == 5
        assert any("v5 unchanged: 0 duplicates removed" in n.message
                   for n in app._notifications)


async def test_deleting_a_version_asks_relinks_and_refuses_when_used(isolated_home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        v1, v2, v3 = seed_three_versions(app.store)
        store = app.store
        store.evals.create("uses v3", testing_criteria=[], dataset_version_id=v3.id)
        pane = app.pane("datasets")
        pane.reload()
        await settle(pilot)
        # v3 is an eval's data: kept, and the user is told why.
        await select(pilot, pane, v3.id)
        await pilot.press("delete")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmChange)
        assert any("used by eval" in n.message and "uses v3" in n.message
                   for n in app._notifications)
        # v2: asked first; n keeps it.
        await select(pilot, pane, v2.id)
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmChange)
        assert "Delete support v2?" in rendered(app.screen.query_one("#confirm-question"))
        await pilot.press("n")
        await settle(pilot)
        assert [v.version for v in store.datasets.versions(v1.dataset_id)] == [3, 2, 1]
        # y deletes it: its lines go, v3 now descends from v1.
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("y")
        await wait_for_group(pilot, "dataset-derive")
        assert [v.version for v in store.datasets.versions(v1.dataset_id)] == [3, 1]
        assert store.datasets.version(v3.id).parent_version_id == v1.id
        assert store.datasets.count_examples(v2.id) == 0
        assert "support v3 ←v1" in version_list(pane)
        assert pane.version_id == v3.id


async def split_with(pilot, ratio: str) -> str:
    """s, then the split form's ratio: what the form shows under its fields."""
    from tui.screens.split_form import SplitForm

    await pilot.press("s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SplitForm)
    pilot.app.screen.query_one("#split-ratio", Input).value = ratio
    await settle(pilot)
    return " ".join(rendered(pilot.app.screen.query_one("#form-hint")).split())


async def test_split_warns_before_writing_a_validation_set_tunedeck_would_flag(isolated_home):
    from tui.screens.split_form import SplitForm

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        source = write_version(app.store, "support", [sft(i) for i in range(40)])
        pane = app.pane("datasets")
        pane.reload()
        await settle(pilot)
        # The form: sizes as the ratio changes, a warning below the validator's minimum,
        # and a ratio or seed it cannot take said inline (the form stays open).
        hint = await split_with(pilot, "0.75")
        assert "train 30 / validation 10 of 40 valid examples" in hint and "⚠" not in hint
        app.screen.query_one("#split-ratio", Input).value = "1.5"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SplitForm)
        assert "train ratio: a number between 0 and 1" in rendered(
            app.screen.query_one("#form-error"))
        app.screen.query_one("#split-ratio", Input).value = "0.9"
        app.screen.query_one("#split-seed", Input).value = "x"
        await pilot.press("enter")
        await settle(pilot)
        assert "seed: a whole number" in rendered(app.screen.query_one("#form-error"))
        hint = " ".join(rendered(app.screen.query_one("#form-hint")).split())
        assert "train 36 / validation 4" in hint
        assert "⚠ validation would have 4: fine-tuning needs at least 10" in hint
        app.screen.query_one("#split-seed", Input).value = "42"
        await pilot.press("enter")  # 36 / 4: the 4 would be flagged ✗
        await wait_for_group(pilot, "dataset-derive")
        assert isinstance(app.screen, ConfirmChange)
        warning = " ".join(rendered(app.screen.query_one("#confirm-question")).split())
        assert "valid: 4 valid examples; fine-tuning needs at least 10" in warning
        await pilot.press("n")
        await settle(pilot)
        assert [d.name for d in app.store.datasets.list()] == ["support"]  # nothing written
        # A ratio that leaves both halves valid splits at once.
        await split_with(pilot, "0.75")
        await pilot.press("enter")
        await wait_for_group(pilot, "dataset-derive")
        await wait_for_group(pilot, "dataset-derive")
        assert not isinstance(app.screen, ConfirmChange)
        valid = app.store.datasets.get_by_name("support/valid")
        assert app.store.datasets.versions(valid.id)[0].n_examples == 10
        # And split anyway is the user's call.
        await select(pilot, pane, source.id)
        await split_with(pilot, "0.9")
        await pilot.press("enter")
        await wait_for_group(pilot, "dataset-derive")
        await pilot.press("y")
        await wait_for_group(pilot, "dataset-derive")
        assert app.store.datasets.versions(valid.id)[0].n_examples == 4


async def test_dedupe_reports_prompts_with_conflicting_answers_and_keeps_them(isolated_home):
    """Issue 21: besides exact duplicates, d names the prompts answered two ways."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        lines = [sft(i) for i in range(6)] + [sft(1), sft(2, answer="no"), sft(4, answer="no")]
        version = write_version(app.store, "support", lines)
        pane = app.pane("datasets")
        pane.reload()
        await settle(pilot)
        await pilot.press("d")
        await wait_for_group(pilot, "dataset-derive")
        newest = app.store.datasets.versions(version.dataset_id)[0]
        assert newest.version == 2 and newest.n_examples == 8  # only the exact duplicate
        [warning] = [n for n in app._notifications if n.title == "Conflicting answers"]
        assert warning.severity == "warning"
        assert warning.message == ("2 prompts have conflicting answers (kept, for you to "
                                   "resolve): lines 3, 7; lines 5, 8 (line numbers of v2)")
