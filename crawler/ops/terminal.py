"""Where a run's output goes. The full Scrapy log always goes to logs/<run-id>.log beside the
archive. On a terminal a live display shows each site's progress, alerts print above it in
one line each, and the run ends with the summary table; under cron (no terminal) only the
summary lines are printed. --verbose also streams the full log to stderr."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from twisted.internet import task

from crawler.ops.alerts import OperatorAlerts
from crawler.ops.progress import Board, summary_table

LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"  # Scrapy's LOG_FORMAT
MIN_INTERVAL = 0.05  # seconds: a smaller refresh interval would keep the reactor busy drawing
logger = logging.getLogger(__name__)


def run_log_path(db: str, run_id: str) -> Path:
    """logs/<run-id>.log in the archive's folder (created here)."""
    folder = Path(db).expanduser().resolve().parent / "logs"
    folder.mkdir(exist_ok=True)
    return folder / f"{run_id}.log"


def site_stats(crawler: Any) -> dict[str, Any]:
    """A crawler's stats; empty when it never got that far (Scrapy raises until they exist)."""
    try:
        return crawler.stats.get_stats() if crawler.stats is not None else {}
    except (RuntimeError, AttributeError):
        return {}


def queue_length(crawler: Any) -> int | None:
    """Requests waiting in the scheduler and in flight; None when there is no engine (yet)."""
    try:
        engine = crawler.engine
        # ExecutionEngine.scheduler is Scrapy 2.19's; before it, the slot holds the scheduler.
        scheduler = getattr(engine, "scheduler", None) or getattr(getattr(engine, "_slot", None), "scheduler", None)
        if scheduler is None:
            return None
        return len(scheduler) + len(engine.downloader.active)
    except (RuntimeError, AttributeError, TypeError):
        return None


class _ConsoleLines(logging.Handler):
    """The full log on a terminal, printed above the live display."""

    def __init__(self, console: Console) -> None:
        super().__init__(logging.DEBUG)
        self.console = console
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        self.console.print(self.format(record), markup=False, emoji=False, highlight=False, soft_wrap=True)


class Terminal:
    """The operator's view of one run: see the module's docstring."""

    def __init__(self, verbose: bool, since: str | None = None, interval: float = 1.0) -> None:
        self.console = Console(stderr=True)
        self.interactive = self.console.is_terminal and sys.stdout.isatty()
        self.verbose = verbose
        self.interval = interval
        self.board = Board(since=since)
        self._live: Live | None = None
        self._loop: task.LoopingCall | None = None
        self._crawlers: list[tuple[str, Any]] = []
        self._display_error_logged = False

    def attach_logging(self, level: str) -> None:
        """After the crawlers exist (each reinstalls Scrapy's root handler, the log file)."""
        root = logging.getLogger()
        if self.interactive:
            root.addHandler(OperatorAlerts(self._alert))
        if self.verbose:
            handler = _ConsoleLines(self.console) if self.interactive else logging.StreamHandler(sys.stderr)
            handler.setLevel(level)
            handler.setFormatter(logging.Formatter(LOG_FORMAT))
            root.addHandler(handler)

    def _alert(self, line: str) -> None:
        self.console.print(f"[yellow]![/yellow] {escape(line)}", emoji=False, highlight=False, soft_wrap=True)

    def watch(self, crawlers: list[tuple[str, Any]]) -> None:
        """Start the live display over these (name, Crawler) pairs; call before the reactor runs."""
        if not self.interactive:
            return
        self._crawlers = crawlers
        self._live = Live(console=self.console, auto_refresh=False, transient=True, redirect_stdout=False)
        self._live.start()
        self._loop = task.LoopingCall(self.refresh)
        self._loop.start(max(self.interval, MIN_INTERVAL), now=True).addErrback(self._display_failed)

    def refresh(self) -> None:
        if self._live is None:
            return
        try:
            for name, crawler in self._crawlers:
                stats = site_stats(crawler)
                self.board.observe(name, stats, queue_length(crawler), closed="finish_reason" in stats)
            self._live.update(self.board.table(self.console.width), refresh=True)
        except Exception:  # the display must never stop the crawl, nor stop showing it
            if not self._display_error_logged:
                self._display_error_logged = True
                logger.exception("the live display could not be drawn")

    def _display_failed(self, failure: Any) -> None:
        logger.error("the live display stopped: %s", failure.getErrorMessage())

    def stop(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self._live is not None:
            self._live.stop()
            self._live = None

    def summary(self, results: list[tuple[str, dict[str, Any]]], lines: list[str], log_path: Path) -> None:
        """The table on a terminal; the plain lines otherwise (cron mails them)."""
        if self.interactive:
            Console().print(summary_table(results))
            self.console.print(f"full log: {log_path}", markup=False, emoji=False, highlight=False, soft_wrap=True)
        else:
            for line in lines:
                click.echo(line)
