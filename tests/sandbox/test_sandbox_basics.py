"""Auth, models, files, uploads and pagination over real HTTP."""

from __future__ import annotations

import hashlib

import httpx2
import openai
import pytest

from tests.sandbox.sandbox_data import upload


async def test_missing_and_wrong_key_get_401_with_openai_error_body(sandbox) -> None:
    async with httpx2.AsyncClient() as http:
        bare = await http.get(f"{sandbox.base_url}/models")
    assert bare.status_code == 401
    error = bare.json()["error"]
    assert error["code"] == "missing_api_key" and set(error) == {"message", "type", "param", "code"}
    async with openai.AsyncOpenAI(base_url=sandbox.base_url, api_key="sk-wrong-key-123456",
                                  max_retries=0) as wrong:
        with pytest.raises(openai.AuthenticationError) as info:
            await wrong.models.list()
    assert info.value.status_code == 401 and info.value.code == "invalid_api_key"
    assert "sk-wrong-key-123456" not in str(info.value)  # the key is never echoed whole


async def test_models_are_labelled_sandbox_and_base_ones_cannot_be_deleted(c) -> None:

    models = (await c.models.list()).data
    assert [m.id for m in models] == ["sandbox-small", "sandbox-large", "sandbox-teacher"]
    assert {m.owned_by for m in models} == {"tunedeck-sandbox"}
    assert (await c.models.retrieve("sandbox-large")).id == "sandbox-large"
    with pytest.raises(openai.NotFoundError) as info:
        await c.models.retrieve("gpt-nope")
    assert info.value.code == "model_not_found"
    with pytest.raises(openai.PermissionDeniedError):
        await c.models.delete("sandbox-small")
    with pytest.raises(openai.NotFoundError):
        await c.models.delete("ft:sandbox-small:tunedeck::missing")


async def test_unknown_route_is_404_json(sandbox) -> None:
    async with httpx2.AsyncClient() as http:
        r = await http.get(f"{sandbox.base_url}/nothing/here",
                           headers={"Authorization": f"Bearer {sandbox.api_key}"})
    assert r.status_code == 404 and "Invalid URL" in r.json()["error"]["message"]


async def test_files_roundtrip_and_auto_pagination_over_pages(c) -> None:

    ids = [await upload(c, f'{{"n": {i}}}\n'.encode(), purpose=p, name=f"f{i}.jsonl")
           for i, p in enumerate(["fine-tune", "evals", "batch", "user_data", "vision", "fine-tune", "evals"])]
    first = await c.files.list(limit=3)
    assert len(first.data) == 3 and first.has_more is True
    assert [f.id for f in first.data] == ids[::-1][:3]  # newest first by default
    seen = [f.id async for f in c.files.list(limit=3)]  # the SDK follows `after` across 3 pages
    assert seen == ids[::-1]
    ascending = [f.id async for f in c.files.list(limit=2, order="asc")]
    assert ascending == ids
    evals_only = [f.id async for f in c.files.list(purpose="evals")]
    assert evals_only == [ids[6], ids[1]]
    got = await c.files.retrieve(ids[1])
    assert (got.purpose, got.filename, got.bytes, got.status) == ("evals", "f1.jsonl", 9, "processed")
    assert (await c.files.content(ids[2])).content == b'{"n": 2}\n'
    deleted = await c.files.delete(ids[0])
    assert deleted.deleted is True and deleted.id == ids[0]
    with pytest.raises(openai.NotFoundError):
        await c.files.retrieve(ids[0])
    with pytest.raises(openai.NotFoundError):
        await c.files.content("file-doesnotexist")


async def test_file_with_bad_purpose_is_400_with_param(c) -> None:

    with pytest.raises(openai.BadRequestError) as info:
        await c.files.create(file=("a.jsonl", b"{}\n"), purpose="nonsense")  # type: ignore[arg-type]
    assert info.value.body["param"] == "purpose"


async def test_upload_parts_complete_with_md5_and_cancel(c) -> None:

    data = b'{"messages": []}\n' * 50
    halves = [data[:400], data[400:]]
    up = await c.uploads.create(purpose="fine-tune", filename="big.jsonl", bytes=len(data),
                                mime_type="text/jsonl")
    assert up.status == "pending"
    parts = [await c.uploads.parts.create(up.id, data=h) for h in halves]
    with pytest.raises(openai.BadRequestError) as info:
        await c.uploads.complete(up.id, part_ids=[p.id for p in parts], md5="0" * 32)
    assert info.value.body["param"] == "md5"
    with pytest.raises(openai.BadRequestError):  # a missing part: the bytes do not add up
        await c.uploads.complete(up.id, part_ids=[parts[0].id])
    done = await c.uploads.complete(up.id, part_ids=[p.id for p in parts],
                                    md5=hashlib.md5(data).hexdigest())
    assert done.status == "completed" and done.file is not None
    assert done.file.bytes == len(data) and done.file.purpose == "fine-tune"
    assert (await c.files.content(done.file.id)).content == data
    with pytest.raises(openai.ConflictError):
        await c.uploads.cancel(up.id)
    other = await c.uploads.create(purpose="batch", filename="x.jsonl", bytes=10, mime_type="text/jsonl")
    assert (await c.uploads.cancel(other.id)).status == "cancelled"
    with pytest.raises(openai.ConflictError):
        await c.uploads.parts.create(other.id, data=b"0123456789")
    with pytest.raises(openai.NotFoundError):
        await c.uploads.cancel("upload_missing")
