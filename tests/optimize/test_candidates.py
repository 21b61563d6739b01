"""A candidate's parts and the messages they stand for."""

from __future__ import annotations

import pytest

from tui.core.optimize.candidates import (
    CandidateError,
    base_messages,
    candidate_hash,
    messages_for,
    seed_candidate,
)

EVAL_TEMPLATE = {"type": "template", "template": [
    {"role": "system", "content": "the eval's own system prompt"},
    {"role": "user", "content": {"type": "input_text", "text": "{{item.question}}"}}]}


def test_a_system_only_prompt_takes_the_eval_templates_user_message():
    messages = base_messages([{"role": "system", "content": "Be brief."}], EVAL_TEMPLATE)
    assert messages == [{"role": "system", "content": "Be brief."},
                        {"role": "user", "content": "{{item.question}}"}]
    with pytest.raises(CandidateError, match="no user message"):
        base_messages([{"role": "system", "content": "Be brief."}], None)


def test_parts_are_read_from_and_written_back_to_their_messages():
    messages = [{"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Q: {{item.question}}"}]
    seed = seed_candidate(messages, ["system", "user"])
    assert seed == {"system": "Be brief.", "user": "Q: {{item.question}}"}
    changed = messages_for(messages, {"system": "Be exact.", "user": "Question: {{question}}"})
    assert changed == [{"role": "system", "content": "Be exact."},
                       {"role": "user", "content": "Question: {{question}}"}]
    assert messages[0]["content"] == "Be brief."  # the seed's messages are left alone
    # A prompt without a system message gains one when that part is optimized.
    assert messages_for([messages[1]], {"system": "New."})[0] == {"role": "system",
                                                                   "content": "New."}
    assert candidate_hash(seed) == candidate_hash(dict(reversed(seed.items())))
    assert candidate_hash(seed) != candidate_hash({"system": "Be exact."})
    with pytest.raises(CandidateError, match="parts to optimize"):
        seed_candidate(messages, [])
