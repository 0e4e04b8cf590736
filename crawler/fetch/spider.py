"""The base spiders. They only decide what to fetch next; they never parse article fields.

A site spider is a few class attributes on the base for its CMS family (see spiders/).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
import sqlite_utils
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.sites import discover
from crawler.sites.cms import (
    BAOHATINH,
    CAOBANG,
    DAKLAK,
    HOABINH,
    LAODONG,
    REDIRECTED_SITE,
    CmsProfile,
)
from crawler.store.db import (Recheck, forget_pending, known_urls_in, open_db, pending, recheck_due,
                        remember_pending)
from crawler.fetch.failures import category_of
from crawler.sites.feeds import parse_feed, sitemap_date
from crawler.sites.pagination import next_page_url
from crawler.fetch.capture import header
from crawler.fetch.middlewares import RefusedRequest
from crawler.records import Attachment, NotModified, Page, Rejection

logger = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class RequestKind(Enum):
    """Why a request was made, with its priority: next pages first, then articles,
    so the queue drains articles before it explores further."""

    ENTRY = 30
    FEED = 25
    NEXT_PAGE = 20
    CATEGORY = 15
    ARTICLE = 10
    RECHECK = 5  # an archived recent article fetched again to catch edits

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


# Where sites send a visitor who must log in first (redirect target URLs).
LOGIN_PAGE = re.compile(r"(?i)/(login|log-in|signin|sign-in|dang-nhap|dangnhap|users?/login)\b|[?&]returnurl=")

# Requests a killed run leaves to the next one (entries, feeds and re-checks are made afresh).
RESUMABLE = frozenset({RequestKind.NEXT_PAGE, RequestKind.CATEGORY, RequestKind.ARTICLE})

_FAILURE_TEXT = {
    "dns": "DNS lookup failed for {host} (no network, or the name does not resolve)",
    "connection": "connection to {host} failed ({detail})",
    "timeout": "no answer from {host} in time ({detail})",
    "tls": "TLS handshake with {host} failed ({detail})",
    "too-large": "the answer from {host} is larger than DOWNLOAD_MAXSIZE ({detail})",
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
    """Entry listings, feeds and sitemaps lead to article pages, which become Page items.

    Arguments: since=YYYY-MM-DD (stop paging at older items), max_articles=N,
    start_url=URL[,URL...] (start from these listings instead of the defaults),
    host=HOST (the site moved; the CMS profile applies to the new host).
    Settings: ARCHIVE_DB, whose archived URLs are skipped (incremental crawling);
    ARCHIVE_HOSTS, a {spider: host} dict, the setting form of `host`;
    ARCHIVE_RECHECK_DAYS (default 3): archived articles published in that many days are
    fetched again with a conditional GET, at most every ARCHIVE_RECHECK_AFTER_HOURS (12),
    so edits become new versions and a run straight after another fetches only listings.
    Stats: archive/requests/<kind>, archive/links/{found,known,off-section,too-old,ignored},
    archive/feeds/{missing,empty}, archive/errors/<category>, archive/last_error.
    """

    profile: ClassVar[CmsProfile]
    start_paths: ClassVar[tuple[str, ...]] = ()
    # RSS/Atom feeds and sitemaps tried at start; a missing one is logged, not an error.
    feed_paths: ClassVar[tuple[str, ...]] = ()
    # Article paths worth following even from page furniture (sidebars, related boxes).
    follow_pattern: ClassVar[str] = r"$^"
    # True: only articles matching follow_pattern (a union section of a mixed site).
    strict_sections: ClassVar[bool] = False
    # Other hosts a redirect may lead to (the site moved); any other redirect target is dropped.
    redirect_hosts: ClassVar[tuple[str, ...]] = ()
    # Child sitemaps older than this are not read, unless --since reaches further back.
    sitemap_max_age_days: ClassVar[int] = 62

    def __init__(self, *args: Any, since: str | None = None, max_articles: int | str | None = None,
                 start_url: str | Iterable[str] | None = None, host: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if since and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", since):
            raise ValueError(f"since must be YYYY-MM-DD, got {since!r}")
        self.since = since
        self.max_articles = int(max_articles) if max_articles not in (None, "") else None
        if isinstance(start_url, str):
            start_url = [url for url in start_url.split(",") if url.strip()]
        self.start_url_override = [url.strip() for url in start_url or ()]
        if host:
            self.profile = dataclasses.replace(type(self).profile, host=host.lower(), host_aliases=())
        self.known: dict[str, str] = {}  # settled URLs -> when they were first settled
        self.scheduled: set[str] = set()
        self.listings: set[str] = set()
        self.chains: dict[str, set[str]] = {}  # article links seen so far along each section's pages
        self.recheck: list[Recheck] = []  # archived articles published recently, fetched again for edits
        self.pages_seen: dict[str, int] = {}  # listing pages read along each section this run
        self.max_pages = 200
        self.frontier: sqlite_utils.Database | None = None  # where pending requests are kept

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        kwargs.setdefault("host", crawler.settings.getdict("ARCHIVE_HOSTS").get(cls.name))
        spider = super().from_crawler(crawler, *args, **kwargs)
        db_path = crawler.settings.get("ARCHIVE_DB")
        spider.known = known_urls_in(db_path, spider.name)
        days = crawler.settings.getint("ARCHIVE_RECHECK_DAYS", 3)
        hours = crawler.settings.getfloat("ARCHIVE_RECHECK_AFTER_HOURS", 12)
        now = datetime.now(timezone.utc)
        since = (now - timedelta(days=days)).date().isoformat()
        seen_before = (now - timedelta(hours=hours)).replace(microsecond=0).isoformat()
        spider.recheck = recheck_due(db_path, spider.name, since, seen_before) if days > 0 else []
        spider.frontier = open_db(db_path) if db_path else None
        spider.max_pages = crawler.settings.getint("ARCHIVE_MAX_PAGES", 200)
        return spider

    def closed(self, reason: str) -> None:
        if self.frontier is not None:
            self.frontier.close()

    def remember(self, url: str, kind: RequestKind, chain: str | None, walk_started: str | None = None) -> None:
        """Pages and articles still to fetch are kept in the archive, so a crawl killed at
        any point resumes them on its next run (paging alone would stop at page 1, whose
        articles the killed run already stored)."""
        if self.frontier is not None and kind in RESUMABLE:
            remember_pending(self.frontier, self.name, url, kind.name, chain, walk_started or _now())

    def done(self, response: Response) -> str:
        """The URL this response answers: the one requested, before any redirect."""
        return self.origin(response.request) if response.request else response.url

    def resumed(self) -> Iterator[scrapy.Request]:
        if self.frontier is None:
            return
        for url, kind, chain, walk_started in pending(self.frontier, self.name):
            self.crawler.stats.inc_value("archive/resumed")
            (self.listings if kind != RequestKind.ARTICLE.name else self.scheduled).add(url)
            yield self.request(url, RequestKind[kind], chain=chain, walk_started=walk_started)

    @property
    def allowed_domains(self) -> list[str]:  # type: ignore[override]
        return [self.profile.host, *self.profile.host_aliases, *self.redirect_hosts]

    def own_host(self, url: str) -> bool:
        return (urlsplit(url).hostname or "") in (self.profile.host, *self.profile.host_aliases)

    def listing_profile(self, url: str) -> CmsProfile:
        """The spider's profile on its own host; on a host it was redirected to (the site
        moved), a generic rule: article URLs there end in a numeric id."""
        if self.own_host(url):
            return self.profile
        return dataclasses.replace(REDIRECTED_SITE, host=urlsplit(url).hostname or "")

    def entry_urls(self) -> list[str]:
        if self.start_url_override:
            return self.start_url_override
        return [f"https://{self.profile.host}{path}" for path in self.start_paths]

    def feed_urls(self) -> list[str]:
        return [] if self.start_url_override else [f"https://{self.profile.host}{path}" for path in self.feed_paths]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self.resumed():
            yield request
        for url in self.entry_urls():
            self.listings.add(discover.canonical_url(url))
            yield self.request(url, RequestKind.ENTRY)
        for url in self.feed_urls():
            yield self.request(url, RequestKind.FEED)
        for due in self.recheck:
            self.scheduled.add(due.url)
            request = self.request(due.url, RequestKind.RECHECK)
            # A conditional GET: a site that keeps validators answers 304 and sends nothing.
            if due.etag:
                request.headers["If-None-Match"] = due.etag
            if due.last_modified:
                request.headers["If-Modified-Since"] = due.last_modified
            request.meta["handle_httpstatus_list"] = [304]
            yield request

    def request(self, url: str, kind: RequestKind, chain: str | None = None,
                walk_started: str | None = None) -> scrapy.Request:
        """`walk_started`: for a listing resumed from a killed run, when its section's walk
        began; links settled since then still count as new for paging (the killed run was
        fetching them), so resuming pages exactly as far as an uninterrupted run."""
        self.crawler.stats.inc_value(f"archive/requests/{kind.label}")
        self.remember(url, kind, chain, walk_started)
        callback = {RequestKind.ARTICLE: self.parse_article, RequestKind.RECHECK: self.parse_article,
                    RequestKind.FEED: self.parse_feed}.get(kind, self.parse_listing)
        # Articles are deduplicated by `scheduled`; not filtering them lets an old link that
        # redirects to an article fetched elsewhere in this run still be recorded.
        return scrapy.Request(url, callback=callback, errback=self.on_error, priority=kind.value,
                              meta={"archive_kind": kind.name, "archive_chain": chain, "walk_started": walk_started},
                              dont_filter=kind in (RequestKind.ARTICLE, RequestKind.RECHECK))

    def follows(self, link: discover.ListingLink) -> bool:
        return discover.follows(link, self.follow_pattern, self.strict_sections)

    def new_articles(self, links: list[discover.ListingLink], seen: set[str] | None = None,
                     walk_started: str | None = None) -> tuple[list[str], bool]:
        """(links to fetch now, whether the page offers anything new to its own section).

        Paging goes on while a page offers articles the archive lacks and earlier pages of
        the same section did not: sections overlap, so another listing having scheduled an
        article must not end this one, but a site that repeats its last page for any page
        number must.
        """
        stats = self.crawler.stats
        stats.inc_value("archive/links/found", len(links))
        wanted, fresh = [], False
        for link in links:
            if not self.follows(link):
                stats.inc_value("archive/links/off-section")
            elif link.url in self.known:
                stats.inc_value("archive/links/known")
                # Settled after this walk began (by the run that was killed): new to this walk.
                if walk_started and self.known[link.url] >= walk_started:
                    fresh = fresh or seen is None or link.url not in seen
            elif self.since and link.published_at and link.published_at[:10] < self.since:
                stats.inc_value("archive/links/too-old")
            else:
                fresh = fresh or seen is None or link.url not in seen
                if link.url not in self.scheduled and link.url not in wanted:
                    wanted.append(link.url)
        if seen is not None:
            seen.update(link.url for link in links)
        return wanted, fresh

    def schedule(self, urls: list[str]) -> Iterator[scrapy.Request]:
        for url in urls:
            if self.capped():
                return
            self.scheduled.add(url)
            yield self.request(url, RequestKind.ARTICLE)

    def capped(self) -> bool:
        return self.max_articles is not None and len(self.scheduled) >= self.max_articles

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        profile = self.listing_profile(response.url)
        links = discover.listing_links(response.text, response.url, profile)
        if self.since and links and not any(link.published_at for link in links):
            self.crawler.stats.inc_value("archive/listings/undated")
            logger.warning("%s prints no dates: --since cannot end its paging, only the no-new-link rule can", response.url)
        chain = response.meta.get("archive_chain") or discover.canonical_url(response.url)
        walk_started = response.meta.get("walk_started")
        wanted, fresh = self.new_articles(links, self.chains.setdefault(chain, set()), walk_started)
        yield from self.schedule(wanted)
        # One level of section discovery, from default entry pages only: a --start-url
        # backfill stays in the section it names.
        if response.meta.get("archive_kind") == RequestKind.ENTRY.name and not self.start_url_override:
            for url in discover.category_links(response.text, response.url, profile):
                if url not in self.listings:
                    self.listings.add(url)
                    yield self.request(url, RequestKind.CATEGORY)
        # A page with nothing new (or nothing recent enough) ends paging: the rest is archived.
        next_url = next_page_url(response.url, response.text, profile) if fresh and not self.capped() else None
        pages = self.pages_seen[chain] = self.pages_seen.get(chain, 0) + 1
        if next_url and pages >= self.max_pages:
            # A section that never runs out of "new" links is a trap (or a backfill for --since).
            self.crawler.stats.inc_value("archive/listings/page-cap")
            logger.warning("stopped paging %s after %d pages (ARCHIVE_MAX_PAGES): %s not followed", chain, pages, next_url)
            next_url = None
        if next_url and next_url not in self.listings:
            self.listings.add(next_url)
            yield self.request(next_url, RequestKind.NEXT_PAGE, chain=chain, walk_started=walk_started)
        # Everything this page led to is remembered now; the page itself is done.
        if self.frontier is not None:
            forget_pending(self.frontier, self.name, self.done(response))

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        entries = parse_feed(response.body, response.url)
        if not entries.links and not entries.sitemaps:
            self.crawler.stats.inc_value("archive/feeds/empty")
            logger.info("no feed or sitemap entries at %s", response.url)
        links = [link for link in entries.links if discover.is_article_url(link.url, self.profile)]
        yield from self.schedule(self.new_articles(links)[0])
        oldest = self.since or (datetime.now(timezone.utc) - timedelta(days=self.sitemap_max_age_days)).date().isoformat()
        for url, lastmod in entries.sitemaps:
            dated = sitemap_date(url, lastmod)  # monthly news sitemaps: only the recent ones
            if dated is None or dated[:10] >= oldest:
                yield self.request(url, RequestKind.FEED)

    def parse_article(self, response: Response) -> Iterator[Page | Rejection | NotModified | Attachment]:
        if response.status == 304:  # a re-check the site answered "not modified"
            self.crawler.stats.inc_value("archive/recheck/not-modified")
            yield NotModified(discover.canonical_url(response.url), response.meta.get("fetched_at") or _now())
            return
        content_type = header(response, "Content-Type")
        if discover.is_document(response.url, content_type):
            yield self.attachment(response, content_type)
            return
        if response.meta.get("redirect_urls") and LOGIN_PAGE.search(response.url):
            # The site wants a login for this page: nothing to archive, and no reason to retry.
            yield Rejection(discover.canonical_url(self.done(response)), self.name, "login-required",
                            f"redirects to the login page {response.url}", _now(), self.done(response))
            return
        # A redirected link is remembered under the URL the listing gave, so the next run
        # does not take it for a new article and page on.
        for source in response.meta.get("redirect_urls", []):
            if discover.canonical_url(source) != discover.canonical_url(response.url):
                yield Rejection(discover.canonical_url(source), self.name, "redirected",
                                f"redirects to {response.url}", _now())
        host = urlsplit(response.url).hostname or ""
        if not self.own_host(response.url) and host not in self.redirect_hosts:
            # Redirected off the site, e.g. to a translated subdomain: not this archive's page.
            yield Rejection(discover.canonical_url(response.url), self.name, "off-site",
                            f"{response.url} is not on {self.profile.host}", _now(), self.done(response))
            return
        yield self.page(response)

    def page(self, response: Response) -> Page:
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        return Page(
            url=response.url,
            site=self.name,
            status=response.status,
            body=response.body,
            # The capture's time: in a replay, when the page was recorded, not now.
            fetched_at=response.meta.get("fetched_at") or _now(),
            headers=headers,
            # Pages on a redirect host run another CMS: the generic path reads them.
            profile=self.profile.name if self.own_host(response.url) else None,
            capture_id=response.meta.get("capture_id"),
            frontier_url=self.done(response),
        )

    def on_error(self, failure: Failure) -> Iterator[Page | Rejection]:
        stats = self.crawler.stats
        kind = failure.request.meta.get("archive_kind")
        is_article = kind in (RequestKind.ARTICLE.name, RequestKind.RECHECK.name)
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            yield from self.ignored(failure, is_article)
            return
        category, message = describe_failure(failure)
        if category == "too-large" and is_article:
            yield Rejection(discover.canonical_url(failure.request.url), self.name, "too-large", message, _now(),
                            self.origin(failure.request))
        if failure.check(HttpError) and not is_article and self.frontier is not None:
            forget_pending(self.frontier, self.name, failure.request.url)  # a dead listing: nothing to resume
        if kind == RequestKind.FEED.name and failure.check(HttpError):
            stats.inc_value("archive/feeds/missing")  # feeds are optional: logged, never fatal
            logger.info("no feed at %s (%s)", failure.request.url, message)
            return
        stats.inc_value(f"archive/errors/{category}")
        stats.set_value("archive/last_error", message)
        logger.warning("%s: %s", failure.request.url, message)
        if failure.check(HttpError) and is_article:
            # A dead article link is recorded, not forgotten: it becomes an http-NNN rejection.
            yield self.page(failure.value.response)


    def attachment(self, response: Response, content_type: str | None) -> Attachment:
        """A document a listing linked like an article: kept as an attachment of that listing."""
        self.crawler.stats.inc_value("archive/attachments/fetched")
        raw_referer = response.request.headers.get("Referer") if response.request else None
        referer = raw_referer.decode("latin-1") if raw_referer else None
        logger.info("attachment %s (%s, %d bytes) linked from %s", response.url, content_type, len(response.body),
                    referer or "?")
        return Attachment(
            url=discover.canonical_url(response.url), site=self.name,
            found_on=referer, status="fetched", content_type=content_type,
            size=len(response.body), sha256=hashlib.sha256(response.body).hexdigest(),
            fetched_at=response.meta.get("fetched_at") or _now(), capture_id=response.meta.get("capture_id"),
            frontier_url=self.done(response))

    @staticmethod
    def origin(request: scrapy.Request) -> str:
        """The URL first requested, before any redirect."""
        return (request.meta.get("redirect_urls") or [request.url])[0]

    def ignored(self, failure: Failure, is_article: bool) -> Iterator[Rejection]:
        """A request that was not sent or not followed through, and why: robots.txt, the host
        guard (another host, an IP address, a URL-space trap), a redirect loop, a body over
        DOWNLOAD_MAXSIZE once decompressed. An article is remembered as a rejection, so the
        next run does not take it for new; anything else is logged and let go."""
        request, reason = failure.request, str(failure.value) or type(failure.value).__name__
        origin, target = self.origin(request), request.url
        slug, settled = ignored_reason(failure.value, reason)
        self.crawler.stats.inc_value(f"archive/ignored/{slug}")
        log = logger.info if slug == "robots-disallowed" else logger.warning
        log("%s: %s: %s", slug, target if origin == target else f"{origin} -> {target}", reason)
        if self.frontier is not None and not is_article:
            forget_pending(self.frontier, self.name, origin)
        if not (is_article and settled):
            return
        if origin != target:  # the link is remembered under the URL the listing gave
            yield Rejection(discover.canonical_url(origin), self.name, "redirected",
                            f"redirects to {target}, which was not fetched: {reason}", _now(), origin)
            if slug != "redirect-loop":
                yield Rejection(discover.canonical_url(target), self.name, slug, reason, _now())
        else:
            yield Rejection(discover.canonical_url(target), self.name, slug, reason, _now(), origin)


def ignored_reason(error: BaseException, reason: str) -> tuple[str, bool]:
    """(rejection slug, settled) for a request Scrapy or our guard dropped."""
    if isinstance(error, RefusedRequest):
        return ("url-trap" if "trap" in reason else "off-site"), True
    if "robots.txt" in reason:
        return "robots-disallowed", True
    if "redirections" in reason:
        return "redirect-loop", True
    if "DOWNLOAD_MAXSIZE" in reason:
        return "too-large", True
    return "ignored", False


class LaoDongSpider(NewsSpider):
    """Lao Động's CMS: .ldo/.bld articles, ?page=N listings, union sections of a mixed paper."""

    profile = LAODONG
    strict_sections = True


class CmsNewspaperSpider(NewsSpider):
    """The commercial cms-* newspaper CMS (baohatinh.vn, SGGP, Tiền Phong): -post<ID>.html articles,
    pagination by the page's own next link, RSS and monthly news sitemaps."""

    profile = BAOHATINH


class NukeVietSpider(NewsSpider):
    """NukeViet 4 news module: /<module>/<category>/<alias>-<ID>.html, /page-N listings,
    categories discovered from the entry pages, module RSS, sitemap.xml."""

    profile = CAOBANG
    custom_settings = {"DOWNLOAD_TIMEOUT": 120}  # provincial .gov.vn servers are slow


class BaoDakLakSpider(NewsSpider):
    """Báo Đắk Lắk's CMS: /<cat>/<YYYYMM>/<slug>-<id>/ articles, ?paged=N listings."""

    profile = DAKLAK


class BaoHoaBinhSpider(NewsSpider):
    """Báo Hòa Bình's .htm CMS: /<cat>/<id>/<Slug>.htm, pagination by the page's own next link."""

    profile = HOABINH
