"""The fleet's writer (`congdoan store --redis URL`): the one process that writes archive.db.

It owns the run: under the archive's lock it seeds the run's Redis keys with what the workers
need from the archive (what is known, what is due for a re-check, which photos are settled),
then stores the records the workers send, with ArchivePipeline's own code, a batch per
transaction. A batch is acknowledged only once committed, so a writer killed at any moment
loses nothing: restarted, it first stores what it had read and not acknowledged (storing is
an upsert, so a record stored twice changes nothing). When every site is done and every
record stored, it writes each site's `crawls` row, runs the Spidermon monitors over the
whole run's counters, and deletes the run's keys.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import sqlite_utils
from scrapy.settings import Settings

from crawler.fetch.articles import due_for_recheck
from crawler.fetch.capture import run_id as new_run_id
from crawler.fetch.fleet import FleetRun, connect
from crawler.fetch.media import save_media_attempt
from crawler.ops.monitors import monitor_run
from crawler.ops.report import summarize
from crawler.records import Attachment, NotModified, Page, Rejected, Rejection, article_from_dict
from crawler.store.captures import save_capture
from crawler.store.crawls import known_urls
from crawler.store.database import open_db
from crawler.store.lock import ArchiveLock
from crawler.store.media import settled_media
from crawler.store.pipeline import ArchivePipeline

logger = logging.getLogger(__name__)
BATCH = 200  # records per transaction: fewer commits, and a crash redoes at most this many


class RunStats:
    """A site's counters on the writer, in the shape ArchivePipeline and the monitors use."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = Counter()

    def inc_value(self, key: str, count: int = 1, start: int = 0, spider: Any = None) -> None:
        self.values[key] = self.values.get(key, start) + count

    def set_value(self, key: str, value: Any, spider: Any = None) -> None:
        self.values[key] = value

    def get_value(self, key: str, default: Any = None, spider: Any = None) -> Any:
        return self.values.get(key, default)

    def get_stats(self, spider: Any = None) -> dict[str, Any]:
        return dict(self.values)


class Writer:
    def __init__(self, settings: Settings, redis_url: str, sites: list[str], spiders: dict[str, type]) -> None:
        self.settings = settings
        self.db_path = settings.get("ARCHIVE_DB")
        self.redis_url = redis_url
        self.sites = sites
        self.spiders = spiders
        self.consumer = "writer"
        self.stored = 0

    def run(self) -> list[tuple[str, bool]]:
        """Store the whole run; (summary line, ok) per site."""
        with ArchiveLock(self.db_path):
            db = open_db(self.db_path)
            try:
                run = self.begin(db)
                self.store_all(db, run)
                return self.finish(db, run)
            finally:
                db.close()

    def begin(self, db: sqlite_utils.Database) -> FleetRun:
        run = FleetRun.begin(connect(self.redis_url), self.settings.get("ARCHIVE_RUN_ID") or new_run_id())
        run.redis.set(run.key("started_at"), datetime.now(UTC).isoformat(), nx=True)
        if run.ready():
            logger.info("carrying on run %s", run.id)
            self.sites = run.sites()
            return run
        known = {site: known_urls(db, site) for site in self.sites}
        recheck = {
            site: [[due.url, due.etag, due.last_modified] for due in due_for_recheck(self.settings, self.db_path, site)]
            for site in self.sites
        }
        run.seed(self.sites, known, recheck)
        run.settle_media(settled_media(db))
        run.set_capture_floor(db.execute("select coalesce(max(id), 0) from captures").fetchone()[0])
        run.ensure_group()
        run.mark_ready()
        logger.info("run %s ready for workers: %s", run.id, ", ".join(self.sites))
        return run

    def store_all(self, db: sqlite_utils.Database, run: FleetRun) -> None:
        self.stats = {site: RunStats() for site in self.sites}
        self.pipelines: dict[str, ArchivePipeline] = {}
        for site in self.sites:
            # The workers read the pages (topic filter included); the writer only stores.
            pipeline = ArchivePipeline(self.db_path, self.stats[site], ())  # type: ignore[arg-type]
            pipeline.db = db
            self.pipelines[site] = pipeline
        run.ensure_group()
        unacknowledged = True  # first what a killed writer read and never acknowledged
        while True:
            entries = run.read(self.consumer, BATCH, 1000, pending=unacknowledged)
            if unacknowledged and not entries:
                unacknowledged = False
                continue
            if entries:
                with db.atomic():
                    for _, record in entries:
                        self.apply(db, record)
                run.acknowledge([entry_id for entry_id, _ in entries])
                self.stored += len(entries)
                self.send_stats(run)
            elif set(self.sites) <= run.finished() and run.waiting() == 0:
                return

    def apply(self, db: sqlite_utils.Database, record: dict[str, Any]) -> None:
        kind = record["type"]
        if kind == "capture":
            save_capture(db, record["row"], replace=True)
        elif kind == "media":
            row = record["row"]
            save_media_attempt(db, row, self.stats.get(row.get("site"), RunStats()))
        elif kind == "Page":
            page = Page(**record["page"], body=b"")
            result = Rejected(*record["rejected"]) if "rejected" in record else article_from_dict(record["article"])
            self.pipeline(page.site).store_read(page, result, [tuple(d) for d in record.get("documents", [])])
        else:
            item = {"Rejection": Rejection, "Attachment": Attachment, "NotModified": NotModified}[kind](
                **record["item"]
            )
            self.pipeline(getattr(item, "site", None))._store(item)

    def send_stats(self, run: FleetRun) -> None:
        """The writer's counters join the workers' in the run, so a restarted writer keeps them."""
        for site, stats in self.stats.items():
            counts = {name: value for name, value in stats.values.items() if isinstance(value, int)}
            run.add_stats(site, counts)
            stats.values.clear()

    def pipeline(self, site: str | None) -> ArchivePipeline:
        return self.pipelines.get(site or "") or next(iter(self.pipelines.values()))

    def finish(self, db: sqlite_utils.Database, run: FleetRun) -> list[tuple[str, bool]]:
        started = (run.redis.get(run.key("started_at")) or b"").decode() or None
        results = []
        self.send_stats(run)
        for site in self.sites:
            stats = RunStats()
            for name, value in run.stats(site).items():
                stats.inc_value(name, value)
            stats.set_value("start_time", datetime.fromisoformat(started) if started else None)
            stats.set_value("finish_time", datetime.now(UTC))
            stats.set_value("finish_reason", "finished")
            monitor_run(self.settings, run.id, self.spiders[site], stats)
            results.append(summarize(site, stats.get_stats()))
        run.end()
        logger.info("run %s stored: %d records", run.id, self.stored)
        return results
