"""A TypedForm without its hooks is refused when its class is made, not when it opens."""

from __future__ import annotations

import pytest

from tui.screens.form_base import TypedForm


def test_a_form_without_answer_is_refused_at_class_creation() -> None:
    with pytest.raises(TypeError, match="NoAnswer is a TypedForm without answer"):
        class NoAnswer(TypedForm[int]):
            def compose_fields(self):
                yield from ()


def test_a_form_without_either_hook_names_both() -> None:
    with pytest.raises(TypeError, match="without compose_fields, answer"):
        class Empty(TypedForm[int]):
            pass


def test_a_form_with_both_hooks_is_made() -> None:
    class Whole(TypedForm[int]):
        def compose_fields(self):
            yield from ()

        def answer(self) -> int:
            return 1

    assert Whole.answer(None) == 1  # type: ignore[arg-type]
