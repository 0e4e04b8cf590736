"""The article as the page's scripts carry it, for pages that render their body in the
browser: a Next.js app sends the body's HTML in its flight data (`self.__next_f.push`
calls, where a text row reads `id:T<byte length>,<text>`), an older one in the
`__NEXT_DATA__` JSON. Server-rendered HTML has nothing to extract there. Pure; bounded
by the page, which the download limit already bounds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lxml import html as lxml_html

from crawler.extract.evaluate import distinct_shingles, holds, without_tags

_PUSH = re.compile(r'self\.__next_f\.push\(\[1,\s*"((?:[^"\\]|\\.)*)"\]\)')
_ROW = re.compile(rb"[0-9a-zA-Z]+:")
_TEXT_ROW = re.compile(rb"T([0-9a-f]{1,8}),")
_MARKUP = re.compile(r"<p[\s>]", re.IGNORECASE)
MIN_PARAGRAPHS = 3  # <p> tags a string needs to be a body rather than a teaser or a caption
MAX_DEPTH = 64  # JSON nesting walked; page data is shallow, a hostile page is not
SHOWN = 8  # shingles of shown text from which a body in the scripts must hold it
HOLDS = 0.8  # share of the shown text's shingles that body must hold: the same article


def _flight_rows(page: str) -> Iterator[str]:
    """The text rows of the page's Next.js flight data, read row after row: a row is
    `id:` and a line, but a text row is `id:T<hex length>,` and that many UTF-8 bytes, with
    no newline after it (text rows may follow one another directly, and hold newlines)."""
    pushed: list[str] = []
    for match in _PUSH.finditer(page):
        try:
            pushed.append(json.loads(f'"{match.group(1)}"'))
        except ValueError:
            continue
    # A character outside the BMP split between two pushes is two lone surrogates; joined,
    # they are one character again, four bytes and not six.
    joined = "".join(pushed).encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    flight = joined.encode("utf-8", "replace")
    at = 0
    while at < len(flight):
        row = _ROW.match(flight, at)
        text = _TEXT_ROW.match(flight, row.end()) if row else None
        if text is not None:
            at = text.end() + int(text.group(1), 16)
            yield flight[text.end() : at].decode("utf-8", "replace")
            continue
        line_end = flight.find(b"\n", at)
        at = len(flight) if line_end < 0 else line_end + 1


def _strings(node: Any, depth: int = 0) -> Iterator[str]:
    if depth > MAX_DEPTH:
        return
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value, depth + 1)


def _json_strings(tree: lxml_html.HtmlElement) -> Iterator[str]:
    """The strings of the page's JSON data scripts (`__NEXT_DATA__` among them)."""
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except (ValueError, RecursionError):
            continue
        yield from _strings(data)


def body_html(page: str, tree: lxml_html.HtmlElement, shown: str) -> str | None:
    """The longest HTML string among the page's script data that reads as an article body
    (at least MIN_PARAGRAPHS paragraphs) and holds the text the page shows, if it shows any
    (scripts also preload the next story); None on a page that carries none.

    >>> story = ["Ferry crews voted to accept the deal.", "Turnout was high.", "Sailings resume in June, é."]
    >>> rows = ["".join(f"<p>{line}</p>" for line in story), "<p>The lighthouse will open.</p>" * 4]
    >>> pushed = "".join(f"9:T{len(row.encode()):x},{row}" for row in rows)  # one right after the other
    >>> page = f'<script>self.__next_f.push([1,"{pushed}"])</script>'
    >>> body_html(page, lxml_html.fromstring(page), "") == rows[1]
    True
    >>> body_html(page, lxml_html.fromstring(page), " ".join(story)) == rows[0]  # not the next story
    True
    >>> body_html("<p>Server-rendered.</p>", lxml_html.fromstring("<p>Server-rendered.</p>"), "") is None
    True
    """
    showing = distinct_shingles(shown)
    found = [
        text
        for text in (*_flight_rows(page), *_json_strings(tree))
        if len(_MARKUP.findall(text)) >= MIN_PARAGRAPHS
        and (len(showing) < SHOWN or holds(distinct_shingles(without_tags(text)), showing, HOLDS))
    ]
    return max(found, key=len) if found else None
