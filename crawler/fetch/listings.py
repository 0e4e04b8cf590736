"""The listing walk: which of a listing's links to fetch, its sections, and whether to page on.
Paging stops at the first page with nothing new, so a run after another fetches only listings."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator
from typing import ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

from crawler.fetch.kinds import RequestKind
from crawler.sites import discover
from crawler.sites.cms import REDIRECTED_SITE, CmsProfile
from crawler.sites.pagination import next_page_url

logger = logging.getLogger(__name__)


class ListingWalk:
    """NewsSpider's listing pages: entries, the categories found on them, and their next pages.
    The sets and counters are NewsSpider's; `request` and `own_host` too."""

    crawler: Crawler
    profile: ClassVar[CmsProfile]
    follow_pattern: ClassVar[str]
    strict_sections: ClassVar[bool]
    since: str | None
    max_articles: int | None
    start_url_override: list[str]
    known: dict[str, str]
    scheduled: set[str]
    listings: set[str]
    chains: dict[str, set[str]]  # in a fleet, sets shared through Redis (crawler/fetch/fleet.py)
    pages_seen: dict[str, int]
    max_pages: int
    hand_over: Callable[..., Iterator[scrapy.Request]]

    def listing_profile(self, url: str) -> CmsProfile:
        """The spider's profile on its own host; on a host it was redirected to (the site
        moved), a generic rule: article URLs there end in a numeric id."""
        if self.own_host(url):
            return self.profile
        return dataclasses.replace(REDIRECTED_SITE, host=urlsplit(url).hostname or "")

    def follows(self, link: discover.ListingLink) -> bool:
        return discover.follows(link, self.follow_pattern, self.strict_sections)

    def new_articles(
        self, links: list[discover.ListingLink], seen: set[str] | None = None, walk_started: str | None = None
    ) -> tuple[list[str], bool]:
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
        return wanted, fresh

    def schedule(self, urls: list[str]) -> Iterator[scrapy.Request]:
        for url in urls:
            if self.capped():
                return
            self.scheduled.add(url)
            yield self.request(url, RequestKind.ARTICLE)

    def capped(self) -> bool:
        return self.max_articles is not None and len(self.scheduled) >= self.max_articles

    def note_listing(self, url: str, links: list[discover.ListingLink]) -> None:
        """The listing page read last and the oldest date it printed (the live display's
        "listing page" and "reached": how far back a --since walk has got)."""
        stats = self.crawler.stats
        stats.set_value("archive/listing/current", url)
        dates = [link.published_at[:10] for link in links if link.published_at]
        if dates:
            stats.set_value("archive/listing/reached", min(dates))

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        profile = self.listing_profile(response.url)
        links = discover.listing_links(response.text, response.url, profile)
        if self.since and links and not any(link.published_at for link in links):
            self.crawler.stats.inc_value("archive/listings/undated")
            logger.warning(
                "%s prints no dates: --since cannot end its paging, only the no-new-link rule can", response.url
            )
        self.note_listing(response.url, links)
        chain = response.meta.get("archive_chain") or discover.canonical_url(response.url)
        walk_started = response.meta.get("walk_started")
        seen = self.chains.setdefault(chain, set())
        wanted, fresh = self.new_articles(links, seen, walk_started)
        requests = list(self.schedule(wanted))
        # One level of section discovery, from default entry pages only: a --start-url
        # backfill stays in the section it names.
        if response.meta.get("archive_kind") == RequestKind.ENTRY.name and not self.start_url_override:
            for url in discover.category_links(response.text, response.url, profile):
                if url not in self.listings:
                    self.listings.add(url)
                    requests.append(self.request(url, RequestKind.CATEGORY))
        # A page with nothing new (or nothing recent enough) ends paging: the rest is archived.
        next_url = next_page_url(response.url, response.text, profile) if fresh and not self.capped() else None
        pages = self.pages_seen[chain] = self.pages_seen.get(chain, 0) + 1
        if next_url and pages >= self.max_pages:
            # A section that never runs out of "new" links is a trap (or a backfill for --since).
            self.crawler.stats.inc_value("archive/listings/page-cap")
            logger.warning(
                "stopped paging %s after %d pages (ARCHIVE_MAX_PAGES): %s not followed", chain, pages, next_url
            )
            next_url = None
        if next_url and next_url not in self.listings:
            self.listings.add(next_url)
            requests.append(self.request(next_url, RequestKind.NEXT_PAGE, chain=chain, walk_started=walk_started))
        # The page's links count as seen only once all it led to is queued, so a walk cut
        # short in between pages on as if never interrupted.
        yield from self.hand_over(response, requests, lambda: seen.update(link.url for link in links))
