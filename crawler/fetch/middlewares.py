"""Thin Scrapy adapters around the fetch rules: the D1N challenge, the mirror, retries with
backoff, the host guard and robots.txt."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares import robotstxt as scrapy_robotstxt
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.statscollectors import StatsCollector
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.response import response_status_message
from twisted.internet.defer import Deferred

from crawler.fetch.backoff import backoff_seconds, retry_after_seconds
from crawler.fetch.guard import refusal
from crawler.fetch.mirror import from_mirror, to_mirror
from crawler.sites.challenge import d1n_cookie

logger = logging.getLogger(__name__)


class D1NChallengeMiddleware:
    """Answers Lao Động's D1N cookie interstitial: read the cookie, ask again once.

    Settings: ARCHIVE_D1N_ENABLED (default True).
    Stats: archive/d1n/challenged, archive/d1n/answered, archive/d1n/unsolved.
    A second challenge for the same request is passed on, and becomes an
    `interstitial` rejection rather than an article.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> D1NChallengeMiddleware:
        if not crawler.settings.getbool("ARCHIVE_D1N_ENABLED", True):
            raise NotConfigured
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status != 200:
            return response
        cookie = d1n_cookie(response.body)
        if cookie is None:
            return response
        self.stats.inc_value("archive/d1n/challenged")
        if request.meta.get("d1n_answered"):
            self.stats.inc_value("archive/d1n/unsolved")
            logger.warning("D1N challenge came back after answering it: %s", request.url)
            return response
        self.stats.inc_value("archive/d1n/answered")
        cookies = dict(request.cookies) if isinstance(request.cookies, dict) else {}
        cookies["D1N"] = cookie
        # The cookie jar keeps D1N for later requests to the site, so this happens once a run.
        return request.replace(cookies=cookies, dont_filter=True, meta={**request.meta, "d1n_answered": True})


class MirrorDownloadHandler(HTTP11DownloadHandler):
    """Downloads https://HOST/PATH from ARCHIVE_MIRROR/HOST/PATH; everything above sees real URLs.

    Settings: ARCHIVE_MIRROR. Working at the download-handler level keeps robots.txt,
    cookies, redirects and the archive all on the real host names.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.mirror: str | None = crawler.settings.get("ARCHIVE_MIRROR")

    async def download_request(self, request: Request) -> Response:
        if not self.mirror:
            return await super().download_request(request)
        mirrored = request.replace(url=to_mirror(self.mirror, request.url))
        response = await super().download_request(mirrored)
        headers: Any = response.headers.copy()
        if b"Location" in headers:
            location = headers[b"Location"].decode("latin-1")
            headers[b"Location"] = from_mirror(self.mirror, location, request.url)
        return response.replace(url=request.url, request=request, headers=headers)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries for 429 and 5xx, with a wait first: what Retry-After asks for (at
    most ARCHIVE_MAX_RETRY_AFTER seconds, default 300), else exponential from
    ARCHIVE_RETRY_BACKOFF (default 5 s). The site's download slot waits as long, so
    other requests to a server that said "slow down" wait too.

    Stats: archive/retry/waited (seconds, summed), archive/retry/retry-after (how often a
    server asked).
    """

    def __init__(self, settings: Any, crawler: Crawler) -> None:
        super().__init__(settings)
        self.crawler = crawler
        self.base = settings.getfloat("ARCHIVE_RETRY_BACKOFF", 5.0)
        self.cap = settings.getfloat("ARCHIVE_MAX_RETRY_AFTER", 300.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        return cls(crawler.settings, crawler)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        header = response.headers.get("Retry-After")
        asked = retry_after_seconds(header.decode("latin-1") if header else None)
        attempt = request.meta.get("retry_times", 0) + 1
        if attempt > request.meta.get("max_retry_times", self.max_retry_times):
            return response
        stats = self.crawler.stats
        if asked is not None:
            stats.inc_value("archive/retry/retry-after")
        wait = backoff_seconds(attempt, asked, self.base, self.cap)
        stats.inc_value("archive/retry/waited", int(wait))
        logger.info("%s answered %s: retrying in %.0f s", request.url, response.status, wait)
        slot = self._slot(request)
        previous = slot.delay if slot is not None else None
        if slot is not None and slot.delay < wait:
            slot.delay = wait  # the whole site waits, not only this request
        await asyncio.sleep(wait)
        if slot is not None and slot.delay == wait and previous is not None:
            slot.delay = previous
        return self._retry(request, response_status_message(response.status)) or response

    def _slot(self, request: Request) -> Any:
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None) if engine else None
        if downloader is None:
            return None
        return downloader.slots.get(downloader.get_slot_key(request))


class RefusedRequest(IgnoreRequest):
    """A request the host guard will not send (crawler/fetch/guard.py says why)."""


class LeaseLost(IgnoreRequest):
    """A fleet worker's request for a site another worker has taken over: not sent, and not a
    failure; the site's new worker has it back from the shared queue (crawler/fetch/worker.py)."""


class HostGuardMiddleware:
    """Refuses, before anything is sent, every request outside the spider's own hosts (its
    profile's host and aliases and its redirect hosts; for photos their subdomains and the
    profile's image hosts too): IP
    addresses, localhost, other sites, URL-space traps. It runs for redirects too, which
    Scrapy's offsite filter lets through for dont_filter requests. The mirror maps hosts later, in the download handler,
    so tests keep the real host names here.

    Stats: archive/refused/<first word of the reason>.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostGuardMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        # A photo may also come from the site's subdomains and the image hosts its profile
        # declares, and robots.txt is read there first (Scrapy's robots request carries no mark).
        photo = bool(request.meta.get("archive_media")) or urlparse_cached(request).path == "/robots.txt"
        hosts = frozenset(getattr(spider, "media_hosts" if photo else "allowed_domains", None) or ())
        reason = refusal(request.url, hosts, subdomains=photo) if hosts else None
        if reason is not None:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(f"archive/refused/{reason.split()[0].lower()}")
            origin = (request.meta.get("redirect_urls") or [None])[0]
            logger.warning("refused %s%s: %s", request.url, f" (redirected from {origin})" if origin else "", reason)
            raise RefusedRequest(reason)


class RobotsTxtMiddleware(scrapy_robotstxt.RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with every request that waited for a robots.txt
    still in flight given its rules.

    Scrapy 2.13+ hands the pending robots.txt to its waiters through one shared Deferred
    (`await maybe_deferred_to_future(parser)`). The first waiter's callback returns None,
    so every later waiter got None, which means "no rules": requests queued at start (the
    entry pages, or a frontier resumed after a kill) were sent even where robots.txt
    disallowed them. By the time any waiter wakes, the middleware has stored the parsed
    rules (or None, if robots.txt could not be fetched), so they are read from there.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        # In a fleet, a robots.txt is fetched once per run and shared: the worker that takes a
        # site over reads the rules its first worker fetched (crawler/fetch/fleet.py).
        netloc = urlparse_cached(request).netloc
        fleet = getattr(self.crawler.spider, "fleet", None)
        if fleet is not None and netloc not in self._parsers:
            body = fleet.run.robots(netloc)
            if body is not None:
                self._parsers[netloc] = build_from_crawler(self._parserimpl, self.crawler, body)
                self.crawler.stats.inc_value("robotstxt/shared")
        waited = await super().robot_parser(request)
        settled = self._parsers.get(urlparse_cached(request).netloc, waited)
        return waited if isinstance(settled, Deferred) else settled

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        fleet = getattr(self.crawler.spider, "fleet", None)
        if fleet is not None:  # whatever the answer: Scrapy reads rules from any robots.txt body
            fleet.run.keep_robots(netloc, response.body)
        await super()._parse_robots(response, netloc, request)
