"""OpenAI's object shapes as plain dicts, and small helpers the adapters share."""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime
from typing import Any

# OpenAI's job statuses; adapters map theirs onto these (others are kept as they came).
STATUSES = ("validating_files", "queued", "running", "paused", "succeeded", "failed",
            "cancelled")


def dump(obj: Any) -> dict[str, Any]:
    """An SDK object (or a dict) as a JSON-ready dict with the API's field names."""
    if isinstance(obj, dict):
        return obj
    # Unknown status strings ("paused", future ones) are kept as they came.
    return obj.model_dump(mode="json", warnings=False)


def wire(obj: Any) -> dict[str, Any]:
    """A together/fireworks SDK object as the provider sent it (its aliases: camelCase)."""
    if isinstance(obj, dict):
        return obj
    return obj.model_dump(mode="json", warnings=False, by_alias=True, exclude_unset=False)


def epoch(value: Any) -> int | None:
    """Seconds since the epoch from an int, an ISO-8601 string or a datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, datetime):
        return int(value.timestamp())
    text = str(value).strip().replace("Z", "+00:00")
    try:
        return int(datetime.fromisoformat(text).timestamp())
    except ValueError:
        return None


def stable_id(prefix: str, *parts: Any) -> str:
    """An id made from what identifies an object, for providers whose events have none:
    the same event always gets the same id, so the store never keeps it twice."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:20]
    return f"{prefix}-{digest}"


def decode_result(raw: bytes) -> str:
    """The result CSV as text; the provider may send it base64-encoded."""
    text = raw.decode("utf-8", errors="replace")
    first = text.strip().split("\n", 1)[0]
    if not first or "," in first:
        return text
    try:
        decoded = base64.b64decode("".join(text.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return text
    return decoded


def metrics_csv(steps: list[dict[str, Any]]) -> str:
    """A per-step CSV in OpenAI's result-file columns, for providers that write none."""
    import csv
    import io

    columns = ("step", "train_loss", "train_mean_token_accuracy", "valid_loss",
               "valid_mean_token_accuracy")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in steps:
        writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return buffer.getvalue()


class SeenEvents:
    """"Events after the cursor" for providers whose event lists have no order to page by.

    Together's and Fireworks' events (with made-up metrics events) cannot be cut at a
    cursor: new ones can sort before old ones. The first look at a job in this process
    returns all it has (the store keeps each event once); later looks only what this
    adapter has not returned before.
    """

    def __init__(self) -> None:
        self._seen: dict[str, set[str]] = {}

    def new(self, job_id: str, events: list[dict[str, Any]], since: str | None
            ) -> list[dict[str, Any]]:
        seen = self._seen.get(job_id)
        out = events if seen is None or since is None else [
            e for e in events if e["id"] not in seen]
        self._seen.setdefault(job_id, set()).update(e["id"] for e in events)
        return out
