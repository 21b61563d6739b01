"""The models an OpenAI-compatible API serves: GET /v1/models, read once.

The list is one page (the SDK's page has no next); it is still read through
`tui.core.pagination.one_page`, not the SDK's auto-paginator, so a model comes once
and a list past the item cap raises PaginationStopped like every provider list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tui.core.finetune.shapes import dump
from tui.core.pagination import one_page

if TYPE_CHECKING:
    from openai import AsyncOpenAI


async def served_models(client: AsyncOpenAI, count: Callable[[], None] | None = None
                        ) -> list[dict[str, Any]]:
    """Model dicts as GET /v1/models gives them (with `shutdown_date` where sent)."""

    async def page() -> Any:
        if count is not None:
            count()
        return await client.models.list()

    return [dump(m) for m in await one_page(page, what="listing models")]
