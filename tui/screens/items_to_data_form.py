"""Where an eval's failures (or chosen items) become data: a dataset name and a kind.

It replaced "name, or name:dpo". The name is typed (a new one creates the dataset;
stored names are suggested, → completes) and the kind is picked: SFT lines, or DPO
preference pairs. The line under the fields says which version the lines extend.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.content import Content
from textual.suggester import SuggestFromList
from textual.widgets import RadioButton, RadioSet

from tui.core import form_fields
from tui.core.form_fields import DatasetTarget
from tui.screens.form_base import TypedForm, form_row
from tui.ui_text import plain
from tui.widgets.visible_fields import VisibleInput


class ItemsToDataForm(TypedForm[DatasetTarget]):
    def __init__(self, what: str, names: list[str], *, default: str = "eval-fixes",
                 describe: Callable[[str], str] | None = None) -> None:
        """`what`: which items ("the failures", "the 2 selected items"); `describe`: what
        saving to a name will extend (tui.core.dataset_versions.describe_append)."""
        super().__init__()
        self.title_text = f"Dataset for {what}"
        self.names = names
        self.default = default
        self.describe = describe

    def compose_fields(self) -> ComposeResult:
        yield form_row("dataset", VisibleInput(
            self.default, id="to-data-name", placeholder="a stored or a new dataset name",
            suggester=SuggestFromList(self.names, case_sensitive=True)))
        with RadioSet(id="to-data-kind"):
            yield RadioButton("SFT: the correct answer as the assistant turn", value=True,
                              id="to-data-sft")
            yield RadioButton("DPO: the correct answer preferred over the model's",
                              id="to-data-dpo")

    def kind(self) -> form_fields.Kind:
        return "dpo" if self.query_one("#to-data-dpo", RadioButton).value else "sft"

    def hint(self) -> Content:
        name = self.value("#to-data-name").strip()
        if self.describe is None or not name:
            return Content("")
        return plain(self.describe(name), "dim")

    def answer(self) -> DatasetTarget:
        return DatasetTarget(form_fields.dataset_name(self.value("#to-data-name")),
                             self.kind())
