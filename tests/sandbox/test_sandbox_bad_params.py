"""Malformed requests answer 400 in OpenAI's error shape; nothing answers 500 with its insides.

Every parameter of every JSON body the sandbox takes is replaced, one at a time and
at every depth, by values of the wrong type or range; list queries get bad
`limit`, `after`, `order` and `status`; bodies that are not JSON objects are
sent. No answer may be a 5xx, and every 4xx must be {"error": {"message",
"type", "param", "code"}}. An exception nobody expected still answers 500, but
without its text (which goes to the server's log).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tui.engines.honest import SandboxEngine
from tui.sandbox.server import SandboxServer

BAD_VALUES: list[Any] = [-1, 1e308, "x", True, None, [5], {"a": [1]}]
SFT = (b'{"messages": [{"role": "user", "content": "hi"}, '
       b'{"role": "assistant", "content": "hello"}]}\n') * 12


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    server = SandboxServer(api_key="sk-sandbox-fuzz", speed=1000.0)
    server.start()
    http = httpx.Client(base_url=server.base_url, timeout=30,
                        headers={"Authorization": "Bearer sk-sandbox-fuzz"})
    train = http.post("/files", files={"file": ("t.jsonl", SFT)}, data={"purpose": "fine-tune"})
    batch = http.post("/files", files={"file": ("b.jsonl", b"{}\n")}, data={"purpose": "batch"})
    ev = http.post("/evals", json={"name": "e", "testing_criteria": [], "data_source_config": {
        "type": "custom", "item_schema": {"type": "object"}}})
    job = http.post("/fine_tuning/jobs", json={"model": "sandbox-small",
                                               "training_file": train.json()["id"]})
    ids = {"train": train.json()["id"], "batch": batch.json()["id"], "eval": ev.json()["id"],
           "job": job.json()["id"]}
    yield http, ids
    http.close()
    server.stop()


def bodies(ids: dict[str, str]) -> dict[str, dict[str, Any]]:
    """A valid body for each POST that takes JSON."""
    return {
        "/uploads": {"purpose": "fine-tune", "filename": "x.jsonl", "bytes": 10,
                     "mime_type": "application/jsonl",
                     "expires_after": {"anchor": "created_at", "seconds": 3600}},
        "/fine_tuning/jobs": {
            "model": "sandbox-small", "training_file": ids["train"],
            "validation_file": ids["train"], "suffix": "s", "seed": 1, "metadata": {"a": "b"},
            "method": {"type": "supervised", "supervised": {"hyperparameters": {
                "n_epochs": 1, "batch_size": 1, "learning_rate_multiplier": 1.0}}}},
        "/chat/completions": {
            "model": "sandbox-small", "messages": [{"role": "user", "content": "hi"}], "n": 1,
            "max_completion_tokens": 5, "temperature": 1, "top_p": 1, "seed": 1,
            "response_format": {"type": "json_schema",
                                "json_schema": {"name": "x", "schema": {"type": "object"}}},
            "stream": False, "stream_options": {"include_usage": True}},
        "/responses": {
            "model": "sandbox-small", "instructions": "be brief", "max_output_tokens": 20,
            "input": [{"type": "message", "role": "user",
                       "content": [{"type": "input_text", "text": "hi"}]}],
            "temperature": 1, "top_p": 1, "text": {"format": {"type": "text"}},
            "metadata": {"a": "b"}, "previous_response_id": "resp_1", "stream": False},
        "/evals": {
            "name": "e", "metadata": {"a": "b"},
            "data_source_config": {"type": "custom", "item_schema": {"type": "object"},
                                   "include_sample_schema": True},
            "testing_criteria": [{"type": "string_check", "name": "eq",
                                  "input": "{{sample.output_text}}",
                                  "reference": "{{item.q}}", "operation": "eq"}]},
        f"/evals/{ids['eval']}": {"name": "n", "metadata": {"a": "b"}},
        f"/evals/{ids['eval']}/runs": {
            "name": "r", "metadata": {"a": "b"},
            "data_source": {"type": "completions", "model": "sandbox-small",
                            "source": {"type": "file_content", "content": [{"item": {"q": "x"}}]},
                            "input_messages": {"type": "template", "template": [
                                {"role": "user", "content": "{{item.q}}"}]},
                            "sampling_params": {"max_completion_tokens": 5, "temperature": 1}}},
        "/batches": {"input_file_id": ids["batch"], "endpoint": "/v1/chat/completions",
                     "completion_window": "24h", "metadata": {"a": "b"}},
    }


def mutations(body: Any, path: tuple = ()) -> Iterator[tuple[str, Any]]:
    """(where, body) with the value at each path, at every depth, replaced by a bad one."""
    children = (body.items() if isinstance(body, dict)
                else enumerate(body) if isinstance(body, list) else [])
    for key, value in children:
        where = path + (key,)
        for bad in BAD_VALUES:
            mutated = copy.deepcopy(ROOT[0])
            holder = mutated
            for step in where[:-1]:
                holder = holder[step]
            holder[where[-1]] = bad
            yield ".".join(map(str, where)) + f"={bad!r}", mutated
        yield from mutations(value, where)


ROOT: list[Any] = [None]


def problem(answer: httpx.Response, what: str) -> str | None:
    """What is wrong with an answer to a malformed request, or None."""
    if answer.status_code >= 500:
        return f"{what}: {answer.status_code} {answer.text[:200]}"
    if answer.status_code >= 400:
        error = answer.json().get("error")
        if not isinstance(error, dict) or set(error) != {"message", "type", "param", "code"} \
                or error["type"] != "invalid_request_error" or not error["message"]:
            return f"{what}: not OpenAI's error shape: {answer.text[:200]}"
    return None


def check(answer: httpx.Response, what: str) -> None:
    found = problem(answer, what)
    assert found is None, found


def test_every_json_parameter_with_a_wrong_value_answers_4xx(api):
    http, ids = api
    found = []
    for url, body in bodies(ids).items():
        if url == "/fine_tuning/jobs":
            continue  # below, with fewer valid jobs started
        ROOT[0] = body
        check(http.post(url, json=body), f"{url} (valid)")
        found += [problem(http.post(url, json=mutated), f"{url} {what}")
                  for what, mutated in mutations(body)]
    assert [p for p in found if p] == []


def test_the_jobs_create_parameters_with_wrong_values_answer_4xx(api):
    http, ids = api
    body = bodies(ids)["/fine_tuning/jobs"]
    ROOT[0] = body
    found = []
    for what, mutated in mutations(body):
        answer = http.post("/fine_tuning/jobs", json=mutated)
        found.append(problem(answer, f"/fine_tuning/jobs {what}"))
        if answer.status_code == 200:  # a value that happens to be valid: stop that job
            http.post(f"/fine_tuning/jobs/{answer.json()['id']}/cancel")
    assert [p for p in found if p] == []


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"null", b'"text"', b"\xff\xfe",
                                 b'{"a": NaN}', b"1e999999", b"{" * 100_000])
def test_bodies_that_are_not_json_objects_answer_400(api, raw):
    http, ids = api
    for url in bodies(ids):
        answer = http.post(url, content=raw, headers={"content-type": "application/json"})
        assert answer.status_code == 400, (url, raw[:20], answer.text[:200])
        check(answer, f"{url} {raw[:20]!r}")


@pytest.mark.parametrize("query", ["limit=abc", "limit=-1", "limit=0", "limit=1e3",
                                   "limit=99999999999999999999", "limit=%00", "order=sideways",
                                   "status=weird", "after=nope", "after=%ff"])
def test_list_queries_with_bad_values_answer_400_or_an_empty_page(api, query):
    http, ids = api
    for url in ["/files", "/fine_tuning/jobs", f"/fine_tuning/jobs/{ids['job']}/events",
                f"/fine_tuning/jobs/{ids['job']}/checkpoints", "/evals",
                f"/evals/{ids['eval']}/runs", "/batches"]:
        answer = http.get(f"{url}?{query}")
        check(answer, f"{url}?{query}")
        if query.startswith("limit=") and answer.status_code == 400:
            assert answer.json()["error"]["param"] == "limit"
    answer = http.get("/files?limit=abc")
    assert answer.json()["error"] == {
        "message": "Invalid 'limit': expected an integer, got 'abc'",
        "type": "invalid_request_error", "param": "limit", "code": None}


def test_upload_expiry_of_the_wrong_type_answers_400(api):
    http, _ = api
    body = bodies({"train": "", "batch": "", "eval": ""})["/uploads"]
    for expires_after in ("x", {"seconds": "abc"}, {"seconds": 0}, {"seconds": True}):
        answer = http.post("/uploads", json={**body, "expires_after": expires_after})
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["param"].startswith("expires_after")


class _BrokenEngine(SandboxEngine):
    def generate(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail /srv/keys")


def test_an_unexpected_error_answers_500_without_its_text_and_is_logged(caplog):
    server = SandboxServer(api_key="sk-sandbox-broken", engine=_BrokenEngine())
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30,
                          headers={"Authorization": "Bearer sk-sandbox-broken"}) as http, \
                caplog.at_level(logging.ERROR, logger="tunedeck.sandbox"):
            chat = {"model": "sandbox-small", "messages": [{"role": "user", "content": "hi"}]}
            answer = http.post("/chat/completions", json=chat)
            assert answer.status_code == 500
            assert answer.json() == {"error": {
                "message": "The sandbox failed on this request; the details are in its log.",
                "type": "server_error", "param": None, "code": "server_error"}}
            assert "secret" not in answer.text and "RuntimeError" not in answer.text
            # The same connection still serves the next request.
            assert http.get("/models").status_code == 200
        logged = "\n".join(r.getMessage() + str(r.exc_info) for r in caplog.records)
        assert "secret internal detail" in logged and "/v1/chat/completions" in logged
    finally:
        server.stop()
