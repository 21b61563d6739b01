"""The sandbox's documented prompt directives and reflection, over real HTTP."""

from __future__ import annotations

import asyncio
import json

from tests.evals.helpers import client
from tui.engines.directives import FIRST_WORD, LAST_WORD, LOWER, UPPER, propose


async def _ask(server, messages):
    async with client(server) as c:
        response = await c.chat.completions.create(model="sandbox-small", messages=messages)
    return response.choices[0].message.content


def test_the_system_prompt_shapes_the_answer_and_without_directives_nothing_changes(sandbox):
    question = {"role": "user", "content": "the capital is Paris."}

    def ask(system: str) -> str:
        return asyncio.run(_ask(sandbox, [{"role": "system", "content": system}, question]))

    assert ask("Be helpful.") == "the capital is Paris."
    assert ask(f"Be brief. {LAST_WORD} {UPPER}") == "PARIS"
    assert ask(FIRST_WORD.lower() + " answer in uppercase") == "THE"
    assert ask(LOWER) == "the capital is paris."


def test_reflection_proposes_the_directives_the_failures_call_for(sandbox):
    prompt = ("I provided an assistant with the following instructions:\n```\nBe helpful. "
              f"{UPPER}\n```\nExamples:\n```\n"
              "# Example 1\n## Inputs\nit is rome\n\n## Generated Outputs\nIT IS ROME\n\n"
              "## Reference\nrome\n\n## Feedback\nexact: failed\n\n"
              "# Example 2\n## Inputs\nsay oslo\n\n## Generated Outputs\nSAY OSLO\n\n"
              "## Reference\noslo\n\n## Feedback\nexact: failed\n```\n"
              "Provide the new instructions within ``` blocks.")
    answer = asyncio.run(_ask(sandbox, [{"role": "user", "content": prompt}]))
    # The conflicting case rule is replaced; the word rule the references need is added.
    assert answer == f"```\nBe helpful. {LAST_WORD} {LOWER}\n```"


def test_with_nothing_that_helps_the_instruction_comes_back_unchanged():
    assert propose("Be helpful.", [("abc", "xyz")]) == "Be helpful."
    assert propose("Be helpful.", [("Rome", "Rome")]) == "Be helpful."


def test_few_shot_examples_teach_a_format_the_system_prompt_can_override(sandbox):
    examples = [{"role": "user", "content": "it is lima"}, {"role": "assistant", "content": "LIMA"}]
    question = {"role": "user", "content": "the capital is Paris."}

    def ask(system: str) -> str:
        return asyncio.run(_ask(sandbox, [{"role": "system", "content": system}, *examples,
                                          question]))

    assert ask("Be helpful.") == "PARIS"  # the last word, upper-cased, as the example shows
    assert ask(f"Be helpful. {LOWER}") == "paris"  # the system prompt wins on case


def test_reflection_on_few_shot_examples_rewrites_their_answers_as_the_references_read(sandbox):
    shown = ("# Example 1\n## Inputs\nit is rome\n\n## Generated Outputs\nrome\n\n"
             "## Reference\nROME\n\n## Feedback\nexact: failed\n")

    def reflect(examples: list) -> list:
        prompt = f"Few-shot examples:\n```\n{json.dumps(examples)}\n```\n```\n{shown}```\n"
        answer = asyncio.run(_ask(sandbox, [{"role": "user", "content": prompt}]))
        assert answer.startswith("```\n") and answer.endswith("\n```")
        return json.loads(answer[4:-4])

    assert reflect([{"user": "say lima", "assistant": "lima"}]) == [
        {"user": "say lima", "assistant": "LIMA"}]
    # No examples yet: the shown inputs and references become the examples.
    assert reflect([]) == [{"user": "it is rome", "assistant": "ROME"}]
