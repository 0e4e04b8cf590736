"""The generic path's body: trafilatura with a second opinion, chosen per page. Pure.

Measured on the ScrapingHub and fundus benchmarks (benchmarks/extraction.md): trafilatura
with favor_precision is the most precise; readability-lxml rescues the pages where
trafilatura keeps only a fragment, but only when its text contains trafilatura's (a
superset, not a different block); trafilatura's defaults rescue the rest.
"""

from __future__ import annotations

from typing import Any

import trafilatura
from lxml import html as lxml_html

from crawler.blocks import paragraphs
from crawler.evaluate import shingles

RESCUE_RATIO = 0.5  # the precise text is under half the other's: it kept only a fragment
CONTAINS = 0.8  # share of the precise text's shingles the rescuer must also hold


def _size(text: str) -> int:
    return sum(shingles(text).values())


def _contained(inner: str, outer: str) -> float:
    a, b = shingles(inner), shingles(outer)
    return sum((a & b).values()) / sum(a.values()) if a else 0.0


def readability_text(html: str) -> str:
    from readability import Document

    try:
        summary = Document(html).summary(html_partial=True)
    except Exception:  # readability gives up on some pages; it is only a second opinion
        return ""
    return "\n\n".join(paragraphs(lxml_html.fromstring(summary))) if summary.strip() else ""


def choose_body(html: str, url: str, precise: Any, options: dict[str, Any]) -> tuple[str, str]:
    """(body text, method) for a page no profile covers. `precise` is trafilatura's
    favor_precision result, already computed for the page's metadata."""
    precise_text = getattr(precise, "text", None) or ""
    readable = readability_text(html)
    if _size(precise_text) < RESCUE_RATIO * _size(readable) and _contained(precise_text, readable) >= CONTAINS:
        return readable, "readability"
    default = trafilatura.bare_extraction(html, url=url, **options)
    default_text = getattr(default, "text", None) or ""
    if _size(precise_text) < RESCUE_RATIO * _size(default_text):
        return default_text, "trafilatura"
    return precise_text, "trafilatura-precision"
