"""Pick a dataset, one of its versions and a number: the Playground's example source.

It replaced "dataset[@version] line" and "dataset[@version] count". The dataset and
version are picked from what is stored (a name or version that does not exist
cannot be asked for); the number is checked against the chosen version's size.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Select

from store.records import DatasetVersion
from tui.core import form_fields
from tui.core.form_fields import ExampleRequest
from tui.core.wording import count_of
from tui.screens.form_base import TypedForm, form_row
from tui.ui_text import plain
from tui.widgets.visible_fields import VisibleInput


def version_options(versions: list[DatasetVersion]) -> list[tuple[Content, int]]:
    """The latest first (the default), then every ready version."""
    latest = versions[0]
    return [(plain(f"latest: v{latest.version} ({count_of(latest.n_examples, 'example')})"),
             latest.id)] + [
        (plain(f"v{v.version} ({count_of(v.n_examples, 'example')})"
               + (f" {v.note}" if v.note else "")), v.id) for v in versions[1:]]


class ExampleSourceForm(TypedForm[ExampleRequest]):
    """`number`: "line" (one example's line, bounded by the version's lines) or
    "count" (how many examples, bounded by its examples)."""

    def __init__(self, title: str, datasets: dict[str, list[DatasetVersion]], *,
                 number: str, default_name: str = "", default_number: int = 1) -> None:
        super().__init__()
        self.title_text = title
        self.datasets = datasets
        self.number = number
        self.dataset = default_name if default_name in datasets else next(iter(datasets))
        self.default_number = default_number

    def compose_fields(self) -> ComposeResult:
        yield form_row("dataset", Select([(plain(n), n) for n in self.datasets],
                                         value=self.dataset, allow_blank=False,
                                         id="source-dataset"))
        yield form_row("version", Select(version_options(self.datasets[self.dataset]),
                                         allow_blank=False, id="source-version"))
        yield form_row(self.number, VisibleInput(str(self.default_number),
                                                 id="source-number"))

    @on(Select.Changed, "#source-dataset")
    def _dataset_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.dataset:
            self.dataset = event.value
            self.query_one("#source-version", Select).set_options(
                version_options(self.datasets[self.dataset]))

    def version(self) -> DatasetVersion:
        chosen = self.query_one("#source-version", Select).value
        versions = self.datasets[self.dataset]
        return next((v for v in versions if v.id == chosen), versions[0])

    def high(self) -> int:
        version = self.version()
        return version.n_lines if self.number == "line" else version.n_examples

    def hint(self) -> Content:
        version = self.version()
        what = count_of(version.n_lines, "line") if self.number == "line" \
            else count_of(version.n_examples, "example")
        return plain(f"{self.dataset} v{version.version}: {what}", "dim")

    def answer(self) -> ExampleRequest:
        number = form_fields.integer(self.value("#source-number"), self.number, low=1,
                                     high=max(1, self.high()))
        return ExampleRequest(self.version().id, number)
