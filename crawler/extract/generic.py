"""The generic path's body: trafilatura with a second opinion where a cheap signal asks for
one, chosen per page. Pure.

The page's long paragraphs are a cheap estimate of its article text: when trafilatura's
precise text holds nearly all of them, it stands (most pages, one trafilatura pass);
otherwise the second opinions below run.

Measured on the ScrapingHub and fundus benchmarks (benchmarks/extraction.md): trafilatura
with favor_precision is the most precise. Where it kept only a fragment of the estimate,
the article may be printed in parts (crawler.extract.parts), which are read as one;
otherwise trafilatura's defaults rescue a fragment, and also replace the precise text when
they only add to it and the estimate holds the addition too. A text still short is checked
against the body the page's scripts carry, for pages that render their article in the
browser (crawler.extract.hydration). Then the chosen text is mended in its links and at its
edges: the article's own link lists go back in, lines that are links on the page go
(crawler.extract.links), another story's text and runs of teasers go, the article's short
closing lines come back, and last what follows the end of the page's declared JSON-LD
articleBody goes (crawler.extract.edges).
"""

from __future__ import annotations

import trafilatura

from crawler.extract import hydration, parts
from crawler.extract.document import Document
from crawler.extract.edges import with_trailing_lines, within_article_body, without_neighbours
from crawler.extract.evaluate import distinct_shingles, holds
from crawler.extract.links import Lines, PageLinks, lists_in_body, with_body_lists, without_links
from crawler.extract.parts import long_paragraphs

RESCUE_RATIO = 0.55  # the precise text is under this share of the other's: it kept only a fragment
GROWTH = 1.05  # the defaults' text is at least this much larger than the precise one
SUPERSET = 0.97  # share of the precise text the defaults' text must hold to count as a superset
AGREED = 0.7  # share of the defaults' addition that the page's long paragraphs must also hold
HOLDS = 0.8  # share of the long paragraphs' shingles the precise text must hold to stand alone
SHORT_TEXT = 150  # words: a body this short may be a page whose scripts render the article


def _size(text: str) -> int:
    """Distinct shingles: a notice repeated under every embed does not make a text longer."""
    return len(distinct_shingles(text))


def _held(inner: str, outer: str) -> float:
    """Share of `inner`'s distinct shingles that `outer` also has."""
    a, b = distinct_shingles(inner), distinct_shingles(outer)
    return len(a & b) / len(a) if a else 1.0


def _agreed_addition(precise: str, default: str, estimate: str) -> bool:
    """The defaults' text is the precise one plus more, and that more is among the page's
    long paragraphs too: article text trafilatura's precision cut, not furniture."""
    if _size(default) <= GROWTH * _size(precise) or _held(precise, default) < SUPERSET:
        return False
    added = distinct_shingles(default) - distinct_shingles(precise)
    return holds(distinct_shingles(estimate), added, AGREED)


def choose_body(page: Document) -> tuple[str, str]:
    """(body text, method) for a page no profile covers. trafilatura's favor_precision
    result is the page's own, already computed for its metadata; the tree is parsed once
    (it is only read)."""
    precise_text = getattr(page.trafilatura, "text", None) or ""
    estimate = long_paragraphs(page.tree)
    if _held(estimate, precise_text) >= HOLDS:
        text, method = precise_text, "trafilatura-precision"
    else:
        text, method = _choose(page, precise_text, estimate)
    if len(text.split()) < SHORT_TEXT:
        text, method = _hydrated(page, text, method)
    links, lines = PageLinks(page.tree), Lines.of(text)
    lists = lists_in_body(lines, links)
    lines = without_neighbours(without_links(with_body_lists(lines, lists), links, lists), links)
    lines = within_article_body(lines, page.jsonld)
    return str(with_trailing_lines(lines, links)), method  # the ending, once what follows it is gone


def _hydrated(page: Document, text: str, method: str) -> tuple[str, str]:
    """The body the page's scripts carry (crawler.extract.hydration), when it is over twice
    the text the page shows: a page that renders its article in the browser."""
    found = hydration.body_html(page.text, page.tree, text)
    if found is None:
        return text, method
    hydrated = _precise(f"<html><body><article>{found}</article></body></html>", page)
    if _size(hydrated) <= 2 * _size(text):
        return text, method
    return hydrated, "script-data"


def _choose(page: Document, precise_text: str, estimate: str) -> tuple[str, str]:
    if _size(precise_text) < RESCUE_RATIO * _size(estimate):  # a fragment: the article may be in parts
        joined = parts.joined_parts(page.tree, precise_text, lambda html: _precise(html, page))
        if joined is not None:
            return joined, "parts"
    # The page's tree, not its text: trafilatura copies a tree it is given instead of parsing.
    default = trafilatura.bare_extraction(page.tree, url=page.url, **page.trafilatura_options)
    default_text = getattr(default, "text", None) or ""
    if _size(precise_text) < RESCUE_RATIO * _size(default_text) or _agreed_addition(
        precise_text, default_text, estimate
    ):
        return default_text, "trafilatura"
    return precise_text, "trafilatura-precision"


def _precise(html: str, page: Document) -> str:
    """trafilatura's precise text of `html`, a page made of what the page holds."""
    return trafilatura.extract(html, url=page.url, favor_precision=True, **page.trafilatura_options) or ""
