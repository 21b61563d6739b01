"""Inline completion for path inputs: the tail `complete_path` proposes, shown greyed.

The listing runs in a thread: a stalled network mount must not freeze typing. No
cache, since the folder can change between keystrokes (a file just written).
"""

from __future__ import annotations

import asyncio

from textual.suggester import Suggester

from tui.core.path_completion import complete_path


class PathSuggester(Suggester):
    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return await asyncio.to_thread(complete_path, value)
