"""Lines and files for the dataset tests."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

PNG_URL = "data:image/png;base64," + "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
GIF_URL = "data:image/gif;base64,R0lGODlhAQABAAAAACw="


def dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def chat(*messages: dict, **extra: object) -> dict:
    return {"messages": list(messages), **extra}


def user(content: object = "Hi", **extra: object) -> dict:
    return {"role": "user", "content": content, **extra}


def assistant(content: object = "Hello", **extra: object) -> dict:
    return {"role": "assistant", "content": content, **extra}


GOOD = dumps(chat(user(), assistant()))


def dpo(prompt: str = "Hi", good: object = "Hello!", bad: object = "Go away.", **extra) -> str:
    return dumps({"input": {"messages": [user(prompt)]}, "preferred_output": [assistant(good)],
                  "non_preferred_output": [assistant(bad)], **extra})


def rft(**extra) -> str:
    return dumps(chat({"role": "developer", "content": "Answer with a number."},
                      user("What is 6 * 7?"), **({"answer": "42"} | extra)))


def call(call_id: str = "c1", name: str = "lookup", arguments: object = '{"q": "x"}') -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]

# One line per supervised error category, each with exactly that one error.
SFT_ERROR_LINES: dict[str, str | bytes] = {
    "invalid_json": '{"messages": [',
    "invalid_utf8": b'{"messages": "\xff\xfe"}',
    "data_type": "[1, 2]",
    "missing_messages_list": dumps({"msgs": []}),
    "message_missing_key": dumps(chat({"content": "Hi"}, assistant())),
    "message_unrecognized_key": dumps(chat(user(foo=1), assistant())),
    "unrecognized_role": dumps(chat({"role": "bot", "content": "x"}, assistant())),
    "missing_content": dumps(chat(user(""), assistant())),
    "example_missing_assistant_message": dumps(chat(user())),
    "extra_top_level_key": dumps(chat(user(), assistant(), metadata={"id": 1})),
    "invalid_weight": dumps(chat(user(), assistant(weight=2))),
    "invalid_tool_message": dumps(chat(
        user(), assistant(None, tool_calls=[call("c1")]),
        {"role": "tool", "tool_call_id": "c2", "content": "42"}, assistant("It is 42."),
        tools=TOOLS)),
    "invalid_tool_calls": dumps(chat(user(), assistant(None, tool_calls=[call(arguments={})]),
                                     tools=TOOLS)),
    "invalid_tools": dumps(chat(user(), assistant(),
                                tools=[{"type": "function", "function": {"name": "bad name!"}}])),
    "invalid_content": dumps(chat(user(42), assistant())),
    "invalid_image": dumps(chat(user([{"type": "image_url", "image_url": {"url": "ftp://x/a.png"}}]),
                                assistant())),
    "too_many_images": dumps(chat(user([{"type": "image_url", "image_url": {"url": f"https://x/{i}.png"}}
                                        for i in range(11)]), assistant())),
    "image_in_assistant": dumps(chat(user(), assistant([{"type": "image_url",
                                                         "image_url": {"url": "https://x/a.png"}}]))),
    "special_token": dumps(chat(user("hello <|endoftext|>"), assistant())),
    "method_mismatch": dumps({"input": {"messages": [user()]},
                              "preferred_output": [assistant()],
                              "non_preferred_output": [assistant("No")]}),
}


def write_lines(path: Path, lines: list[str | bytes], newline: bytes = b"\n") -> Path:
    data = newline.join(line if isinstance(line, bytes) else line.encode("utf-8") for line in lines)
    path.write_bytes(data + newline)
    return path


def sft_error_file(path: Path) -> Path:
    """12 valid lines, a blank line, then one line per error category."""
    return write_lines(path, [GOOD] * 12 + [""] + list(SFT_ERROR_LINES.values()))


def run_validate(argv: list[str]) -> int:
    """`tunedeck validate …` through the subcommand's own register/func."""
    from tui.cli.validate import register

    parser = argparse.ArgumentParser(prog="tunedeck")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["validate", *argv])
    return args.func(args)


def slow_range(path: str, start: int, end: int, limit: int
               ) -> tuple[tuple[int, int], int, int]:
    """A chunk task for the scheduler's tests: sleeps a little, returns its range."""
    import os
    import random
    import time

    time.sleep(random.random() * 0.01)
    return (start, end), os.getpid(), 1
