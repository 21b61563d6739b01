"""The split form: a train ratio and a seed, with the halves' sizes shown as you type.

It replaced the one-line "0.9 42" prompt. The sizes are computed with the split's own
arithmetic (tui.core.form_fields.split_preview), and a half below the minimum that
tunedeck's validator flags is warned about here, before submitting; the pane still
validates the real halves after submit (issue 21 item 14's check) and asks to confirm.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content

from tui.core import form_fields
from tui.core.form_fields import FieldError, SplitRequest
from tui.screens.form_base import TypedForm, form_row
from tui.ui_text import styled
from tui.widgets.visible_fields import VisibleInput


class SplitForm(TypedForm[SplitRequest]):
    def __init__(self, what: str, n_valid: int, *, ratio: float = 0.9,
                 seed: int = 42) -> None:
        """`what`: the version split (e.g. "support v3"), shown in the title."""
        super().__init__()
        self.title_text = f"Split the valid examples of {what}"
        self.n_valid = n_valid
        self.start = (ratio, seed)

    def compose_fields(self) -> ComposeResult:
        yield form_row("train ratio", VisibleInput(str(self.start[0]), id="split-ratio",
                                                   placeholder="between 0 and 1, e.g. 0.9"))
        yield form_row("seed", VisibleInput(str(self.start[1]), id="split-seed",
                                            placeholder="a whole number: the shuffle"))

    def hint(self) -> Content:
        try:
            ratio = form_fields.ratio(self.value("#split-ratio"))
        except FieldError:
            return styled((f"{self.n_valid:,} valid examples: type a train ratio between "
                           "0 and 1", "dim"))
        preview = form_fields.split_preview(self.n_valid, ratio)
        sizes = (f"train {preview.train:,} / validation {preview.valid:,} of "
                 f"{self.n_valid:,} valid examples")
        if preview.warning is None:
            return styled(sizes)
        return styled(sizes, "\n", (f"⚠ {preview.warning}", "b yellow"))

    def answer(self) -> SplitRequest:
        return SplitRequest(form_fields.ratio(self.value("#split-ratio")),
                            form_fields.integer(self.value("#split-seed"), "seed"))
