"""Datasets: import JSONL, see exactly what the provider will reject, browse, derive versions.

Import and every derivation run in thread workers with their own store
connection; the pane re-reads the store when they report. Examples are shown
in a VirtualTable paged from SQLite, so 100k lines open instantly.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.core.eval_data import eval_items
from tui.core.wording import count_of
from tui.panes.base import EmptyState, Pane
from tui.panes.dataset_actions import VersionActions
from tui.ui_text import styled
from tui.widgets.dataset_examples import ExampleSource
from tui.widgets.dataset_stats import render_eval_items, render_report
from tui.widgets.virtual_table import Column, VirtualTable

if TYPE_CHECKING:
    from textual.widgets import ProgressBar

FILTERS = ("all", "invalid", "over limit")


class DatasetsPane(VersionActions, Pane):
    # Pane-local styles: parsed when the pane first mounts, not before the first frame.
    DEFAULT_CSS = """
    #ds-main { height: 1fr; }
    #ds-versions { width: 30; height: 1fr; }
    #ds-detail { width: 1fr; height: 1fr; }
    #ds-stats { height: auto; max-height: 9; padding: 0 1; }
    #ds-filter { height: 1; padding: 0 1; color: $text-muted; background: $panel; }
    #ds-progress { height: 1; padding: 0 1; }
    """
    pane_id = "datasets"
    pane_title = "Datasets"
    empty_text = (
        "[b]Datasets[/b] hold the training and eval data of the flywheel.\n\n"
        "Every JSONL file you import is validated line by line, exactly as the provider\n"
        "will (SFT, tools, vision, DPO, RFT), with exact token counts and a cost estimate,\n"
        "before anything is uploaded or paid for.\n\n"
        "Press [b]i[/b] to import a JSONL file.   From a shell: [b]tunedeck validate FILE[/b]"
    )
    BINDINGS: ClassVar = [
        Binding("i", "import_file", "Import", id="datasets.import"),
        Binding("f", "cycle_filter", "Filter", id="datasets.filter"),
        Binding("slash", "search", "Search", id="datasets.search"),
        Binding("c", "category", "Category", id="datasets.category"),
        Binding("s", "split", "Split", id="datasets.split"),
        Binding("d", "dedupe", "Dedupe", id="datasets.dedupe"),
        Binding("w", "export", "Export", id="datasets.export"),
        Binding("u", "upload", "Upload", id="datasets.upload"),
        Binding("l", "loop", "Loop", id="datasets.loop"),
        Binding("D", "distill", "Distill", id="datasets.distill"),
        Binding("delete", "delete_version", "Delete version", id="datasets.delete",
                key_display="del"),
    ]

    class ImportProgress(Message):
        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done = done
            self.total = total

        def can_replace(self, message: Message) -> bool:
            # Only the latest progress matters: coalesce queued updates.
            return isinstance(message, DatasetsPane.ImportProgress)

    class VersionWritten(Message):
        """A version was written or used; `new_view` when it is other data (an import, a
        split) rather than the same data changed (an edit, an exclusion, a dedupe)."""

        def __init__(self, version_id: int, text: str, *, new_view: bool = False,
                     warning: str = "") -> None:
            super().__init__()
            self.version_id = version_id
            self.text = text
            self.new_view = new_view
            self.warning = warning  # what the user must still resolve (a dedupe's conflicts)

    class WriteFailed(Message):
        """An import or upload wrote nothing; `text` says why (and what to do)."""

        def __init__(self, title: str, text: str) -> None:
            super().__init__()
            self.title, self.text = title, text

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._version_id: int | None = None
        self.filter_index = 0
        self.search: str | None = None
        self.category: str | None = None

    @property
    def version_id(self) -> int | None:
        return self._version_id

    @version_id.setter
    def version_id(self, value: int | None) -> None:
        self._version_id = value
        self.tunedeck.workbench.current_version_id = value  # what the job/loop forms start on

    def compose(self) -> ComposeResult:
        yield EmptyState(self.empty_text, classes="empty-state")
        # The import/upload progress bar is mounted by the first import (_show_progress):
        # four widgets fewer to lay out before the app's first frame (issue 19).
        with Horizontal(id="ds-main"):
            yield OptionList(id="ds-versions")
            with Vertical(id="ds-detail"):
                yield Static(id="ds-stats")
                yield Static(id="ds-filter")
                yield VirtualTable(
                    [
                        Column("line", 7, "right"),
                        Column("", 3),
                        # At 80 columns the preview and the error category stay readable.
                        Column("format", 9, hide_below=72),
                        Column("tokens", 7, "right"),
                        Column("msgs", 4, "right", hide_below=72),
                        Column("category", 22, min_width=14),
                        Column("preview", 0),
                    ],
                    id="ds-examples",
                )

    def on_resize(self) -> None:
        # A narrower versions list at 80 columns leaves the examples their preview.
        if self.size.width:  # not before the first layout
            self.query_one("#ds-versions").styles.width = 30 if self.size.width >= 100 else 24

    # -- reading the store --------------------------------------------------
    def reload(self) -> None:
        store = self.tunedeck.store
        versions = [(d, v) for d in store.datasets.list() for v in store.datasets.versions(d.id)]
        # Each version names its parent: versions branch (a dedupe of v1 is not v5 + dedupe).
        known = {v.id: (d, v) for d, v in versions}
        option_list = self.query_one("#ds-versions", OptionList)
        option_list.clear_options()
        for dataset, version in versions:
            mark = (
                "…"
                if version.status == "importing"
                else ("✓" if (version.report or {}).get("trainable") else "✗")
            )
            if mark == "✗" and (items := eval_items(store, version)) is not None:
                mark = "✓" if items.valid else "✗"  # eval data: judged as eval items
            parent = known.get(version.parent_version_id or -1)
            origin = None if parent is None else (
                f" ←v{parent[1].version}" if parent[0].id == dataset.id
                else f" ←{parent[0].name} v{parent[1].version}")
            option_list.add_option(Option(
                styled(f"{mark} ", dataset.name, f" v{version.version}",
                       (origin, "dim") if origin else None, f"  {version.n_examples:,}"),
                id=str(version.id)))
        empty = not versions
        self.show_empty(empty)
        self.query_one("#ds-main").display = not empty
        if empty:
            return
        ids = [v.id for _, v in versions]
        if self.version_id not in ids:
            self.version_id = ids[0]
        option_list.highlighted = ids.index(self.version_id)
        self.show_version()
        if self.app.focused is self:
            # The pane held focus while it was empty; now there is a list to use.
            self.query_one("#ds-examples", VirtualTable).focus()

    def show_version(self) -> None:
        if self.version_id is None:
            return
        store = self.tunedeck.store
        version = store.datasets.version(self.version_id)
        name = next(d.name for d in store.datasets.list() if d.id == version.dataset_id)
        title = f"{name} v{version.version}"
        if version.parent_version_id is not None:
            parent = store.datasets.version(version.parent_version_id)
            parent_name = next(d.name for d in store.datasets.list() if d.id == parent.dataset_id)
            title += f" from {'' if parent_name == name else parent_name + ' '}v{parent.version}"
        if version.note:
            title += f" ({version.note})"
        items = eval_items(store, version)
        self.query_one("#ds-stats", Static).update(
            render_report(version.report, title) if items is None
            else render_eval_items(items, title, version.id))
        filter_name = FILTERS[self.filter_index]
        limit = (version.report or {}).get("token_limit")
        source = ExampleSource(
            store,
            version.id,
            status="invalid" if filter_name == "invalid" else None,
            min_tokens=limit if filter_name == "over limit" and limit else None,
            category=self.category,
            search=self.search,
            eval_items=items is not None,
        )
        table = self.query_one("#ds-examples", VirtualTable)
        table.set_source(source)
        # The search and the category come from the data (typed from it): parts, not markup.
        self.query_one("#ds-filter", Static).update(styled(
            "showing ", (filter_name, "b"),
            *(("  category ", (self.category, "b")) if self.category else ()),
            *(("  matching ", (repr(self.search), "b")) if self.search else ()),
            f"  {table.row_count:,} rows  ·  enter opens · f filter · / search · c category"))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and int(event.option.id) != self.version_id:
            self.version_id = int(event.option.id)
            self.category = None
            self.show_version()

    def has_version(self) -> bool:
        """Whether there is a version to act on; if not, say so instead of doing nothing."""
        if self.version_id is None:
            self.notify("No dataset yet: press i to import a JSONL file", severity="warning")
            return False
        return True

    # -- filters -------------------------------------------------------------
    def action_cycle_filter(self) -> None:
        if not self.has_version():
            return
        self.filter_index = (self.filter_index + 1) % len(FILTERS)
        self.show_version()

    def action_search(self) -> None:
        from tui.screens.text_prompt import AskName

        if not self.has_version():
            return

        def done(text: str | None) -> None:
            if text is None:  # esc: the search stays as it was
                return
            self.search = text or None
            self.show_version()

        self.app.push_screen(AskName("Search examples (empty clears)", self.search or "",
                                     allow_empty=True), done)

    def action_category(self) -> None:
        if not self.has_version():
            return
        from tui.screens.form_base import PickOne

        cats = self.tunedeck.store.datasets.categories(self.version_id)
        if not cats:
            self.notify("No errors in this version")
            return

        def done(category: str | None) -> None:
            if category is None:  # esc: the category stays as it was
                return
            self.category = category or None
            self.show_version()

        choices = [(f"{c} ({n:,})", c) for c, n in cats] + [("all: clear the filter", "")]
        current = next((i for i, (_, c) in enumerate(choices) if c == self.category), 0)
        self.app.push_screen(PickOne("Show the errors of one category", choices,
                                     highlighted=current), done)

    # -- opening an example ----------------------------------------------------
    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        from tui.screens.example import ExampleScreen

        version_id = self.version_id
        if version_id is None:
            return
        example = self.tunedeck.store.datasets.example(version_id, event.row.key)

        def done(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            action, text = result
            if action == "exclude":
                self._on_this_version(f"Exclude line {example.line}", version_id, lambda:
                                      self.derive("exclude", version_id, lines={example.line}))
            elif action == "edit":
                self._on_this_version(f"Edit line {example.line}", version_id, lambda: self.derive(
                    "edit", version_id, line=example.line, text=text))

        self.app.push_screen(ExampleScreen(example), done)

    # -- import ----------------------------------------------------------------
    def action_import_file(self) -> None:
        from tui.screens.dataset_import import ImportScreen

        def done(result: tuple[str, str, str] | None) -> None:
            if result is not None:
                path, name, model = result
                self._show_progress()
                self.run_import(path, name, model)

        self.app.push_screen(ImportScreen(Path.cwd()), done)

    @work(
        thread=True,
        exclusive=True,
        group="dataset-import",
        exit_on_error=False,
        name="import dataset",
    )
    def run_import(self, path: str, name: str, model: str) -> None:
        from tui.core.dataset_versions import DatasetImportError

        workbench = self.tunedeck.workbench
        try:
            with workbench.connect() as store:  # this worker thread's own connection
                result = workbench.import_dataset(
                    path, name=name, model=model, store=store,
                    progress=lambda done, total: self.post_message(
                        self.ImportProgress(done, total)))
        except DatasetImportError as exc:
            self.post_message(self.WriteFailed("Nothing imported", str(exc)))
            return
        version = result.version
        text = (
            f"{name} v{version.version} already imported (same bytes)"
            if result.reused
            else f"Imported {name} v{version.version}: {count_of(version.n_examples, 'example')}, "
            f"{version.n_invalid:,} invalid"
        )
        self.post_message(self.VersionWritten(version.id, text, new_view=True))

    def on_worker_state_changed(self, event) -> None:  # noqa: ANN001 - Worker.StateChanged
        # A failed import or upload: hide its progress bar (the app shows the error).
        from textual.worker import WorkerState

        if event.worker.group in ("dataset-import", "dataset-upload") and event.state in (
            WorkerState.ERROR, WorkerState.CANCELLED
        ):
            self._hide_progress()

    def _show_progress(self) -> ProgressBar:
        """The progress bar at 0 and shown, mounted above the versions the first time."""
        from textual.widgets import ProgressBar

        found = self.query("#ds-progress")
        if found:
            bar = found.first(ProgressBar)
        else:
            bar = ProgressBar(total=100, show_eta=True, id="ds-progress")
            self.mount(bar, before="#ds-main")
        bar.update(total=100, progress=0)
        bar.display = True
        return bar

    def _hide_progress(self) -> None:
        for bar in self.query("#ds-progress"):
            bar.display = False

    def on_datasets_pane_import_progress(self, message: ImportProgress) -> None:
        found = self.query("#ds-progress")
        bar = found.first() if found else self._show_progress()
        bar.update(total=max(1, message.total), progress=message.done)

    def on_datasets_pane_write_failed(self, message: WriteFailed) -> None:
        self._hide_progress()
        self.notify(message.text, title=message.title, severity="error", timeout=10)

    def on_datasets_pane_version_written(self, message: VersionWritten) -> None:
        self._hide_progress()
        self.version_id = message.version_id
        if message.new_view:
            self.filter_index, self.search, self.category = 0, None, None
        # Otherwise the view stays: excluding the errors one by one keeps showing errors.
        self.notify(message.text)
        if message.warning:
            self.notify(message.warning, title="Conflicting answers", severity="warning",
                        timeout=30, markup=False)
        self.reload()

    # -- upload ------------------------------------------------------------------
    def action_loop(self) -> None:
        """The guided loop on this dataset version: baseline, fine-tune, eval, compare."""
        self.tunedeck.action_new_loop(self.version_id)

    def action_distill(self) -> None:
        """A teacher's graded answers to this version's prompts, as a new version."""
        from tui.distill_flow import from_version

        from_version(self.tunedeck, self.version_id)

    def action_upload(self) -> None:
        from tui.core.config import Capability

        profile = self.tunedeck.profile
        if not self.has_version():
            return
        if not profile.has(Capability.FILES):
            self.notify(f"Profile {profile.name} ({profile.kind}) cannot store files; pick "
                        "another profile with p", severity="warning")
            return
        self._show_progress()
        self.run_upload(self.version_id)

    @work(thread=True, exclusive=True, group="dataset-upload", exit_on_error=False,
          name="upload dataset")
    def run_upload(self, version_id: int) -> None:
        # A thread with its own event loop and connection: reading a big version's lines
        # from SQLite must not happen on the UI thread.
        workbench = self.tunedeck.workbench

        async def upload(store):
            return await workbench.upload_dataset_version(
                version_id, store=store,
                progress=lambda d, t: self.post_message(self.ImportProgress(d, t)))

        prepared, file_id, fresh = workbench.run_in_thread(upload)
        if file_id is None:
            self.post_message(self.WriteFailed("Nothing uploaded", "No valid examples to upload"))
            return
        verb = "Uploaded" if fresh else "Already on the provider:"
        self.post_message(self.VersionWritten(
            version_id, f"{verb} {prepared.label} as {file_id} ({prepared.lines:,} valid lines"
            + (f", {prepared.skipped:,} invalid left out)" if prepared.skipped else ")")))
