"""Feeds and sitemaps: a second way to article links, tried at start beside the listings.
A missing feed is logged, never an error; old monthly sitemaps are not read."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.fetch.frontier import now
from crawler.fetch.kinds import RequestKind
from crawler.records import Rejection
from crawler.sites import discover
from crawler.sites.cms import CmsProfile
from crawler.sites.feeds import FEED_TOO_LARGE, MAX_FEED_BYTES, FeedTooLarge, parse_feed, sitemap_date

logger = logging.getLogger(__name__)


class Feeds:
    """NewsSpider's RSS/Atom feeds and sitemaps (`feed_paths`); their article links go through
    the listing walk's `new_articles` and `schedule`, and `request` is NewsSpider's."""

    crawler: Crawler
    name: str
    profile: ClassVar[CmsProfile]
    feed_paths: ClassVar[tuple[str, ...]]
    sitemap_max_age_days: ClassVar[int]
    since: str | None
    start_url_override: list[str]
    hand_over: Callable[[Response, list[scrapy.Request]], Iterator[scrapy.Request]]

    def feed_urls(self) -> list[str]:
        return [] if self.start_url_override else [f"https://{self.profile.host}{path}" for path in self.feed_paths]

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request | Rejection]:
        # A .xml.gz sitemap comes as a plain file, still compressed: it gets the bound that
        # Scrapy's own decompression has (DOWNLOAD_MAXSIZE), read as a stream.
        limit = self.crawler.settings.getint("DOWNLOAD_MAXSIZE") or MAX_FEED_BYTES  # 0: Scrapy's "no limit"
        try:
            entries = parse_feed(response.body, response.url, limit)
        except FeedTooLarge as error:
            self.crawler.stats.inc_value("archive/feeds/too-large")
            logger.warning(
                "%s (%s); its links are not read", error, FEED_TOO_LARGE, extra={"alert": "feed", "site": self.name}
            )
            yield Rejection(response.url, self.name, FEED_TOO_LARGE, str(error), now())
            yield from self.hand_over(response, [])
            return
        if not entries.links and not entries.sitemaps:
            self.crawler.stats.inc_value("archive/feeds/empty")
            logger.info("no feed or sitemap entries at %s", response.url)
        links = [link for link in entries.links if discover.is_article_url(link.url, self.profile)]
        requests = list(self.schedule(self.new_articles(links)[0]))
        oldest = self.since or (datetime.now(UTC) - timedelta(days=self.sitemap_max_age_days)).date().isoformat()
        for url, lastmod in entries.sitemaps:
            dated = sitemap_date(url, lastmod)  # monthly news sitemaps: only the recent ones
            if dated is None or dated[:10] >= oldest:
                requests.append(self.request(url, RequestKind.FEED))
        yield from self.hand_over(response, requests)
