"""A failed worker is reported once, explained: the same words a pane used to build inline."""

from __future__ import annotations

import httpx2 as httpx
import openai
from textual.worker import WorkerState

from tests.apphelpers import SIZE, make_app, ready, settle, until
from tui.core.errors import describe_failure


def _rejected_key() -> openai.AuthenticationError:
    response = httpx.Response(401, request=httpx.Request("POST", "http://127.0.0.1/v1/x"))
    return openai.AuthenticationError("Incorrect API key provided: sk-abcdefghijklmnopqrstuvwx",
                                      response=response, body=None)


def test_describe_failure_explains_provider_errors_and_names_others():
    text = describe_failure(_rejected_key(), key_env="MY_KEY")
    assert "rejected the API key (401)" in text and "$MY_KEY" in text
    assert "sk-abcdefghijklmnopqrstuvwx" not in text
    assert describe_failure(ValueError("bad ratio")) == "ValueError: bad ratio"


async def test_a_pane_worker_s_provider_error_is_notified_explained(tmp_path):
    app = make_app(db_path=tmp_path / "t.db")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pane = app.pane("datasets")

        async def fails() -> None:
            raise _rejected_key()

        worker = pane.run_worker(fails, exit_on_error=False, name="sync models")
        await until(pilot, lambda: worker.state is WorkerState.ERROR)
        await settle(pilot)
        notes = [n for n in app._notifications if n.title == "sync models"]
        assert len(notes) == 1
        assert "rejected the API key (401)" in notes[0].message
        assert f"${app.profile.api_key_env}" in notes[0].message
        assert "sk-abcdefghijklmnopqrstuvwx" not in notes[0].message
