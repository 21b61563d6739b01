"""Upload training files once per provider: the Files API, or the Uploads API over 512 MB.

Files are found by the SHA-256 of their bytes in the store (FileRepo), so the
same bytes are never uploaded twice to one profile's provider.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from store import Store

if TYPE_CHECKING:
    from openai import AsyncOpenAI

PURPOSE = "fine-tune"
FILES_API_LIMIT = 512 * 1024 * 1024
PART_SIZE = 64 * 1024 * 1024
MIME = "application/jsonl"

Progress = Callable[[int, int], None]  # (bytes sent, bytes total)


async def ensure_uploaded(
    client: AsyncOpenAI,
    store: Store,
    profile: str,
    data: bytes,
    *,
    filename: str,
    dataset_version_id: int | None = None,
    sha256: str | None = None,
    files_api_limit: int = FILES_API_LIMIT,
    part_size: int = PART_SIZE,
    progress: Progress | None = None,
) -> tuple[str, bool]:
    """The provider file id holding `data` and whether it was uploaded now (False: reused)."""
    digest = sha256 or hashlib.sha256(data).hexdigest()
    existing = store.files.find_by_hash(profile, digest, PURPOSE)
    if existing is not None:
        if await _still_there(client, existing.remote_id):
            return existing.remote_id, False
        # Deleted on the provider, expired, or a sandbox restarted without its
        # state: reusing the id would fail every launch with "no such file".
        store.files.mark(profile, existing.remote_id, "deleted")
    orphan = await find_orphan(client, filename, len(data)) if digest[:12] in filename else None
    if orphan is not None:
        # An earlier attempt reached the provider but its answer was lost (a
        # dropped connection, a killed process): adopt that file, don't upload twice.
        store.files.record(profile, orphan, content_hash=digest,
                           dataset_version_id=dataset_version_id)
        return orphan["id"], False
    if len(data) > files_api_limit:
        remote = await _upload_in_parts(client, data, filename, part_size, progress)
    else:
        remote = await client.files.create(file=(filename, data, MIME), purpose=PURPOSE)
        if progress is not None:
            progress(len(data), len(data))
    remote = await _wait_processed(client, remote)
    as_dict = _dump(remote)
    store.files.record(profile, as_dict, content_hash=digest, dataset_version_id=dataset_version_id)
    if as_dict.get("status") == "error":
        detail = as_dict.get("status_details") or "the provider could not process it"
        raise RuntimeError(f"{filename} was uploaded as {as_dict['id']} but failed: {detail}")
    return as_dict["id"], True


async def _still_there(client: AsyncOpenAI, file_id: str) -> bool:
    """Whether the provider still has a usable file (one GET; other errors propagate)."""
    import openai

    try:
        remote = await client.files.retrieve(file_id)
    except openai.NotFoundError:
        return False
    return getattr(remote, "status", None) not in ("deleted", "error")


async def find_orphan(client: AsyncOpenAI, filename: str, size: int,
                      *, pages: int = 2) -> dict[str, Any] | None:
    """A usable provider file with this exact name (which carries the content hash) and size.

    A bounded search of the newest files: a list the provider would not end is
    as good as "not found" here (the upload then goes ahead as if none was kept).
    """
    from tui.core.pagination import Limits, Pager, PaginationStopped, cursor_kwargs

    async def page(cursor: str | None) -> Any:
        return await client.files.list(**cursor_kwargs(cursor, purpose=PURPOSE, order="desc",
                                                       limit=100))

    try:
        async for remote in Pager(page, what="listing files", limits=Limits(pages=pages)):
            info = _dump(remote)
            if info.get("filename") == filename and info.get("bytes") == size \
                    and info.get("status") not in ("error", "deleted"):
                return info
    except PaginationStopped:
        return None
    return None


async def _upload_in_parts(
    client: AsyncOpenAI, data: bytes, filename: str, part_size: int, progress: Progress | None
) -> Any:
    upload = await client.uploads.create(
        bytes=len(data), filename=filename, mime_type=MIME, purpose=PURPOSE
    )
    part_ids: list[str] = []
    try:
        for start in range(0, len(data), part_size):
            chunk = data[start : start + part_size]
            part = await client.uploads.parts.create(upload.id, data=chunk)
            part_ids.append(part.id)
            if progress is not None:
                progress(start + len(chunk), len(data))
        done = await client.uploads.complete(
            upload.id, part_ids=part_ids, md5=hashlib.md5(data).hexdigest()
        )
    except BaseException:
        # Best effort: free the parts already sent; the original error is what matters.
        try:
            await client.uploads.cancel(upload.id)
        except Exception:  # noqa: BLE001
            pass
        raise
    if done.file is None:
        raise RuntimeError(f"upload {upload.id} completed without a file")
    return done.file


async def _wait_processed(client: AsyncOpenAI, remote: Any, *, timeout: float = 120.0) -> Any:
    """Some providers process a file before a job may use it; wait for that (bounded)."""
    waited, delay = 0.0, 0.5
    while getattr(remote, "status", "processed") in ("uploaded", "pending") and waited < timeout:
        await asyncio.sleep(delay)
        waited += delay
        delay = min(delay * 2, 5.0)
        remote = await client.files.retrieve(remote.id)
    return remote


def _dump(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    return obj.model_dump(mode="json", warnings=False)
