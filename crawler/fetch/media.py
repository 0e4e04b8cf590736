"""MediaArchivePipeline: the photos of each stored article, fetched and kept. Scrapy's own
MediaPipeline does the fetching: every photo request goes through the downloader like a
page (the host guard, robots.txt, the site's download slot and AutoThrottle, retries, and
CaptureMiddleware, which writes it to the run's WARC), and a photo several articles print
is fetched once a run. What a photo is comes from crawler.capture.media; the media table
(crawler/store/media.py) keeps the answer, a failure included, so no article ever fails
for its photos.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import sqlite_utils
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.pipelines.media import FileInfo, MediaPipeline
from twisted.python.failure import Failure

from crawler.capture.media import Verdict, judge, refused, worth_retrying
from crawler.extract.schema import media_errors
from crawler.fetch.capture import header
from crawler.fetch.errback import describe_failure, ignored_reason
from crawler.fetch.fleet import FleetSite, site_of
from crawler.fetch.frontier import now
from crawler.records import MediaWanted
from crawler.store.database import open_db
from crawler.store.media import attempts, save_media
from crawler.store.pipeline import media_enabled

logger = logging.getLogger(__name__)

# What a browser asks an image host for; the bytes are checked whatever comes back.
ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*;q=0.8"
DEFAULT_MAXSIZE = 10 * 1024 * 1024  # a news photo is rarely over 2 MB; a poster scan may be 8


class MediaArchivePipeline(MediaPipeline):
    """Fetches the photos of MediaWanted items (the store pipeline's, and the backlog a
    spider yields at start) and records each in `media`.

    Settings: ARCHIVE_MEDIA (default True), ARCHIVE_MEDIA_MAXSIZE (bytes, default 10 MiB).
    Stats: archive/requests/media, archive/media/{archived,failed}, archive/media/failed/<reason>.
    """

    LOG_FAILED_RESULTS = False  # every failure is a media row and a log line of its own

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler=crawler)
        settings = crawler.settings
        self.enabled = media_enabled(settings)
        self.max_bytes = settings.getint("ARCHIVE_MEDIA_MAXSIZE", DEFAULT_MAXSIZE)
        self.db_path = settings.get("ARCHIVE_DB")
        self.db: sqlite_utils.Database | None = None
        # Photo servers redirect (http to https, an old path to a new one); the guard checks
        # each hop, and only the final answer is judged.
        self.allow_redirects = True
        self._handle_statuses(True)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MediaArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        super().open_spider()
        if self.enabled and self.db_path and self.fleet is None:
            self.db = open_db(self.db_path)

    def close_spider(self) -> None:
        if self.db is not None:
            self.db.close()

    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        if not isinstance(item, MediaWanted) or (self.db is None and self.fleet is None):
            return []
        self.crawler.stats.inc_value("archive/requests/media", len(item.urls))
        return [
            Request(
                url,
                headers={"Referer": item.article_url, "Accept": ACCEPT},
                # The host guard decides where photos may come from (the site, its subdomains,
                # its profile's image hosts), so Scrapy's offsite filter leaves them to it.
                meta={"archive_media": item.site, "allow_offsite": True, "download_maxsize": self.max_bytes},
            )
            for url in item.urls
        ]

    def media_to_download(self, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None) -> None:
        return None  # the store already left out what is archived; fetched once a run by fingerprint

    def media_downloaded(
        self, response: Response, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None
    ) -> FileInfo:
        if "replay-missing" in response.flags:
            # Not in the archives being replayed: nothing learnt, the photo stays pending.
            return FileInfo(url=request.url, path="", checksum=None, status="pending")
        verdict = judge(response.status, header(response, "Content-Type"), response.body, self.max_bytes)
        meta = response.meta if response.request is not None else {}
        sha256 = self.record(
            request.url,
            request.meta.get("archive_media"),
            verdict,
            payload=response.body,
            http_status=response.status,
            capture_id=meta.get("capture_id"),
            fetched_at=meta.get("fetched_at"),
        )
        return FileInfo(url=request.url, path="", checksum=sha256, status="archived" if verdict.archived else "failed")

    def media_failed(self, failure: Failure, request: Request, info: MediaPipeline.SpiderInfo) -> None:
        if isinstance(failure.value, IgnoreRequest):
            reason, _ = ignored_reason(failure.value, str(failure.value))
            detail = str(failure.value)
        else:
            failure.request = request  # describe_failure names the host from it
            reason, detail = describe_failure(failure)
        self.record(request.url, request.meta.get("archive_media"), refused(reason, detail))

    def record(
        self,
        url: str,
        site: str | None,
        verdict: Verdict,
        payload: bytes = b"",
        http_status: int | None = None,
        capture_id: int | None = None,
        fetched_at: str | None = None,
    ) -> str | None:
        """One photo's row in `media`; returns its sha256 when it was kept."""
        sha256 = hashlib.sha256(payload).hexdigest() if verdict.archived else None
        stats = self.crawler.stats
        if verdict.archived:
            stats.inc_value("archive/media/archived")
        else:
            stats.inc_value("archive/media/failed")
            stats.inc_value(f"archive/media/failed/{verdict.reason}")
            logger.info("photo not kept: %s: %s (%s)", url, verdict.reason, verdict.detail)
        row = {
            "url": url,
            "site": site,
            "status": "archived" if verdict.archived else "failed",
            "reason": verdict.reason,
            "detail": verdict.detail or None,
            "http_status": http_status,
            "sha256": sha256,
            "content_type": verdict.content_type,
            "bytes": len(payload) if verdict.archived else None,
            "width": verdict.width,
            "height": verdict.height,
            "capture_id": capture_id,
            "fetched_at": fetched_at or now(),
        }
        if self.fleet is not None:  # the writer counts the attempts and stores the row
            self.fleet.send({"type": "media", "row": row})
            return sha256
        assert self.db is not None
        with self.db.atomic():
            save_media_attempt(self.db, row, stats)
        return sha256

    @property
    def fleet(self) -> FleetSite | None:
        return site_of(self.crawler.spider)

    def file_path(
        self, request: Request, response: Response | None = None, info: Any = None, *, item: Any = None
    ) -> str:
        return ""  # photos live in the WARC captures, not in files of their own


def save_media_attempt(db: sqlite_utils.Database, row: dict[str, Any], stats: Any) -> None:
    """Store one photo's fetch, counted as one more attempt (a failure that may pass is tried
    again by later runs, a few times at most), checked against the schema downstream reads."""
    tried = attempts(db, row["url"]) + 1
    row = {**row, "attempts": tried, "retry": int(row["status"] != "archived" and worth_retrying(row["reason"], tried))}
    for problem in media_errors(row):  # the contract downstream tools read (docs/schema.md)
        stats.inc_value("archive/validation/errors")
        logger.warning("schema: media %s: %s", row["url"], problem)
    save_media(db, row)
