"""The user's own OpenAI stored chat completions as distillation prompts.

`chat.completions.list` (filtered by metadata, optionally by model, paged with
`after`) finds the completions; `chat.completions.messages.list` gives each one's
input messages. Each becomes an SFT line: the input messages and the answer the
completion gave (the line's own reference). The lines are written as a version of
a dataset (an identical import finds the same version), which the distillation
then reads like any other: the lineage names that version.
"""

from __future__ import annotations

import json
from typing import Any

PAGE = 100


def parse_metadata(text: str) -> dict[str, str]:
    """`key=value, key2=value2` → the stored completions' metadata filter."""
    pairs: dict[str, str] = {}
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"metadata filter {part!r}: write key=value")
        pairs[key.strip()] = value.strip()
    return pairs


def _message(m: Any) -> dict[str, Any]:
    data = m.model_dump(exclude_none=True) if hasattr(m, "model_dump") else dict(m)
    content = data.get("content")
    if content is None and data.get("content_parts"):
        content = data["content_parts"]
    out: dict[str, Any] = {"role": data.get("role"), "content": content}
    for key in ("name", "tool_calls", "tool_call_id"):
        if data.get(key):
            out[key] = data[key]
    return out


async def _all(list_page: Any) -> list[Any]:
    items, after = [], None
    while True:
        page = await list_page(after)
        items += page.data
        if not page.has_more or not page.data:
            return items
        after = page.data[-1].id


async def stored_lines(client: Any, metadata: dict[str, str], *, model: str | None = None,
                       limit: int | None = None) -> list[str]:
    """SFT lines of the stored completions that match every metadata pair (oldest first)."""
    def completions(after: str | None) -> Any:
        kwargs: dict[str, Any] = {"limit": PAGE, "order": "asc"}
        if metadata:
            kwargs["metadata"] = metadata
        if model:
            kwargs["model"] = model
        if after:
            kwargs["after"] = after
        return client.chat.completions.list(**kwargs)

    found = await _all(completions)
    lines: list[str] = []
    for completion in found[:limit] if limit else found:
        def messages(after: str | None, cid: str = completion.id) -> Any:
            kwargs: dict[str, Any] = {"limit": PAGE, "order": "asc"}
            if after:
                kwargs["after"] = after
            return client.chat.completions.messages.list(cid, **kwargs)

        asked = [_message(m) for m in await _all(messages)]
        answer = completion.choices[0].message.content if completion.choices else None
        if not any(m["role"] == "user" for m in asked):
            continue
        tail = [{"role": "assistant", "content": answer}] if answer else []
        lines.append(json.dumps({"messages": [*asked, *tail]}, ensure_ascii=False))
    return lines


def dataset_name(metadata: dict[str, str]) -> str:
    tag = ",".join(f"{k}={v}" for k, v in sorted(metadata.items()))
    return f"stored-completions[{tag}]" if tag else "stored-completions"


async def import_stored(store: Any, profile: Any, metadata: dict[str, str], *,
                        model: str | None = None, limit: int | None = None) -> int:
    """Import the matching stored completions as a dataset version; its id."""
    from tui.core.dataset_versions import write_version
    from tui.core.distill.distiller import DistillError
    from tui.core.evals.service import client_for

    async with client_for(profile) as client:
        lines = await stored_lines(client, metadata, model=model, limit=limit)
    if not lines:
        filt = ", ".join(f"{k}={v}" for k, v in metadata.items()) or "no filter"
        raise DistillError(f"no stored chat completion on {profile.name} matches ({filt})")
    return write_version(store, dataset_name(metadata), lines,
                         note=f"stored chat completions on {profile.name}").id
