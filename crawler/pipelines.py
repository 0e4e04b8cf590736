"""ArchivePipeline: every Page goes through crawler.archive.store_page into archive.db."""

from __future__ import annotations

import sqlite_utils
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.archive import store_page
from crawler.db import open_db, save_rejection
from crawler.records import Page, Rejection


class ArchivePipeline:
    """Stores articles and rejections.

    Settings: ARCHIVE_DB (path of the SQLite archive).
    Stats: archive/articles/{new,updated,unchanged}, archive/rejected/<reason>.
    """

    def __init__(self, db_path: str, stats: StatsCollector) -> None:
        self.db_path = db_path
        self.stats = stats
        self.db: sqlite_utils.Database | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        assert crawler.stats is not None
        return cls(crawler.settings.get("ARCHIVE_DB"), crawler.stats)

    def open_spider(self) -> None:
        self.db = open_db(self.db_path)

    def close_spider(self) -> None:
        if self.db is not None:
            self.db.close()

    def process_item(self, item: Page | Rejection) -> Page | Rejection:
        if self.db is None:
            return item
        if isinstance(item, Rejection):  # decided without a page body, e.g. robots.txt
            save_rejection(self.db, item)
            self.stats.inc_value(f"archive/rejected/{item.reason}")
            return item
        if not isinstance(item, Page):
            return item
        stored = store_page(self.db, item)
        if stored.outcome == "rejected":
            self.stats.inc_value(f"archive/rejected/{stored.reason}")
        else:
            self.stats.inc_value(f"archive/articles/{stored.outcome}")
        return item
