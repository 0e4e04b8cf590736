"""The base spiders. They only decide what to fetch next; they never parse article fields.

A site spider is a few class attributes on the base for its CMS family (see spiders/).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from enum import Enum
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import discover
from crawler.cms import LAODONG, CmsProfile
from crawler.db import known_urls_in
from crawler.failures import category_of
from crawler.records import Page, Rejection

logger = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class RequestKind(Enum):
    """Why a request was made, with its priority: next pages first, then articles,
    so the queue drains articles before it explores further."""

    ENTRY = 30
    NEXT_PAGE = 20
    ARTICLE = 10

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


_FAILURE_TEXT = {
    "dns": "DNS lookup failed for {host} (no network, or the name does not resolve)",
    "connection": "connection to {host} failed ({detail})",
    "timeout": "no answer from {host} in time ({detail})",
    "tls": "TLS handshake with {host} failed ({detail})",
    "other": "{name} while fetching from {host}: {detail}",
}


def describe_failure(failure: Failure) -> tuple[str, str]:
    """(category, one-line message) for a failed request, for stats and the run summary."""
    request = getattr(failure, "request", None)
    host = urlsplit(request.url).hostname if request is not None else "?"
    if failure.check(HttpError):
        status = failure.value.response.status
        return f"http-{status}", f"HTTP {status} from {host}"
    name = type(failure.value).__name__
    category = category_of(failure.value)
    detail = failure.getErrorMessage() or name
    return category, _FAILURE_TEXT[category].format(host=host, name=name, detail=detail)


class NewsSpider(scrapy.Spider):
    """Listing pages (with ?page=N pagination) lead to article pages, which become Page items.

    Arguments: since=YYYY-MM-DD (stop paging at older items), max_articles=N.
    Settings: ARCHIVE_DB, whose archived URLs are skipped (incremental crawling).
    Stats: archive/requests/<kind>, archive/links/{found,known,off-section,too-old,ignored},
    archive/errors/<category>, archive/last_error.
    """

    profile: ClassVar[CmsProfile]
    start_paths: ClassVar[tuple[str, ...]] = ()
    # Which article paths this spider archives (a regex on the URL path); others, often
    # sidebar links to other sections, are skipped.
    follow_pattern: ClassVar[str] = r"."

    def __init__(self, *args: Any, since: str | None = None, max_articles: int | str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if since and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", since):
            raise ValueError(f"since must be YYYY-MM-DD, got {since!r}")
        self.since = since
        self.max_articles = int(max_articles) if max_articles not in (None, "") else None
        self.known: set[str] = set()
        self.scheduled: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.known = known_urls_in(crawler.settings.get("ARCHIVE_DB"), spider.name)
        return spider

    @property
    def allowed_domains(self) -> list[str]:  # type: ignore[override]
        return [self.profile.host]

    def entry_urls(self) -> list[str]:
        return [f"https://{self.profile.host}{path}" for path in self.start_paths]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.entry_urls():
            yield self.request(url, RequestKind.ENTRY)

    def request(self, url: str, kind: RequestKind) -> scrapy.Request:
        self.crawler.stats.inc_value(f"archive/requests/{kind.label}")
        article = kind is RequestKind.ARTICLE
        # Articles are deduplicated by `scheduled`; not filtering them lets an old link that
        # redirects to an article fetched elsewhere in this run still be recorded.
        return scrapy.Request(
            url, callback=self.parse_article if article else self.parse_listing, errback=self.on_error,
            priority=kind.value, meta={"archive_kind": kind.name}, dont_filter=article,
        )

    def follows(self, link: discover.ListingLink) -> bool:
        """Articles under the spider's sections, and section-less ones listed outside furniture."""
        path = urlsplit(link.url).path
        return bool(re.search(self.follow_pattern, path)) or (path.count("/") == 1 and not link.in_furniture)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        stats = self.crawler.stats
        links = discover.listing_links(response.text, response.url)
        stats.inc_value("archive/links/found", len(links))
        if self.since and links and not any(link.published_at for link in links):
            stats.inc_value("archive/listings/undated")
            logger.warning("%s prints no dates: --since cannot end its paging, only the no-new-link rule can", response.url)
        wanted = []
        for link in links:
            if not self.follows(link):
                stats.inc_value("archive/links/off-section")
            elif link.url in self.known:
                stats.inc_value("archive/links/known")
            elif self.since and link.published_at and link.published_at[:10] < self.since:
                stats.inc_value("archive/links/too-old")
            elif link.url not in self.scheduled:
                wanted.append(link.url)
        for url in wanted:
            if self.max_articles is not None and len(self.scheduled) >= self.max_articles:
                return  # the cap also ends paging
            self.scheduled.add(url)
            yield self.request(url, RequestKind.ARTICLE)
        # A page with nothing new (or nothing recent enough) ends paging: the rest is archived.
        next_url = discover.next_page_url(response.url) if wanted else None
        if next_url:
            yield self.request(next_url, RequestKind.NEXT_PAGE)

    def parse_article(self, response: Response) -> Iterator[Page | Rejection]:
        # A redirected link is remembered under the URL the listing gave, so the next run
        # does not take it for a new article and page on.
        for source in response.meta.get("redirect_urls", []):
            if discover.canonical_url(source) != discover.canonical_url(response.url):
                yield Rejection(discover.canonical_url(source), self.name, "redirected",
                                f"redirects to {response.url}", _now())
        yield self.page(response)

    def page(self, response: Response) -> Page:
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        return Page(
            url=response.url,
            site=self.name,
            status=response.status,
            body=response.body,
            fetched_at=_now(),
            headers=headers,
        )

    def on_error(self, failure: Failure) -> Iterator[Page | Rejection]:
        stats = self.crawler.stats
        is_article = failure.request.meta.get("archive_kind") == RequestKind.ARTICLE.name
        if failure.check(IgnoreRequest) and not failure.check(HttpError):  # robots.txt said no: not an error
            stats.inc_value("archive/links/ignored")
            if is_article:  # remembered, so the next run does not count it as new again
                yield Rejection(discover.canonical_url(failure.request.url), self.name, "robots-disallowed",
                                "robots.txt disallows this URL", _now())
            return
        category, message = describe_failure(failure)
        stats.inc_value(f"archive/errors/{category}")
        stats.set_value("archive/last_error", message)
        logger.warning("%s: %s", failure.request.url, message)
        if failure.check(HttpError) and is_article:
            # A dead article link is recorded, not forgotten: it becomes an http-NNN rejection.
            yield self.page(failure.value.response)


class LaoDongSpider(NewsSpider):
    """Base for sites on Lao Động's CMS (.ldo/.bld articles, ?page=N listings)."""

    profile = LAODONG
