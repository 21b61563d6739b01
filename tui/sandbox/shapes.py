"""Wire shapes built from the openai SDK's own types, ids, and list pagination.

Every object the sandbox returns goes through `dump`, which validates it
against the SDK model and serializes with the API's field names: a field the
SDK does not know, or a wrong type, fails loudly here instead of in a client.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from tui.sandbox.errors import bad_request


# Open-set fields: the API sends values the SDK's Literal types do not list yet
# (a `paused` job, an `evals` file): validated with a placeholder, then restored.
def dump(model: type[BaseModel], data: dict[str, Any], *, open_fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validate `data` as `model` and return its JSON-ready dict (API names).

    Only if strict validation fails are the `open_fields` swapped for placeholders
    (then restored), so everything else is still checked against the SDK type.
    """
    public = {k: v for k, v in data.items() if not k.startswith("_")}
    try:
        return model.model_validate(public).model_dump(mode="json", by_alias=True)
    except ValidationError:
        if not open_fields:
            raise
    restore = {name: public[name] for name in open_fields if name in public}
    out = model.model_validate({**public, **{k: open_fields[k] for k in restore}}).model_dump(
        mode="json", by_alias=True
    )
    out.update(restore)
    return out


def new_id(prefix: str, sep: str = "-") -> str:
    return f"{prefix}{sep}{secrets.token_hex(12)}"


def now() -> int:
    return int(time.time())


def page(
    items: Sequence[dict[str, Any]],
    *,
    after: str | None,
    limit: int | None,
    serialize: Callable[[dict[str, Any]], dict[str, Any]],
    default_limit: int = 20,
    max_limit: int = 10_000,
) -> dict[str, Any]:
    """One page of an already-ordered sequence, cursor = the id of the last item seen.

    `has_more` is always present: the SDK's auto-paginator stops only on False.
    """
    limit = default_limit if limit is None else limit
    if limit < 1 or limit > max_limit:
        raise bad_request(f"limit must be between 1 and {max_limit}", "limit")
    start = 0
    if after:
        ids = [item["id"] for item in items]
        if after not in ids:
            # An unknown cursor ends the listing rather than restarting it (no loops).
            return {"object": "list", "data": [], "has_more": False, "first_id": None, "last_id": None}
        start = ids.index(after) + 1
    chunk = list(items[start : start + limit])
    data = [serialize(item) for item in chunk]
    return {
        "object": "list",
        "data": data,
        "has_more": start + limit < len(items),
        "first_id": chunk[0]["id"] if chunk else None,
        "last_id": chunk[-1]["id"] if chunk else None,
    }


def int_param(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"Invalid '{name}': expected an integer, got {value!r}", name) from None


def newest_first(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stable newest-first order: created_at then insertion order, both reversed."""
    return list(reversed(list(items)))
