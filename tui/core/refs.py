"""`NAME@N`: the one way a dataset or prompt version is named, in every form and command.

`name` is the latest ready version, `name@3` and `name@v3` that version. The
name is split at the last `@` only when what follows is a version number, so a
name that holds an `@` itself (`team@corp`) still works without a version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from store import Store
from store.records import DatasetVersion, PromptVersion

_VERSION = re.compile(r"[vV]?(\d+)")


class RefError(ValueError):
    """A name or version that is not stored; the message says what exists."""


@dataclass(frozen=True)
class Ref:
    name: str
    version: int | None = None  # None: the latest (ready) version


def parse_ref(text: str) -> Ref:
    text = text.strip()
    name, at, suffix = text.rpartition("@")
    if not at:
        return _checked(Ref(text))
    found = _VERSION.fullmatch(suffix.strip())
    if found is None:
        if suffix.strip().lower() in {"", "v"}:
            raise RefError(f"{text!r}: a version after '@' is a number, like {name.strip()}@2")
        return _checked(Ref(text))
    number = int(found.group(1))
    if number < 1:
        raise RefError(f"{text!r}: versions are numbered from 1")
    return _checked(Ref(name.strip(), number))


def _checked(ref: Ref) -> Ref:
    if not ref.name:
        raise RefError("a name is needed before '@'" if ref.version else "a name is needed")
    return ref


def format_ref(name: str, version: int | None) -> str:
    return name if version is None else f"{name}@{version}"


def _as_ref(ref: str | Ref) -> Ref:
    return ref if isinstance(ref, Ref) else parse_ref(ref)


def dataset_version(store: Store, ref: str | Ref, *, ready_only: bool = True) -> DatasetVersion:
    """The dataset version `ref` names; a RefError lists the datasets or versions there are."""
    ref = _as_ref(ref)
    try:
        dataset = store.datasets.get_by_name(ref.name)
    except KeyError:
        names = [d.name for d in store.datasets.list()]
        raise RefError(f"no dataset named {ref.name!r}; stored datasets: "
                       + (", ".join(names) if names else "none (import one first)")) from None
    versions = store.datasets.versions(dataset.id)
    usable = [v for v in versions if v.status == "ready"] if ready_only else list(versions)
    chosen = [v for v in usable if ref.version is None or v.version == ref.version]
    if not chosen:
        listing = ", ".join(f"v{v.version}" + ("" if v.status == "ready" else f" ({v.status})")
                            for v in versions) or "none"
        kind = "ready version" if ready_only else "version"
        what = f"no {kind} {ref.version}" if ref.version is not None else f"no {kind}"
        raise RefError(f"dataset {ref.name!r} has {what}; its versions: {listing}")
    return chosen[0]


def prompt_version(store: Store, ref: str | Ref) -> PromptVersion:
    """The saved prompt version `ref` names; a RefError lists what is saved."""
    ref = _as_ref(ref)
    versions = store.prompts.versions(ref.name)
    if not versions:
        names = sorted({p.name for p in store.prompts.list()})
        raise RefError(f"no saved prompt {ref.name!r}; saved prompts: "
                       + (", ".join(names) if names else "none (save one with ctrl+s)"))
    chosen = [v for v in versions if ref.version is None or v.version == ref.version]
    if not chosen:
        listing = ", ".join(f"v{v.version}" for v in versions)
        raise RefError(f"prompt {ref.name!r} has no version {ref.version}; its versions: "
                       f"{listing}")
    return chosen[0]
