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

_PUSH = re.compile(r'self\.__next_f\.push\(\[1,\s*"((?:[^"\\]|\\.)*)"\]\)')
_TEXT_ROW = re.compile(rb"(?:^|\n)[0-9a-zA-Z]+:T([0-9a-f]{1,8}),")
_MARKUP = re.compile(r"<p[\s>]", re.IGNORECASE)
MIN_PARAGRAPHS = 3  # <p> tags a string needs to be a body rather than a teaser or a caption
MAX_DEPTH = 64  # JSON nesting walked; page data is shallow, a hostile page is not


def _flight_rows(page: str) -> Iterator[str]:
    """The text rows of the page's Next.js flight data. Their length counts UTF-8 bytes."""
    pushed: list[str] = []
    for match in _PUSH.finditer(page):
        try:
            pushed.append(json.loads(f'"{match.group(1)}"'))
        except ValueError:
            continue
    flight = "".join(pushed).encode("utf-8", "surrogatepass")
    for row in _TEXT_ROW.finditer(flight):
        yield flight[row.end() : row.end() + int(row.group(1), 16)].decode("utf-8", "replace")


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


def body_html(page: str, tree: lxml_html.HtmlElement) -> str | None:
    """The longest HTML string among the page's script data that reads as an article body
    (at least MIN_PARAGRAPHS paragraphs), None on a page that carries none.

    >>> row = "<p>One.</p><p>Two.</p><p>Three, é.</p>"
    >>> size = len(row.encode())
    >>> page = f'<script>self.__next_f.push([1,"9:T{size:x},{row}"])</script>'
    >>> body_html(page, lxml_html.fromstring(page)) == row
    True
    >>> body_html("<p>Server-rendered.</p>", lxml_html.fromstring("<p>Server-rendered.</p>")) is None
    True
    """
    found = [
        text for text in (*_flight_rows(page), *_json_strings(tree)) if len(_MARKUP.findall(text)) >= MIN_PARAGRAPHS
    ]
    return max(found, key=len) if found else None
