"""Text on screen built from parts, never from markup.

The rule (docs/security.md, "Untrusted text is shown as data"): a value that came from outside
tunedeck's own code — a dataset line or name, a model's answer, an eval or
grader name, a provider's message — is never formatted into a markup string
and never "protected" by `escape()` (which lets `[ @click=…]` and upper-case
tags through). Screens build `Content` (Textual widgets) or `Text` (Rich
renderables: tables, transcripts) from parts instead; every text part passes
through `visible()`, so control characters are shown, not obeyed.

A part is a string (plain text), a `(text, style)` pair, or an already built
Content/Text. Styles are ours, never data.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.content import Content

from tui.core.styled import Runs
from tui.core.untrusted import visible

Part = str | tuple[str, str] | Content
RichPart = str | tuple[str, str] | Text


def plain(value: object, style: str = "") -> Content:
    """One untrusted value as Content, optionally in one style."""
    text = visible(value)
    return Content.styled(text, style) if style else Content(text)


def styled(*parts: Part | None) -> Content:
    """Content assembled from parts; `None` parts are skipped (optional pieces)."""
    pieces: list[str | tuple[str, str] | Content] = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, Content):
            pieces.append(part)
        elif isinstance(part, tuple):
            text, style = part
            pieces.append((visible(text), style))
        else:
            pieces.append(visible(part))
    return Content.assemble(*pieces)


def lines(rows: Iterable[Content | str]) -> Content:
    """Rows joined by newlines (plain strings among them are made visible too)."""
    return Content("\n").join(row if isinstance(row, Content) else plain(row) for row in rows)


def from_runs(runs: Runs) -> Content:
    """A line styled in tui/core (text, style runs) as Content."""
    return styled(*[(text, style) for text, style in runs])


def rich_plain(value: object, style: str = "", **kwargs: object) -> Text:
    """One untrusted value as a Rich Text (DataTable cells, Rich renderables)."""
    return Text(visible(value), style=style, **kwargs)  # type: ignore[arg-type]


def rich_styled(*parts: RichPart | None) -> Text:
    """A Rich Text assembled from parts, every text part made visible."""
    text = Text()
    for part in parts:
        if part is None:
            continue
        if isinstance(part, Text):
            text.append_text(part)
        elif isinstance(part, tuple):
            value, style = part
            text.append(visible(value), style=style)
        else:
            text.append(visible(part))
    return text


def cells(*values: object) -> tuple[Text, ...]:
    """DataTable/row cells: a str cell would be parsed as markup; a Text cell is not."""
    return tuple(value if isinstance(value, Text) else rich_plain(value, end="")
                 for value in values)
