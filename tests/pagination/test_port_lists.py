"""The fine-tuning port's readers against lists that never end: each adapter ends them.

The OpenAI-shaped adapters (OpenAI/sandbox, Azure v1, Bedrock's preset) are driven
directly against the hostile server; Together (lists sent whole) and Fireworks (page
tokens) through `tunedeck sync`, as a user runs it, and directly where no command
reaches the list.
"""

from __future__ import annotations

import pytest

from store import Store
from tests.pagination.hostile import JOB_ID, KEY_ENV, Hostile, _job, configure
from tests.pagination.hostile_others import ACCOUNT, TOGETHER_ITEMS
from tui.cli import main as cli
from tui.core.config import Profile
from tui.core.finetune import provider_for
from tui.core.pagination import ITEM_CAP, PAGE_CAP, REPEATED, PaginationStopped

SAME_PAGE = "the provider kept answering has_more with the same page; stopped after 2 pages"


@pytest.fixture
def hostile(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-hostile-test-key-0123456789")
    servers: list[Hostile] = []

    def make(mode: str = "same", lists: tuple[str, ...] | None = None, **kwargs) -> Hostile:
        server = Hostile(mode, lists, **kwargs) if lists else Hostile(mode, **kwargs)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


def openai_shaped(server: Hostile, kind: str) -> Profile:
    if kind == "azure":
        return Profile(name="h", kind="azure", base_url=f"{server.root_url}/openai/v1",
                       api_key_env=KEY_ENV)
    if kind == "bedrock":
        return Profile(name="h", kind="compatible", preset="bedrock",
                       base_url=f"{server.root_url}/bedrock/v1", api_key_env=KEY_ENV)
    return Profile(name="h", kind="sandbox", base_url=server.base_url, api_key_env=KEY_ENV)


KINDS = pytest.mark.parametrize("kind", ["sandbox", "azure", "bedrock"])


@KINDS
async def test_list_jobs_and_files_end_on_the_same_page(hostile, kind):
    server = hostile()
    provider = provider_for(openai_shaped(server, kind), max_retries=0)
    try:
        for name, reader in (("jobs", provider.list_jobs), ("files", provider.list_files)):
            got: list = []
            with pytest.raises(PaginationStopped) as caught:
                async for item in reader():
                    got.append(item)
            assert caught.value.reason == REPEATED and len(got) == 2
            assert str(caught.value) == f"listing {name}: {SAME_PAGE}; kept what was read"
            assert server.count(name) == 2
    finally:
        await provider.close()


@KINDS
async def test_events_and_checkpoints_end_keeping_what_leaves_no_gap(hostile, kind):
    server = hostile(lists=("events", "checkpoints"))
    provider = provider_for(openai_shaped(server, kind), max_retries=0)
    try:
        with pytest.raises(PaginationStopped) as caught:
            await provider.events(JOB_ID, None)
        assert [e["id"] for e in caught.value.read] == ["ftevent-p0-0", "ftevent-p0-1"]
        with pytest.raises(PaginationStopped) as caught:  # a cursor stored: keep none
            await provider.events(JOB_ID, "ftevent-stored-before")
        assert caught.value.read == []
        assert str(caught.value).endswith("stored none of the new events, so none goes missing")
        with pytest.raises(PaginationStopped) as caught:
            await provider.checkpoints(JOB_ID)
        assert [c["id"] for c in caught.value.read] == ["ftckpt-p0-0", "ftckpt-p0-1"]
        assert server.count("events") == 4 and server.count("checkpoints") == 2
    finally:
        await provider.close()


async def test_an_endless_cursor_ends_at_the_page_cap_for_events(hostile, monkeypatch):
    from tui.core import pagination

    monkeypatch.setattr(pagination, "MAX_PAGES", 5)
    server = hostile("endless", lists=("events",))
    provider = provider_for(openai_shaped(server, "sandbox"), max_retries=0)
    try:
        with pytest.raises(PaginationStopped) as caught:
            await provider.events(JOB_ID, None)
        assert caught.value.reason == PAGE_CAP and len(caught.value.read) == 10
        assert server.count("events") == 5
    finally:
        await provider.close()


async def test_the_orphan_search_is_bounded_and_the_loop_search_refuses_to_guess(hostile,
                                                                                  tmp_path):
    from tui.core.loop import LoopDriver, LoopError, LoopOptions

    server = hostile(lists=("files", "jobs"))
    provider = provider_for(openai_shaped(server, "sandbox"), max_retries=0)
    try:
        assert await provider.find_file("mine.jsonl", 10) is None  # as good as not found
        assert server.count("files") == 2
        with pytest.raises(PaginationStopped):
            await provider.find_job("tunedeck_loop", "tok", model="m", training_file=None,
                                    since=0)
        with Store(tmp_path / "l.db") as store:
            driver = LoopDriver(store, 1, provider=provider, options=LoopOptions())
            loop = type("L", (), {"id": 1, "job_spec": {"token": "tok"}, "base_model": "m",
                                  "created_at": None})()
            with pytest.raises(LoopError, match="cannot tell whether this loop launched a "
                                                "job already: listing jobs: the provider kept"):
                await driver._find_launched(loop, None)
        assert server.count("jobs") == 4
    finally:
        await provider.close()


async def test_the_watcher_through_azure_leaves_that_job_alone(hostile, tmp_path):
    from tui.core.jobs.watch import PollPolicy, Watcher

    server = hostile(lists=("events",))
    provider = provider_for(openai_shaped(server, "azure"), max_retries=0)
    errors: list = []
    try:
        with Store(tmp_path / "w.db") as store:
            job = store.jobs.upsert("h", _job(JOB_ID, "running"))
            watcher = Watcher(provider, store, "h", PollPolicy(0.01),
                              on_error=lambda exc, delay: errors.append(exc))
            for _ in range(3):
                await watcher.poll_due()
            assert watcher.stuck == [job.id] and len(errors) == 1
            assert len(store.jobs.events(job.id)) == 2 and server.count("events") == 2
    finally:
        await provider.close()


# -- Together: lists sent whole ------------------------------------------------------
def run(tmp_path, *argv: str) -> int:
    return cli.main(["--db", str(tmp_path / "h.db"), *argv])


@pytest.fixture
def configured(hostile, isolated_home, monkeypatch):
    def make(kind: str, *args, **kwargs) -> Hostile:
        server = hostile(*args, **kwargs)
        configure(isolated_home, server, monkeypatch, kind=kind)
        return server

    return make


def test_together_lists_keep_each_item_once(configured, tmp_path, capsys):
    server = configured("together", lists=("tg_jobs", "tg_files"))
    assert run(tmp_path, "sync", "--only", "files,jobs") == 0
    assert server.count("tg_jobs") == 1 and server.count("tg_files") == 1
    with Store(tmp_path / "h.db") as store:
        assert len(store.jobs.list("hostile")) == TOGETHER_ITEMS  # each was sent twice
        assert len(store.files.list("hostile")) == TOGETHER_ITEMS


def test_a_together_list_past_the_item_cap_stops_with_the_message(configured, tmp_path,
                                                                   capsys, monkeypatch):
    from tui.core import pagination

    monkeypatch.setattr(pagination, "MAX_ITEMS", 3)
    server = configured("together", lists=("tg_jobs",))
    assert run(tmp_path, "sync", "--only", "jobs") == 3
    out = capsys.readouterr().out
    assert ("jobs: listing jobs: the list reached 3 items, the most tunedeck reads of one "
            "list; stopped after 1 page; kept what was read") in out
    assert server.count("tg_jobs") == 1
    with Store(tmp_path / "h.db") as store:
        assert len(store.jobs.list("hostile")) == 3


# -- Fireworks: page tokens ----------------------------------------------------------
@pytest.mark.parametrize(("part", "what", "name"), [
    ("jobs", "listing supervised jobs", "fw_jobs"),
    ("files", "listing datasets", "fw_datasets")])
def test_fireworks_lists_end_on_a_repeated_page_and_token(configured, tmp_path, capsys, part,
                                                          what, name):
    server = configured("fireworks", lists=(name,))
    assert run(tmp_path, "sync", "--only", part) == 3
    assert f"{part}: {what}: {SAME_PAGE}; kept what was read" in capsys.readouterr().out
    assert server.count(name) == 2
    with Store(tmp_path / "h.db") as store:
        stored = store.jobs.list("hostile") if part == "jobs" else store.files.list("hostile")
        assert sorted(r.remote_id for r in stored) == [
            f"accounts/{ACCOUNT}/{'supervisedFineTuningJobs' if part == 'jobs' else 'datasets'}"
            f"/p0-{k}" for k in range(2)]


def test_a_fireworks_token_that_moves_for_ever_stops_at_the_page_cap(configured, tmp_path,
                                                                      capsys, monkeypatch):
    from tui.core import pagination

    monkeypatch.setattr(pagination, "MAX_PAGES", 40)
    server = configured("fireworks", "endless", lists=("fw_jobs",))
    assert run(tmp_path, "sync", "--only", "jobs") == 3
    assert ("jobs: listing supervised jobs: the provider still answered has_more after 40 "
            "pages") in capsys.readouterr().out
    assert server.count("fw_jobs") == 40
    with Store(tmp_path / "h.db") as store:
        assert len(store.jobs.list("hostile")) == 80


async def test_fireworks_loaded_models_list_ends_too(hostile, tmp_path):
    server = hostile(lists=("fw_loaded",))
    profile = Profile(name="h", kind="fireworks", base_url=f"{server.root_url}/fireworks",
                      api_key_env=KEY_ENV, account=ACCOUNT)
    provider = provider_for(profile, max_retries=0)
    try:
        with Store(tmp_path / "f.db") as store:
            remote = {**_job(f"accounts/{ACCOUNT}/supervisedFineTuningJobs/j", "succeeded"),
                      "fine_tuned_model": f"accounts/{ACCOUNT}/models/mine"}
            job = store.jobs.upsert("h", remote)
            with pytest.raises(PaginationStopped) as caught:
                await provider.make_answerable(store, job)
        assert str(caught.value) == f"listing loaded models: {SAME_PAGE}; kept what was read"
        assert server.count("fw_loaded") == 2
    finally:
        await provider.close()


async def test_together_lists_read_directly_hand_out_what_came_before_the_cap(hostile,
                                                                             monkeypatch):
    from tui.core import pagination

    monkeypatch.setattr(pagination, "MAX_ITEMS", 2)
    server = hostile(lists=("tg_files",))
    profile = Profile(name="h", kind="together", base_url=f"{server.root_url}/together",
                      api_key_env=KEY_ENV)
    provider = provider_for(profile, max_retries=0)
    try:
        got: list = []
        with pytest.raises(PaginationStopped) as caught:
            async for remote in provider.list_files():
                got.append(remote["id"])
        assert caught.value.reason == ITEM_CAP and got == ["file-tg-0", "file-tg-1"]
        # The orphan search is bounded: a list cut short is as good as "not found".
        assert await provider.find_file("file-tg-4.jsonl", 10) is None
        assert server.count("tg_files") == 2
    finally:
        await provider.close()
