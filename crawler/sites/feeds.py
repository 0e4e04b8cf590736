"""RSS, Atom and XML sitemaps (and sitemap indexes) to links. Pure lxml.

A feed is read as a stream: a `.xml.gz` sitemap (served as a plain file, so no HTTP layer
undid it) is inflated a chunk at a time into lxml's pull parser, and each entry is dropped
from the tree once read. Memory stays at a chunk and the links, whatever the file's size;
past `limit` decompressed bytes the feed is refused with FeedTooLarge, not half-read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import etree

from crawler.compression import CHUNK, GZIP_MAGIC, DecodeError, TooLarge, inflated
from crawler.sites.discover import ListingLink, canonical_url
from crawler.text import parse_datetime, to_iso

MAX_FEED_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own bound on one uncompressed file
FEED_TOO_LARGE = "feed-too-large"  # the rejection's reason
_ENTRIES = frozenset({"item", "entry", "url", "sitemap"})
MAX_ENTRY_ELEMENTS = 1_000  # a sitemap <url> with images and news holds a few dozen


class FeedTooLarge(ValueError):
    """A feed that decompresses past the limit: refused, never parsed to the end."""


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


def parse_feed(body: bytes, url: str, limit: int = MAX_FEED_BYTES) -> FeedEntries:
    """Links of an RSS 2.0, Atom, sitemap or sitemap-index document, gzipped or not; empty
    when it is none (or a corrupt gzip). Raises FeedTooLarge past `limit` bytes of XML."""
    entries = FeedEntries()
    reader = _EntryReader(url, entries)
    parser = etree.XMLPullParser(
        events=("end",), recover=True, resolve_entities=False, no_network=True, huge_tree=False
    )
    try:
        for chunk in _xml_chunks(body, limit):
            parser.feed(chunk)
            reader.read(parser)
        parser.close()
        reader.read(parser)
    except TooLarge as error:
        raise FeedTooLarge(f"{url} {error}") from None
    except (DecodeError, etree.XMLSyntaxError):
        pass  # what was read before the damage stands
    return entries


def _xml_chunks(body: bytes, limit: int) -> Iterator[bytes]:
    if body[:2] == GZIP_MAGIC:
        yield from inflated(body, limit=limit)
        return
    if len(body) > limit:
        raise TooLarge(f"is {len(body)} bytes, more than {limit} bytes")
    body = body.lstrip()  # whitespace before the XML declaration is a fatal error to libxml2
    for start in range(0, len(body), CHUNK):
        yield body[start : start + CHUNK]


class _EntryReader:
    """Reads the entries the parser has finished and keeps the tree small: an entry is
    dropped once read, and so is anything outside the entries as soon as it ends (a feed of
    empty junk elements would otherwise grow libxml2's tree without bound). Inside an entry
    nothing can be dropped before the entry ends, so an entry holds at most
    MAX_ENTRY_ELEMENTS elements."""

    def __init__(self, url: str, entries: FeedEntries) -> None:
        self.url, self.entries = url, entries
        self.held = 0  # elements ended inside the entry still open

    def read(self, parser: etree.XMLPullParser) -> None:
        for _, element in parser.read_events():
            kind = _local(element)
            if kind in _ENTRIES:
                self.take(element, kind)
                self.held = 0
            elif any(_local(ancestor) in _ENTRIES for ancestor in element.iterancestors()):
                self.held += 1
                if self.held > MAX_ENTRY_ELEMENTS:
                    raise TooLarge(f"has an entry of more than {MAX_ENTRY_ELEMENTS} elements")
                continue
            _drop(element)

    def take(self, element: etree._Element, kind: str) -> None:
        url, entries = self.url, self.entries
        if kind == "sitemap":
            loc = _child_text(element, "loc")
            if loc:
                entries.sitemaps.append((urljoin(url, loc), _date(_child_text(element, "lastmod"))))
            return
        link = _child_text(element, "link", "loc")
        if kind == "entry":  # Atom puts the URL in <link href="...">
            link = next((c.get("href") for c in element if _local(c) == "link" and c.get("href")), link)
        date = _child_text(element, "pubdate", "published", "updated", "lastmod", "date")
        news_date = next((_child_text(c, "publication_date") for c in element if _local(c) == "news"), None)
        if link:
            entries.links.append(ListingLink(canonical_url(urljoin(url, link)), _date(news_date or date)))


def _drop(element: etree._Element) -> None:
    """The element's content and the siblings before it, all read already."""
    element.clear()
    parent = element.getparent()
    while parent is not None and element.getprevious() is not None:
        del parent[0]


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
