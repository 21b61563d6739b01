"""Dataset versions in the store: import a JSONL file, or derive a new version from lines.

Versions are immutable and identified by the SHA-256 of their bytes: the same
bytes imported twice find the existing version. Each line is stored with its
own validation result, so the pane can filter and page without re-validating.
An import interrupted by a crash resumes after the last stored line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store import Store
from store.records import DatasetVersion
from tui.core.wording import count_of

BATCH = 2_000
CHUNK = 1 << 20

Progress = Callable[[int, int], None]  # (bytes done, bytes total)


class DatasetImportError(Exception):
    """The file cannot be imported; the message says why and what to do."""


@dataclass
class ImportResult:
    version: DatasetVersion
    reused: bool


def file_size(path: Path) -> int:
    """The regular file's size now (NotRegularFile for a device, FIFO or socket)."""
    from tui.core.datasets.source import open_regular, size_at_open

    with open_regular(path) as handle:
        return size_at_open(handle)


def file_digest(path: Path, progress: Progress | None = None, limit: int | None = None) -> str:
    """The SHA-256 of the file's first `size` bytes (its size when opened: a file that
    keeps growing is hashed as it was, like the scan reads it), or of its first `limit`."""
    from tui.core.datasets.source import open_regular, size_at_open

    digest = hashlib.sha256()
    done = 0
    with open_regular(path) as handle:
        total = size_at_open(handle) if limit is None else min(limit, size_at_open(handle))
        while done < total and (chunk := handle.read(min(CHUNK, total - done))):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return digest.hexdigest()


def check_path(raw: str | Path) -> Path:
    from tui.core.datasets.source import NotRegularFile, open_regular

    if not str(raw).strip():
        raise DatasetImportError("No path given: type the path of a JSONL file")
    try:
        path = Path(raw).expanduser()
    except RuntimeError:  # `~name/...` for a user this machine does not know
        head = str(raw).split("/", 1)[0]
        whose = f"no such user {head[1:]!r}" if head != "~" else "no home folder is known"
        raise DatasetImportError(f"{raw}: {whose}, so {head} cannot be expanded; "
                                 "type the full path") from None
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte: say it, never crash
        why = getattr(exc, "strerror", None) or exc
        raise DatasetImportError(f"{path} cannot be read: {why}") from None
    if not exists:
        raise DatasetImportError(f"{path} does not exist")
    if is_dir:
        raise DatasetImportError(f"{path} is a directory: pick a .jsonl file inside it")
    try:
        with open_regular(path):
            pass
    except NotRegularFile as exc:  # a device or FIFO would be read (or waited on) for ever
        raise DatasetImportError(f"{path}: {exc}") from None
    except OSError as exc:
        raise DatasetImportError(f"{path} cannot be read: {exc.strerror}") from None
    return path


def _finish(store: Store, version_id: int, report: Any, size: int) -> DatasetVersion:
    data = report.model_dump(mode="json")
    store.datasets.finish_version(
        version_id,
        status="ready",
        format=data.get("format"),
        n_lines=data.get("lines", 0),
        n_examples=data.get("examples", 0),
        n_invalid=data.get("invalid", 0),
        bytes=size,
        report=data,
    )
    return store.datasets.version(version_id)


def import_file(
    store: Store,
    raw_path: str | Path,
    *,
    name: str | None = None,
    model: str = "gpt-4o-mini",
    progress: Progress | None = None,
    prices: dict[str, float] | None = None,
    workers: int = 2,
) -> ImportResult:
    """Import a JSONL file as a new version of dataset `name` (default: the file's stem).

    Two streaming passes: a hash (cheap) to find an identical version, then one scan
    (in `workers` processes for a big file) whose rows this process writes as they come,
    in file order, while the report builds from the same scan.
    """
    from tui.core.datasets.source import NotRegularFile
    from tui.core.datasets.validate import UsageError, validate_file_rows

    path = check_path(raw_path)
    try:
        # One size for the hash, the scan and the stored version: a file still being
        # written is imported as it was when the import began.
        size = file_size(path)
        # The hash pass is ~5% of the work; the scan the rest.
        digest = file_digest(path, (lambda d, t: progress(d // 20, t)) if progress else None,
                             limit=size)
    except NotRegularFile as exc:  # swapped for a FIFO or device since check_path
        raise DatasetImportError(f"{path}: {exc}") from None
    dataset = store.datasets.ensure(name or path.stem)
    existing = store.datasets.find_version(dataset.id, digest)
    if existing is not None and existing.status == "ready":
        if progress is not None:
            progress(size, size)
        return ImportResult(existing, reused=True)
    if existing is None:
        version = store.datasets.create_version(dataset.id, digest, source_path=str(path),
                                                model=model)
        resume_after = 0
    else:
        # A crash left this version half-imported: keep its stored lines, store the rest.
        version = existing
        resume_after = store.datasets.last_line(version.id)

    def deliver(first_line: int, rows: list) -> None:
        store.datasets.add_rows(version.id, rows, line_shift=first_line - 1,
                                skip_through=resume_after)

    def scanned(done: int, total: int) -> None:
        if progress is not None:
            progress(size // 20 + done * 19 // 20, size)

    try:
        report = validate_file_rows(path, deliver, model=model, prices=prices, workers=workers,
                                    progress=scanned, limit=size)
    except (UsageError, ValueError) as exc:
        raise DatasetImportError(str(exc)) from None
    finished = _finish(store, version.id, report, size)
    if progress is not None:
        progress(size, size)
    return ImportResult(finished, reused=False)


def version_lines(store: Store, version_id: int, *, only_valid: bool = False) -> Iterator[str]:
    """The raw lines of a version, in order (paged, never all in memory)."""
    last = 0
    while True:
        rows = store.datasets.lines(version_id, only_valid=only_valid, after=last, limit=BATCH)
        if not rows:
            return
        yield from (data for _, data in rows)
        last = rows[-1][0]


def write_version(
    store: Store,
    dataset_name: str,
    lines: list[str],
    *,
    parent_version_id: int | None = None,
    note: str = "",
    model: str = "gpt-4o-mini",
) -> DatasetVersion:
    """Store `lines` as a version of `dataset_name` (or find the identical one)."""
    from tui.core.datasets.rows import RowBatch
    from tui.core.datasets.validate import validate_bytes

    body = "".join(f"{line}\n" for line in lines).encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()
    dataset = store.datasets.ensure(dataset_name)
    existing = store.datasets.find_version(dataset.id, digest)
    if existing is not None and existing.status == "ready":
        return existing
    if existing is not None:
        store.db.execute("DELETE FROM examples WHERE version_id = ?", [existing.id])
        version = existing
    else:
        version = store.datasets.create_version(
            dataset.id, digest, parent_version_id=parent_version_id, note=note, model=model
        )
    rows = RowBatch()

    def sink(result: Any) -> None:
        rows.add(result)
        if len(rows) >= BATCH:
            store.datasets.add_rows(version.id, rows.take())

    # One pass: the report and the rows come from the same scan.
    report = validate_bytes(body, model=model, sink=sink)
    store.datasets.add_rows(version.id, rows.take())
    return _finish(store, version.id, report, len(body))


def latest_version(store: Store, dataset_name: str) -> DatasetVersion | None:
    try:
        dataset = store.datasets.get_by_name(dataset_name)
    except KeyError:
        return None
    versions = [v for v in store.datasets.versions(dataset.id) if v.status == "ready"]
    return versions[0] if versions else None


def append_target(store: Store, spec: str) -> tuple[str, DatasetVersion | None]:
    """`name` (its latest ready version) or `name@N` (version N): what an append extends.

    The spec is read by tui.core.refs, as every NAME@N is. (name, None) for a dataset
    that does not exist yet; ValueError for a version that does not.
    """
    from tui.core.refs import RefError, parse_ref

    if not spec.strip():
        return "", None
    try:
        ref = parse_ref(spec)
    except RefError as exc:
        raise ValueError(str(exc)) from None
    name = ref.name
    latest = latest_version(store, name)
    if ref.version is None:
        return name, latest
    if latest is None:
        raise ValueError(f"no dataset {name!r} yet: leave out @{ref.version} to create it")
    dataset = store.datasets.get_by_name(name)
    found = [v for v in store.datasets.versions(dataset.id)
             if v.version == ref.version and v.status == "ready"]
    if not found:
        raise ValueError(f"{name} has no ready version {str(ref.version)!r} "
                         f"(latest: v{latest.version})")
    return name, found[0]


def describe_append(store: Store, spec: str) -> str:
    """One line saying what saving to `spec` will extend, for the save dialogs."""
    try:
        name, parent = append_target(store, spec)
    except ValueError as exc:
        return str(exc)
    if not name:
        return "type a dataset name (name@N appends to version N)"
    if parent is None:
        return f"creates the dataset {name}"
    latest = latest_version(store, name)
    which = "the latest" if latest and latest.id == parent.id else "an older version"
    return (f"makes a new version of {name} from v{parent.version} ({which}, "
            f"{count_of(parent.n_examples, 'example')}); name@N appends to version N")


def append_lines(store: Store, dataset_name: str, objects: list[dict[str, Any]],
                 parent: DatasetVersion | None = None) -> DatasetVersion:
    """A new version of the dataset: the lines of `parent` (default: the latest version)
    plus `objects`; the dataset is created if new."""
    parent = parent or latest_version(store, dataset_name)
    lines = list(version_lines(store, parent.id)) if parent else []
    lines.extend(json.dumps(obj, ensure_ascii=False) for obj in objects)
    return write_version(
        store,
        dataset_name,
        lines,
        parent_version_id=parent.id if parent else None,
        note=f"added {count_of(len(objects), 'line')}",
        model=(parent.model if parent and parent.model else "gpt-4o-mini"),
    )


def ready_version_choices(store: Store) -> list[tuple[str, int]]:
    """(label, version id) of every version ready to train on, for the job and loop forms."""
    choices = []
    for dataset in store.datasets.list():
        for version in store.datasets.versions(dataset.id):
            if version.status != "ready":
                continue
            invalid = f", {version.n_invalid} invalid" if version.n_invalid else ""
            choices.append((f"{dataset.name} v{version.version} "
                            f"({count_of(version.n_examples, 'example')}{invalid})", version.id))
    return choices
