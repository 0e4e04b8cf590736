"""An article printed in parts: one body split over several containers of one class, with
advertising, a newsletter box or a video between them (Condé Nast's magazines,
Rzeczpospolita). trafilatura keeps the part it scores highest and drops the others; the
parts are found here and read as one. Pure; reads the page's tree, never changes it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from html import escape

from lxml import html as lxml_html

from crawler.extract.evaluate import distinct_shingles, holds
from crawler.extract.links import OUTSIDE_BODY

LONG_PARAGRAPH = 80  # characters: a <p> this long is article text far more often than not
HOLDS = 0.8  # share of the kept part's shingles the parts together must hold: the same article
MAX_CLASSES = 8  # classes of an element that may name a group: a page with thousands costs no more
MAX_GROUPS = 200  # groups weighed: a real page has a few dozen
GROWS = 1.8  # the parts together are at least this much larger than the kept part: it was a fragment


def long_paragraphs(element: lxml_html.HtmlElement) -> str:
    """The text of the element's long paragraphs, one per line: an estimate of the article
    text in it that costs one pass over its <p> elements."""
    found = (" ".join(paragraph.text_content().split()) for paragraph in element.iter("p"))
    return "\n".join(text for text in found if len(text) >= LONG_PARAGRAPH)


def _holders(tree: lxml_html.HtmlElement) -> list[list[lxml_html.HtmlElement]]:
    """The groups of two or more elements holding long paragraphs that share a tag and a
    class (parts of one body share a class, not always all of them: "body articleBody
    -bottom-space" and "body articleBody"), each in page order, each group once, none
    inside an aside, footer, nav or header. Elements without a class make no group: they
    share nothing but being <div>s."""
    groups: dict[tuple[str, str], dict[lxml_html.HtmlElement, None]] = {}
    for paragraph in tree.iter("p"):
        parent = paragraph.getparent()
        if parent is None or len(" ".join(paragraph.text_content().split())) < LONG_PARAGRAPH:
            continue
        if any(above.tag in OUTSIDE_BODY for above in parent.iterancestors()):
            continue
        for name in (parent.get("class") or "").split()[:MAX_CLASSES]:
            groups.setdefault((parent.tag, name), {})[parent] = None  # a dict: ordered, each once
    distinct = {tuple(members): None for members in groups.values() if len(members) >= 2}
    return [_outermost(members) for members in itertools.islice(distinct, MAX_GROUPS)]


def _outermost(members: tuple[lxml_html.HtmlElement, ...]) -> list[lxml_html.HtmlElement]:
    """The members not inside another, so that each part's text is read once."""
    inside = set(members)
    return [part for part in members if not any(above in inside for above in part.iterancestors())]


def joined_parts(tree: lxml_html.HtmlElement, kept: str, read: Callable[[str], str]) -> str | None:
    """The text of the article's parts read as one by `read` (HTML in, text out), when
    `kept`, the text trafilatura chose, is one part of a body printed in several; else None."""
    kept_shingles = distinct_shingles(kept)
    if not kept_shingles:
        return None
    shingles_of: dict[lxml_html.HtmlElement, set[tuple[str, ...]]] = {}
    best: tuple[int, list[lxml_html.HtmlElement]] | None = None
    for members in _holders(tree):
        if len(members) < 2:
            continue
        together: set[tuple[str, ...]] = set()
        for member in members:
            if member not in shingles_of:
                shingles_of[member] = distinct_shingles(long_paragraphs(member))
            together |= shingles_of[member]
        if _whole_of(together, kept_shingles) and (best is None or len(together) > best[0]):
            best = (len(together), members)
    if best is None:
        return None
    # The parts' contents in one container, so that the reader sees one body, not several.
    inner = "".join(escape(part.text or "") + "".join(_markup(child) for child in part) for part in best[1])
    text = read(f"<html><body><article>{inner}</article></body></html>")
    return text if _whole_of(distinct_shingles(text), kept_shingles) else None


def _whole_of(whole: set[tuple[str, ...]], part: set[tuple[str, ...]]) -> bool:
    """`whole` holds `part` and is GROWS times its size: `part` was a fragment of it."""
    return holds(whole, part, HOLDS) and len(whole) >= GROWS * len(part)


def _markup(element: lxml_html.HtmlElement) -> str:
    return lxml_html.tostring(element, encoding="unicode", with_tail=True)
