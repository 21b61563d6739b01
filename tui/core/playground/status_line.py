"""The Playground's status line as parts: prompt, tokens, variables, shutdowns.

Headless, so what the line says is tested without a screen. The prompt's name, its
variables' names and model ids may come from data, so the line is (text, style) parts
for `tui.ui_text.styled`, never markup; a variable with no value yet is red.
"""

from __future__ import annotations

from typing import Any

Part = str | tuple[str, str]


def status_parts(prompt_name: str, tokens: int | None, names: list[str],
                 missing: list[str]) -> list[Part]:
    """"prompt NAME · N tokens · variables: a, b" (missing variables in red)."""
    parts: list[Part] = ["prompt ", (prompt_name, "b")]
    if tokens is not None:
        parts.append(f" · {tokens:,} tokens")
    if names:
        parts.append(" · variables: ")
        for index, name in enumerate(names):
            parts += [", "] if index else []
            parts.append((name, "red") if name in missing else name)
    return parts


def shutdown_parts(store: Any, profile: str, models: list[str]) -> list[Part]:
    """" · MODEL retires YYYY-MM-DD" for each chosen model with an announced shutdown
    (a fine-tune's comes from its base): what to retrain before it stops answering."""
    from tui.core.retirement import shutdown_note, shutdown_of

    parts: list[Part] = []
    for model in models:
        note = shutdown_note(shutdown_of(store, profile, model)[0])
        if note:
            parts += [" · ", model, note]
    return parts
