"""RSS, Atom and XML sitemaps (and sitemap indexes) to links. Pure lxml; gzip is undone here."""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import etree

from crawler.sites.discover import ListingLink, canonical_url
from crawler.text import parse_datetime, to_iso

_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class FeedEntries:
    links: list[ListingLink] = field(default_factory=list)  # the pages a feed or sitemap lists
    sitemaps: list[tuple[str, str | None]] = field(default_factory=list)  # child sitemaps, with lastmod


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname.lower() if isinstance(element.tag, str) else ""


def _child_text(element: etree._Element, *names: str) -> str | None:
    for child in element:
        if _local(child) in names:
            text = (child.text or child.get("href") or "").strip()
            if text:
                return text
    return None


def _date(text: str | None) -> str | None:
    if not text:
        return None
    parsed = parse_datetime(text)
    if parsed:
        return to_iso(*parsed)
    try:  # RSS pubDate: "Tue, 19 Jul 2022 16:13:00 +0700"
        return to_iso(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


def parse_feed(body: bytes, url: str) -> FeedEntries:
    """Links of an RSS 2.0, Atom, sitemap or sitemap-index document; empty when it is none."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except OSError:
            return FeedEntries()
    try:
        root = etree.fromstring(body.strip(), _PARSER)
    except etree.XMLSyntaxError:
        return FeedEntries()
    if root is None:
        return FeedEntries()
    entries = FeedEntries()
    for element in root.iter():
        kind = _local(element)
        if kind in ("item", "entry", "url"):
            link = _child_text(element, "link", "loc")
            if kind == "entry":  # Atom puts the URL in <link href="...">
                link = next((c.get("href") for c in element if _local(c) == "link" and c.get("href")), link)
            date = _child_text(element, "pubdate", "published", "updated", "lastmod", "date")
            news_date = next((_child_text(c, "publication_date") for c in element if _local(c) == "news"), None)
            if link:
                entries.links.append(ListingLink(canonical_url(urljoin(url, link)), _date(news_date or date)))
        elif kind == "sitemap":
            loc = _child_text(element, "loc")
            if loc:
                entries.sitemaps.append((urljoin(url, loc), _date(_child_text(element, "lastmod"))))
    return entries


_URL_MONTH = re.compile(r"(20\d{2})[-_/](\d{1,2})(?:[-_/](\d{1,2}))?(?!\d)")


def sitemap_date(url: str, lastmod: str | None) -> str | None:
    """A child sitemap's date: its <lastmod>, else the month its name carries
    ("/sitemaps/news-2026-9.xml" → "2026-09-31", the month's last possible day).

    >>> sitemap_date("https://baohatinh.vn/sitemaps/news-2026-9.xml", None)
    '2026-09-31'
    """
    if lastmod:
        return lastmod
    match = _URL_MONTH.search(url)
    if not match:
        return None
    year, month, day = match.group(1), int(match.group(2)), match.group(3)
    return f"{year}-{month:02d}-{int(day):02d}" if day else f"{year}-{month:02d}-31"
