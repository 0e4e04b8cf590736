"""Article requests and what their responses become: a Page, an Attachment, a Rejection, or
NotModified for a re-check the site answered 304. Re-checks catch edits to recent articles."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings

from crawler.fetch.capture import header
from crawler.fetch.frontier import now
from crawler.fetch.kinds import RequestKind
from crawler.records import Attachment, NotModified, Page, Rejection
from crawler.sites import discover
from crawler.sites.cms import CmsProfile
from crawler.store.crawls import Recheck, recheck_due

logger = logging.getLogger(__name__)

# Where sites send a visitor who must log in first (redirect target URLs).
LOGIN_PAGE = re.compile(r"(?i)/(login|log-in|signin|sign-in|dang-nhap|dangnhap|users?/login)\b|[?&]returnurl=")


def due_for_recheck(settings: BaseSettings, db_path: str | None, site: str) -> list[Recheck]:
    """Archived articles published in the last ARCHIVE_RECHECK_DAYS (3), not fetched in the last
    ARCHIVE_RECHECK_AFTER_HOURS (12): fetched again, so edits become new versions."""
    days = settings.getint("ARCHIVE_RECHECK_DAYS", 3)
    hours = settings.getfloat("ARCHIVE_RECHECK_AFTER_HOURS", 12)
    moment = datetime.now(UTC)
    since = (moment - timedelta(days=days)).date().isoformat()
    seen_before = (moment - timedelta(hours=hours)).replace(microsecond=0).isoformat()
    return recheck_due(db_path, site, since, seen_before) if days > 0 else []


class Articles:
    """NewsSpider's article pages and re-checks. `scheduled` and `recheck` are NewsSpider's, and
    so are `request` and `own_host`; `done` is the frontier's."""

    name: str
    crawler: Crawler
    profile: ClassVar[CmsProfile]
    redirect_hosts: ClassVar[tuple[str, ...]]
    scheduled: set[str]
    recheck: list[Recheck]

    def rechecks(self) -> Iterator[scrapy.Request]:
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

    def parse_article(self, response: Response) -> Iterator[Page | Rejection | NotModified | Attachment]:
        if response.status == 304:  # a re-check the site answered "not modified"
            self.crawler.stats.inc_value("archive/recheck/not-modified")
            yield NotModified(discover.canonical_url(response.url), response.meta.get("fetched_at") or now())
            return
        content_type = header(response, "Content-Type")
        if discover.is_document(response.url, content_type):
            yield self.attachment(response, content_type)
            return
        if response.meta.get("redirect_urls") and LOGIN_PAGE.search(response.url):
            # The site wants a login for this page: nothing to archive, and no reason to retry.
            yield Rejection(
                discover.canonical_url(self.done(response)),
                self.name,
                "login-required",
                f"redirects to the login page {response.url}",
                now(),
                self.done(response),
            )
            return
        # A redirected link is remembered under the URL the listing gave, so the next run
        # does not take it for a new article and page on: as the article's alias, or as a
        # rejection when the target is none.
        target = discover.canonical_url(response.url)
        sources = tuple(
            dict.fromkeys(
                source
                for source in map(discover.canonical_url, response.meta.get("redirect_urls", []))
                if source != target
            )
        )
        host = urlsplit(response.url).hostname or ""
        if not self.own_host(response.url) and host not in self.redirect_hosts:
            # Redirected off the site, e.g. to a translated subdomain: not this archive's page.
            for source in sources:
                yield Rejection(source, self.name, "redirected", f"redirects to {response.url}", now())
            yield Rejection(
                discover.canonical_url(response.url),
                self.name,
                "off-site",
                f"{response.url} is not on {self.profile.host}",
                now(),
                self.done(response),
            )
            return
        yield self.page(response, sources)

    def page(self, response: Response, redirects: tuple[str, ...] = ()) -> Page:
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        return Page(
            url=response.url,
            site=self.name,
            status=response.status,
            body=response.body,
            # The capture's time: in a replay, when the page was recorded, not now.
            fetched_at=response.meta.get("fetched_at") or now(),
            headers=headers,
            # Pages on a redirect host run another CMS: the generic path reads them.
            profile=self.profile.name if self.own_host(response.url) else None,
            capture_id=response.meta.get("capture_id"),
            frontier_url=self.done(response),
            redirects=redirects,
        )

    def attachment(self, response: Response, content_type: str | None) -> Attachment:
        """A document a listing linked like an article: kept as an attachment of that listing."""
        self.crawler.stats.inc_value("archive/attachments/fetched")
        raw_referer = response.request.headers.get("Referer") if response.request else None
        referer = raw_referer.decode("latin-1") if raw_referer else None
        logger.info(
            "attachment %s (%s, %d bytes) linked from %s",
            response.url,
            content_type,
            len(response.body),
            referer or "?",
        )
        return Attachment(
            url=discover.canonical_url(response.url),
            site=self.name,
            found_on=referer,
            status="fetched",
            content_type=content_type,
            size=len(response.body),
            sha256=hashlib.sha256(response.body).hexdigest(),
            fetched_at=response.meta.get("fetched_at") or now(),
            capture_id=response.meta.get("capture_id"),
            frontier_url=self.done(response),
        )
