"""When the article was published and updated, read off a Document: the most trusted source
first, never a date after the fetch. Pure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from crawler.extract import blocks, metadata
from crawler.extract.document import Document, logger, pruned
from crawler.text import parse_datetime, to_iso


def _published_candidates(page: Document) -> Iterator[tuple[str, Any]]:
    """(source, value) of each date, most trusted first; each is read only when the ones
    before it gave no usable date (a meta lookup costs a query per name and attribute)."""
    for query in page.profile.published:
        yield "profile", page.profile_text((query,))
    yield "JSON-LD", page.jsonld.get("datePublished")
    yield "OpenGraph", metadata.meta(page.selector, "article:published_time", "og:published_time")
    yield "meta", metadata.meta(page.selector, "datePublished", "pubdate", "publishdate", "date")


def published(page: Document) -> str | None:
    for source, value in _published_candidates(page):
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed and page.limit and parsed[0] > page.limit.replace(hour=23, minute=59):
            logger.warning("extract: ignoring %s date %s after fetch time for %s", source, value, page.url)
            continue
        if parsed:
            if source != "profile":
                page.fallback("published_at", source)
            return to_iso(*parsed)
    printed = _printed_near_headline(page)
    if printed:
        page.fallback("published_at", "a date printed near the headline")
        return to_iso(printed)
    # Day granularity, capped at fetch time. htmldate can also guess a day from a
    # year/month in a URL (2022/7/ -> 2022-07-01), so it must be printed in the article.
    parsed = parse_datetime(getattr(page.trafilatura, "date", None))
    article_text = page.article.text_content() if page.article is not None else page.text
    if parsed and _printed_on_page(parsed[0], article_text):
        page.fallback("published_at", "trafilatura")
        return to_iso(parsed[0], has_time=False)
    return None


def _printed_near_headline(page: Document) -> datetime | None:
    """A date and time printed in the article's own short lines (its meta line), outside
    the lead and the body, whose dates are events ("Sáng ngày 05/01/2024")."""
    if page.article is None:
        return None
    around = pruned(page.article, (*page.profile.lead, *page.profile.body))
    if page.profile.body_by_density:
        densest = blocks.densest(around)
        if densest is not None and densest is not around:
            densest.drop_tree()
    for element in around.iter():
        if not isinstance(element.tag, str):
            continue
        text = " ".join(element.text_content().split())
        if 8 <= len(text) <= 80:
            parsed = parse_datetime(text)
            if parsed and parsed[1] and (page.limit is None or parsed[0] <= page.limit):
                return parsed[0]
    return None


def _printed_on_page(moment: datetime, text: str) -> bool:
    d, m, y = moment.day, moment.month, moment.year
    spellings = {
        f"{y}-{m:02d}-{d:02d}",
        f"{d:02d}/{m:02d}/{y}",
        f"{d}/{m}/{y}",
        f"{d:02d}-{m:02d}-{y}",
        f"{d:02d}.{m:02d}.{y}",
        f"ngày {d} tháng {m} năm {y}",
    }
    return any(spelling in text for spelling in spellings)


def _modified_dates(page: Document) -> Iterator[Any]:
    yield page.jsonld.get("dateModified")
    yield metadata.meta(page.selector, "article:modified_time", "og:updated_time")  # only without JSON-LD's


def updated(page: Document) -> str | None:
    for value in _modified_dates(page):
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed:
            return to_iso(*parsed)
    return None
