"""Uploads cut short: no half state in the store; one the provider kept is adopted, not repeated."""

from __future__ import annotations

import json

import openai
import pytest

from store import Store
from tui.core.config import Profile
from tui.core.dataset_versions import write_version
from tui.core.finetune import provider_for
from tui.core.jobs.preflight import prepare_file
from tui.core.jobs.upload import ensure_uploaded

PROFILE = Profile(name="sandbox", kind="sandbox")


def lines(n: int = 12) -> list[str]:
    return [json.dumps({"messages": [{"role": "user", "content": f"q{i}"},
                                     {"role": "assistant", "content": f"a{i}"}]})
            for i in range(n)]


async def test_a_dropped_upload_leaves_nothing_and_a_retry_uploads_once(sandbox, tmp_path):
    client = openai.AsyncOpenAI(base_url=sandbox.base_url, api_key=sandbox.api_key,
                                max_retries=0)
    dropping = client.with_options(default_headers={"X-Sandbox-Fault": "drop"})
    with Store(tmp_path / "t.db") as store:
        version = write_version(store, "train", lines())
        prepared = prepare_file(store, "sandbox", version.id, "train")
        with pytest.raises(openai.APIConnectionError):
            await ensure_uploaded(provider_for(PROFILE, dropping), store, "sandbox", prepared.data,
                                  filename=prepared.filename, sha256=prepared.sha256)
        assert store.files.list("sandbox") == []  # no half state in the store
        file_id, uploaded_now = await ensure_uploaded(
            provider_for(PROFILE, client), store, "sandbox", prepared.data, filename=prepared.filename,
            sha256=prepared.sha256, dataset_version_id=version.id)
        remote = [f async for f in client.files.list(purpose="fine-tune")]
        named = [f for f in remote if f.filename == prepared.filename]
        assert uploaded_now and len(named) == 1 and named[0].id == file_id
        (local,) = store.files.list("sandbox")
        assert local.remote_id == file_id and local.dataset_version_id == version.id
        again, fresh = await ensure_uploaded(provider_for(PROFILE, client), store, "sandbox", prepared.data,
                                             filename=prepared.filename, sha256=prepared.sha256)
        assert (again, fresh) == (file_id, False)
    await client.close()


async def test_an_upload_the_provider_kept_but_we_never_recorded_is_adopted(sandbox, tmp_path):
    """As after a SIGKILL between the provider's answer and the store's write."""
    client = openai.AsyncOpenAI(base_url=sandbox.base_url, api_key=sandbox.api_key)
    with Store(tmp_path / "t.db") as store:
        version = write_version(store, "train", lines())
        prepared = prepare_file(store, "sandbox", version.id, "train")
        kept = await client.files.create(file=(prepared.filename, prepared.data,
                                               "application/jsonl"), purpose="fine-tune")
        file_id, uploaded_now = await ensure_uploaded(
            provider_for(PROFILE, client), store, "sandbox", prepared.data, filename=prepared.filename,
            sha256=prepared.sha256, dataset_version_id=version.id)
        assert (file_id, uploaded_now) == (kept.id, False)
        remote = [f async for f in client.files.list(purpose="fine-tune")]
        assert [f.id for f in remote if f.filename == prepared.filename] == [kept.id]
        assert [f.remote_id for f in store.files.list("sandbox")] == [kept.id]
    await client.close()
