"""Upload training files once per provider, found again by the SHA-256 of their bytes.

Files are looked up by content hash in the store (FileRepo), so the same bytes are never
uploaded twice to one profile's provider. How bytes travel (OpenAI's Files or Uploads
API, Together's signed upload, a Fireworks dataset) is the provider port's business.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from store import Store
from tui.core.finetune.port import Progress

if TYPE_CHECKING:
    from tui.core.finetune.port import FineTuningProvider

PURPOSE = "fine-tune"

__all__ = ["PURPOSE", "Progress", "ensure_uploaded"]


async def ensure_uploaded(
    provider: FineTuningProvider,
    store: Store,
    profile: str,
    data: bytes,
    *,
    filename: str,
    dataset_version_id: int | None = None,
    sha256: str | None = None,
    progress: Progress | None = None,
) -> tuple[str, bool]:
    """The provider file id holding `data` and whether it was uploaded now (False: reused)."""
    digest = sha256 or hashlib.sha256(data).hexdigest()
    existing = store.files.find_by_hash(profile, digest, PURPOSE)
    if existing is not None:
        if await provider.file_usable(existing.remote_id):
            return existing.remote_id, False
        # Deleted on the provider, expired, or a sandbox restarted without its
        # state: reusing the id would fail every launch with "no such file".
        store.files.mark(profile, existing.remote_id, "deleted")
    orphan = await provider.find_file(filename, len(data)) if digest[:12] in filename else None
    if orphan is not None:
        # An earlier attempt reached the provider but its answer was lost (a
        # dropped connection, a killed process): adopt that file, don't upload twice.
        store.files.record(profile, orphan, content_hash=digest,
                           dataset_version_id=dataset_version_id)
        return orphan["id"], False
    remote = await provider.send_file(data, filename, progress)
    store.files.record(profile, remote, content_hash=digest, dataset_version_id=dataset_version_id)
    if remote.get("status") == "error":
        detail = remote.get("status_details") or "the provider could not process it"
        raise RuntimeError(f"{filename} was uploaded as {remote['id']} but failed: {detail}")
    return remote["id"], True
