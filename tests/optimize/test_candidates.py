"""A candidate's parts and the messages they stand for."""

from __future__ import annotations

import json

import pytest

from tui.core.optimize.candidates import (
    CandidateError,
    available_parts,
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


FEW_SHOT_PROMPT = [{"role": "system", "content": "Be brief."},
                   {"role": "user", "content": "Q: lima"}, {"role": "assistant", "content": "lima"},
                   {"role": "user", "content": "Q: {{item.question}}"}]


def test_few_shot_examples_are_one_json_part_and_each_other_message_its_own():
    assert available_parts(FEW_SHOT_PROMPT) == [
        ("system", "system prompt"), ("few_shot", "few-shot examples (1)"),
        ("user", "user template message")]
    seed = seed_candidate(FEW_SHOT_PROMPT, ["few_shot", "user"])
    # `user` is the template the items fill, not the first example's question.
    assert seed["user"] == "Q: {{item.question}}"
    assert json.loads(seed["few_shot"]) == [{"user": "Q: lima", "assistant": "lima"}]
    # The reflection may rewrite, add or drop examples; the rest stays in place.
    proposal = '```json\n[{"user": "Q: a", "assistant": "A"}, {"user": "Q: b", "assistant": "B"}]'
    assert messages_for(FEW_SHOT_PROMPT, {"few_shot": proposal}) == [
        FEW_SHOT_PROMPT[0], {"role": "user", "content": "Q: a"},
        {"role": "assistant", "content": "A"}, {"role": "user", "content": "Q: b"},
        {"role": "assistant", "content": "B"}, FEW_SHOT_PROMPT[3]]
    assert messages_for(FEW_SHOT_PROMPT, {"few_shot": "[]"}) == [FEW_SHOT_PROMPT[0],
                                                                 FEW_SHOT_PROMPT[3]]
    with pytest.raises(CandidateError, match="not JSON"):
        messages_for(FEW_SHOT_PROMPT, {"few_shot": "Use capitals."})
    with pytest.raises(CandidateError, match="same message"):
        seed_candidate(FEW_SHOT_PROMPT, ["few_shot", "message:2"])
    # A prompt without examples may gain some, before its template.
    assert seed_candidate(FEW_SHOT_PROMPT[:1] + FEW_SHOT_PROMPT[3:], ["few_shot"]) == {
        "few_shot": "[]"}

    # Turns that carry {{variables}} are template, not examples: each is its own part.
    templated = [FEW_SHOT_PROMPT[0], {"role": "user", "content": "Context: {{item.ctx}}"},
                 {"role": "assistant", "content": "Read."}, FEW_SHOT_PROMPT[3]]
    assert [p for p, _ in available_parts(templated)] == ["system", "user", "message:2",
                                                          "message:3"]
    assert seed_candidate(templated, ["message:2"]) == {"message:2": "Context: {{item.ctx}}"}
    assert messages_for(templated, {"message:3": "Noted."})[2]["content"] == "Noted."
    with pytest.raises(CandidateError, match="few_shot: the turns"):
        seed_candidate(templated, ["few_shot"])
    with pytest.raises(CandidateError, match="1..4"):
        seed_candidate(templated, ["message:9"])
