"""decode(html, content_type) -> str: a response's bytes as text, whatever charset it claims. Pure."""

from __future__ import annotations

from w3lib.encoding import html_to_unicode


def decode(html: str | bytes, content_type: str | None = None) -> str:
    """Bytes to text: as UTF-8 when they are valid multi-byte UTF-8, else by BOM, the
    Content-Type header, <meta charset>, then UTF-8 (the sites' default)."""
    if isinstance(html, str):
        return html
    utf8 = _valid_utf8(html)
    if utf8 is not None:
        return utf8
    _, text = html_to_unicode(content_type, html)
    return text


def _valid_utf8(raw: bytes) -> str | None:
    """The text if `raw` is valid UTF-8 with non-ASCII characters. Legacy 8-bit text is
    almost never valid UTF-8 by accident, while a page re-saved as UTF-8 often keeps its
    old <meta charset> (ISO-8859-15, windows-1252): trusting the label gives mojibake."""
    if raw.isascii() or b"\x00" in raw:  # ASCII reads the same either way; NULs mean UTF-16/32
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
