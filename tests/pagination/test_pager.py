"""The one pager every provider list goes through: it ends, and says why when it had to."""

from __future__ import annotations

import pytest

from tui.core.pagination import (
    EMPTY,
    ITEM_CAP,
    PAGE_CAP,
    REPEATED,
    STUCK,
    Limits,
    Pager,
    PaginationStopped,
    one_page,
    safe_id,
    token_pages,
)


def server(pages: dict[str | None, dict]):
    """fetch(cursor) answering from `pages` (keyed by the `after` sent), counting requests."""
    sent: list[str | None] = []

    async def fetch(cursor: str | None) -> dict:
        sent.append(cursor)
        return pages[cursor]

    return fetch, sent


def items(*ids: str) -> list[dict]:
    return [{"id": i} for i in ids]


async def test_an_honest_list_is_read_to_its_end_once():
    fetch, sent = server({None: {"data": items("a", "b"), "has_more": True},
                          "b": {"data": items("c"), "has_more": False}})
    assert [i["id"] for i in await Pager(fetch, what="jobs").collect()] == ["a", "b", "c"]
    assert sent == [None, "b"]


async def test_the_same_page_again_stops_after_two_requests_keeping_the_first():
    page = {"data": items("a", "b"), "has_more": True}
    fetch, sent = server({None: page, "b": page})
    pager = Pager(fetch, what="listing jobs")
    with pytest.raises(PaginationStopped) as caught:
        await pager.collect()
    assert caught.value.reason == REPEATED and sent == [None, "b"]
    assert [i["id"] for i in caught.value.read] == ["a", "b"]
    assert str(caught.value) == ("listing jobs: the provider kept answering has_more with the same "
                                 "page; stopped after 2 pages; kept what was read")


async def test_items_read_before_the_stop_are_handed_out_before_it_is_raised():
    page = {"data": items("a", "b"), "has_more": True}
    fetch, _ = server({None: page, "b": page})
    got: list[str] = []
    with pytest.raises(PaginationStopped):
        async for item in Pager(fetch, what="files"):
            got.append(item["id"])  # a caller that stores as it goes keeps these
    assert got == ["a", "b"]


async def test_an_empty_page_that_claims_more_and_a_cursor_that_does_not_move():
    fetch, sent = server({None: {"data": [], "has_more": True}})
    with pytest.raises(PaginationStopped) as caught:
        await Pager(fetch, what="batches").collect()
    assert caught.value.reason == EMPTY and sent == [None]
    assert "answered has_more with an empty page; stopped after 1 page;" in str(caught.value)
    # The page brings a new item but ends on the cursor just sent: asking again is futile.
    fetch, sent = server({None: {"data": items("a", "b"), "has_more": True},
                          "b": {"data": items("c", "b"), "has_more": True}})
    with pytest.raises(PaginationStopped) as caught:
        await Pager(fetch, what="events").collect()
    assert caught.value.reason == STUCK and [i["id"] for i in caught.value.read] == ["a", "b", "c"]


async def test_a_cursor_that_moves_for_ever_stops_at_the_page_and_item_caps():
    async def endless(cursor: str | None) -> dict:
        n = 0 if cursor is None else int(cursor) + 1
        return {"data": [{"id": str(n)}], "has_more": True}

    with pytest.raises(PaginationStopped) as caught:
        await Pager(endless, what="evals", limits=Limits(pages=5)).collect()
    assert caught.value.reason == PAGE_CAP and caught.value.pages == 5
    assert len(caught.value.read) == 5
    assert "still answered has_more after 5 pages, the most tunedeck reads" in str(caught.value)
    with pytest.raises(PaginationStopped) as caught:
        await Pager(endless, what="evals", limits=Limits(items=3)).collect()
    assert caught.value.reason == ITEM_CAP and len(caught.value.read) == 3


async def test_the_default_caps_end_an_endless_list():
    from tui.core import pagination

    sent = 0

    async def endless(cursor: str | None) -> dict:
        nonlocal sent
        sent += 1
        return {"data": [{"id": f"{sent}-{k}"} for k in range(3)], "has_more": True}

    with pytest.raises(PaginationStopped) as caught:
        await Pager(endless, what="listing files").collect()
    assert caught.value.reason == PAGE_CAP and sent == pagination.MAX_PAGES
    assert len(caught.value.read) == 3 * pagination.MAX_PAGES


async def test_a_server_that_never_says_has_more_and_ignores_after_ends_quietly():
    page = {"data": items("a", "b")}  # no has_more: the SDK would ask again, and again
    fetch, sent = server({None: page, "b": page})
    assert [i["id"] for i in await Pager(fetch, what="files").collect()] == ["a", "b"]
    assert sent == [None, "b"]


async def test_a_partly_repeated_page_yields_only_what_is_new():
    fetch, _ = server({None: {"data": items("a", "b"), "has_more": True},
                       "b": {"data": items("b", "c"), "has_more": False}})
    assert [i["id"] for i in await Pager(fetch, what="runs").collect()] == ["a", "b", "c"]


def jobs(*names: str) -> list[dict]:
    return [{"name": f"accounts/a/supervisedFineTuningJobs/{n}"} for n in names]


SHAPE = token_pages("supervisedFineTuningJobs")


async def test_page_tokens_are_followed_to_an_empty_token():
    fetch, sent = server({
        None: {"supervisedFineTuningJobs": jobs("a", "b"), "nextPageToken": "t1"},
        "t1": {"supervisedFineTuningJobs": jobs("c"), "nextPageToken": ""}})
    got = await Pager(fetch, what="jobs", shape=SHAPE).collect()
    assert [j["name"].rsplit("/", 1)[1] for j in got] == ["a", "b", "c"]
    assert sent == [None, "t1"]


async def test_page_tokens_go_through_the_same_stop_rules():
    # The same page and token again: repeated.
    page = {"supervisedFineTuningJobs": jobs("a"), "nextPageToken": "t"}
    fetch, sent = server({None: page, "t": page})
    with pytest.raises(PaginationStopped) as caught:
        await Pager(fetch, what="listing jobs", shape=SHAPE).collect()
    assert caught.value.reason == REPEATED and sent == [None, "t"]
    # New items, but the token sent comes back: the cursor does not move.
    fetch, sent = server({
        None: {"supervisedFineTuningJobs": jobs("a"), "nextPageToken": "t"},
        "t": {"supervisedFineTuningJobs": jobs("b"), "nextPageToken": "t"}})
    with pytest.raises(PaginationStopped) as caught:
        await Pager(fetch, what="listing jobs", shape=SHAPE).collect()
    assert caught.value.reason == STUCK and len(caught.value.read) == 2
    # An empty page with a token.
    fetch, _ = server({None: {"supervisedFineTuningJobs": [], "nextPageToken": "t"}})
    with pytest.raises(PaginationStopped) as caught:
        await Pager(fetch, what="listing jobs", shape=SHAPE).collect()
    assert caught.value.reason == EMPTY

    # A token that moves for ever: the page cap. SDK objects (attributes) read as dicts do.
    class Page:
        def __init__(self, n: int) -> None:
            self.supervised_fine_tuning_jobs = [type("J", (), {"name": f"j{n}"})()]
            self.next_page_token = f"t{n}"

    async def endless(token: str | None) -> Page:
        return Page(0 if token is None else int(token[1:]) + 1)

    with pytest.raises(PaginationStopped) as caught:
        await Pager(endless, what="jobs", limits=Limits(pages=4),
                    shape=token_pages("supervised_fine_tuning_jobs")).collect()
    assert caught.value.reason == PAGE_CAP and len(caught.value.read) == 4


async def test_a_list_sent_whole_is_one_request_each_item_once_and_capped():
    calls = 0

    async def fetch() -> dict:
        nonlocal calls
        calls += 1
        return {"data": items("a", "b", "a", "c")}

    assert [i["id"] for i in await one_page(fetch, what="files")] == ["a", "b", "c"]
    assert calls == 1
    with pytest.raises(PaginationStopped) as caught:
        await one_page(fetch, what="listing files", limits=Limits(items=2))
    assert caught.value.reason == ITEM_CAP and [i["id"] for i in caught.value.read] == ["a", "b"]
    assert str(caught.value) == ("listing files: the list reached 2 items, the most tunedeck "
                                 "reads of one list; stopped after 1 page; kept what was read")


def test_ids_in_messages_are_plain_or_replaced():
    assert safe_id("ftjob-abc_1.2:3", "a job") == "ftjob-abc_1.2:3"
    assert safe_id("[@click=app.quit]x[/]", "a job") == "a job"
    assert safe_id("ftjob-\x1b]52;c;eA==\x07", "a job") == "a job"
    assert safe_id(None, "a job") == "a job"
