"""The rule itself: the escape scheme, the Content/Text builders, and a scan of the UI code
for the patterns that turned data into markup."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile import corpus
from tests.hostile.scheme import documented
from tui.core.untrusted import VisibleStream, count_controls, visible


def test_every_code_point_follows_the_documented_scheme():
    everything = "".join(chr(c) for c in range(0x110000))
    assert visible(everything) == "".join(documented(c) for c in range(0x110000))


def test_examples_of_the_scheme():
    assert visible(corpus.OSC_TITLE) == "␛]2;pwned␇"
    assert visible("a\x9bb\u202ec") == "a\\u009bb\\u202ec"
    assert visible("keep\nand\ttabs, emoji 👩‍👩‍👧 and ünïcödé") == \
        "keep\nand\ttabs, emoji 👩‍👩‍👧 and ünïcödé"
    assert visible(42) == "42"
    assert count_controls("\x1b]2;x\x07\x9b") == 3


@given(st.text())
def test_visible_is_idempotent_and_leaves_no_control(text):
    shown = visible(text)
    assert visible(shown) == shown
    assert count_controls(shown) == 0


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8))
def test_json_through_visible_is_the_same_json(value):
    text = json.dumps(value, ensure_ascii=False)
    assert json.loads(visible(text)) == value


def test_a_visible_stream_writes_what_visible_returns():
    import io

    raw = io.StringIO()
    stream = VisibleStream(raw)
    print(corpus.hostile("x"), file=stream)  # type: ignore[arg-type]
    assert raw.getvalue() == visible(corpus.hostile("x")) + "\n"
    assert stream.raw is raw and stream.getvalue() == raw.getvalue()  # the rest is raw's


@pytest.mark.parametrize("value", [corpus.hostile("a"), *corpus.STRAY, corpus.MARKUP,
                                   corpus.link_spaced("b"), corpus.link_caps("c")])
def test_content_and_text_built_from_parts_carry_no_markup(value):
    from tui.ui_text import cells, lines, plain, rich_styled, styled

    content = styled(("Label: ", "bold"), value, (value, "red"))
    assert content.plain == "Label: " + visible(value) * 2
    assert {span.style for span in content.spans} <= {"bold", "red"}  # no @click from data
    assert lines([plain(value), value]).plain == visible(value) + "\n" + visible(value)
    text = rich_styled(("Label: ", "bold"), value)
    assert text.plain == "Label: " + visible(value)
    assert {str(span.style) for span in text.spans} == {"bold"}
    [cell] = cells(value)
    assert cell.plain == visible(value) and not cell.spans
