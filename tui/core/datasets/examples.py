"""Rules for one parsed example, per fine-tuning method: which format it is, what is wrong.

`check_example(obj, method)` returns the line's format and an `Example`
holding its errors and warnings, and `example_messages` the messages its
tokens are counted over.
"""

from __future__ import annotations

from tui.core.datasets.formats import DPO_KEYS, DPO_OBSOLETE_KEYS, SFT_KEYS, line_method
from tui.core.datasets.messages import (
    MAX_IMAGES,
    RFT_ROLES,
    SFT_ROLES,
    Example,
    check_message,
    check_messages,
    check_tools,
    json_type,
)
from tui.core.datasets.plain_chat import is_plain_chat

_METHOD_WORDS = {"supervised": "a supervised (chat)", "dpo": "a DPO", "reinforcement": "a reinforcement"}


def check_example(obj: object, method: str, *, method_source: str = "given",
                  check_special: bool = True) -> tuple[str, Example]:
    """Validate one parsed line against `method`; returns (format, findings)."""
    ex = Example(check_special)
    # Plain chat examples pass these rules with no finding at all (plain_chat.py): the
    # other ~9 µs of a line. Special tokens are the caller's pre-scan's: check_special off.
    if method == "supervised" and not check_special and is_plain_chat(obj):
        return "sft", ex
    if type(obj) is not dict:
        ex.err.append(("data_type", f"line: expected a JSON object, got {json_type(obj)}"))
        return "unknown", ex
    looks = line_method(obj)
    # Chat lines of either kind are checked by the method's rules; only DPO vs chat mismatches.
    if looks is not None and (looks == "dpo") != (method == "dpo"):
        ex.err.append(("method_mismatch",
                       f"line: {_METHOD_WORDS[looks]} example in a file for method {method} "
                       f"({method_source})"))
        return {"dpo": "dpo", "supervised": "sft", "reinforcement": "rft"}[looks], ex
    if method == "dpo":
        return _check_dpo(ex, obj)
    if "messages" not in obj:
        if "prompt" in obj or "completion" in obj:
            ex.err.append(("missing_messages_list",
                           "messages: missing (legacy prompt/completion examples are not accepted)"))
        else:
            ex.err.append(("missing_messages_list", "messages: missing"))
        return "unknown", ex
    if method == "reinforcement":
        return _check_rft(ex, obj)
    return _check_sft(ex, obj)


def _check_sft(ex: Example, obj: dict) -> tuple[str, Example]:
    for key in obj.keys() - SFT_KEYS:
        ex.err.append(("extra_top_level_key",
                       f"{key}: unrecognized top-level key (supervised examples take messages, "
                       "tools, parallel_tool_calls, functions)"))
    check_tools(ex, obj)
    if check_messages(ex, obj["messages"], "messages", SFT_ROLES, allow_weight=True):
        if ex.assistants == 0:
            ex.err.append(("example_missing_assistant_message",
                           "messages: no assistant message to train on"))
        elif ex.trainable == 0:
            ex.warn.append(("no_trainable_assistant_message",
                            "messages: every assistant message has weight 0"))
    _check_images(ex)
    return ("vision" if ex.images else "sft_tools" if ex.uses_tools else "sft"), ex


def _check_rft(ex: Example, obj: dict) -> tuple[str, Example]:
    check_tools(ex, obj)
    if check_messages(ex, obj["messages"], "messages", RFT_ROLES, allow_weight=False, rft=True):
        if ex.users == 0:
            ex.err.append(("rft_missing_user_message",
                           "messages: a reinforcement example needs a user message to answer"))
    _check_images(ex)
    return "rft", ex


def _check_dpo(ex: Example, obj: dict) -> tuple[str, Example]:
    for key in obj.keys() - DPO_KEYS:
        if key in DPO_OBSOLETE_KEYS:
            new = key.replace("completion", "output")
            ex.err.append(("extra_top_level_key", f"{key}: obsolete name; use {new}"))
        else:
            ex.err.append(("extra_top_level_key",
                           f"{key}: unrecognized top-level key (DPO examples take input, "
                           "preferred_output, non_preferred_output)"))
    for key in ("input", "preferred_output", "non_preferred_output"):
        if key not in obj:
            ex.err.append(("dpo_missing_key", f"{key}: missing"))
    inp = obj.get("input")
    if "input" in obj:
        if type(inp) is not dict:
            ex.err.append(("dpo_invalid_input",
                           f"input: expected an object with messages, got {json_type(inp)}"))
        else:
            for key in inp.keys() - {"messages", "tools", "parallel_tool_calls"}:
                ex.err.append(("dpo_invalid_input", f"input.{key}: unrecognized key"))
            check_tools(ex, inp, "input.")
            check_messages(ex, inp.get("messages"), "input.messages", SFT_ROLES, allow_weight=False)
    for key in ("preferred_output", "non_preferred_output"):
        if key in obj:
            _check_output(ex, obj[key], key)
    if (type(obj.get("preferred_output")) is list
            and obj.get("preferred_output") == obj.get("non_preferred_output")):
        ex.warn.append(("dpo_identical_outputs",
                        "non_preferred_output: identical to preferred_output (no preference to learn)"))
    _check_images(ex)
    return "dpo", ex


def _check_output(ex: Example, output: object, key: str) -> None:
    if type(output) is not list or len(output) != 1:
        got = f"{len(output)} messages" if type(output) is list else json_type(output)
        ex.err.append(("dpo_invalid_output", f"{key}: expected a list of one assistant message, got {got}"))
        if type(output) is not list:
            return
    for i, message in enumerate(output):
        if type(message) is dict and message.get("role") != "assistant":
            ex.err.append(("dpo_invalid_output",
                           f"{key}[{i}].role: must be 'assistant', got {message.get('role')!r}"))
        else:
            check_message(ex, message, f"{key}[{i}]", SFT_ROLES, allow_weight=False)


def _check_images(ex: Example) -> None:
    if ex.images > MAX_IMAGES:
        ex.err.append(("too_many_images", f"messages: {ex.images} images; at most {MAX_IMAGES} an example"))


def example_messages(obj: dict, fmt: str) -> list:
    """The messages an example's tokens are counted over (DPO: input, then both outputs)."""
    if fmt == "dpo":
        return [*obj["input"]["messages"], *obj["preferred_output"], *obj["non_preferred_output"]]
    return obj["messages"]
