"""Stored chat completions as distillation prompts: the sandbox keeps what `store: true`
makes, lists it by metadata like OpenAI does, and `tunedeck distill --from-stored` reads it."""

from __future__ import annotations

import asyncio
import json

from openai import AsyncOpenAI, NotFoundError

from store import Store
from tests.distill.helpers import TEACHER
from tests.flywheel.test_cli_loop import configure
from tui.cli.main import main


def question(i: int) -> str:
    return f"What is the capital of country number {i}?"


async def make_stored(sandbox) -> list[str]:
    """Three completions tagged app=support (two of them also tier=gold), one app=other,
    and one not stored; the ids of the support ones, oldest first."""
    async with AsyncOpenAI(base_url=sandbox.base_url, api_key=sandbox.api_key) as client:
        ids = []
        for i, tags in enumerate([{"app": "support", "tier": "gold"}, {"app": "support"},
                                  {"app": "support", "tier": "gold"}, {"app": "other"}]):
            made = await client.chat.completions.create(
                model="sandbox-small", store=True, metadata=tags,
                messages=[{"role": "system", "content": "Answer briefly."},
                          {"role": "user", "content": question(i)}])
            if tags["app"] == "support":
                ids.append(made.id)
        await client.chat.completions.create(
            model="sandbox-small", messages=[{"role": "user", "content": question(9)}])
    return ids


async def test_the_sandbox_lists_stored_completions_by_metadata_and_pages(sandbox):
    ids = await make_stored(sandbox)
    async with AsyncOpenAI(base_url=sandbox.base_url, api_key=sandbox.api_key) as client:
        everything = await client.chat.completions.list(limit=100)
        assert len(everything.data) == 4  # the one made without store: true is not kept
        support = await client.chat.completions.list(metadata={"app": "support"})
        assert [c.id for c in support.data] == ids
        assert support.data[0].metadata == {"app": "support", "tier": "gold"}
        gold = await client.chat.completions.list(metadata={"app": "support", "tier": "gold"})
        assert [c.id for c in gold.data] == [ids[0], ids[2]]
        first = await client.chat.completions.list(metadata={"app": "support"}, limit=2)
        assert first.has_more and [c.id for c in first.data] == ids[:2]
        rest = await client.chat.completions.list(metadata={"app": "support"}, limit=2,
                                                  after=first.data[-1].id)
        assert [c.id for c in rest.data] == ids[2:] and not rest.has_more
        newest = await client.chat.completions.list(metadata={"app": "support"}, order="desc")
        assert [c.id for c in newest.data] == ids[::-1]
        assert not (await client.chat.completions.list(model="sandbox-teacher")).data
        messages = await client.chat.completions.messages.list(ids[1])
        assert [(m.role, m.content) for m in messages.data] == [
            ("system", "Answer briefly."), ("user", question(1))]
        try:
            await client.chat.completions.messages.list("chatcmpl-nope")
        except NotFoundError:
            pass
        else:
            raise AssertionError("an unknown completion must be a 404")


def test_distill_from_stored_completions_keeps_their_lineage(isolated_home, sandbox,
                                                             monkeypatch, capsys, tmp_path):
    asyncio.run(make_stored(sandbox))  # the CLI runs its own event loops
    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "stored.db"
    code = main(["--db", str(db), "distill", "--from-stored", "--metadata", "app=support",
                 "--teacher", TEACHER, "--into", "support-distilled", "--probe", "0",
                 "--json"])
    assert code == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    lineage = report["lineage"]
    assert lineage["source"] == "stored-completions[app=support]@1"
    assert (lineage["sampled"], lineage["into"]) == (3, "support-distilled@1")
    assert report["teacher_calls"] == 3
    with Store(db) as store:
        from tui.core.dataset_versions import version_lines

        out = store.distills.get(report["distillation"]).output_version_id
        rows = [json.loads(line) for line in version_lines(store, out)]
        # The stored completions' prompts, answered by the teacher (not by sandbox-small).
        assert [r["messages"][1]["content"] for r in rows] == [question(i) for i in range(3)]
        assert all("City" in r["messages"][-1]["content"] for r in rows)
    assert main(["--db", str(db), "distill", "--from-stored", "--metadata", "app=nobody",
                 "--teacher", TEACHER, "--into", "x", "--probe", "0"]) == 1
    assert "no stored chat completion on sandbox matches (app=nobody)" in capsys.readouterr().err
