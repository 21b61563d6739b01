"""What the sandbox's models take from a system prompt, and how they reflect on failures.

Directives: a sandbox model's answer (its echo, or a fine-tune's nearest
example) is reshaped by these sentences when the system or developer messages
contain them (case-insensitive, anywhere in the text):

    "Answer with the first word only."   keep the first word
    "Answer with the last word only."    keep the last word (trailing punctuation dropped)
    "Answer in uppercase."               upper-case the answer
    "Answer in lowercase."               lower-case the answer

Word selection applies before case. So a prompt that fails an eval can be
repaired by editing it, as with a real model, deterministically.

Few-shot examples: the user/assistant turns before the last user message teach
a format. The directives that turn the most example questions into their
answers (fewest on a tie; none unless they beat the answers as they are) apply
too, where the system prompt sets no rule of the same kind (word, case): the
system prompt wins a conflict.

Reflection: a request whose text holds examples in the shape prompt
optimizers (GEPA) send — a ``` fenced current instruction, then sections
`## Generated Outputs` and `## Reference` per example — is answered with a new
instruction: the directives above that turn the most generated outputs into
their references (fewest directives on a tie), replacing the current
instruction's conflicting ones, in a ``` block. The proposal follows from the
outputs and references it is shown; with nothing that helps, it returns the
instruction unchanged. When the fenced text is a JSON list of {"user",
"assistant"} examples (few-shot examples being optimized), the answer is that
list with each example's answer rewritten by the directives that turn the most
shown `## Inputs` into their references; a list with no examples gains the shown
inputs and references (three at most) as examples.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from tui.engines.text import content_text

_WORD = re.compile(r"\w[\w'-]*")

FIRST_WORD = "Answer with the first word only."
LAST_WORD = "Answer with the last word only."
UPPER = "Answer in uppercase."
LOWER = "Answer in lowercase."
WORD_RULES = (FIRST_WORD, LAST_WORD)
CASE_RULES = (UPPER, LOWER)


def _first(text: str) -> str:
    found = _WORD.search(text)
    return found.group(0) if found else text


def _last(text: str) -> str:
    found = _WORD.findall(text)
    return found[-1] if found else text


_TRANSFORMS: dict[str, Callable[[str], str]] = {
    FIRST_WORD: _first, LAST_WORD: _last, UPPER: str.upper, LOWER: str.lower,
}


def rules_in(instruction: str) -> list[str]:
    """The directives an instruction contains, word rules first (the order they apply)."""
    folded = instruction.lower()
    found = [rule for rule in (*WORD_RULES, *CASE_RULES) if rule.lower().rstrip(".") in folded]
    return found


def reshape(text: str, rules: list[str]) -> str:
    for rule in rules:
        text = _TRANSFORMS[rule](text)
    return text


def system_text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(content_text(m.get("content")) for m in messages
                     if isinstance(m, dict) and m.get("role") in ("system", "developer"))


def _best_rules(pairs: list[tuple[str, str]]) -> list[str]:
    """The fewest directives that turn the most firsts into seconds, if any beats none."""
    best: list[str] = []
    if not pairs:  # no examples: no combination can beat none (the common request)
        return best
    best_hits = sum(1 for before, after in pairs if before == after)
    for combo in _combinations():
        hits = sum(1 for before, after in pairs if reshape(before, combo) == after)
        if hits > best_hits:
            best, best_hits = combo, hits
    return best


def example_pairs(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(user, assistant) of each example turn before the last user message."""
    users = [i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "user"]
    if not users:
        return []
    before = messages[:users[-1]]
    return [(content_text(m.get("content")), content_text(nxt.get("content")))
            for m, nxt in zip(before, before[1:], strict=False)
            if isinstance(m, dict) and isinstance(nxt, dict)
            and m.get("role") == "user" and nxt.get("role") == "assistant"]


def _kind(rule: str) -> tuple[str, ...]:
    return WORD_RULES if rule in WORD_RULES else CASE_RULES


def apply(messages: list[dict[str, Any]], answer: str) -> str:
    """The answer as the system prompt's directives and the few-shot examples shape it."""
    rules = rules_in(system_text(messages))
    learned = [r for r in _best_rules(example_pairs(messages))
               if not any(own in _kind(r) for own in rules)]
    ordered = [r for r in (*WORD_RULES, *CASE_RULES) if r in rules or r in learned]
    return reshape(answer, ordered)


# -- reflection ------------------------------------------------------------------

_FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.S)
_SECTION = re.compile(r"^## (Inputs|Generated Outputs|Reference)\s*\n(.*?)(?=^#{1,2} |\Z)",
                      re.M | re.S)


def _sections(text: str) -> list[dict[str, str]]:
    return [{name: body.strip() for name, body in _SECTION.findall(block)}
            for block in re.split(r"^# Example \d+\s*$", text, flags=re.M)[1:]]


def _examples(text: str) -> list[tuple[str, str]]:
    """(generated output, reference) of each `# Example` block."""
    return [(s["Generated Outputs"], s["Reference"]) for s in _sections(text)
            if "Generated Outputs" in s and "Reference" in s]


def _few_shot(instruction: str) -> list[dict[str, str]] | None:
    """The fenced text as few-shot examples, when it is a JSON list of them."""
    try:
        data = json.loads(instruction)
    except ValueError:
        return None
    if isinstance(data, list) and all(
            isinstance(e, dict) and isinstance(e.get("user"), str)
            and isinstance(e.get("assistant"), str) for e in data):
        return data
    return None


def propose_examples(examples: list[dict[str, str]], text: str) -> list[dict[str, str]]:
    """The examples with their answers in the format the shown references take."""
    shown = [(s["Inputs"], s["Reference"]) for s in _sections(text)
             if "Inputs" in s and "Reference" in s]
    if not examples:
        return [{"user": q, "assistant": ref} for q, ref in shown[:3]]
    rules = _best_rules(shown)
    if not rules:
        return examples
    return [{"user": e["user"], "assistant": reshape(e["user"], rules)} for e in examples]


def _combinations() -> list[list[str]]:
    words: list[str | None] = [None, *WORD_RULES]
    cases: list[str | None] = [None, *CASE_RULES]
    combos = [[r for r in (w, c) if r] for w in words for c in cases]
    return sorted(combos, key=len)  # stable: fewest directives first


def propose(instruction: str, pairs: list[tuple[str, str]]) -> str:
    """The instruction with the directives that best turn outputs into references."""
    best = _best_rules(pairs)
    if not best:
        return instruction
    kept = instruction
    replaced = [r for r in rules_in(instruction)
                if (r in CASE_RULES and any(b in CASE_RULES for b in best))
                or (r in WORD_RULES and any(b in WORD_RULES for b in best))]
    for rule in replaced:
        kept = re.sub(re.escape(rule.rstrip(".")) + r"\.?", "", kept, flags=re.I)
    current = rules_in(kept)
    added = [r for r in best if r not in current]
    return " ".join(part for part in (kept.strip(), *added) if part)


def reflection(messages: list[dict[str, Any]]) -> str | None:
    """A reflection request's answer (a new instruction in a ``` block), or None."""
    users = [content_text(m.get("content")) for m in messages
             if isinstance(m, dict) and m.get("role") == "user"]
    text = users[-1] if users else ""
    if "## Generated Outputs" not in text or "## Reference" not in text:
        return None
    fence = _FENCE.search(text)
    if fence is None:
        return None
    examples = _few_shot(fence.group(1).strip())
    if examples is not None:
        proposed = propose_examples(examples, text)
        return "```\n" + json.dumps(proposed, ensure_ascii=False, indent=1) + "\n```"
    pairs = _examples(text)
    if not pairs:
        return None
    return f"```\n{propose(fence.group(1).strip(), pairs)}\n```"


def respond(messages: list[dict[str, Any]], answer: str) -> str:
    """What a sandbox model says: a reflection's proposal, or its answer under directives."""
    reflected = reflection(messages)
    return reflected if reflected is not None else apply(messages, answer)
