"""Path completion for the file dialogs: what a typed prefix completes to, and the eval
dialog's completion and tree in use (issue 21, item 18)."""

from __future__ import annotations

import os

from textual.widgets import Input

from tests.apphelpers import SIZE, make_app, ready, settle, until, wait_for_group
from tests.evals.test_pane import write_eval
from tui.core.path_completion import complete_path
from tui.screens.text_prompt import AskPath
from tui.widgets.visible_fields import FileTree


def test_a_unique_file_completes_to_its_whole_name(tmp_path):
    (tmp_path / "train.jsonl").write_text("{}\n")
    assert complete_path(str(tmp_path / "tr")) == str(tmp_path / "train.jsonl")


def test_a_unique_folder_completes_with_its_separator(tmp_path):
    (tmp_path / "evals").mkdir()
    assert complete_path(str(tmp_path / "ev")) == str(tmp_path / "evals") + os.sep


def test_several_matches_complete_to_what_they_share(tmp_path):
    for name in ("faq.eval.json", "faq.train.jsonl"):
        (tmp_path / name).write_text("{}")
    assert complete_path(str(tmp_path / "f")) == str(tmp_path / "faq.")
    # Nothing more to add: no suggestion rather than the text itself.
    assert complete_path(str(tmp_path / "faq.")) is None


def test_relative_paths_and_hidden_entries(tmp_path):
    (tmp_path / ".secret.json").write_text("{}")
    (tmp_path / "sample.json").write_text("{}")
    assert complete_path("s", base=tmp_path) == "sample.json"
    assert complete_path("", base=tmp_path) is None
    # Hidden names only once a dot is typed, as in a shell.
    assert complete_path(".s", base=tmp_path) == ".secret.json"


def test_the_tilde_is_kept_as_typed(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "notes.json").write_text("{}")
    assert complete_path("~/no") == "~/notes.json"


def test_what_cannot_be_listed_completes_to_nothing(tmp_path):
    assert complete_path(str(tmp_path / "missing" / "x")) is None
    assert complete_path("~nosuchuser_tunedeck/a") is None


async def test_the_eval_dialog_suggests_the_rest_of_a_path_and_shows_a_tree(tmp_path,
                                                                           monkeypatch):
    real = write_eval(tmp_path)
    (tmp_path / "notes.txt").write_text("not an eval")
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AskPath)
        field = dialog.query_one("#ask-input", Input)
        prefix = str(real)[: len(str(real)) - 8]
        field.value = prefix
        field.cursor_position = len(prefix)
        await until(pilot, lambda: field._suggestion == str(real))
        await pilot.press("right")  # accepts the suggestion at the end of the text
        assert field.value == str(real)
        # The tree lists the folder's .json files (and folders), not other files.
        tree = dialog.query_one(FileTree)
        await until(pilot, lambda: len(tree.root.children) > 0)
        shown = {str(node.label) for node in tree.root.children}
        assert real.name in shown and "notes.txt" not in shown
        await pilot.press("enter")
        await wait_for_group(pilot, "eval-load")
        assert [e.name for e in app.store.evals.list()] == ["echo"]


async def test_picking_a_file_in_the_tree_fills_the_path(tmp_path, monkeypatch):
    real = write_eval(tmp_path)
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        dialog = app.screen
        tree = dialog.query_one(FileTree)
        await until(pilot, lambda: len(tree.root.children) > 0)
        tree.focus()
        node = next(n for n in tree.root.children if str(n.label) == real.name)
        tree.move_cursor(node)
        await pilot.press("enter")
        await settle(pilot)
        assert dialog.query_one("#ask-input", Input).value == str(real)
