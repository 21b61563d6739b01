"""Dedupe reports prompts with conflicting answers and keeps them (issue 21)."""

from __future__ import annotations

import json

from tui.core.dataset_ops import dedupe
from tui.core.dataset_versions import version_lines, write_version
from tui.core.datasets.conflicts import ConflictGroup, conflicting_answers, describe


def chat(question: str, answer: str, *, system: str | None = None, tools=None,
         weight=None) -> str:
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": question}]
    last = {"role": "assistant", "content": answer}
    if weight is not None:
        last["weight"] = weight
    example = {"messages": [*messages, last]}
    if tools is not None:
        example["tools"] = tools
    return json.dumps(example)


TOOL = [{"type": "function", "function": {"name": "lookup", "parameters": {}}}]


def test_same_prompt_different_answers_is_one_group_with_its_line_numbers():
    lines = [
        chat("capital of France?", "Paris"),          # 1
        chat("capital of Spain?", "Madrid"),          # 2
        chat("capital of France?", "Lyon"),           # 3: conflicts with 1
        chat("capital of France?", "Paris", weight=1),  # 4: 1's answer again
        chat("capital of Spain?", "Madrid"),          # 5: an exact duplicate, no conflict
        '{"messages": [',                              # 6: not JSON, skipped
        json.dumps({"input": {"messages": [{"role": "user", "content": "x"}]},
                    "preferred_output": [], "non_preferred_output": []}),  # 7: a DPO pair
    ]
    assert conflicting_answers(lines) == [ConflictGroup((1, 3, 4), 2)]


def test_the_prompt_includes_the_system_message_and_the_tools():
    lines = [chat("q", "a"), chat("q", "b", system="be brief"), chat("q", "c", tools=TOOL),
             chat("q", "d", tools=TOOL)]
    assert conflicting_answers(lines) == [ConflictGroup((3, 4), 2)]


def test_describe_says_how_many_prompts_and_which_lines():
    groups = [ConflictGroup((1, 3), 2), ConflictGroup((2, 5, 9), 3)]
    assert describe(groups) == ("2 prompts have conflicting answers (kept, for you to "
                                "resolve): lines 1, 3; lines 2, 5, 9")
    assert describe(groups, shown=1).endswith("lines 1, 3; and 1 more prompt")
    assert describe([]) == ""


def test_dedupe_drops_exact_duplicates_and_reports_conflicts_in_the_new_versions_lines(
        tmp_path):
    from store import Store

    with Store(tmp_path / "t.db") as store:
        source = write_version(store, "caps", [
            chat("capital of Spain?", "Madrid"), chat("capital of Spain?", "Madrid"),
            chat("capital of France?", "Paris"), chat("capital of France?", "Lyon")])
        new, removed, conflicts = dedupe(store, source.id)
        assert removed == 1
        assert conflicts == [ConflictGroup((2, 3), 2)]  # lines of the deduplicated version
        kept = list(version_lines(store, new.id))
        assert len(kept) == 3 and "Lyon" in kept[2]  # both answers stay for the user
