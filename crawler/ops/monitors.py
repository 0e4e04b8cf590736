"""Spidermon monitors run when each site's crawl closes, and the action that records their
verdict in the `crawls` table.

They read the crawl's stats (the pipeline counts schema errors, field coverage and how each
body was found) and the archive itself (when the site last gave a new article). Any
failure is logged, stored in `crawls`, and makes `congdoan crawl` exit non-zero, so cron
mails the operator.

Settings: ARCHIVE_STALE_DAYS (7), ARCHIVE_MAX_ERROR_RATIO (0.2), ARCHIVE_MIN_PROFILE_SHARE (0.5),
ARCHIVE_MIN_AUTHOR_COVERAGE (0.8).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, ClassVar

from spidermon import Monitor, MonitorSuite, monitors
from spidermon.core.actions import Action

from crawler.ops.report import crawl_row, error_count, failure_cause
from crawler.store.crawls import first_crawl, newest_sighting, record_crawl
from crawler.store.database import open_db

logger = logging.getLogger(__name__)
MARKUP_REJECTIONS = ("no-title", "no-body", "no-date", "not-an-article", "id-mismatch")


class ArchiveMonitor(Monitor):
    @property
    def stats(self) -> dict[str, Any]:
        return self.data.stats

    def setting(self, name: str, default: float) -> float:
        return self.data.crawler.settings.getfloat(name, default)

    def stat(self, name: str) -> int:
        return int(self.stats.get(name, 0) or 0)


@monitors.name("Site reachable")
class ReachabilityMonitor(ArchiveMonitor):
    @monitors.name("Listings answered and carried article links")
    def test_reachable(self):
        cause = failure_cause(self.stats)
        self.assertIsNone(cause, msg=cause)


@monitors.name("Item validation")
class ValidationMonitor(ArchiveMonitor):
    @monitors.name("Articles match crawler/extract/article.schema.json")
    def test_no_schema_errors(self):
        errors = self.stat("archive/validation/errors")
        self.assertEqual(errors, 0, msg=f"{errors} schema errors in this run's articles (see the log)")


@monitors.name("Field coverage")
class FieldCoverageMonitor(ArchiveMonitor):
    def coverage(self, field: str) -> float:
        total = self.stat("archive/coverage/articles")
        return self.stat(f"archive/coverage/{field}") / total if total else 1.0

    @monitors.name("title, body and published_at on every article")
    def test_required_fields(self):
        for field in ("title", "body", "published_at"):
            share = self.coverage(field)
            self.assertEqual(share, 1.0, msg=f"{field} on {share:.0%} of articles, expected 100%")

    @monitors.name("author on most articles, where the site prints bylines")
    def test_authors(self):
        profile = getattr(self.data.spider, "profile", None)
        if profile is None or not profile.prints_bylines:
            return
        minimum = self.setting("ARCHIVE_MIN_AUTHOR_COVERAGE", 0.8)
        share = self.coverage("author")
        self.assertGreaterEqual(share, minimum, msg=f"author on {share:.0%} of articles, expected {minimum:.0%}")


@monitors.name("Error ratio")
class ErrorRatioMonitor(ArchiveMonitor):
    @monitors.name("Few requests failed")
    def test_error_ratio(self):
        requests = self.stat("downloader/request_count")
        ratio = error_count(self.stats) / requests if requests else 0.0
        maximum = self.setting("ARCHIVE_MAX_ERROR_RATIO", 0.2)
        self.assertLessEqual(ratio, maximum, msg=f"{ratio:.0%} of requests failed (at most {maximum:.0%})")


@monitors.name("Markup")
class MarkupMonitor(ArchiveMonitor):
    @monitors.name("The site profile still reads the articles")
    def test_profile_reads_pages(self):
        read_by_profile = self.stat("archive/extraction/profile")
        fallbacks = (
            self.stat("archive/coverage/articles") - read_by_profile - self.stat("archive/extraction/other-host")
        )
        unreadable = sum(self.stat(f"archive/rejected/{reason}") for reason in MARKUP_REJECTIONS)
        pages = read_by_profile + fallbacks + unreadable
        if pages < 3:  # too few pages to judge
            return
        share = read_by_profile / pages
        minimum = self.setting("ARCHIVE_MIN_PROFILE_SHARE", 0.5)
        self.assertGreaterEqual(
            share,
            minimum,
            msg=f"the site profile read only {read_by_profile} of {pages} article pages ({fallbacks} needed the "
            f"generic fallback, {unreadable} were unreadable): the markup has probably changed",
        )


@monitors.name("Freshness")
class FreshnessMonitor(ArchiveMonitor):
    @monitors.name("A new article in the last days")
    def test_recent_new_article(self):
        if self.stat("archive/articles/new"):
            return
        days = self.setting("ARCHIVE_STALE_DAYS", 7)
        db = open_db(self.data.crawler.settings.get("ARCHIVE_DB"))
        try:
            newest = newest_sighting(db, self.data.spider.name)
            watched_since = first_crawl(db, self.data.spider.name)
        finally:
            db.close()
        cutoff = datetime.now(UTC) - timedelta(days=days)
        if watched_since is None or datetime.fromisoformat(watched_since) > cutoff:
            return  # fewer than N days of crawls: too early to call the site silent
        self.assertTrue(
            newest is not None and datetime.fromisoformat(newest) >= cutoff,
            msg=f"no new article for {days:g} days (last: {newest or 'never'}): the classic sign of a changed site",
        )


class RecordVerdict(Action):
    """Puts the verdict in the stats (for the run summary and the exit code), logs each
    failure, and writes the run's `crawls` row."""

    def run_action(self) -> None:
        failures = [f"{item.monitor.name}: {item.reason}" for item in self.result.monitors_failed_results]
        stats = self.data.crawler.stats
        stats.set_value("archive/monitors/verdict", "failed" if failures else "ok")
        stats.set_value("archive/monitors/failures", failures)
        for failure in failures:
            name = self.data.spider.name
            alert = {"alert": "monitor", "site": name, "alert_key": failure}  # each failing monitor its line
            logger.error("monitor failed for %s: %s", name, failure, extra=alert)
        settings = self.data.crawler.settings
        row = crawl_row(settings.get("ARCHIVE_RUN_ID") or "unknown", self.data.spider.name, stats.get_stats())
        row.update(verdict="failed" if failures else "ok", alerts=json.dumps(failures, ensure_ascii=False))
        db = open_db(settings.get("ARCHIVE_DB"))
        try:
            record_crawl(db, row)
        finally:
            db.close()


class CloseMonitorSuite(MonitorSuite):
    monitors: ClassVar[list[type]] = [
        ReachabilityMonitor,
        ValidationMonitor,
        FieldCoverageMonitor,
        ErrorRatioMonitor,
        MarkupMonitor,
        FreshnessMonitor,
    ]
    monitors_finished_actions: ClassVar[list[type]] = [RecordVerdict]


def monitor_run(settings: Any, run_id: str, spider: Any, stats: Any) -> None:
    """Run the monitors over a fleet run's counters of one site (summed over its workers and
    the writer), on the writer: the same suite, verdict and `crawls` row as a single crawl.
    `spider` is the site's spider class."""
    from spidermon.contrib.scrapy.runners import SpiderMonitorRunner

    crawler = SimpleNamespace(settings=_with_run_id(settings, run_id), stats=stats)
    # Not a crawling spider: the monitors read its name and profile, the runner logs through it.
    instance = SimpleNamespace(name=spider.name, profile=getattr(spider, "profile", None), log=_log)
    data = {"stats": stats.get_stats(), "stats_history": [], "crawler": crawler, "spider": instance, "job": None}
    SpiderMonitorRunner(spider=instance).run(CloseMonitorSuite(crawler=crawler), **data)


def _log(message: str, level: int = logging.INFO) -> None:
    logger.log(level, message)


def _with_run_id(settings: Any, run_id: str) -> Any:
    copy = settings.copy()
    copy.set("ARCHIVE_RUN_ID", run_id, priority="cmdline")
    return copy
