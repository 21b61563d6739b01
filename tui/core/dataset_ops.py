"""Operations that derive a new dataset version: exclude, edit, dedupe, split; and export.

Versions are immutable: every operation writes a new version (or finds an
identical one) and never changes the one it started from.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from store import Store
from store.records import DatasetVersion
from tui.core.dataset_versions import version_lines, write_version
from tui.core.datasets.conflicts import ConflictGroup, conflicting_answers
from tui.core.wording import count_of


def _source(store: Store, version_id: int) -> tuple[DatasetVersion, str]:
    version = store.datasets.version(version_id)
    name = next(d.name for d in store.datasets.list() if d.id == version.dataset_id)
    return version, name


def _derive(store: Store, source: DatasetVersion, name: str, lines: list[str],
            note: str) -> DatasetVersion:
    """A new version of `name` holding `lines`, derived from `source`."""
    return write_version(store, name, lines, parent_version_id=source.id, note=note,
                         model=source.model or "gpt-4o-mini")


def exclude_lines(store: Store, version_id: int, lines: set[int]) -> DatasetVersion:
    version, name = _source(store, version_id)
    kept = [
        data for n, data in enumerate(version_lines(store, version_id), start=1) if n not in lines
    ]
    return _derive(store, version, name, kept, f"excluded {count_of(len(lines), 'line')}")


def replace_line(store: Store, version_id: int, line: int, new_text: str) -> DatasetVersion:
    """Replace one line (an edited example). The new text must be one JSON line."""
    try:
        compact = json.dumps(json.loads(new_text), ensure_ascii=False)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the edited example is not valid JSON: {exc}") from None
    version, name = _source(store, version_id)
    lines = list(version_lines(store, version_id))
    if not 1 <= line <= len(lines):
        raise ValueError(f"line {line} is not in this version ({len(lines)} lines)")
    lines[line - 1] = compact
    return _derive(store, version, name, lines, f"edited line {line}")


def _canonical(data: str) -> str:
    try:
        return json.dumps(json.loads(data), sort_keys=True, ensure_ascii=False)
    except (json.JSONDecodeError, RecursionError):
        return data


def dedupe(store: Store, version_id: int
           ) -> tuple[DatasetVersion, int, list[ConflictGroup]]:
    """Drop examples equal to an earlier one (as JSON, key order ignored); and find the
    prompts left with conflicting answers, numbered as lines of the new version. Those
    are kept: which answer is right is the user's call, not a dedupe's."""
    version, name = _source(store, version_id)
    seen: set[bytes] = set()
    kept: list[str] = []
    for data in version_lines(store, version_id):
        digest = hashlib.sha256(_canonical(data).encode()).digest()
        if digest not in seen:
            seen.add(digest)
            kept.append(data)
    removed = version.n_lines - len(kept)
    new = _derive(store, version, name, kept, f"deduplicated: {removed} removed")
    return new, removed, conflicting_answers(kept)


def split_cut(n: int, ratio: float) -> int:
    """How many of `n` shuffled examples go to train (at least one on each side); the
    split form shows the same sizes before anything is written."""
    return min(n - 1, max(1, round(n * ratio)))


def split_lines(store: Store, version_id: int, *, ratio: float = 0.9,
                seed: int = 42) -> tuple[list[str], list[str]]:
    """The valid examples, shuffled with `seed` and cut at `ratio`: (train, valid)."""
    if not 0 < ratio < 1:
        raise ValueError("the train ratio must be between 0 and 1 (e.g. 0.9)")
    lines = list(version_lines(store, version_id, only_valid=True))
    if len(lines) < 2:
        raise ValueError("need at least two valid examples to split")
    order = list(range(len(lines)))
    random.Random(seed).shuffle(order)
    cut = split_cut(len(lines), ratio)
    return [lines[i] for i in sorted(order[:cut])], [lines[i] for i in sorted(order[cut:])]


def split_problems(store: Store, version_id: int, *, ratio: float = 0.9,
                   seed: int = 42) -> list[str]:
    """Why tunedeck's own validator would flag either half of this split ✗ (file-level
    errors such as too few examples), before anything is written."""
    from tui.core.datasets.validate import validate_bytes

    version = store.datasets.version(version_id)
    problems = []
    for part, lines in zip(("train", "valid"), split_lines(store, version_id, ratio=ratio,
                                                            seed=seed), strict=True):
        body = "".join(f"{line}\n" for line in lines).encode("utf-8")
        report = validate_bytes(body, model=version.model or "gpt-4o-mini")
        problems += [f"{part}: {e.message.removeprefix('file: ')}"
                     for e in report.first_errors if e.line == 0]
    return problems


def split(
    store: Store, version_id: int, *, ratio: float = 0.9, seed: int = 42
) -> tuple[DatasetVersion, DatasetVersion]:
    """Split the valid examples into `<name>/train` and `<name>/valid` (seeded shuffle)."""
    train, valid = split_lines(store, version_id, ratio=ratio, seed=seed)
    version, name = _source(store, version_id)
    note = f"split of {name} v{version.version} (ratio {ratio}, seed {seed})"
    return (
        _derive(store, version, f"{name}/train", train, note),
        _derive(store, version, f"{name}/valid", valid, note),
    )


def export_valid(store: Store, version_id: int, path: str | Path) -> int:
    """Write the valid examples as JSONL (a private 0600 file); returns how many.

    Refuses to overwrite: FileExistsError, and the existing file is left alone.
    """
    from tui.core.private_files import atomic_output

    count = 0
    with atomic_output(path, overwrite=False) as handle:
        for data in version_lines(store, version_id, only_valid=True):
            handle.write(data + "\n")
            count += 1
    return count
