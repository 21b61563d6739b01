"""What reaches the terminal: a driver that records every byte, and the screen as text.

Textual's headless driver writes nothing, so a test that only looked at the
widget tree could not see a control sequence go out. `RecordingDriver` is the
headless driver with output on: the app renders exactly as it would to a real
terminal, and every string it writes is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from textual.drivers.headless_driver import HeadlessDriver

from tests.hostile.corpus import RAW_BYTES, markers
from tests.hostile.scheme import shown as visible


class RecordingDriver(HeadlessDriver):
    written: list[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.written = []

    @property
    def is_headless(self) -> bool:
        # Not headless, so the app renders to the driver as it would to a terminal.
        return False

    def write(self, data: str) -> None:
        self.written.append(data)

    def flush(self) -> None:
        pass


def recording(app: Any) -> Any:
    """The app, set to render through a RecordingDriver (run it with headless=False)."""
    app.driver_class = RecordingDriver
    return app


def terminal_output(app: Any) -> str:
    return "".join(app._driver.written)


def assert_terminal_clean(app: Any) -> None:
    """No payload from the data reached the terminal stream raw."""
    out = terminal_output(app)
    assert out, "the driver recorded nothing: the app did not render"
    leaked = [payload for payload in RAW_BYTES if payload in out]
    assert not leaked, f"raw control sequences from the data reached the terminal: {leaked!r}"


def screen_lines(app: Any, within: Any = None) -> list[str]:
    """The current screen as the terminal shows it, line by line (toasts included);
    with `within`, only that widget's region of it (a box beside other text)."""
    strips = app.screen._compositor.render_strips()
    if within is None:
        return [strip.text for strip in strips]
    region = within.content_region  # inside its border and padding
    return [strip.crop(region.x, region.right).text
            for strip in strips[region.y:region.bottom]]


def screen_text(app: Any, within: Any = None) -> str:
    return "\n".join(screen_lines(app, within))


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_shown(app: Any, *values: str, within: Any = None, prefix: int | None = None) -> None:
    """Each value is on screen literally: its markup as characters, its control
    characters as visible escapes (read from what the screen renders, in the region
    of `within` when given). `prefix` checks only the first characters (a value cut
    by its column's width). Wrapping does not matter: whitespace is ignored."""
    shown = squeezed(screen_text(app, within))
    for value in values:
        expected = squeezed(visible(value))[:prefix]
        assert expected in shown, (
            f"{expected!r} is not on screen literally:\n{screen_text(app, within)}")


def positions(app: Any, words: Iterable[str]) -> list[tuple[int, int]]:
    """Screen cells where each word starts (every occurrence)."""
    found = []
    for y, line in enumerate(screen_lines(app)):
        for word in words:
            for match in re.finditer(re.escape(word), line):
                found.append((cell_len(line[:match.start()]), y))
    return found


async def click_everything_hostile(pilot: Any, values: Iterable[str], shots: Path) -> None:
    """Click where each hostile value's link text is shown; nothing may happen.

    A live link would quit the app, or save `<marker>.svg` into `shots` (and say
    so, or that it failed, in a "Screenshot" notification). Screens a click opens (a row, an option) are
    closed again, so the walk goes on where it was.
    """
    app = pilot.app
    depth = len(app.screen_stack)
    words = [m for value in values for m in markers(value)]
    for x, y in positions(app, words):
        if len(app.screen_stack) < depth:
            break  # a click closed the screen (a row picked): what it showed is gone
        await pilot.click(offset=(x, y))
        await pilot.pause()
        assert app.return_code is None, (
            f"the app is exiting after a click at {(x, y)}: an action ran, or it crashed")
        while len(app.screen_stack) > depth:
            app.pop_screen()
            await pilot.pause()
    await pilot.pause(0.2)  # a screenshot is saved by a thread, then notified
    assert not list(shots.glob("*.svg")), "a click on data ran app.screenshot"
    ran = [n.message for n in app._notifications if "screenshot" in n.title.lower()]
    assert not ran, f"a click on data ran app.screenshot: {ran}"


def widget_text(widget: Any) -> str:
    """The lines a widget renders (what the compositor puts on screen for it)."""
    from textual.geometry import Region

    width, height = widget.size
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, width, height)))


def assert_widget_shows(widget: Any, value: str, *, prefix: int | None = None) -> None:
    shown = squeezed(widget_text(widget))
    expected = squeezed(visible(value))[:prefix]
    assert expected in shown, f"{expected!r} is not in {widget!r}:\n{widget_text(widget)}"


def assert_toast(app: Any, value: str, *, prefix: int | None = None) -> None:
    """A notification on screen shows `value` literally (read inside the toast)."""
    from textual.widgets._toast import Toast

    expected = squeezed(visible(value))[:prefix]
    toasts = [squeezed(screen_text(app, toast)) for toast in app.screen.query(Toast)]
    assert any(expected in text for text in toasts), (
        f"no notification shows {expected!r}: {toasts!r}")


def shows(app: Any, selector: str, text: str) -> bool:
    """Whether the widget `selector` on the current screen exists and renders `text`
    (for waiting on a worker's result)."""
    found = app.screen.query(selector)
    return bool(found) and text in str(found.first().render())
