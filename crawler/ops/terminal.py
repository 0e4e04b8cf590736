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


def run_log_path(db: str, run_id: str) -> Path:
    """logs/<run-id>.log in the archive's folder (created here)."""
    folder = Path(db).expanduser().resolve().parent / "logs"
    folder.mkdir(exist_ok=True)
    return folder / f"{run_id}.log"


class _ConsoleLines(logging.Handler):
    """The full log on a terminal, printed above the live display."""

    def __init__(self, console: Console) -> None:
        super().__init__(logging.DEBUG)
        self.console = console
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        self.console.print(escape(self.format(record)), highlight=False, soft_wrap=True)


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
        self.console.print(f"[yellow]![/yellow] {escape(line)}", highlight=False, soft_wrap=True)

    def watch(self, crawlers: list[tuple[str, Any]]) -> None:
        """Start the live display over these (name, Crawler) pairs; call before the reactor runs."""
        if not self.interactive:
            return
        self._crawlers = crawlers
        self._live = Live(console=self.console, auto_refresh=False, transient=True, redirect_stdout=False)
        self._live.start()
        self._loop = task.LoopingCall(self.refresh)
        self._loop.start(self.interval, now=True)

    def refresh(self) -> None:
        if self._live is None:
            return
        for name, crawler in self._crawlers:
            stats = crawler.stats.get_stats() if crawler.stats else {}
            engine = getattr(crawler, "engine", None)
            scheduler = getattr(engine, "scheduler", None) if engine else None
            in_flight = len(engine.downloader.active) if engine and engine.downloader else 0
            queue = len(scheduler) + in_flight if scheduler is not None else None
            self.board.observe(name, stats, queue, closed="finish_reason" in stats)
        self._live.update(self.board.table(self.console.width), refresh=True)

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
            self.console.print(f"full log: {log_path}", highlight=False)
        else:
            for line in lines:
                click.echo(line)
