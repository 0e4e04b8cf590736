"""The generic path's body: trafilatura with a second opinion where a cheap signal asks for
one, chosen per page. Pure.

The page's long paragraphs are a cheap estimate of its article text: when trafilatura's
precise text holds nearly all of them, it stands (most pages, one trafilatura pass);
otherwise the second opinions below run.

Measured on the ScrapingHub and fundus benchmarks (benchmarks/extraction.md): trafilatura
with favor_precision is the most precise; readability-lxml rescues the pages where
trafilatura keeps only a fragment, but only when its text contains trafilatura's (a
superset, not a different block); trafilatura's defaults rescue the rest, and also
replace the precise text when they only add to it and readability found the addition
too. Lines that are links on the page (related-article lists, "read also") go.
"""

from __future__ import annotations

import re
from typing import Any

import trafilatura
from lxml import html as lxml_html

from crawler.extract.blocks import paragraphs
from crawler.extract.evaluate import shingles

RESCUE_RATIO = 0.55  # the precise text is under this share of the other's: it kept only a fragment
CONTAINS = 0.8  # share of the precise text's shingles the rescuer must also hold
GROWTH = 1.05  # the defaults' text is at least this much larger than the precise one
SUPERSET = 0.97  # share of the precise text the defaults' text must hold to count as a superset
AGREED = 0.7  # share of the defaults' addition that readability must also hold
LINKED = 0.6  # share of a paragraph or list item's text inside links that makes it a link
NAMED_WORDS = 6  # mean words per item of a list of named things; headlines run longer
LONG_PARAGRAPH = 80  # characters: a <p> this long is article text far more often than not
HOLDS = 0.8  # share of the long paragraphs' shingles the precise text must hold to stand alone

_WORD = re.compile(r"\w+")
BodyList = tuple[lxml_html.HtmlElement, list[lxml_html.HtmlElement]]  # (paragraph before it, its items)


def _size(text: str) -> int:
    """Distinct shingles: a notice repeated under every embed does not make a text longer."""
    return len(shingles(text))


def _contained(inner: str, outer: str) -> float:
    a, b = shingles(inner), shingles(outer)
    return sum((a & b).values()) / sum(a.values()) if a else 0.0


def _held(inner: str, outer: str) -> float:
    """Share of `inner`'s distinct shingles that `outer` also has."""
    a, b = set(shingles(inner)), set(shingles(outer))
    return len(a & b) / len(a) if a else 1.0


def _agreed_addition(precise: str, default: str, readable: str) -> bool:
    """The defaults' text is the precise one plus more, and readability, a different
    algorithm, found that more too: article text trafilatura's precision cut, not furniture."""
    if _size(default) <= GROWTH * _size(precise) or _held(precise, default) < SUPERSET:
        return False
    added = set(shingles(default)) - set(shingles(precise))
    return len(added & set(shingles(readable))) >= AGREED * len(added)


def readability_text(html: str) -> str:
    from readability import Document

    try:
        summary = Document(html).summary(html_partial=True)
    except Exception:  # readability gives up on some pages; it is only a second opinion
        return ""
    return "\n\n".join(paragraphs(lxml_html.fromstring(summary))) if summary.strip() else ""


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def long_paragraphs(tree: lxml_html.HtmlElement) -> str:
    """The text of the page's long paragraphs: the estimate of its article text that decides
    whether the precise text needs a second opinion."""
    found = (" ".join(element.text_content().split()) for element in tree.iter("p"))
    return "\n".join(text for text in found if len(text) >= LONG_PARAGRAPH)


def linked_blocks(tree: lxml_html.HtmlElement) -> set[str]:
    """Texts (as _key) of the page's paragraphs and list items that are mostly link text:
    teasers of other articles, which trafilatura keeps when they sit inside the article."""
    return {_key(element.text_content()) for element in tree.iter("p", "li") if _mostly_link(element)}


def _mostly_link(element: lxml_html.HtmlElement) -> bool:
    text = _key(element.text_content())
    linked = sum(len(_key(link.text_content())) + 1 for link in element.iter("a"))
    return bool(text) and linked >= LINKED * (len(text) + 1)


def without_links(text: str, tree: lxml_html.HtmlElement, lists: list[BodyList]) -> str:
    """The text less its lines that are mostly links on the page, but for the items of the
    article's own `lists` (see _lists_in_body)."""
    kept = {_key(item.text_content()) for _, items in lists for item in items}
    linked = linked_blocks(tree) - kept
    return "\n".join(line for line in text.splitlines() if not (_key(line) and _key(line) in linked))


def with_body_lists(text: str, lists: list[BodyList]) -> str:
    """The text with the article's `lists` the precise pass cut (it drops link-dense lists)
    put back where they stand, after the paragraph before them."""
    lines = text.splitlines()
    keys = [_key(line) for line in lines]
    for before, items in lists:
        missing = [" ".join(item.text_content().split()) for item in items if _key(item.text_content()) not in keys]
        at = keys.index(_key(before.text_content())) + 1
        lines[at:at] = missing
        keys[at:at] = [_key(line) for line in missing]
    return "\n".join(lines)


def _lists_in_body(text: str, tree: lxml_html.HtmlElement) -> list[BodyList]:
    """The lists (the paragraph before each, its <li> children) that are part of the article: each stands between two
    of its paragraphs (lines of `text`), among the same siblings, outside any aside, footer,
    nav or header, under no "related" heading, and its items are links naming things (the
    games, products or documents the text names). A link list after the body's last
    paragraph, or of other stories' headlines, is not."""
    keys = {_key(line) for line in text.splitlines() if _key(line)}
    found = []
    for listing in tree.iter("ul", "ol"):
        before, after = _sibling_paragraph(listing, "previous"), _sibling_paragraph(listing, "next")
        if before is None or after is None:
            continue
        if _key(before.text_content()) not in keys or _key(after.text_content()) not in keys:
            continue
        items = [child for child in listing if child.tag == "li"]
        if any(ancestor.tag in _OUTSIDE_BODY for ancestor in listing.iterancestors()) or not _named_links(items):
            continue
        if not _RELATED.search(_heading_before(listing)):
            found.append((before, items))
    return found


_OUTSIDE_BODY = frozenset({"aside", "footer", "nav", "header"})
_RELATED = re.compile(
    r"(?i)related|read (also|more)|see also|more (from|on)|mehr zum thema|lesen sie auch|auch interessant"
    r"|lire aussi|đọc thêm|tin liên quan|xem thêm|cùng chuyên mục"
)


def _named_links(items: list[lxml_html.HtmlElement]) -> bool:
    """Items that are each a link naming a thing (a game, a product, a document): short, where
    a list of other stories is a list of headlines."""
    words = [len(_key(item.text_content()).split()) for item in items]
    return bool(items) and all(_mostly_link(item) for item in items) and sum(words) <= NAMED_WORDS * len(words)


def _sibling_paragraph(element: lxml_html.HtmlElement, side: str) -> lxml_html.HtmlElement | None:
    sibling = element.getprevious() if side == "previous" else element.getnext()
    while sibling is not None and not (sibling.tag == "p" and _key(sibling.text_content())):
        if sibling.tag in ("ul", "ol", "figure") or not isinstance(sibling.tag, str):
            sibling = sibling.getprevious() if side == "previous" else sibling.getnext()
            continue
        return None  # a heading or another block stands between: not the same run of text
    return sibling


def _heading_before(element: lxml_html.HtmlElement) -> str:
    sibling = element.getprevious()
    while sibling is not None and sibling.tag not in ("h2", "h3", "h4", "h5", "h6", "strong"):
        sibling = sibling.getprevious()
    return sibling.text_content() if sibling is not None else ""


def choose_body(
    html: str, url: str, precise: Any, options: dict[str, Any], tree: lxml_html.HtmlElement
) -> tuple[str, str]:
    """(body text, method) for a page no profile covers. `precise` is trafilatura's
    favor_precision result, already computed for the page's metadata; `tree` the page,
    parsed once (it is only read)."""
    precise_text = getattr(precise, "text", None) or ""
    estimate = long_paragraphs(tree)
    if _held(estimate, precise_text) >= HOLDS:
        text, method = precise_text, "trafilatura-precision"
    else:
        text, method = _choose(html, url, precise_text, options, estimate)
    lists = _lists_in_body(text, tree)
    return without_links(with_body_lists(text, lists), tree, lists), method


def _choose(html: str, url: str, precise_text: str, options: dict[str, Any], estimate: str) -> tuple[str, str]:
    # readability only for a fragment: the precise text is a small part of the estimate.
    readable = readability_text(html) if _size(precise_text) < RESCUE_RATIO * _size(estimate) else estimate
    if _size(precise_text) < RESCUE_RATIO * _size(readable) and _contained(precise_text, readable) >= CONTAINS:
        return readable, "readability"
    default = trafilatura.bare_extraction(html, url=url, **options)
    default_text = getattr(default, "text", None) or ""
    if _size(precise_text) < RESCUE_RATIO * _size(default_text) or _agreed_addition(
        precise_text, default_text, readable
    ):
        return default_text, "trafilatura"
    return precise_text, "trafilatura-precision"
