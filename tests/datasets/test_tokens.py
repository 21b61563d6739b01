"""Token counts, limits, epochs, billing and prices."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.datasets.helpers import GOOD, assistant, chat, dumps, user, write_lines
from tui.core.datasets.billing import default_epochs
from tui.core.datasets.counting import IMAGE_TOKENS, count_messages
from tui.core.datasets.tokens import (
    TokenCounter,
    count_function,
    encoding_name_for_model,
    get_encoding,
    token_limit_for_model,
)
from tui.core.datasets.validate import iter_line_results, validate_bytes, validate_file
from tui.core.pricing import DEFAULT_TRAINING_PRICES_PER_1M, training_price_per_1m


@pytest.fixture(scope="module")
def o200k():
    return get_encoding("o200k_base")


def test_known_encodings_offline(o200k):
    assert o200k.encode("hello world") == [24912, 2375]
    assert len(get_encoding("cl100k_base").encode("hello world")) == 2
    count = count_function("o200k_base")
    assert count("hello world") == 2 and count("") == 0


@pytest.mark.parametrize(("model", "encoding", "limit"), [
    ("gpt-4o-mini", "o200k_base", 65_536),
    ("gpt-4o-mini-2024-07-18", "o200k_base", 65_536),
    ("gpt-4.1-nano-2025-04-14", "o200k_base", 65_536),
    ("ft:gpt-4o-2024-08-06:acme::abc123", "o200k_base", 65_536),
    ("o4-mini", "o200k_base", 65_536),
    ("gpt-3.5-turbo-0125", "cl100k_base", 16_385),
    ("gpt-4-0613", "cl100k_base", 8_192),
])
def test_model_encoding_and_limit(model, encoding, limit):
    assert encoding_name_for_model(model) == encoding
    assert token_limit_for_model(model) == limit


def test_cookbook_count_by_hand(o200k):
    def enc(text: str) -> int:
        return len(o200k.encode(text))

    messages = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "What is the capital of France?", "name": "ann"},
        {"role": "assistant", "content": "Paris."},
    ]
    expected = 3 + sum(3 + enc(m["role"]) + enc(m["content"]) for m in messages) + enc("ann") + 1
    total, trained = count_messages(messages, TokenCounter("o200k_base"))
    assert (total, trained) == (expected, enc("Paris."))
    result = next(iter_line_results([dumps(chat(*messages))]))
    assert (result.tokens, result.assistant_tokens, result.n_messages) == (expected, 2, 3)


def test_non_string_values_count_their_json(o200k):
    call = [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    messages = [{"role": "user", "content": [{"type": "text", "text": "look"},
                                              {"type": "image_url", "image_url": {"url": "https://x"}}]},
                {"role": "assistant", "content": None, "tool_calls": call, "weight": 1}]
    call_json = '[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]'
    expected = (3 + 3 + len(o200k.encode("user")) + len(o200k.encode("look")) + IMAGE_TOKENS
                + 3 + len(o200k.encode("assistant")) + len(o200k.encode(call_json)))
    assert count_messages(messages, TokenCounter("o200k_base")) == (
        expected, len(o200k.encode(call_json)))
    # Weight 0 messages are not trained on; odd values never crash the counter.
    assert count_messages([{"role": "assistant", "content": "x", "weight": 0}, 7, {"x": 1.5}],
                          TokenCounter("o200k_base"))[1] == 0


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fast_counter_matches_tiktoken(o200k, text):
    assert count_function("o200k_base")(text) == len(o200k.encode_ordinary(text))


def test_cl100k_model_counts_with_cl100k(tmp_path):
    line = dumps(chat(user("Grüße aus Köln"), assistant("Danke schön")))
    enc = get_encoding("cl100k_base")
    expected = 3 + 3 + len(enc.encode("user")) + len(enc.encode("Grüße aus Köln")) \
        + 3 + len(enc.encode("assistant")) + len(enc.encode("Danke schön"))
    report = validate_bytes((line + "\n").encode() * 10, model="gpt-3.5-turbo")
    assert report.encoding == "cl100k_base" and report.tokens.min == expected


@pytest.mark.parametrize(("n", "epochs"), [(1, 25), (3, 25), (4, 25), (10, 10), (33, 3), (34, 3),
                                            (8333, 3), (8334, 2), (12_500, 2), (30_000, 1), (0, 0)])
def test_default_epochs_cookbook_rule(n, epochs):
    assert default_epochs(n) == epochs


def test_over_limit_billing_and_cost(tmp_path):
    long_text = "hi " * 70_000
    lines = [GOOD] * 10 + [dumps(chat(user(long_text), assistant()))]
    report = validate_file(write_lines(tmp_path / "t.jsonl", lines))
    assert report.over_limit == 1 and report.warnings == {"over_token_limit": 1}
    assert report.trainable and report.tokens.max > 65_536
    assert report.epochs == 9  # 11 examples: min(25, 100 // 11)
    assert report.billed_tokens == 9 * (10 * 13 + 65_536)
    assert report.price_per_1m == 3.0
    assert report.estimated_cost_usd == pytest.approx(report.billed_tokens * 3 / 1e6)
    pinned = validate_file(tmp_path / "t.jsonl", epochs=2, prices={"gpt-4o-mini": 6.0})
    assert (pinned.epochs, pinned.epochs_default, pinned.billed_tokens) == (
        2, False, 2 * (10 * 13 + 65_536))
    assert pinned.estimated_cost_usd == pytest.approx(pinned.billed_tokens * 6 / 1e6)


def test_token_stats_distribution():
    lines = [dumps(chat(user("a " * n), assistant("ok"))) for n in range(1, 11)]
    report = validate_bytes("\n".join(lines).encode())
    tokens = sorted(r.tokens for r in iter_line_results("\n".join(lines).encode()))
    assert report.tokens.count == 10 and report.tokens.total == sum(tokens)
    assert (report.tokens.min, report.tokens.max) == (tokens[0], tokens[-1])
    assert report.tokens.median == (tokens[4] + tokens[5]) / 2
    assert report.tokens.p10 == tokens[0] + 0.9 * (tokens[1] - tokens[0])
    assert sum(report.tokens.histogram.counts) == 10
    assert len(report.tokens.histogram.edges) == len(report.tokens.histogram.counts) + 1
    assert report.messages_per_example.mean == 2.0


def test_training_prices_longest_prefix_and_overrides():
    assert DEFAULT_TRAINING_PRICES_PER_1M["gpt-4.1-nano"] == 1.5
    assert training_price_per_1m("gpt-4o-mini-2024-07-18") == 3.0
    assert training_price_per_1m("gpt-4o-2024-08-06") == 25.0
    assert training_price_per_1m("gpt-4.1-mini-2025-04-14") == 5.0
    assert training_price_per_1m("ft:gpt-4.1-nano-2025-04-14:acme::x") == 1.5
    assert training_price_per_1m("o4-mini") is None
    assert training_price_per_1m("gpt-4o-mini", {"gpt-4o": 30.0}) == 3.0
    assert training_price_per_1m("gpt-4o-2024-08-06", {"gpt-4o": 30.0}) == 30.0
    assert training_price_per_1m("my-model", {"my-": 2}) == 2.0
