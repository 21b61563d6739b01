"""Keeping API keys out of anything we show or write."""

from __future__ import annotations

import os
import re

from tui.core.config import Settings

# Shapes of keys we may meet in text a server or SDK echoes back.
_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,}|[A-Fa-f0-9]{32})\b")


def known_key_values(settings: Settings | None = None) -> list[str]:
    names = {"OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"}
    if settings is not None:
        names |= {p.api_key_env for p in settings.profiles.values()}
    values = [os.environ.get(n, "") for n in names]
    return [v for v in values if len(v) >= 6]


def redact(text: str, settings: Settings | None = None) -> str:
    """Replace every known key value, and anything shaped like a key, with a marker."""
    for value in known_key_values(settings):
        text = text.replace(value, "[redacted]")
    return _KEY_PATTERN.sub("[redacted]", text)
