"""ctrl+t / ctrl+g say which dataset version they extend, and take name@N for another."""

from __future__ import annotations

import json

from textual.widgets import Input, TextArea

from tests.apphelpers import SIZE, rendered, sandbox_app, settle, wait_for_group
from tests.playground.test_playground import open_playground, run_and_wait
from tui.core.dataset_versions import version_lines, write_version


def sft_line(i: int) -> str:
    return json.dumps({"messages": [{"role": "user", "content": f"q{i}"},
                                    {"role": "assistant", "content": f"a{i}"}]})


async def save_sft_to(pilot, target: str) -> str:
    await pilot.press("ctrl+t")
    await settle(pilot)
    screen = pilot.app.screen
    screen.query_one("#edit-target", Input).value = target
    await settle(pilot)
    hint = rendered(screen.query_one("#edit-target-hint"))
    screen.query_one("#edit-text", TextArea).text = "Paris."
    await pilot.press("ctrl+s")
    await wait_for_group(pilot, "dataset-write")
    return " ".join(hint.split())


async def test_sft_append_names_its_version_and_can_pick_an_older_one(
    sandbox, monkeypatch, isolated_home
):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_playground(pilot, models="sandbox-small", user="Capital of France?")
        store = app.store
        v1 = write_version(store, "sft", [sft_line(1)])
        v2 = write_version(store, "sft", [sft_line(1), sft_line(2)], parent_version_id=v1.id)
        await run_and_wait(pilot, pane)
        hint = await save_sft_to(pilot, "sft")
        assert "new version of sft from v2 (the latest, 2 examples)" in hint
        v3 = store.datasets.versions(v1.dataset_id)[0]
        assert (v3.version, v3.parent_version_id, v3.n_examples) == (3, v2.id, 3)
        assert any("sft v3 from v2" in n.message for n in app._notifications)
        # sft@1 appends to v1 instead, and says it is an older version.
        hint = await save_sft_to(pilot, "sft@1")
        assert "from v1 (an older version, 1 example)" in hint
        v4 = store.datasets.versions(v1.dataset_id)[0]
        assert (v4.version, v4.parent_version_id) == (4, v1.id)
        assert [json.loads(line)["messages"][0]["content"]
                for line in version_lines(store, v4.id)] == ["q1", "Capital of France?"]
        # A version that does not exist: said, nothing written.
        hint = await save_sft_to(pilot, "sft@9")
        assert "sft has no ready version '9'" in hint
        assert len(store.datasets.versions(v1.dataset_id)) == 4
        assert any("no ready version" in n.message and n.severity == "error"
                   for n in app._notifications)
