"""Each threat on its own, on a store that holds nothing else: a stray closing tag
elsewhere would crash the app before a link or a control sequence could be shown."""

from __future__ import annotations

import json

from store import Store
from tests.apphelpers import make_app, ready, settle, until
from tests.hostile import corpus
from tests.hostile.seed import configure
from tests.hostile.terminal import (
    assert_shown,
    assert_terminal_clean,
    assert_toast,
    click_everything_hostile,
    recording,
)
from tui.core.dataset_versions import write_version

SIZE = (160, 45)
LINKS = f"data {corpus.link('nameL')} {corpus.link_spaced('nameS')} {corpus.link_caps('nameC')}"
TERMINAL = "".join(corpus.TERMINAL)


def store_with(home, name: str, user: str) -> int:
    line = json.dumps({"messages": [{"role": "user", "content": user},
                                    {"role": "assistant", "content": "ok"}]})
    with Store(home / "tunedeck.db") as store:
        return write_version(store, name, [line] * 2).id


async def test_links_in_a_dataset_name_run_nothing_when_clicked(isolated_home, sandbox,
                                                                monkeypatch, shots):
    configure(isolated_home, sandbox, monkeypatch)
    store_with(isolated_home, LINKS, "hello")
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await settle(pilot)
        stats = app.pane("datasets").query_one("#ds-stats")
        assert_shown(app, LINKS, within=stats)
        await click_everything_hostile(pilot, [LINKS], shots)
        assert app.return_code is None


async def test_a_transcript_sends_no_control_sequence_to_the_terminal(isolated_home, sandbox,
                                                                     monkeypatch, shots):
    from tui.screens.example import ExampleScreen

    configure(isolated_home, sandbox, monkeypatch)
    version_id = store_with(isolated_home, "plain", "before " + TERMINAL + " after")
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await settle(pilot)
        app.push_screen(ExampleScreen(app.store.datasets.example(version_id, 1)))
        await settle(pilot)
        assert_terminal_clean(app)  # what went out to the terminal, first
        assert_shown(app, "before " + TERMINAL + " after",
                     within=app.screen.query_one("#example-transcript"))


async def test_the_redacted_marker_survives_a_toast(isolated_home, sandbox,
                                                                   monkeypatch, shots):
    configure(isolated_home, sandbox, monkeypatch)
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)

        def fail() -> None:
            raise RuntimeError("bad key sk-proj-abcdefgh12345678 here")

        app.run_worker(fail, thread=True, exit_on_error=False, name="failing worker")
        await until(pilot, lambda: any(n.title == "failing worker"
                                       for n in app._notifications))
        await settle(pilot)
        assert_toast(app, "RuntimeError: bad key [redacted] here")
        assert app.return_code is None
