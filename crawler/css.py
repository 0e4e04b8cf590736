"""CSS selection helpers shared by discovery and extraction. Pure (parsel)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lxml.cssselect import CSSSelector
from parsel import Selector

from crawler.text import clean_text


@lru_cache(maxsize=1024)
def _compiled(query: str) -> CSSSelector:
    return CSSSelector(query, translator="html")


def select(element: Any, query: str) -> list[Any]:
    """element.cssselect(query), with the CSS compiled to XPath once per query, not per call."""
    return _compiled(query)(element)


def texts(selector: Selector, query: str) -> list[str]:
    """Clean texts for a CSS query: the strings of a ::text/::attr() query, else each element's whole text."""
    if "::" in query:
        found = (clean_text(value) for value in selector.css(query).getall())
    else:
        found = (clean_text(" ".join(el.xpath("string()").get("").split())) for el in selector.css(query))
    return [text for text in found if text]


def first_text(selector: Selector, queries: tuple[str, ...]) -> str | None:
    """The first non-empty text among `queries`, tried in order."""
    for query in queries:
        found = texts(selector, query)
        if found:
            return found[0]
    return None
