"""Resume state: the pages and articles still to fetch are kept in the archive (the pending
table), so a crawl killed at any point resumes them on its next run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import scrapy
import sqlite_utils
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.fetch.fleet import PARENT, FleetSite
from crawler.fetch.kinds import RESUMABLE, RequestKind
from crawler.store.crawls import forget_pending, pending, remember_pending


def now() -> str:
    """When, in UTC to the second: the stamp of pending requests and of records made without a capture."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class Frontier:
    """NewsSpider's pending requests: remembered when made, forgotten when done, resumed at start.
    `frontier` is the archive NewsSpider opens (None without ARCHIVE_DB: nothing is kept);
    `request` is NewsSpider's."""

    name: str
    crawler: Crawler
    frontier: sqlite_utils.Database | None
    listings: set[str]
    scheduled: set[str]
    fleet: FleetSite | None

    def closed(self, reason: str) -> None:
        if self.frontier is not None:
            self.frontier.close()

    def remember(self, url: str, kind: RequestKind, chain: str | None, walk_started: str | None = None) -> None:
        """Pages and articles still to fetch are kept in the archive, so a crawl killed at
        any point resumes them on its next run (paging alone would stop at page 1, whose
        articles the killed run already stored)."""
        if self.frontier is not None and kind in RESUMABLE:
            remember_pending(self.frontier, self.name, url, kind.name, chain, walk_started or now())

    def forget(self, url: str) -> None:
        """Nothing left to resume from `url`: it is done, or dead."""
        if self.frontier is not None:
            forget_pending(self.frontier, self.name, url)
        if self.fleet is not None:
            self.fleet.done(url)

    def hand_over(
        self, response: Response, requests: list[scrapy.Request], then: Callable[[], None] | None = None
    ) -> Iterator[scrapy.Request]:
        """Yield the requests a listing or feed led to; once they are all queued, run `then`
        and forget the page. Scrapy queues a callback's requests while the callback runs on,
        so in a fleet the page stays in flight until its scheduler has queued the last of
        them (crawler/fetch/redis_scheduler.py): a worker killed in between redoes the page."""
        origin = self.done(response)

        def finish() -> None:
            if then is not None:
                then()
            self.forget(origin)

        if self.fleet is None or not requests:
            yield from requests  # a single process remembers each request as it is made
            finish()
            return
        self.fleet.expect(origin, len(requests), finish)
        for request in requests:
            request.meta[PARENT] = origin
            yield request

    @staticmethod
    def origin(request: scrapy.Request) -> str:
        """The URL first requested, before any redirect."""
        return (request.meta.get("redirect_urls") or [request.url])[0]

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
