"""tui.core.form_fields: the rules of the typed forms' fields, without Textual."""

from __future__ import annotations

import pytest

from store import Store
from tests.jobs.helpers import stored_version
from tui.core import dataset_ops, form_fields
from tui.core.form_fields import FieldError


@pytest.mark.parametrize(("text", "value"), [("0.9", 0.9), (" .5 ", 0.5), ("0", None),
                                             ("1", None), ("1.5", None), ("ninety", None)])
def test_ratio(text, value):
    if value is None:
        with pytest.raises(FieldError, match="train ratio: a number between 0 and 1"):
            form_fields.ratio(text)
    else:
        assert form_fields.ratio(text) == value


def test_integer_names_its_field_and_bounds():
    assert form_fields.integer(" 7 ", "seed") == 7
    with pytest.raises(FieldError, match="^seed: a whole number$"):
        form_fields.integer("x", "seed")
    with pytest.raises(FieldError, match="line: a whole number from 1 to 4; 5 is not"):
        form_fields.integer("5", "line", low=1, high=4)
    with pytest.raises(FieldError, match="count: a whole number of at least 1; 0 is not"):
        form_fields.integer("0", "count", low=1)


def test_split_preview_is_what_the_split_writes_and_warns_below_the_minimum(tmp_path):
    store = Store(tmp_path / "s.db")
    version = stored_version(store, n=40)
    for ratio in (0.5, 0.75, 0.9, 0.99):
        train, valid = dataset_ops.split_lines(store, version, ratio=ratio, seed=1)
        preview = form_fields.split_preview(40, ratio)
        assert (preview.train, preview.valid) == (len(train), len(valid))
    assert form_fields.split_preview(40, 0.75).warning is None
    assert form_fields.split_preview(40, 0.9).warning == (
        "validation would have 4: fine-tuning needs at least 10")
    assert "need at least two" in (form_fields.split_preview(1, 0.9).warning or "")


def test_ready_versions_and_append_hint(tmp_path):
    store = Store(tmp_path / "s.db")
    first = stored_version(store, n=3)
    second = stored_version(store, n=4)
    assert [v.id for v in form_fields.ready_versions(store)["capitals"]] == [second, first]
    assert form_fields.append_hint(store, "capitals") == (
        "adds a new version of capitals after v2 (4 examples)")
    assert form_fields.append_hint(store, "capitals@1") == "creates the dataset capitals@1"
    with pytest.raises(FieldError, match="dataset: a name is needed"):
        form_fields.dataset_name("  ")
