"""CSS selection helpers shared by discovery and extraction. Pure (parsel)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lxml import etree
from lxml.cssselect import CSSSelector
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from crawler.text import clean_text

_PARSEL_HTML = HTMLTranslator()  # what Selector.css uses for HTML, ::text and ::attr() included
# An element's whole text, compiled once (element.xpath("string()") compiles it on every call).
string_value = etree.XPath("string()", smart_strings=False)
# Selectors whose matches may change as other matches are removed: siblings, position, text.
_CONTEXT_SENSITIVE = frozenset(":+~")


@lru_cache(maxsize=1024)
def _compiled(query: str) -> CSSSelector:
    return CSSSelector(query, translator="html")


def select(element: Any, query: str) -> list[Any]:
    """element.cssselect(query), with the CSS compiled to XPath once per query, not per call."""
    return _compiled(query)(element)


@lru_cache(maxsize=256)
def _union(queries: tuple[str, ...]) -> etree.XPath | None:
    if any(_CONTEXT_SENSITIVE.intersection(query) for query in queries):
        return None
    return etree.XPath(" | ".join(_compiled(query).path for query in queries))


def drop_all(element: Any, queries: tuple[str, ...]) -> None:
    """Remove every descendant of `element` that matches one of `queries`, as removing the
    matches of each query in turn would. One XPath union instead of a query per selector,
    when no selector's matches depend on its siblings, position or text."""
    if not queries:
        return
    union = _union(queries)
    if union is None:
        for query in queries:
            _drop(element, select(element, query))
    else:
        _drop(element, union(element))  # a match inside one already dropped goes with it either way


def _drop(root: Any, found: list[Any]) -> None:
    for element in found:
        if element is not root:
            element.drop_tree()


@lru_cache(maxsize=1024)
def _parsel_xpath(query: str) -> etree.XPath:
    """The XPath Selector.css(query) runs, compiled as parsel compiles it."""
    return etree.XPath(_PARSEL_HTML.css_to_xpath(query), smart_strings=False)


def _strings(selector: Selector, query: str) -> list[str]:
    """selector.css(query).getall() for a ::text/::attr() query, else the string value of
    each match: straight from lxml, without a Selector per match."""
    root = selector.root
    if selector.type == "html" and isinstance(root, etree._Element):
        found = _parsel_xpath(query)(root)
        if "::" not in query:
            return [string_value(el) for el in found]
        if all(isinstance(value, str) for value in found):
            return found
    if "::" in query:
        return selector.css(query).getall()
    return [el.xpath("string()").get("") for el in selector.css(query)]


def texts(selector: Selector, query: str) -> list[str]:
    """Clean texts for a CSS query: the strings of a ::text/::attr() query, else each element's whole text."""
    if "::" in query:
        found = (clean_text(value) for value in _strings(selector, query))
    else:
        found = (clean_text(" ".join(value.split())) for value in _strings(selector, query))
    return [text for text in found if text]


def first_text(selector: Selector, queries: tuple[str, ...]) -> str | None:
    """The first non-empty text among `queries`, tried in order."""
    for query in queries:
        found = texts(selector, query)
        if found:
            return found[0]
    return None
