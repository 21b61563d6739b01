"""The Datasets pane's version actions: derive (exclude, edit, dedupe, split), export, delete.

A mixin of DatasetsPane. Versions are immutable and branch: deriving from an older
version leaves out what later versions changed. So an action on a version that is
not its dataset's latest asks which one to start from (the latest by default), every
result says which version it came from, and a version nothing uses can be deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message

from tui.core.wording import count_of
from tui.ui_text import styled

if TYPE_CHECKING:  # the pane mounts before the store (and pydantic) loads (issue 19)
    from store.records import DatasetVersion


class VersionActions:
    """Mixed into DatasetsPane: `self` is the pane (its store, selection and messages)."""

    class VersionDeleted(Message):
        def __init__(self, text: str, dataset_id: int) -> None:
            super().__init__()
            self.text = text
            self.dataset_id = dataset_id

    class SplitChecked(Message):
        """The would-be split halves were validated: what the validator would flag."""

        def __init__(self, version_id: int, ratio: float, seed: int,
                     problems: list[str]) -> None:
            super().__init__()
            self.version_id, self.ratio, self.seed = version_id, ratio, seed
            self.problems = problems

    # -- which version ---------------------------------------------------------
    def _named(self, version_id: int) -> tuple[str, DatasetVersion, DatasetVersion]:
        """(dataset name, the version, its dataset's latest ready version)."""
        store = self.tunedeck.store
        version = store.datasets.version(version_id)
        name = next(d.name for d in store.datasets.list() if d.id == version.dataset_id)
        ready = [v for v in store.datasets.versions(version.dataset_id) if v.status == "ready"]
        return name, version, (ready[0] if ready else version)

    def _from_which(self, action: str, then: Callable[[int], None]) -> None:
        """Run `then(version_id)` on the selected version, or ask when it is not the latest."""
        from tui.screens.version_choice import ChooseVersion

        if not self.has_version():
            return
        name, selected, latest = self._named(self.version_id)
        if latest.id == selected.id:
            then(selected.id)
            return

        def chosen(version_id: int | None) -> None:
            if version_id is not None:
                then(version_id)

        self.app.push_screen(ChooseVersion(action, name, latest, selected), chosen)

    def _on_this_version(self, action: str, version_id: int, then: Callable[[], None]) -> None:
        """An edit of one line belongs to the version it was read from: confirm an old one."""
        from tui.screens.version_choice import ConfirmChange

        name, version, latest = self._named(version_id)
        if latest.id == version.id:
            then()
            return
        self.app.push_screen(ConfirmChange(styled(
            (f"{action} in {name} v{version.version}?", "b"),
            f"\nIt is not the latest version (v{latest.version}): the new version will not "
            f"have the changes made after v{version.version}.")),
            lambda yes: then() if yes else None)

    # -- derived versions ---------------------------------------------------------
    def action_split(self) -> None:
        from tui.core.form_fields import SplitRequest
        from tui.screens.split_form import SplitForm

        def ask(version_id: int) -> None:
            def done(request: SplitRequest | None) -> None:
                if request is not None:
                    self.check_split(version_id, request.ratio, request.seed)

            name, version, _ = self._named(version_id)
            n_valid = self.tunedeck.store.datasets.count_examples(version_id, status="valid")
            self.app.push_screen(SplitForm(f"{name} v{version.version}", n_valid), done)

        self._from_which("Split", ask)

    @work(thread=True, exclusive=True, group="dataset-derive", exit_on_error=False,
          name="check split")
    def check_split(self, version_id: int, ratio: float, seed: int) -> None:
        from store import Store
        from tui.core.dataset_ops import split_problems

        with Store(self.tunedeck.db_path) as store:
            problems = split_problems(store, version_id, ratio=ratio, seed=seed)
        self.post_message(self.SplitChecked(version_id, ratio, seed, problems))

    def on_version_actions_split_checked(self, message: SplitChecked) -> None:
        from tui.screens.version_choice import ConfirmChange

        def split() -> None:
            self.derive("split", message.version_id, ratio=message.ratio, seed=message.seed)

        if not message.problems:
            split()
            return
        self.app.push_screen(ConfirmChange(styled(
            ("Tunedeck would flag this split ✗", "b"), "\n", "\n".join(message.problems),
            "\nA job needs both files valid; change the ratio, or split anyway?")),
            lambda yes: split() if yes else None)

    def action_dedupe(self) -> None:
        self._from_which("Dedupe", lambda version_id: self.derive("dedupe", version_id))

    def action_export(self) -> None:
        from tui.screens.text_prompt import AskName

        if not self.has_version():
            return
        name, version, _ = self._named(self.version_id)

        def done(path: str | None) -> None:
            if path:
                self.derive("export", version.id, path=path)

        self.app.push_screen(AskName(f"Export the valid examples of {name} v{version.version} "
                                     "to (JSONL path)", str(Path.cwd() / "export.jsonl")), done)

    @work(thread=True, exclusive=True, group="dataset-derive", exit_on_error=False,
          name="dataset operation")
    def derive(self, op: str, version_id: int, **kw: Any) -> None:
        from store import Store
        from tui.core import dataset_ops

        warning = ""
        with Store(self.tunedeck.db_path) as store:
            source = f"v{store.datasets.version(version_id).version}"
            if op == "exclude":
                new = dataset_ops.exclude_lines(store, version_id, kw["lines"])
                lines = sorted(kw["lines"])
                detail = (f"line {lines[0]} excluded" if len(lines) == 1
                          else f"lines {', '.join(map(str, lines))} excluded")
            elif op == "edit":
                new = dataset_ops.replace_line(store, version_id, kw["line"], kw["text"])
                detail = f"line {kw['line']} edited"
            elif op == "dedupe":
                from tui.core.datasets.conflicts import describe

                new, removed, conflicts = dataset_ops.dedupe(store, version_id)
                detail = f"{count_of(removed, 'duplicate')} removed"
                warning = describe(conflicts)
                if warning:
                    warning += f" (line numbers of v{new.version})"
            elif op == "split":
                train, valid = dataset_ops.split(
                    store, version_id, ratio=kw["ratio"], seed=kw["seed"]
                )
                self.post_message(self.VersionWritten(
                    train.id, f"split of {source}: train {train.n_examples:,} / valid "
                    f"{count_of(valid.n_examples, 'example')}", new_view=True))
                return
            else:
                count = dataset_ops.export_valid(store, version_id, kw["path"])
                self.post_message(
                    self.VersionWritten(
                        version_id, f"Exported {count:,} valid examples of {source} to "
                        f"{kw['path']}"
                    )
                )
                return
        # The same lines as the source find the source itself: nothing new was made.
        text = (f"{source} unchanged: {detail}" if new.id == version_id
                else f"v{new.version} from {source}: {detail}")
        self.post_message(self.VersionWritten(new.id, text, warning=warning))

    # -- deleting ------------------------------------------------------------------
    def action_delete_version(self) -> None:
        from tui.screens.version_choice import ConfirmChange

        if not self.has_version():
            return
        name, version, _ = self._named(self.version_id)
        uses = self.tunedeck.store.datasets.version_uses(version.id)
        if uses:
            self.notify(f"{name} v{version.version} is kept: it is used by "
                        f"{', '.join(uses)}", severity="warning", timeout=10)
            return
        store = self.tunedeck.store
        children = [v for d in store.datasets.list() for v in store.datasets.versions(d.id)
                    if v.parent_version_id == version.id]
        relink = (f"\n{count_of(len(children), 'version')} derived from it will show "
                  f"{'its parent' if version.parent_version_id else 'no parent'} instead."
                  if children else "")
        self.app.push_screen(ConfirmChange(styled(
            (f"Delete {name} v{version.version}?", "b"),
            f"\nIts {count_of(version.n_lines, 'line')} are removed from the store; "
            f"this cannot be undone.{relink}")),
            lambda yes: self.delete_version(version.id) if yes else None)

    @work(thread=True, exclusive=True, group="dataset-derive", exit_on_error=False,
          name="delete dataset version")
    def delete_version(self, version_id: int) -> None:
        from store import Store

        with Store(self.tunedeck.db_path) as store:
            version = store.datasets.version(version_id)
            store.datasets.delete_version(version_id)
        self.post_message(self.VersionDeleted(f"Deleted v{version.version}",
                                              version.dataset_id))

    def on_version_actions_version_deleted(self, message: VersionDeleted) -> None:
        store = self.tunedeck.store
        same = [v for d in store.datasets.list() if d.id == message.dataset_id
                for v in store.datasets.versions(d.id)]
        self.version_id = same[0].id if same else None
        self.notify(message.text)
        self.reload()
