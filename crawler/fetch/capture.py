"""CaptureMiddleware: every exchange of a crawl written to WARC (crawler.capture.warc) and
indexed in archive.db's captures table (crawler.store).

CaptureMiddleware sits next to the downloader (950), so it sees each response as the
server sent it (still compressed, before redirects are followed or the D1N challenge is
answered) and each request as it went out (cookies and User-Agent included). robots.txt,
feeds, listings, redirects and articles are all recorded.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response

from crawler.capture.warc import Exchange, Recorded, WarcFile, as_stored, sha256_hex, warc_dir_for
from crawler.fetch.fleet import site_of
from crawler.store.captures import earlier_capture, save_capture
from crawler.store.database import open_db
from crawler.store.media import earlier_media_capture

logger = logging.getLogger(__name__)


def run_id() -> str:
    """A name for one crawl invocation: its start time (UTC) and process id."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}"


def _stored_name(path: Path, db_path: str) -> str:
    """WARC paths are stored relative to the archive's folder, so the two can move together."""
    try:
        return str(path.resolve().relative_to(Path(db_path).resolve().parent))
    except ValueError:
        return str(path.resolve())


def _text(value: bytes) -> str:
    """Header bytes as text: UTF-8 when they are (a Vietnamese Location), else latin-1 (1:1)."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def header(response: Response, name: str) -> str | None:
    """One response header as text, or None when it is absent or empty."""
    return (response.headers.get(name) or b"").decode("latin-1") or None


def _header_list(headers: Headers) -> list[tuple[str, str]]:
    return [(_text(k), _text(v)) for k, values in headers.items() for v in values]


# One WARC file per crawl run, shared by the spiders of that run (they all run in this
# process, on one reactor thread): path -> [file, spiders still using it].
_RUN_FILES: dict[Path, list] = {}


def _open_run_file(path: Path) -> WarcFile:
    entry = _RUN_FILES.setdefault(path, [WarcFile(path, "congdoan-archive"), 0])
    entry[1] += 1
    return entry[0]


def _release_run_file(path: Path) -> None:
    entry = _RUN_FILES.get(path)
    if entry is not None:
        entry[1] -= 1
        if entry[1] <= 0:
            entry[0].close()
            del _RUN_FILES[path]


class CaptureMiddleware:
    """Writes each exchange to WARC_DIR/<run>.warc.gz (one file for all the sites of a run)
    and a row of `captures`.

    Settings: ARCHIVE_CAPTURE (default True), ARCHIVE_WARC_DIR (default warc/ beside
    ARCHIVE_DB), ARCHIVE_RUN_ID. Sets request.meta["capture_id"] and ["fetched_at"] for
    the spider. Stats: archive/captures/{response,revisit,replay}.
    """

    def __init__(self, crawler: Crawler, db_path: str, warc_dir: Path, run: str) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.warc_dir = warc_dir
        self.run = run
        # A fleet worker writes its own WARC file and sends its captures to the writer.
        worker = crawler.settings.get("ARCHIVE_FLEET_WORKER")
        in_fleet = bool(crawler.settings.get("REDIS_URL") and worker)
        if in_fleet:
            run = f"{run}-{worker}"
        self.db = None if in_fleet else open_db(db_path)
        self.warc_path = warc_dir / f"{run}.warc.gz"
        # Decoded no further than Scrapy itself would (a gzip bomb is stored as sent).
        self.max_decoded = crawler.settings.getint("DOWNLOAD_MAXSIZE") or 64 * 1024 * 1024
        self.warc = _open_run_file(self.warc_path)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CaptureMiddleware:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_CAPTURE", True):
            raise NotConfigured
        db_path = settings.get("ARCHIVE_DB")
        middleware = cls(
            crawler,
            db_path,
            warc_dir_for(settings.get("ARCHIVE_WARC_DIR"), db_path),
            settings.get("ARCHIVE_RUN_ID") or run_id(),
        )
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    @property
    def site(self) -> str:
        spider = self.crawler.spider
        return spider.name if spider is not None else "unknown"

    def process_request(self, request: Request) -> None:
        # A redirected or retried request inherits its predecessor's meta: forget which
        # capture that was, so a failed follow-up is never linked to it.
        for key in ("capture_id", "fetched_at", "replayed_from"):
            request.meta.pop(key, None)

    def process_response(self, request: Request, response: Response) -> Response:
        if "replay-missing" in response.flags:
            return response  # nothing was exchanged: the URL is not in the replayed archive
        replayed: Recorded | None = request.meta.get("replayed_from")
        headers, payload = as_stored(_header_list(response.headers), response.body, self.max_decoded)
        row = {
            "run_id": self.run,
            "site": self.site,
            "url": request.url,
            "method": request.method,
            "status": response.status,
            "sha256": sha256_hex(payload),
            "content_type": header(response, "Content-Type"),
            "etag": header(response, "ETag"),
            "last_modified": header(response, "Last-Modified"),
        }
        if replayed is not None:  # the record we replayed is the capture; nothing new to write
            row.update(
                fetched_at=replayed.fetched_at,
                record_type="response",
                warc_file=_stored_name(Path(replayed.source), self.db_path),
                warc_offset=replayed.offset,
                warc_length=None,
            )
            kind = "replay"
        else:
            row["fetched_at"] = datetime.now(UTC).replace(microsecond=0).isoformat()  # as WARC-Date
            kind = self._write(
                request,
                Exchange(
                    request.url,
                    request.method,
                    _header_list(request.headers),
                    response.status,
                    headers,
                    payload,
                    row["fetched_at"],
                ),
                row,
            )
        request.meta["capture_id"] = self._save(row)
        request.meta["fetched_at"] = row["fetched_at"]
        self.crawler.stats.inc_value(f"archive/captures/{kind}")
        return response

    def _save(self, row: dict) -> int:
        fleet = site_of(self.crawler.spider)
        if fleet is None:
            assert self.db is not None
            return save_capture(self.db, row)
        row["id"] = fleet.next_capture_id()
        fleet.send({"type": "capture", "row": row})
        return row["id"]

    def _write(self, request: Request, exchange: Exchange, row: dict) -> str:
        # A fleet worker writes every payload: only the writer knows earlier captures.
        earlier = self._earlier(request, row) if self.db is not None else None
        location = self.warc.write(exchange, revisit_of=(earlier[3], earlier[2]) if earlier else None)
        row.update(
            record_type="revisit" if earlier else "response",
            refers_to=earlier[0] if earlier else None,
            warc_file=_stored_name(self.warc.path, self.db_path),
            warc_offset=location.offset,
            warc_length=location.length,
        )
        return row["record_type"]

    def _earlier(self, request: Request, row: dict) -> tuple | None:
        """(id, warc file, fetched at, URL) of an earlier capture of the same payload, if any."""
        assert self.db is not None
        found = earlier_capture(self.db, request.url, row["sha256"])
        earlier = (*found, request.url) if found else None
        if earlier is None and request.meta.get("archive_media") and row["status"] == 200:
            # A photo is the same photo under any address (a resized copy is not: other bytes).
            earlier = earlier_media_capture(self.db, row["sha256"])
        # A revisit only helps while the record it points to is still on disk.
        if earlier is not None and not self._exists(earlier[1]):
            earlier = None
        return earlier

    def _exists(self, warc_file: str) -> bool:
        return (Path(self.db_path).resolve().parent / warc_file).exists()

    def spider_closed(self) -> None:
        _release_run_file(self.warc_path)
        if self.db is not None:
            self.db.close()
