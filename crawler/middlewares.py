"""Thin Scrapy adapters around the fetch rules: the D1N challenge and the mirror."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawler.challenge import d1n_cookie
from crawler.mirror import from_mirror, to_mirror

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
