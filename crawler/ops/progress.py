"""What a crawl on a terminal shows while it runs, one line per site, and the summary table
it ends with. Built from each site's Scrapy stats, polled; no Scrapy import here."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from rich.table import Table
from rich.text import Text

from crawler.ops.report import failure_cause, sum_prefix

RATE_WINDOW = 30.0  # seconds of requests the rate is measured over
WIDE = 110  # terminal columns from which the listing page being read is shown
LISTING_WIDTH = 36


def duration(seconds: float | None) -> str:
    """
    >>> duration(None), duration(4.2), duration(185), duration(3 * 3600 + 125)
    ('-', '4s', '3m05s', '3h02m')
    """
    if seconds is None:
        return "-"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def short_url(url: str | None, width: int = 42) -> str:
    """The path of a listing page, its query kept, cut from the left to fit.

    >>> short_url("https://laodong.vn/cong-doan?page=12")
    '/cong-doan?page=12'
    >>> short_url("https://baohatinh.vn/" + "a" * 60, width=12)
    '…aaaaaaaaaaa'
    """
    if not url:
        return "-"
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if len(path) <= width else "…" + path[-(width - 1) :]


@dataclass
class SiteLine:
    """One site's line on the live display."""

    site: str
    state: str  # "starting", "crawling", "done"
    pages: int
    new: int
    updated: int
    rejected: int
    errors: int
    queue: int | None  # requests waiting in the scheduler and in flight; None once closed
    listing: str | None  # the listing page read last
    reached: str | None  # the oldest date it printed: how far back a --since walk has got
    rate: float  # requests per second over the last RATE_WINDOW
    since_new: float | None  # seconds since the last new article; None before the first


@dataclass
class _Watch:
    requests: deque[tuple[float, int]] = field(default_factory=deque)
    new: int = 0
    last_new_at: float | None = None


class Board:
    """The live display's state: each poll of a site's stats makes its line. The rate and the
    time since the last new article need history, kept here per site."""

    def __init__(self, since: str | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.since = since
        self.clock = clock
        self.lines: dict[str, SiteLine] = {}
        self._watches: dict[str, _Watch] = {}

    def observe(self, site: str, stats: dict[str, Any], queue: int | None, closed: bool) -> SiteLine:
        now = self.clock()
        watch = self._watches.setdefault(site, _Watch())
        requests = stats.get("downloader/request_count", 0)
        watch.requests.append((now, requests))
        while len(watch.requests) > 2 and watch.requests[0][0] < now - RATE_WINDOW:
            watch.requests.popleft()
        first_time, first_count = watch.requests[0]
        rate = (requests - first_count) / (now - first_time) if now > first_time else 0.0
        new = stats.get("archive/articles/new", 0)
        if new > watch.new:
            watch.new, watch.last_new_at = new, now
        state = "done" if closed else ("crawling" if requests else "starting")
        line = SiteLine(
            site=site,
            state=state,
            pages=stats.get("downloader/response_count", 0),
            new=new,
            updated=stats.get("archive/articles/updated", 0),
            rejected=sum_prefix(stats, "archive/rejected/"),
            errors=sum_prefix(stats, "archive/errors/"),  # as the summary line counts them
            queue=None if closed else queue,
            listing=stats.get("archive/listing/current"),
            reached=stats.get("archive/listing/reached"),
            rate=0.0 if closed else rate,
            since_new=None if watch.last_new_at is None else now - watch.last_new_at,
        )
        self.lines[site] = line
        return line

    def table(self, width: int = 160) -> Table:
        """The display. Counts are never cut; on a terminal under WIDE columns the listing page
        is left out, and a site whose crawl is done is dimmed."""
        table = Table(box=None, pad_edge=False, header_style="bold underline")
        table.add_column("site", no_wrap=True, min_width=9)
        for name in ("pages", "new", "upd", "rej", "err", "queue", "req/s", "last new"):
            table.add_column(name, justify="right", no_wrap=True)
        wide = width >= WIDE
        if wide:
            table.add_column("listing page", no_wrap=True, overflow="ellipsis", max_width=LISTING_WIDTH)
        table.add_column("reached" + (f" (since {self.since})" if self.since and wide else ""), no_wrap=True)
        for line in self.lines.values():
            cells = [
                line.site,
                str(line.pages),
                str(line.new),
                str(line.updated),
                str(line.rejected),
                str(line.errors),
                "-" if line.queue is None else str(line.queue),
                f"{line.rate:.1f}",
                duration(line.since_new),
            ]
            if wide:
                cells.append(short_url(line.listing, LISTING_WIDTH))
            cells.append(line.reached or "-")
            # Text, not markup: a listing URL such as ?q=[b] must print as it is.
            table.add_row(*map(Text, cells), style="dim" if line.state == "done" else None)
        return table


def _result(stats: dict[str, Any]) -> Text:
    if stats.get("archive/media/only"):  # congdoan fetch-media
        cause = None if stats.get("finish_reason", "finished") == "finished" else stats.get("finish_reason")
    else:
        cause = failure_cause(stats)
    monitors = stats.get("archive/monitors/failures") or []
    if cause:
        return Text(f"FAILED: {cause}", style="red")
    if monitors:
        return Text("MONITOR FAILED: " + "; ".join(monitors), style="red")
    exceptions = sum_prefix(stats, "spider_exceptions/")
    if exceptions:
        return Text(f"ok; {exceptions} spider exceptions (see the log)", style="yellow")
    return Text("ok", style="green")


def _photos(stats: dict[str, Any]) -> str:
    if not stats.get("archive/requests/media"):
        return "-"
    failed = stats.get("archive/media/failed", 0)
    return f"{stats.get('archive/media/archived', 0)}" + (f" ({failed} not)" if failed else "")


def summary_table(results: Iterable[tuple[str, dict[str, Any]]]) -> Table:
    """The run's end on a terminal: the summary lines' figures as one table, and what failed."""
    table = Table(box=None, pad_edge=False, header_style="bold underline")
    table.add_column("site", no_wrap=True, min_width=9)
    for name in ("new", "upd", "same", "rej", "req", "err", "photos"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("result", overflow="fold")
    for site, stats in results:
        table.add_row(
            Text(site),
            *(str(stats.get(f"archive/articles/{key}", 0)) for key in ("new", "updated", "unchanged")),
            str(sum_prefix(stats, "archive/rejected/")),
            str(stats.get("downloader/request_count", 0)),
            str(sum_prefix(stats, "archive/errors/")),
            _photos(stats),
            _result(stats),
        )
    return table


def _minute(moment: str | None, default: str = "-") -> str:
    """ISO moment to 'YYYY-MM-DD HH:MM' (UTC, as stored)."""
    return moment[:16].replace("T", " ") if moment else default


def health_table(health: list[dict[str, Any]]) -> Table:
    """`congdoan status`: one row per site from report.site_health."""
    table = Table(box=None, pad_edge=False, header_style="bold underline")
    for name in ("site", "health", "last run (UTC)", "new", "upd", "rej", "err", "last new article (UTC)", "runs"):
        table.add_column(name, justify="right" if name in ("new", "upd", "rej", "err") else "left", no_wrap=True)
    table.add_column("alerts", overflow="fold")
    for site in health:
        table.add_row(
            Text(site["site"]),
            Text("OK", style="green") if site["healthy"] else Text("FAILED", style="red"),
            _minute(site["last_run_started_at"]),
            *(str(site[key]) for key in ("new", "updated", "rejected", "errors")),
            _minute(site["last_new_article"], "never"),
            "".join("." if verdict == "ok" else "F" for verdict in site["runs"]),
            Text("; ".join(site["alerts"]) or "-"),
        )
    return table
