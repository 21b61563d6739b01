"""Paginated reads from a provider that always end, and say so when the provider would not.

Every list tunedeck reads from a provider (jobs, job events, checkpoints,
files, evals, eval runs and their output items, batches) goes through
`Pager` instead of the SDK's auto-paginator, which follows `has_more` for as
long as the server says it. A misbehaving or hostile server (Prism serving
OpenAI's own spec answers every list with the same page and `has_more: true`)
made `tunedeck sync` send thousands of requests and never end.

`Pager` asks for one page at a time, passing the cursor itself (`after` = the
last item's id, as OpenAI's cursor pages do), yields each item once, and stops
when:

* the provider says there is no more (`has_more: false`): the normal end;
* a page holds only items already read (the same page again), or is empty
  while `has_more` is true, or its last id is the cursor just sent (the
  cursor did not advance);
* MAX_PAGES pages or MAX_ITEMS items were read and the provider still says
  `has_more` (a cursor that moves but never ends).

The last two raise `PaginationStopped` once the items read so far have been
handed out, so a caller that stores as it goes keeps them, and the message
says what happened ("the provider kept answering has_more with the same page;
stopped after 2 pages; kept what was read"). A server that omits `has_more`
is treated as the SDK treats it (perhaps more, while pages bring new items),
but since it never claimed more, a repeated page then ends the list quietly.

Providers page in other shapes too. A `PageShape` says how to read one: where its
items are, whether it claims more, which cursor asks for the next page and what
identifies an item. `OPENAI` is the default above; `token_pages` reads Google-style
pages (Fireworks: items under a named field, `nextPageToken` as the cursor, items
named by `name`): "has more" is a token, and the token not moving is the cursor not
advancing. The same stop rules apply. Lists a provider sends whole in one answer
(Together's jobs, files, events, checkpoints; GET /v1/models) are read with
`one_page`: one request, each item once, the item cap.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tui.core.wording import count_of

# The most one list may take. tunedeck asks for 100 items a page (files: the
# provider's default, up to 10,000), so 2,000 pages hold 200,000 jobs, events,
# checkpoints, evals, runs, output items or batches: far beyond a real
# account's, and at a few milliseconds a page a cursor that moves but never
# ends is given up on within seconds to a minute instead of never.
MAX_PAGES = 2_000
MAX_ITEMS = 1_000_000

# Why a list was stopped.
REPEATED, EMPTY, STUCK, PAGE_CAP, ITEM_CAP = "repeated", "empty", "stuck", "pages", "items"

KEPT = "kept what was read"


@dataclass(frozen=True)
class Limits:
    pages: int = MAX_PAGES
    items: int = MAX_ITEMS


class PaginationStopped(Exception):
    """A provider's list was cut short because the provider would not end it.

    `what` names the list ("jobs", "events of ftjob-…"), `reason` is one of
    REPEATED, EMPTY, STUCK, PAGE_CAP, ITEM_CAP, and `read` holds the items read
    when `Pager.collect` was used. `kept` says what the caller kept of them.
    """

    def __init__(self, what: str, reason: str, *, pages: int, items: int,
                 kept: str = KEPT) -> None:
        super().__init__(what, reason)
        self.what, self.reason, self.pages, self.items, self.kept = (
            what, reason, pages, items, kept)
        self.read: list[Any] = []

    def __str__(self) -> str:
        after = f"stopped after {count_of(self.pages, 'page')}"
        why = {
            REPEATED: "the provider kept answering has_more with the same page",
            EMPTY: "the provider answered has_more with an empty page",
            STUCK: "the provider answered has_more but its cursor did not advance",
            PAGE_CAP: f"the provider still answered has_more after {count_of(self.pages, 'page')}"
                      f", the most tunedeck reads of one list",
            ITEM_CAP: f"the list reached {count_of(self.items, 'item')}, the most tunedeck "
                      "reads of one list",
        }[self.reason]
        return f"{self.what}: {why}; {after}; {self.kept}"


Fetch = Callable[[str | None], Awaitable[Any]]


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _item_id(item: Any) -> str | None:
    value = _field(item, "id")
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class PageShape:
    """How to read one provider's pages.

    `items(page)`: the page's items; `more(page)`: True (it claims more), False (the
    end) or None (it does not say); `cursor(page, items)`: what to send for the next
    page; `key(item)`: what identifies an item (None: it cannot be told apart).
    """

    items: Callable[[Any], Any]
    more: Callable[[Any], Any]
    cursor: Callable[[Any, list[Any]], str | None]
    key: Callable[[Any], str | None] = _item_id


# OpenAI's cursor pages: `data`, `has_more`, and `after` = the last item's id.
OPENAI = PageShape(items=lambda page: _field(page, "data"),
                   more=lambda page: _field(page, "has_more"),
                   cursor=lambda page, data: _item_id(data[-1]) if data else None)


def token_pages(field_name: str, *, key: str = "name") -> PageShape:
    """Google-style pages (AIP-158): items under `field_name`, `nextPageToken` for more.

    Both the SDK's attribute names and the wire's (camelCase) are read. An empty token
    is the end. AIP-158 lets a page be empty while a token follows; a provider doing
    that is told apart from one stuck at its end only by the cap, so it is stopped as
    EMPTY (said, with what was read kept) rather than followed for 2,000 pages.
    """

    def token(page: Any) -> str | None:
        value = _field(page, "next_page_token") or _field(page, "nextPageToken")
        return value if isinstance(value, str) and value else None

    def ident(item: Any) -> str | None:
        value = _field(item, key)
        return value if isinstance(value, str) and value else None

    return PageShape(items=lambda page: _field(page, field_name),
                     more=lambda page: token(page) is not None,
                     cursor=lambda page, data: token(page), key=ident)


class Pager:
    """Async iterator over the items of a provider's list, one page at a time.

    `fetch(cursor)` returns one page (an object or dict with `data` and
    `has_more`, or as `shape` says); the cursor is None for the first page, then
    what the shape names (OpenAI: the id to pass as `after`). Use
    `async for item in Pager(...)`, or `await pager.collect()`.
    """

    def __init__(self, fetch: Fetch, *, what: str, limits: Limits | None = None,
                 shape: PageShape = OPENAI) -> None:
        self.fetch, self.what, self.shape = fetch, what, shape
        self.limits = limits or Limits(MAX_PAGES, MAX_ITEMS)
        self.pages = 0  # pages requested so far
        self.items = 0  # distinct items handed out so far
        self._cursor: str | None = None
        self._seen: set[str] = set()
        self._buffer: deque[Any] = deque()
        self._done = False
        self._stop: PaginationStopped | None = None

    def __aiter__(self) -> Pager:
        return self

    async def __anext__(self) -> Any:
        while not self._buffer:
            if self._stop is not None:
                stop, self._stop = self._stop, None
                self._done = True
                raise stop
            if self._done:
                raise StopAsyncIteration
            await self._read_page()
        return self._buffer.popleft()

    async def collect(self) -> list[Any]:
        """Every item; on PaginationStopped the exception's `read` holds what arrived."""
        out: list[Any] = []
        try:
            async for item in self:
                out.append(item)
        except PaginationStopped as stop:
            stop.read = out
            raise
        return out

    def _stopped(self, reason: str) -> None:
        self._stop = PaginationStopped(self.what, reason, pages=self.pages, items=self.items)

    async def _read_page(self) -> None:
        page = await self.fetch(self._cursor)
        self.pages += 1
        data = list(self.shape.items(page) or [])
        has_more = self.shape.more(page)
        fresh = 0
        for item in data:
            key = self.shape.key(item)
            if key is not None:
                if key in self._seen:
                    continue
                self._seen.add(key)
            if self.items >= self.limits.items:
                self._stopped(ITEM_CAP)
                return
            self._buffer.append(item)
            self.items += 1
            fresh += 1
        claimed = has_more is True
        if not (claimed or has_more is None) or not data:
            # The end as the provider tells it. An empty page ends a list that never
            # claimed more; one that did claim more is a provider stuck at its end.
            self._done = True
            if claimed and not data:
                self._stopped(EMPTY)
            return
        cursor = self.shape.cursor(page, data)
        if not fresh or cursor is None or cursor == self._cursor:
            # Nothing new: without has_more this is a server that ignores `after` (its
            # first page was everything); with it, a provider that would loop us forever.
            self._done = True
            if claimed:
                self._stopped(REPEATED if not fresh else STUCK)
            return
        if self.pages >= self.limits.pages:
            self._done = True
            self._stopped(PAGE_CAP)
            return
        self._cursor = cursor


def _whole(items: Callable[[Any], Any], key: Callable[[Any], str | None]) -> PageShape:
    return PageShape(items=items, more=lambda page: False, cursor=lambda page, data: None,
                     key=key)


async def one_page(fetch: Callable[[], Awaitable[Any]], *, what: str,
                   items: Callable[[Any], Any] = OPENAI.items,
                   key: Callable[[Any], str | None] = _item_id,
                   limits: Limits | None = None) -> list[Any]:
    """The items of a list the provider sends whole, in one answer (no cursor to send).

    One request; each item once (by `key`); PaginationStopped (ITEM_CAP) past the
    item cap, its `read` holding what was kept.
    """

    async def fetch_page(cursor: str | None) -> Any:
        return await fetch()

    return await Pager(fetch_page, what=what, limits=limits, shape=_whole(items, key)).collect()


_PLAIN_ID = re.compile(r"[A-Za-z0-9_.:-]{1,80}")


def safe_id(value: Any, instead: str) -> str:
    """A provider's id for a message, or `instead` when it is not a plain id.

    Ids come from the provider: one made of markup or control characters must not
    reach a notification or a terminal through a message about that provider.
    """
    return value if isinstance(value, str) and _PLAIN_ID.fullmatch(value) else instead


def cursor_kwargs(cursor: str | None, **params: Any) -> dict[str, Any]:
    """The keyword arguments for one list call: `params`, plus `after` when paging on."""
    return {**params, "after": cursor} if cursor else dict(params)
