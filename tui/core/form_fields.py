"""What the typed forms accept, and what their answers are (headless, unit-tested).

The forms that replaced the one-line prompts with private mini-syntaxes ("0.9 42",
"dataset@2 3", "name:dpo") read each field on its own. The rules for a field live
here, not in the screen, so they can be tested without Textual and reused by any
form: each check returns the typed value or raises a FieldError whose message is
shown under the form, naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from store import Store
from store.records import DatasetVersion
from tui.core.dataset_ops import split_cut
from tui.core.datasets.report import MIN_EXAMPLES


class FieldError(ValueError):
    """A field's text that the form cannot take; `field` names it for the message."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def ratio(text: str, field: str = "train ratio") -> float:
    """A fraction strictly between 0 and 1, such as 0.9."""
    try:
        value = float(text.strip())
    except ValueError:
        raise FieldError(field, "a number between 0 and 1, such as 0.9") from None
    if not 0 < value < 1:
        raise FieldError(field, "a number between 0 and 1 (not 0 or 1), such as 0.9")
    return value


def integer(text: str, field: str, *, low: int | None = None,
            high: int | None = None) -> int:
    """A whole number within [low, high] (either bound may be open)."""
    raw = text.strip()
    try:
        value = int(raw)
    except ValueError:
        raise FieldError(field, f"a whole number{_bounds(low, high)}") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise FieldError(field, f"a whole number{_bounds(low, high)}; {value} is not")
    return value


def _bounds(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f" from {low} to {high}"
    if low is not None:
        return f" of at least {low}"
    return f" of at most {high}" if high is not None else ""


@dataclass(frozen=True)
class SplitPreview:
    train: int
    valid: int
    warning: str | None  # why tunedeck's validator would flag a half, or None


def split_preview(n_valid: int, ratio_value: float) -> SplitPreview:
    """The sizes a split of `n_valid` valid examples gives, and the validator's minimum.

    The same arithmetic as `dataset_ops.split_lines`, so the form shows what will be
    written; the after-submit check (`split_problems`) still validates the halves.
    """
    if n_valid < 2:
        return SplitPreview(n_valid, 0, "need at least two valid examples to split")
    train = split_cut(n_valid, ratio_value)
    valid = n_valid - train
    short = [f"{part} would have {n}: fine-tuning needs at least {MIN_EXAMPLES}"
             for part, n in (("train", train), ("validation", valid)) if n < MIN_EXAMPLES]
    return SplitPreview(train, valid, "; ".join(short) or None)


@dataclass(frozen=True)
class SplitRequest:
    ratio: float
    seed: int


@dataclass(frozen=True)
class ExampleRequest:
    """A dataset version and a number: the line to fill variables from, or how many
    examples become few-shot turns."""

    version_id: int
    number: int


Kind = Literal["sft", "dpo"]


@dataclass(frozen=True)
class DatasetTarget:
    """Where eval items become data: a dataset's name and the kind of lines."""

    name: str
    kind: Kind


def dataset_name(text: str) -> str:
    name = text.strip()
    if not name:
        raise FieldError("dataset", "a name is needed")
    return name


def ready_versions(store: Store) -> dict[str, list[DatasetVersion]]:
    """Every dataset with a ready version, and those versions (newest first): what a
    form offers to pick from, so a name or version that is not stored cannot be typed."""
    found: dict[str, list[DatasetVersion]] = {}
    for dataset in store.datasets.list():
        ready = [v for v in store.datasets.versions(dataset.id) if v.status == "ready"]
        if ready:
            found[dataset.name] = ready
    return found


def append_hint(store: Store, name: str) -> str:
    """What adding lines to the dataset `name` (taken whole, '@' and all) will do."""
    from tui.core.dataset_versions import latest_version
    from tui.core.wording import count_of

    latest = latest_version(store, name.strip())
    if latest is None:
        return f"creates the dataset {name.strip()}"
    return (f"adds a new version of {name.strip()} after v{latest.version} "
            f"({count_of(latest.n_examples, 'example')})")
