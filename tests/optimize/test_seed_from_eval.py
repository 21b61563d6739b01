"""Optimize on an eval opened from a file: its own input messages become the seed version,
instead of a dead end ("save a prompt first") for a user who never used the Playground."""

from __future__ import annotations

from store import Store
from tests.apphelpers import SIZE, make_app, ready, settle, until
from tests.optimize.helpers import EXACT, SEED_SYSTEM, capitals_items, configure
from tui.core.evals.definition import parse, save_to_store
from tui.core.optimize.seed_prompt import seed_from_eval
from tui.core.paths import home_dir
from tui.screens.optimize_start import OptimizeForm

TEMPLATE = {"type": "template", "template": [
    {"role": "system", "content": SEED_SYSTEM},
    {"role": "user", "content": "{{item.question}}"}]}


def _file_eval(store, input_messages=TEMPLATE):
    return save_to_store(store, parse({"name": "caps-file", "items": capitals_items(6),
                                       "input_messages": input_messages,
                                       "testing_criteria": [EXACT]}))


def test_the_eval_template_is_saved_once_and_linked(tmp_path):
    with Store(tmp_path / "t.db") as store:
        row = _file_eval(store)
        first = seed_from_eval(store, row.id)
        again = seed_from_eval(store, row.id)
        assert first is not None and first == again
        (version,) = store.prompts.versions("caps-file")
        assert version.id == first
        assert [m["content"] for m in version.messages] == [SEED_SYSTEM, "{{item.question}}"]
        assert store.evals.get(row.id).prompt_version_id == first


def test_content_parts_are_no_seed(tmp_path):
    parts = {"type": "template", "template": [{"role": "user", "content": [
        {"type": "input_text", "text": "{{item.question}}"}]}]}
    with Store(tmp_path / "t.db") as store:
        row = _file_eval(store, parts)
        assert seed_from_eval(store, row.id) is None
        assert store.prompts.list() == []


async def test_O_on_an_eval_from_a_file_opens_the_form_with_its_prompt(
        isolated_home, sandbox, monkeypatch):
    configure(isolated_home, sandbox, monkeypatch)
    with Store(home_dir() / "tunedeck.db") as store:
        row = _file_eval(store)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        app.pane("evals").selected_eval = row.id
        await pilot.press("O")
        await until(pilot, lambda: isinstance(app.screen, OptimizeForm))
        (version,) = app.store.prompts.versions("caps-file")
        assert app.screen.choices.version_id == version.id
        assert app.screen.choices.eval_id == row.id
