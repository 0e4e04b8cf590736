"""NewsSpider, the base of every site spider: its arguments and settings, where a crawl starts, and
how each kind of request is made. The parts it composes decide what to fetch next; none parses article fields."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
import sqlite_utils
from scrapy.crawler import Crawler

from crawler.fetch.articles import Articles, due_for_recheck
from crawler.fetch.errback import FailureHandling
from crawler.fetch.feeds import Feeds
from crawler.fetch.fleet import DEFAULT_LEASE, FleetRun, FleetSite, SharedChains, connect
from crawler.fetch.frontier import Frontier
from crawler.fetch.kinds import RequestKind
from crawler.fetch.listings import ListingWalk
from crawler.fetch.redis_scheduler import CLAIM
from crawler.records import MediaWanted
from crawler.sites import discover
from crawler.sites.cms import CmsProfile
from crawler.store.crawls import Recheck, known_urls_in
from crawler.store.database import open_db
from crawler.store.media import backlog
from crawler.store.pipeline import media_enabled


class NewsSpider(Frontier, ListingWalk, Feeds, Articles, FailureHandling, scrapy.Spider):
    """Entry listings, feeds and sitemaps lead to article pages, which become Page items.

    Arguments: since=YYYY-MM-DD (stop paging at older items), max_articles=N,
    start_url=URL[,URL...] (start from these listings instead of the defaults),
    host=HOST (the site moved; the CMS profile applies to the new host), media_only=1 (fetch
    the missing photos of archived articles and nothing else: `congdoan fetch-media`).
    Settings: ARCHIVE_DB, whose archived URLs are skipped (incremental crawling);
    ARCHIVE_HOSTS, a {spider: host} dict, the setting form of `host`;
    ARCHIVE_RECHECK_DAYS (default 3): archived articles published in that many days are
    fetched again with a conditional GET, at most every ARCHIVE_RECHECK_AFTER_HOURS (12),
    so edits become new versions and a run straight after another fetches only listings.
    Stats: archive/requests/<kind>, archive/links/{found,known,off-section,too-old,ignored},
    archive/feeds/{missing,empty,too-large}, archive/errors/<category>, archive/last_error.
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

    def __init__(
        self,
        *args: Any,
        since: str | None = None,
        max_articles: int | str | None = None,
        start_url: str | Iterable[str] | None = None,
        host: str | None = None,
        media_only: bool | str = False,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        if since and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", since):
            raise ValueError(f"since must be YYYY-MM-DD, got {since!r}")
        self.since = since
        self.max_articles = int(max_articles) if max_articles not in (None, "") else None
        if isinstance(start_url, str):
            start_url = [url for url in start_url.split(",") if url.strip()]
        self.start_url_override = [url.strip() for url in start_url or ()]
        self.media_only = media_only not in (False, "", "0", "false", "False")
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
        self.fleet: FleetSite | None = None  # the run this spider crawls for, as a fleet worker

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        kwargs.setdefault("host", crawler.settings.getdict("ARCHIVE_HOSTS").get(cls.name))
        # {spider: [listing URL, ...]}: the setting form of start_url, one per site (a fleet's
        # workers crawl several sites with one command line).
        if not kwargs.get("start_url"):
            kwargs["start_url"] = crawler.settings.getdict("ARCHIVE_START_URLS").get(cls.name)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_pages = crawler.settings.getint("ARCHIVE_MAX_PAGES", 200)
        if crawler.settings.get("REDIS_URL"):
            # A fleet worker: the writer read the archive's state into the run (fetch/fleet.py).
            run = FleetRun(connect(crawler.settings["REDIS_URL"]), crawler.settings["ARCHIVE_RUN_ID"])
            spider.fleet = FleetSite(
                run,
                spider.name,
                crawler.settings["ARCHIVE_FLEET_WORKER"],
                crawler.settings.getfloat("ARCHIVE_FLEET_LEASE", DEFAULT_LEASE),
            )
            spider.known = run.known(spider.name)
            spider.recheck = [Recheck(*due) for due in run.recheck(spider.name)]
            spider.chains = SharedChains(run, spider.name)
            return spider
        db_path = crawler.settings.get("ARCHIVE_DB")
        spider.known = known_urls_in(db_path, spider.name)
        spider.recheck = due_for_recheck(crawler.settings, db_path, spider.name)
        spider.frontier = open_db(db_path) if db_path else None
        return spider

    @property
    def allowed_domains(self) -> list[str]:  # type: ignore[override]
        return [self.profile.host, *self.profile.host_aliases, *self.redirect_hosts]

    @property
    def media_hosts(self) -> list[str]:
        """Where the site's photos may be fetched from: its own hosts and its image hosts."""
        return [*self.allowed_domains, *self.profile.media_hosts]

    def own_host(self, url: str) -> bool:
        return (urlsplit(url).hostname or "") in (self.profile.host, *self.profile.host_aliases)

    def entry_urls(self) -> list[str]:
        if self.start_url_override:
            return self.start_url_override
        return [f"https://{self.profile.host}{path}" for path in self.start_paths]

    async def start(self) -> AsyncIterator[scrapy.Request | MediaWanted]:
        if self.fleet is not None:
            # A fleet worker queues them once per run; one taking the site over later carries on
            # from the shared queue. (Earlier runs' photo backlog is `congdoan fetch-media`'s.)
            if not self.fleet.run.start_queued(self.name):
                for request in self.starting_requests():
                    yield request
                self.fleet.run.mark_start_queued(self.name)
            return
        # Photos of earlier runs' articles still missing (a killed run, a busy photo server,
        # an archive from before photos were kept); with media_only, nothing else.
        limit = None if self.media_only else self.crawler.settings.getint("ARCHIVE_MEDIA_BACKLOG", 200)
        for wanted in self.missing_media(limit):
            yield wanted
        if self.media_only:
            return
        for request in self.resumed():
            yield request
        for request in self.starting_requests():
            yield request

    def starting_requests(self) -> Iterator[scrapy.Request]:
        """The entry listings, the feeds and the re-checks every run begins with."""
        for url in self.entry_urls():
            self.listings.add(discover.canonical_url(url))
            yield self.request(url, RequestKind.ENTRY)
        for url in self.feed_urls():
            yield self.request(url, RequestKind.FEED)
        yield from self.rechecks()

    def missing_media(self, limit: int | None) -> Iterator[MediaWanted]:
        if self.frontier is None or not media_enabled(self.crawler.settings):
            return
        if self.media_only:
            self.crawler.stats.set_value("archive/media/only", True)
        for article_url, urls in backlog(self.frontier, self.name, limit):
            self.crawler.stats.inc_value("archive/media/backlog")
            yield MediaWanted(article_url, self.name, tuple(urls))

    def request(
        self, url: str, kind: RequestKind, chain: str | None = None, walk_started: str | None = None
    ) -> scrapy.Request:
        """`walk_started`: for a listing resumed from a killed run, when its section's walk
        began; links settled since then still count as new for paging (the killed run was
        fetching them), so resuming pages exactly as far as an uninterrupted run."""
        self.crawler.stats.inc_value(f"archive/requests/{kind.label}")
        self.remember(url, kind, chain, walk_started)
        callback = {
            RequestKind.ARTICLE: self.parse_article,
            RequestKind.RECHECK: self.parse_article,
            RequestKind.FEED: self.parse_feed,
        }.get(kind, self.parse_listing)
        # Articles are deduplicated by `scheduled`; not filtering them lets an old link that
        # redirects to an article fetched elsewhere in this run still be recorded.
        meta: dict[str, Any] = {"archive_kind": kind.name, "archive_chain": chain, "walk_started": walk_started}
        if self.fleet is not None and kind in (RequestKind.ARTICLE, RequestKind.RECHECK):
            meta[CLAIM] = True  # fetched once a run across the fleet, like the listings
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            priority=kind.value,
            meta=meta,
            dont_filter=kind in (RequestKind.ARTICLE, RequestKind.RECHECK),
        )
