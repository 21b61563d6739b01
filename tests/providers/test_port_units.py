"""The port's pieces without a server: error translation, status mapping, capabilities."""

from __future__ import annotations

import openai
import pytest

pytest.importorskip("together")
pytest.importorskip("fireworks")

import httpx  # noqa: E402 - the together SDK's own HTTP library

from tui.core.config import Profile  # noqa: E402
from tui.core.errors import explain  # noqa: E402
from tui.core.finetune import capabilities_for, fireworks_map, together_map  # noqa: E402
from tui.core.finetune.errors import is_not_found, to_openai, translated  # noqa: E402
from tui.core.finetune.port import Feature  # noqa: E402


def _response(status: int, body: dict) -> httpx.Response:
    return httpx.Response(status, json=body, request=httpx.Request("GET", "http://127.0.0.1/x"))


@pytest.mark.parametrize(("status", "cls"), [
    (400, openai.BadRequestError), (401, openai.AuthenticationError),
    (403, openai.PermissionDeniedError), (404, openai.NotFoundError),
    (429, openai.RateLimitError), (503, openai.InternalServerError)])
def test_other_sdks_errors_become_openais(status, cls):
    import fireworks
    import together

    for module in (together, fireworks):
        response = _response(status, {"error": {"message": "nope", "code": "x"}})
        exc = module.APIStatusError("nope", response=response,
                                    body={"error": {"message": "nope", "code": "x"}})
        twin = to_openai(exc)
        assert isinstance(twin, cls) and twin.status_code == status
        with pytest.raises(cls) as info, translated():
            raise exc
        assert info.value.__cause__ is exc
    assert is_not_found(to_openai(together.NotFoundError(
        "gone", response=_response(404, {}), body=None)))


def test_a_translated_429_keeps_its_retry_after_for_the_watcher():
    import together

    from tui.core.jobs.watch import retry_after_of

    response = httpx.Response(429, headers={"retry-after": "7"}, json={},
                              request=httpx.Request("GET", "http://127.0.0.1/x"))
    twin = to_openai(together.RateLimitError("slow down", response=response, body={}))
    assert retry_after_of(twin) == 7.0 and explain(twin).retryable


def test_connection_errors_become_openais():
    import together

    request = httpx.Request("GET", "http://127.0.0.1/x")
    assert isinstance(to_openai(together.APIConnectionError(request=request)),
                      openai.APIConnectionError)
    assert isinstance(to_openai(together.APITimeoutError(request=request)),
                      openai.APITimeoutError)
    plain = ValueError("not an API error")
    assert to_openai(plain) is plain


def test_statuses_map_onto_openais():
    assert [together_map.STATUS[s] for s in ("pending", "queued", "compressing", "completed",
                                             "error", "cancel_requested")] == [
        "validating_files", "queued", "running", "succeeded", "failed", "cancelled"]
    assert [fireworks_map.STATES[s] for s in ("JOB_STATE_VALIDATING", "JOB_STATE_RUNNING",
                                              "JOB_STATE_EARLY_STOPPED", "JOB_STATE_EXPIRED",
                                              "JOB_STATE_PAUSED")] == [
        "validating_files", "running", "succeeded", "failed", "paused"]
    assert fireworks_map.parse_name("accounts/a/dpoJobs/j1") == ("a", "dpoJobs", "j1")
    with pytest.raises(ValueError, match="not a Fireworks fine-tuning job name"):
        fireworks_map.parse_name("ftjob-123")
    assert fireworks_map.dataset_id("Capitals v1-training-0123456789ab.jsonl") == \
        "capitals-v1-training-0123456789ab"


@pytest.mark.parametrize(("kind", "preset", "methods", "lacks"), [
    ("openai", None, ("supervised", "dpo", "reinforcement"), ()),
    ("azure", None, ("supervised", "dpo", "reinforcement"), (Feature.SERVES_AT_ONCE,)),
    ("compatible", "bedrock", ("supervised", "reinforcement"), (Feature.SUFFIX, Feature.PAUSE)),
    ("compatible", "nebius", ("supervised",), (Feature.PAUSE, Feature.SERVES_AT_ONCE)),
    ("together", None, ("supervised", "dpo"), (Feature.PAUSE, Feature.METADATA)),
    ("fireworks", None, ("supervised", "dpo"), (Feature.EVENTS, Feature.CHECKPOINTS)),
])
def test_each_kind_says_what_it_cannot_do(kind, preset, methods, lacks):
    caps = capabilities_for(Profile(name="p", kind=kind, preset=preset, account="a"))
    assert caps.methods == methods
    for feature in lacks:
        assert not caps.can(feature) and len(caps.why_not(feature) or "") > 20
    if "reinforcement" not in methods:
        assert caps.method_problem("reinforcement", "X")
