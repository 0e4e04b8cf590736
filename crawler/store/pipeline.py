"""ArchivePipeline: every Page goes through crawler.store.archive.store_page into archive.db."""

from __future__ import annotations

import logging
import re
from typing import Any

import sqlite_utils
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.extract.encoding import decode
from crawler.extract.schema import schema_errors
from crawler.records import Article, Attachment, MediaWanted, NotModified, Page, Rejected, Rejection
from crawler.sites.discover import DOCUMENT, document_links
from crawler.sites.topic import parse_terms
from crawler.store.archive import read_or_reject, store_read
from crawler.store.articles import save_rejection, touch_article
from crawler.store.captures import save_attachment, set_capture_profile
from crawler.store.crawls import forget_pending
from crawler.store.database import open_db
from crawler.store.media import wanted_among

logger = logging.getLogger(__name__)
COVERED_FIELDS = ("title", "body", "published_at", "author", "lead", "section")
_DOCUMENT_ANYWHERE = re.compile(DOCUMENT.pattern.removesuffix("$"), DOCUMENT.flags)
# A character reference could spell an extension out ("&#46;pdf"); these five cannot.
_OTHER_REFERENCE = re.compile(r"&(?!(?:amp|lt|gt|quot|nbsp);)")


def topic_terms_for(spider: object, terms: tuple[str, ...]) -> tuple[str, ...] | None:
    """The union terms a spider's pages must mention: a general newspaper's (its profile sets
    `topic_filter`), also on pages it redirects to another host; None for a union site."""
    profile = getattr(spider, "profile", None)
    return terms if profile is not None and profile.topic_filter else None


class ArchivePipeline:
    """Stores articles and rejections.

    Settings: ARCHIVE_DB (path of the SQLite archive); ARCHIVE_TOPIC_TERMS (union terms for
    the general newspapers, whose profiles set `topic_filter`; a list or a comma-separated string);
    ARCHIVE_MEDIA (default True; needs ARCHIVE_CAPTURE): a stored article whose photos the
    archive lacks is passed on as MediaWanted, for the media pipeline (crawler/fetch/media.py).
    Stats: archive/articles/{new,updated,unchanged}, archive/rejected/<reason>.
    """

    def __init__(
        self, db_path: str, stats: StatsCollector, terms: tuple[str, ...], crawler: Crawler | None = None
    ) -> None:
        self.db_path = db_path
        self.stats = stats
        self.terms = terms
        self.crawler = crawler
        self.topic_terms: tuple[str, ...] | None = None
        self.db: sqlite_utils.Database | None = None
        # A fleet's writer (no crawler) leaves photos to the workers.
        self.media = media_enabled(crawler.settings) if crawler is not None else False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        assert crawler.stats is not None
        terms = parse_terms(crawler.settings.get("ARCHIVE_TOPIC_TERMS"))
        return cls(crawler.settings.get("ARCHIVE_DB"), crawler.stats, terms, crawler)

    def open_spider(self) -> None:
        self.db = open_db(self.db_path)
        self.topic_terms = topic_terms_for(self.crawler.spider if self.crawler else None, self.terms)

    def close_spider(self) -> None:
        if self.db is not None:
            self.db.close()

    def process_item(
        self, item: Page | Rejection | NotModified | Attachment
    ) -> Page | Rejection | NotModified | Attachment | MediaWanted:
        if self.db is None:
            return item
        # One transaction per item: its capture's profile, the article or rejection, its
        # documents and the end of its pending request are stored together or not at all.
        with self.db.atomic():
            return self._store(item)

    def _store(
        self, item: Page | Rejection | NotModified | Attachment
    ) -> Page | Rejection | NotModified | Attachment | MediaWanted:
        assert self.db is not None
        if isinstance(item, Attachment):
            save_attachment(self.db, item, item.fetched_at or "")
            self.finish(item.site, item.frontier_url)
            return item
        if isinstance(item, NotModified):
            touch_article(self.db, item.url, item.fetched_at)
            self.stats.inc_value("archive/articles/unchanged")
            return item
        if isinstance(item, Rejection):  # decided without a page body, e.g. robots.txt
            save_rejection(self.db, item)
            self.stats.inc_value(f"archive/rejected/{item.reason}")
            self.finish(item.site, item.frontier_url)
            return item
        if not isinstance(item, Page):
            return item
        return self.store_read(item, read_or_reject(item, self.topic_terms))

    def store_read(
        self, page: Page, result: Article | Rejected, documents: list[tuple[str, str]] | None = None
    ) -> Page | MediaWanted:
        """Store what reading `page` gave: here right after reading it, or on a fleet's writer
        (crawler/ops/writer.py), which gets `documents` from the worker that read the body."""
        assert self.db is not None
        if page.capture_id is not None:  # re-extraction reads the capture as the spider did
            set_capture_profile(self.db, page.capture_id, page.profile)
        stored = store_read(self.db, page, result)
        if stored.outcome == "rejected":
            self.stats.inc_value(f"archive/rejected/{stored.reason}")
        else:
            self.stats.inc_value(f"archive/articles/{stored.outcome}")
        self.finish(page.site, page.frontier_url)
        if stored.article is None:
            return page
        self.check(stored.article, own_host=page.profile is not None)
        for url, text in linked_documents(page) if documents is None else documents:
            save_attachment(
                self.db,
                Attachment(url, page.site, stored.article.url, "linked", link_text=text or None),
                page.fetched_at,
            )
            self.stats.inc_value("archive/attachments/linked")
        wanted = wanted_among(self.db, [image.url for image in stored.article.images]) if self.media else []
        return MediaWanted(stored.article.url, page.site, tuple(wanted)) if wanted else page

    def finish(self, site: str | None, frontier_url: str | None) -> None:
        """Stored: the request this item answers is no longer pending."""
        if self.db is not None and site and frontier_url:
            forget_pending(self.db, site, frontier_url)

    def check(self, article: Article, own_host: bool = True) -> None:
        """Stats the monitors read (crawler/ops/monitors.py): schema errors, field coverage and
        how each body was found (pages on a host the site redirected to are read by the
        generic path by design, so they are counted apart)."""
        for problem in schema_errors(article):
            self.stats.inc_value("archive/validation/errors")
            self.stats.inc_value(f"archive/validation/error/{problem.split(':')[0]}")
            logger.warning("schema: %s: %s", article.url, problem)
        self.stats.inc_value("archive/coverage/articles")
        for name in COVERED_FIELDS:
            if getattr(article, name):
                self.stats.inc_value(f"archive/coverage/{name}")
        method = article.extraction_method or "unknown"
        self.stats.inc_value(f"archive/extraction/{method}" if own_host else "archive/extraction/other-host")


def linked_documents(page: Page) -> list[tuple[str, str]]:
    """Documents the article links to (a plan as PDF, a form as DOCX), with their link text:
    they become attachments."""
    html = decode(page.body, page.content_type)
    return document_links(html, page.url) if may_link_documents(html, page.url) else []


def media_enabled(settings: Any) -> bool:
    """Photos are archived unless ARCHIVE_MEDIA is off (--no-images); their bytes live in the
    WARC captures, so without ARCHIVE_CAPTURE there is nowhere to keep them."""
    return settings.getbool("ARCHIVE_MEDIA", True) and settings.getbool("ARCHIVE_CAPTURE", True)


def may_link_documents(html: str, url: str) -> bool:
    """False when no link on the page can be a document (see discover.document_links), so
    the page need not be parsed again: no ".pdf"-like text in it or its URL, and no
    character reference that could spell one.

    >>> may_link_documents('<a href="/a.html?x=1&amp;y=2">a</a>', "https://a.vn/b.html")
    False
    >>> [may_link_documents(f'<a href="/kh{ext}">', "https://a.vn/") for ext in (".PDF", "&#46;pdf")]
    [True, True]
    """
    return bool(_DOCUMENT_ANYWHERE.search(html) or _DOCUMENT_ANYWHERE.search(url) or _OTHER_REFERENCE.search(html))
