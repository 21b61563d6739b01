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

from rich.segment import Segment
from rich.text import Text
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
    """An Input whose value may hold control characters (a name typed from data)."""

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
