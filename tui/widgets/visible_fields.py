"""Fields and trees that show control characters instead of sending them to the terminal.

An Input or TextArea must keep its text exactly (an example being edited, a
model's answer before it becomes data), so the text itself cannot be
rewritten. What they draw can: each rendered line passes through `visible()`,
so an ESC in the value is drawn as ␛ while the value keeps the ESC. A line
holding such characters is drawn a little wider than the widget measures it
(C1 and bidi controls have no width until shown as `\\uXXXX`); it is cropped to
the widget's width, so the layout never moves.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.strip import Strip
from textual.widgets import DirectoryTree, Input, TextArea

from tui.core.untrusted import has_controls, visible


def visible_strip(strip: Strip) -> Strip:
    """The strip with every control character in its text shown as a visible escape."""
    segments = list(strip)
    if not any(not seg.control and has_controls(seg.text) for seg in segments):
        return strip
    shown = [Segment(visible(seg.text), seg.style, seg.control)
             if not seg.control and has_controls(seg.text) else seg for seg in segments]
    return Strip(shown).crop(0, strip.cell_length)


class VisibleInput(Input):
    """An Input whose value may hold control characters (a name typed from data).

    F7 selects all, as it does in Textual's TextArea: beside a prompt box, the same key
    must not select in one field and open a screen from the next (issue 21, item 20).
    """

    BINDINGS: ClassVar = [Binding("f7", "select_all", "Select all", show=False)]

    def render_line(self, y: int) -> Strip:
        return visible_strip(super().render_line(y))


class VisibleTextArea(TextArea):
    """A TextArea whose text may hold control characters (data being edited)."""

    def render_line(self, y: int) -> Strip:
        return visible_strip(super().render_line(y))


class VisibleDirectoryTree(DirectoryTree):
    """A DirectoryTree whose file names may hold control characters (anyone can name a
    file); its labels are already plain Text, never markup."""

    def process_label(self, label: str | Text) -> Text:
        return super().process_label(visible(label) if isinstance(label, str) else label)


class FileTree(VisibleDirectoryTree):
    """A folder tree showing folders and only the files a dialog can open (`suffixes`,
    e.g. (".json",); empty shows every file). Hidden entries stay hidden."""

    def __init__(self, path: str | Path, *, suffixes: tuple[str, ...] = (),
                 **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        self.suffixes = tuple(suffix.lower() for suffix in suffixes)

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        shown = []
        for path in paths:
            if path.name.startswith("."):
                continue
            try:
                if path.is_dir() or not self.suffixes \
                        or path.name.lower().endswith(self.suffixes):
                    shown.append(path)
            except OSError:  # a broken link, a vanished file: not openable anyway
                continue
        return shown
