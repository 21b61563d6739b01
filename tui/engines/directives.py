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

Reflection: a request whose text holds examples in the shape prompt
optimizers (GEPA) send — a ``` fenced current instruction, then sections
`## Generated Outputs` and `## Reference` per example — is answered with a new
instruction: the directives above that turn the most generated outputs into
their references (fewest directives on a tie), replacing the current
instruction's conflicting ones, in a ``` block. The proposal follows from the
outputs and references it is shown; with nothing that helps, it returns the
instruction unchanged.
"""

from __future__ import annotations

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


def apply(messages: list[dict[str, Any]], answer: str) -> str:
    """The answer as the system prompt's directives shape it."""
    return reshape(answer, rules_in(system_text(messages)))


# -- reflection ------------------------------------------------------------------

_FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.S)
_SECTION = re.compile(r"^## (Generated Outputs|Reference)\s*\n(.*?)(?=^#{1,2} |\Z)", re.M | re.S)


def _examples(text: str) -> list[tuple[str, str]]:
    """(generated output, reference) of each `# Example` block."""
    pairs = []
    for block in re.split(r"^# Example \d+\s*$", text, flags=re.M)[1:]:
        sections = {name: body.strip() for name, body in _SECTION.findall(block)}
        if "Generated Outputs" in sections and "Reference" in sections:
            pairs.append((sections["Generated Outputs"], sections["Reference"]))
    return pairs


def _combinations() -> list[list[str]]:
    words: list[str | None] = [None, *WORD_RULES]
    cases: list[str | None] = [None, *CASE_RULES]
    combos = [[r for r in (w, c) if r] for w in words for c in cases]
    return sorted(combos, key=len)  # stable: fewest directives first


def propose(instruction: str, pairs: list[tuple[str, str]]) -> str:
    """The instruction with the directives that best turn outputs into references."""
    best: list[str] = []
    best_hits = sum(1 for out, ref in pairs if out == ref)
    for combo in _combinations():
        hits = sum(1 for out, ref in pairs if reshape(out, combo) == ref)
        if hits > best_hits:
            best, best_hits = combo, hits
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
    pairs = _examples(text)
    if not pairs:
        return None
    return f"```\n{propose(fence.group(1).strip(), pairs)}\n```"


def respond(messages: list[dict[str, Any]], answer: str) -> str:
    """What a sandbox model says: a reflection's proposal, or its answer under directives."""
    reflected = reflection(messages)
    return reflected if reflected is not None else apply(messages, answer)
