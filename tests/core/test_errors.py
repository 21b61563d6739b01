"""Provider errors explained in words a user can act on."""

from __future__ import annotations

import httpx2 as httpx
import openai

from tui.core.errors import explain


def test_unknown_model_hint_names_no_key_that_does_something_else():
    # The hint is shown in the Playground, the Evals and the Jobs panes and on
    # the command line; it once said "the list refreshes with r", and r runs
    # an eval in the Evals pane (the Playground's refresh is ctrl+l).
    response = httpx.Response(404, request=httpx.Request("POST", "http://127.0.0.1/v1/x"))
    exc = openai.NotFoundError("The model `nope` does not exist", response=response, body=None)
    explained = explain(exc, model="nope")
    assert "model 'nope'" in explained.title
    assert " r)" not in explained.hint and "with r" not in explained.hint
    assert "model" in explained.hint and not explained.retryable
