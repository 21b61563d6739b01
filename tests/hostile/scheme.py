"""The escape scheme of docs/security.md, "Untrusted text is shown as data", written out independently of
tui.core.untrusted: what the tests expect the screen and the CLI to show."""

from __future__ import annotations

BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def documented(code: int) -> str:
    if code in (0x09, 0x0A):
        return chr(code)
    if code < 0x20:
        return chr(0x2400 + code)
    if 0x7F <= code < 0xA0 or code in BIDI or code in (0x2028, 0x2029) \
            or 0xD800 <= code < 0xE000:
        return f"\\u{code:04x}"
    return chr(code)


def shown(text: str) -> str:
    """`text` as the scheme shows it."""
    return "".join(documented(ord(c)) for c in text)
