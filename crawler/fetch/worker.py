"""A fleet worker (`congdoan crawl --redis URL`): takes sites of the writer's run by lease, one
Scrapy crawler per site, and gives each back when the site is done. Leases lapse when a worker
dies; another worker takes the site over and carries on from the shared queue.

Each site is crawled by one worker at a time, so its delay, concurrency, AutoThrottle and
Retry-After backoff are exactly a single machine's: the fleet never doubles a site's rate.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from scrapy import signals
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.http import Request, Response
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.reactor import install_reactor
from twisted.internet import task

from crawler.fetch.fleet import DEFAULT_LEASE, HEARTBEAT, FleetRun, connect, site_of
from crawler.fetch.middlewares import LeaseLost
from crawler.fetch.redis_scheduler import fleet_settings

logger = logging.getLogger(__name__)
HTTP_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"
LEASED_HANDLER = "crawler.fetch.worker.LeasedDownloadHandler"


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def wait_for_run(redis_url: str, timeout: float) -> FleetRun:
    """The writer's run, once it has seeded it (the writer may start after the workers)."""
    client = connect(redis_url)
    deadline = time.monotonic() + timeout
    while True:
        run = FleetRun.current(client)
        if run is not None and run.ready():
            return run
        if time.monotonic() > deadline:
            raise TimeoutError(f"no run ready at {redis_url} after {timeout:g} s: start `congdoan store --redis` first")
        time.sleep(0.2)


class Worker:
    """Settings: ARCHIVE_FLEET_LEASE (seconds a lease outlives its last heartbeat, default 10)."""

    def __init__(
        self,
        settings: Settings,
        run: FleetRun,
        redis_url: str,
        sites: tuple[str, ...] = (),
        spider_arguments: dict[str, Any] | None = None,
    ) -> None:
        self.run = run
        self.spider_arguments = spider_arguments or {}
        self.name = settings.get("ARCHIVE_FLEET_WORKER") or worker_name()
        self.lease = settings.getfloat("ARCHIVE_FLEET_LEASE", DEFAULT_LEASE)
        settings.setdict(
            {**fleet_settings(run.id, redis_url), "ARCHIVE_RUN_ID": run.id, "ARCHIVE_FLEET_WORKER": self.name},
            priority="cmdline",
        )
        # The writer stores; this worker reads pages and sends what storing needs.
        pipelines = dict(settings.getdict("ITEM_PIPELINES"))
        pipelines.pop("crawler.store.pipeline.ArchivePipeline", None)
        pipelines["crawler.fetch.fleet_pipeline.FleetPipeline"] = 300
        # Every request leaves through the lease check, whatever handler the run uses.
        handlers = settings.getdict("DOWNLOAD_HANDLERS")
        inner = {scheme: handlers.get(scheme) or HTTP_HANDLER for scheme in ("http", "https")}
        settings.set("ARCHIVE_FLEET_DOWNLOAD_HANDLERS", inner, priority="cmdline")
        settings.set("DOWNLOAD_HANDLERS", dict.fromkeys(inner, LEASED_HANDLER), priority="cmdline")
        settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
        extensions = dict(settings.getdict("EXTENSIONS"))
        extensions["spidermon.contrib.scrapy.extensions.Spidermon"] = None  # the writer monitors the whole run
        extensions["crawler.fetch.worker.FleetStats"] = 500
        settings.set("EXTENSIONS", extensions, priority="cmdline")
        self.settings = settings
        self.wanted = set(sites)
        # The heartbeat's LoopingCall needs the reactor before the crawlers start it.
        install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])
        self.process = CrawlerProcess(settings)
        self.crawlers: dict[str, Crawler] = {}
        self.lost: set[str] = set()
        self.started_at = time.monotonic()
        self.crawled: list[tuple[str, Crawler]] = []

    def start(self) -> None:
        """Crawl until every site of the run is done (blocks; runs the reactor)."""
        self.run.heartbeat(self.name, self.lease)
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(HEARTBEAT, now=True)
        self.process.start(stop_after_crawl=False)

    def tick(self) -> None:
        try:
            self._tick()
        except Exception:  # Redis gone a moment: the next beat tries again; leases outlive a few
            logger.exception("fleet heartbeat failed")

    def _tick(self) -> None:
        self.run.heartbeat(self.name, self.lease)
        for site, crawler in list(self.crawlers.items()):
            if site not in self.lost and not self.run.renew_lease(site, self.name, self.lease):
                logger.warning("%s: lease lost to another worker; stopping this worker's crawl of it", site)
                self.lost.add(site)
                deferred_from_coro(crawler.stop_async())
        finished = self.run.finished()
        todo = [site for site in self.run.sites() if site not in finished and (not self.wanted or site in self.wanted)]
        if not todo and not self.crawlers:
            from twisted.internet import reactor  # the one CrawlerProcess installed

            self.loop.stop()
            reactor.callWhenRunning(reactor.stop)  # the first beat comes before the reactor runs
            return
        # One site at once; a fair share once the other workers' first heartbeats are in.
        settled = time.monotonic() - self.started_at >= 2 * HEARTBEAT
        share = self.run.fair_share(len(todo)) if settled else 1
        for site in todo:
            if len(self.crawlers) >= share:
                break
            if site not in self.crawlers and self.run.take_lease(site, self.name, self.lease):
                self.crawl(site)

    def crawl(self, site: str) -> None:
        logger.info("%s: taking the site (lease for %s)", site, self.name)
        crawler = self.process.create_crawler(site)
        self.crawlers[site] = crawler
        self.crawled.append((site, crawler))
        deferred = self.process.crawl(crawler, **self.spider_arguments)
        deferred.addBoth(self.crawl_ended, site, crawler)

    def crawl_ended(self, result: Any, site: str, crawler: Crawler) -> Any:
        self.crawlers.pop(site, None)
        reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
        if reason == "finished" and site not in self.lost:
            self.run.finish_site(site)
            logger.info("%s: done", site)
        elif site not in self.lost:
            self.run.release_lease(site, self.name)
        self.lost.discard(site)
        return result


class FleetStats:
    """Adds this worker's counters for a site to the run's (the writer's monitors and `crawls`
    rows read the sum over all workers): with each flush of the site's outbox
    (crawler/fetch/fleet.py), so with every page stored, and every heartbeat and at close. A
    worker killed at any moment loses only the counts of exchanges whose pages are redone."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.sent: dict[str, int] = {}
        self.loop = task.LoopingCall(self.send)
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FleetStats:
        return cls(crawler)

    def opened(self) -> None:
        fleet = site_of(self.crawler.spider)
        if fleet is not None:
            fleet.tally = self.tally
        self.loop.start(HEARTBEAT, now=False)

    def closed(self) -> None:
        if self.loop.running:
            self.loop.stop()
        self.send()

    def send(self) -> None:
        fleet = site_of(self.crawler.spider)
        if fleet is not None:
            fleet.flush()

    def tally(self) -> dict[str, int]:
        """The counters changed since the last tally, by how much."""
        if self.crawler.stats is None:
            return {}
        counts = {
            name: value
            for name, value in self.crawler.stats.get_stats().items()
            if isinstance(value, int) and not isinstance(value, bool)
        }
        deltas = {
            name: value - self.sent.get(name, 0) for name, value in counts.items() if value != self.sent.get(name, 0)
        }
        self.sent = counts
        return deltas


class LeasedDownloadHandler(BaseDownloadHandler):
    """A fleet worker's download handler: the one the run would use otherwise (Scrapy's, the
    mirror's, the replay's), behind a check that this worker still holds the request's site.
    Scrapy holds requests in a site's download slot until its delay has passed, across any
    stall of the process; this is the last moment before one leaves."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.paths = crawler.settings.getdict("ARCHIVE_FLEET_DOWNLOAD_HANDLERS")
        self.inner: dict[
            str, BaseDownloadHandler
        ] = {}  # by scheme, made on first use (Scrapy makes one of us per scheme)

    async def download_request(self, request: Request) -> Response:
        fleet = site_of(self.crawler.spider)
        if fleet is not None and not fleet.holds_lease():
            raise LeaseLost(f"{request.url}: {fleet.site} has passed to another worker")
        scheme = urlparse_cached(request).scheme
        if scheme not in self.inner:
            self.inner[scheme] = build_from_crawler(load_object(self.paths[scheme]), self.crawler)
        return await self.inner[scheme].download_request(request)

    async def close(self) -> None:
        for handler in self.inner.values():
            await handler.close()
