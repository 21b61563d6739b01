"""What the Playground's compose fields mean, read from their raw text.

The pane holds inputs (models, variables, sampling numbers, a JSON schema, the system
and user messages); this module turns their text into the values a run needs, with
the error a user sees when a field does not parse. Headless, so the reading rules
(comma-separated models, "name=value; …" variables, blank means unset) are tested
without a screen.
"""

from __future__ import annotations

import json
from typing import Any

from tui.core.playground.runner import RunParams

MAX_COMPARE = 4  # models run side by side at most


def parse_models(raw: str) -> list[str]:
    """Comma-separated model ids, blanks dropped, at most MAX_COMPARE."""
    return [m.strip() for m in raw.split(",") if m.strip()][:MAX_COMPARE]


def parse_variables(raw: str) -> dict[str, str]:
    """"name=value; name=value": a pair without "=" or without a name is ignored."""
    values: dict[str, str] = {}
    for pair in raw.split(";"):
        name, sep, value = pair.partition("=")
        if sep and name.strip():
            values[name.strip()] = value.strip()
    return values


def prompt_messages(system: str, turns: list[dict[str, Any]],
                    user: str) -> list[dict[str, Any]]:
    """The prompt as saved: the system message, earlier turns, then the user's message
    (a blank system or user message is left out; variables stay as {{name}})."""
    messages: list[dict[str, Any]] = []
    if system.strip():
        messages.append({"role": "system", "content": system.strip()})
    messages.extend(turns)
    if user.strip():
        messages.append({"role": "user", "content": user.strip()})
    return messages


def parse_number(field: str, raw: str, kind: type) -> Any:
    """A sampling number; blank is None (the provider's default). ValueError names the field."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{field} must be a number, not {raw!r}") from None


def parse_params(*, temperature: str, top_p: str, max_tokens: str, seed: str,
                 effort: str | None, schema: str) -> RunParams:
    """The run's parameters from the fields' text; ValueError says which field is wrong."""
    schema = schema.strip()
    try:
        json_schema = json.loads(schema) if schema else None
    except json.JSONDecodeError as exc:
        raise ValueError(f"the JSON schema is not valid JSON: {exc}") from None
    return RunParams(
        temperature=parse_number("temperature", temperature, float),
        top_p=parse_number("top-p", top_p, float),
        max_output_tokens=parse_number("max-tokens", max_tokens, int),
        seed=parse_number("seed", seed, int),
        reasoning_effort=effort,
        json_schema=json_schema,
    )
