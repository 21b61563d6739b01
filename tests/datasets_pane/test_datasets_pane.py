"""The datasets pane driven by keys, on real files, a real store and the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input, ProgressBar

from tests.apphelpers import (
    SIZE,
    make_app,
    ready,
    rendered,
    sandbox_app,
    settle,
    until,
    wait_for_group,
)
from tui.screens.example import ExampleScreen
from tui.widgets.virtual_table import VirtualTable


def sft(i: int, answer: str = "ok") -> str:
    return json.dumps({"messages": [{"role": "user", "content": f"question {i}"},
                                    {"role": "assistant", "content": f"{answer} {i}"}]})


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    lines = [sft(i) for i in range(30)]
    lines[4] = '{"messages": ['  # invalid_json
    lines[9] = json.dumps({"messages": [{"role": "bot", "content": "x"}]})  # unrecognized_role
    path = tmp_path / "support.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


async def import_through_form(pilot, path: str, name: str = "") -> None:
    await pilot.press("i")
    await settle(pilot)
    pilot.app.screen.query_one("#import-path", Input).value = path
    pilot.app.screen.query_one("#import-name", Input).value = name
    await pilot.press("ctrl+s")
    await settle(pilot)
    await wait_for_group(pilot, "dataset-import")


async def test_import_validates_and_browses_with_filters(data_file):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pane = app.pane("datasets")
        await import_through_form(pilot, str(data_file), "support")
        store = app.store
        version = store.datasets.versions(store.datasets.get_by_name("support").id)[0]
        assert (version.status, version.n_examples, version.n_invalid) == ("ready", 30, 2)
        # Line 10 breaks two rules; the report counts each, the line is one invalid line.
        assert version.report["errors"] == {"invalid_json": 1, "unrecognized_role": 1,
                                            "example_missing_assistant_message": 1}
        bar = pane.query_one("#ds-progress", ProgressBar)
        assert bar.total == data_file.stat().st_size and bar.progress == bar.total
        assert not bar.display  # hidden once the import is done
        table = pane.query_one(VirtualTable)
        assert table.row_count == 30
        stats = rendered(pane.query_one("#ds-stats"))
        assert "cannot be trained on" in stats and "invalid_json" in stats
        # Errors only.
        table.focus()
        await pilot.press("f")
        await settle(pilot)
        assert table.row_count == 2
        assert [table.row_at(i).key for i in range(2)] == [5, 10]
        # Open the second error as a transcript.
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ExampleScreen)
        header = rendered(app.screen.query_one("#example-header"))
        assert "line 10" in header and "unrecognized role 'bot'" in header
        # Exclude it: a new version without that line, the old one untouched.
        await pilot.press("x")
        await settle(pilot)
        await wait_for_group(pilot, "dataset-derive")
        versions = store.datasets.versions(version.dataset_id)
        assert [v.version for v in versions] == [2, 1]
        assert (versions[0].n_examples, versions[0].n_invalid) == (29, 1)
        assert store.datasets.count_examples(version.id) == 30
        assert any("v2 from v1: line 10 excluded" in n.message for n in app._notifications)
        # Still showing errors, now of v2: the next one is a key away (the view
        # used to fall back to every example after each exclusion).
        assert pane.version_id == versions[0].id
        assert table.row_count == 1 and table.row_at(0).key == 5
        assert "showing invalid" in rendered(pane.query_one("#ds-filter"))
        # c: the category is picked from this version's own, or the filter cleared.
        await pilot.press("c")
        await settle(pilot)
        options = app.screen.query_one("#pick-options")
        assert [str(options.get_option_at_index(i).prompt)
                for i in range(options.option_count)] == [
            "invalid_json (1)", "all: clear the filter"]
        await pilot.press("enter")
        await settle(pilot)
        assert pane.category == "invalid_json"
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert pane.category is None


async def test_reimporting_the_same_bytes_finds_the_version(data_file):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await import_through_form(pilot, str(data_file), "support")
        await import_through_form(pilot, str(data_file), "support")
        ds = app.store.datasets.get_by_name("support")
        assert len(app.store.datasets.versions(ds.id)) == 1
        assert any("already imported" in n.message for n in app._notifications)


@pytest.mark.parametrize(
    ("make", "words"),
    [(lambda p: str(p / "missing.jsonl"), "does not exist"),
     (lambda p: str(p), "is a directory")],
)
async def test_bad_paths_are_explained_in_the_form_and_lose_nothing(tmp_path, make, words, data_file):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        form.query_one("#import-path", Input).value = make(tmp_path)
        form.query_one("#import-name", Input).value = "keep me"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: form.query_one("#import-error").display)
        assert app.screen is form  # still open, with what was typed
        assert words in " ".join(rendered(form.query_one("#import-error")).split())
        assert form.query_one("#import-name", Input).value == "keep me"
        # No progress bar: none was ever shown (it is mounted by the first import).
        assert not app.pane("datasets").query("#ds-progress")
        form.query_one("#import-path", Input).value = str(data_file)
        await pilot.press("ctrl+s")
        await wait_for_group(pilot, "dataset-import")
        assert app.store.datasets.get_by_name("keep me") is not None


async def test_a_tilde_path_naming_no_user_is_explained_and_the_app_stays_up(data_file):
    # `~nosuchuser/...` makes Path.expanduser raise RuntimeError; in the form's check
    # worker that used to exit the whole app.
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        form.query_one("#import-path", Input).value = "~nosuchuser-tunedeck/a.jsonl"
        form.query_one("#import-name", Input).value = "keep me"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: form.query_one("#import-error").display)
        assert app.return_code is None and app.is_running
        assert app.screen is form
        said = " ".join(rendered(form.query_one("#import-error")).split())
        assert "~nosuchuser-tunedeck" in said and "no such user" in said
        assert form.query_one("#import-name", Input).value == "keep me"
        form.query_one("#import-path", Input).value = str(data_file)
        await pilot.press("ctrl+s")
        await wait_for_group(pilot, "dataset-import")
        assert app.store.datasets.get_by_name("keep me") is not None


async def test_dpo_example_renders_both_answers(tmp_path):
    line = json.dumps({
        "input": {"messages": [{"role": "user", "content": "Pick a fruit"}]},
        "preferred_output": [{"role": "assistant", "content": "Mango"}],
        "non_preferred_output": [{"role": "assistant", "content": "Rock"}],
    })
    path = tmp_path / "dpo.jsonl"
    path.write_text("\n".join([line] * 12) + "\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await import_through_form(pilot, str(path), "prefs")
        pane = app.pane("datasets")
        pane.query_one(VirtualTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ExampleScreen)
        text = rendered(app.screen.query_one("#transcript-body"))
        assert "preferred" in text and "non-preferred" in text
        assert "Mango" in text and "Rock" in text
        report = app.store.datasets.versions(
            app.store.datasets.get_by_name("prefs").id)[0].report
        assert report["format"] == "dpo"


async def test_split_and_export(data_file, tmp_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await import_through_form(pilot, str(data_file), "support")
        pane = app.pane("datasets")
        version_id = pane.version_id
        pane.derive("split", version_id, ratio=0.75, seed=7)
        await wait_for_group(pilot, "dataset-derive")
        await settle(pilot)
        store = app.store
        train = store.datasets.versions(store.datasets.get_by_name("support/train").id)[0]
        valid = store.datasets.versions(store.datasets.get_by_name("support/valid").id)[0]
        assert (train.n_examples, valid.n_examples) == (21, 7)  # 28 valid, 75 %
        out = tmp_path / "out" / "clean.jsonl"
        pane.derive("export", version_id, path=str(out))
        await wait_for_group(pilot, "dataset-derive")
        lines = out.read_text().splitlines()
        assert len(lines) == 28 and all(json.loads(line)["messages"] for line in lines)


async def test_upload_to_the_sandbox_once(sandbox, monkeypatch, isolated_home, data_file):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await import_through_form(pilot, str(data_file), "support")
        pane = app.pane("datasets")
        for _ in range(2):
            await pilot.press("u")
            await settle(pilot)
            await wait_for_group(pilot, "dataset-upload")
            await settle(pilot)
        files = app.store.files.list("sandbox")
        assert len(files) == 1 and files[0].purpose == "fine-tune"
        assert files[0].dataset_version_id == pane.version_id
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("Uploaded support v1 as file-") for m in messages)
        assert any("Already on the provider" in m for m in messages)
        assert any("2 invalid left out" in m for m in messages)


async def test_export_onto_an_existing_path_says_why_nothing_was_written(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text("\n".join(sft(i) for i in range(12)) + "\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await import_through_form(pilot, str(data), "support")
        await pilot.press("w")
        await settle(pilot)
        app.screen.query_one(Input).value = str(tmp_path)  # a directory: refused
        await pilot.press("enter")
        await wait_for_group(pilot, "dataset-derive")
        assert any("exists" in n.message for n in app._notifications)



async def test_search_clears_on_an_empty_answer_and_esc_keeps_it(data_file):
    # The prompt said "empty clears" but ignored an empty enter, and esc (which
    # says "cancel") was the key that cleared the search.
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await import_through_form(pilot, str(data_file), "support")
        pane = app.pane("datasets")
        table = pane.query_one(VirtualTable)
        await pilot.press("slash")
        await settle(pilot)
        app.screen.query_one(Input).value = "question 2"
        await pilot.press("enter")
        await settle(pilot)
        assert pane.search == "question 2" and table.row_count == 11  # 2, 20…29
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert pane.search == "question 2" and table.row_count == 11
        await pilot.press("slash")
        await settle(pilot)
        app.screen.query_one(Input).value = ""
        await pilot.press("enter")
        await settle(pilot)
        assert pane.search is None and table.row_count == 30
        assert "matching" not in rendered(pane.query_one("#ds-filter"))


async def test_keys_without_a_dataset_say_what_to_do_first(data_file):
    # Before: f, c, d, w, u did nothing at all, and / and s opened prompts whose
    # answers went nowhere (a search typed there filtered the next import).
    from textual.screen import ModalScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for key in ("f", "slash", "c", "s", "d", "w", "u"):
            app.clear_notifications()
            await pilot.press(key)
            await settle(pilot)
            assert not isinstance(app.screen, ModalScreen), key
            assert any("press i to import" in n.message for n in app._notifications), key
        await import_through_form(pilot, str(data_file), "support")
        pane = app.pane("datasets")
        assert pane.search is None
        assert pane.query_one(VirtualTable).row_count == 30


async def test_tab_goes_between_the_panes_lists_never_to_the_bare_pane(data_file):
    # The pane takes focus only while it shows no list (empty: its keys must work then).
    # With a dataset shown, Tab also stopped on the bare pane, where nothing showed focus
    # and the arrows did nothing.
    from textual.widgets import OptionList

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pane = app.pane("datasets")
        assert app.focused is pane  # empty: the pane holds focus, and `i` works
        await import_through_form(pilot, str(data_file), "support")
        seen = []
        for _ in range(6):
            await pilot.press("tab")
            await pilot.pause()
            seen.append(app.focused)
        assert pane not in seen
        assert any(isinstance(w, VirtualTable) for w in seen)
        assert any(isinstance(w, OptionList) for w in seen)
        table = pane.query_one("#ds-examples", VirtualTable)
        await pilot.click("#ds-stats")  # the report's text: a click keeps the table's focus
        await pilot.pause()
        assert app.focused is table
