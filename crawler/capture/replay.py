"""ReplayDownloadHandler: answers a crawl's requests from recorded archives instead of the
network (`congdoan crawl --replay`); a URL missing from them is a 404. A Scrapy adapter.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler.capture.warc import Recorded, index_archives

logger = logging.getLogger(__name__)

_INDEXES: dict[tuple[str, ...], dict[str, Recorded]] = {}


class ReplayDownloadHandler(BaseDownloadHandler):
    """Serves requests from the archives in ARCHIVE_REPLAY (WARC, WACZ or folders of them).

    The archives are indexed once per process, however many spiders replay them, and the
    index is kept in ARCHIVE_REPLAY_INDEX_CACHE (a folder; empty: not kept) for the next."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        paths = tuple(crawler.settings.getlist("ARCHIVE_REPLAY"))
        if not paths:
            raise NotConfigured("ARCHIVE_REPLAY names no archive")
        if paths not in _INDEXES:
            cache = crawler.settings.get("ARCHIVE_REPLAY_INDEX_CACHE")
            _INDEXES[paths] = index_archives((Path(p) for p in paths), Path(cache) if cache else None)
            logger.info("replaying %d recorded URLs from %s", len(_INDEXES[paths]), ", ".join(paths))
        self.index = _INDEXES[paths]

    async def download_request(self, request: Request) -> Response:
        recorded = self.index.get(request.url)
        if recorded is None:
            return Response(request.url, status=404, request=request, flags=["replay-missing"])
        request.meta["replayed_from"] = recorded
        payload = recorded.payload()
        headers = Headers(recorded.headers)
        response_class = responsetypes.from_args(headers=headers, url=request.url, body=payload)
        return response_class(
            url=request.url, status=recorded.status, headers=headers, body=payload, request=request, flags=["replay"]
        )
