"""The log records an operator must see while a crawl runs, as one plain line each: a site whose
markup changed (a fallback fired), a monitor that failed, a site that cannot be reached, and
any error.

The stages mark such records with `extra={"alert": KIND, "site": NAME}` (and optionally
`"alert_key"`, what makes two records the same alert); everything else stays in the run's log.
Each alert is shown once per site and key: a changed template fires on every article."""

from __future__ import annotations

import logging
from collections.abc import Callable

# What precedes the record's message on the line ("monitor failed for <site>: …" says it itself).
# Errors a marked record already tells: Scrapy giving up on a request (or on robots.txt) is the
# unreachable site.
ALREADY_ALERTED = frozenset({"scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt"})
LABELS = {
    "markup": "markup changed? ",
    "feed": "feed refused: ",
    "monitor": "",
    "unreachable": "cannot reach it ",
    "error": "error: ",
}


def alert_line(record: logging.LogRecord) -> tuple[tuple[str, str, str], str] | None:
    """(the alert's identity, its line) for a marked record; None for any other.

    >>> record = logging.makeLogRecord({"msg": "title for %s came from og:title", "args": ("https://x/1",),
    ...     "alert": "markup", "site": "daklak", "alert_key": "title"})
    >>> alert_line(record)
    (('daklak', 'markup', 'title'), 'daklak: markup changed? title for https://x/1 came from og:title')
    >>> alert_line(logging.makeLogRecord({"msg": "Crawled (200)", "levelno": logging.INFO})) is None
    True
    >>> alert_line(logging.makeLogRecord({"msg": "Spider error processing %s", "args": ("<GET x>",),
    ...     "levelno": logging.ERROR, "name": "scrapy.core.scraper"}))[1]
    'scrapy.core.scraper: error: Spider error processing <GET x>'

    """
    kind = getattr(record, "alert", None)
    if kind is None and record.levelno >= logging.ERROR and record.name not in ALREADY_ALERTED:
        kind = "error"  # an error nobody marked: shown all the same
    if kind is None:
        return None
    site = getattr(record, "site", None) or record.name  # an unmarked error: the logger that raised it
    key = str(getattr(record, "alert_key", None) or record.msg)
    message = " ".join(record.getMessage().split())  # one line, whatever the message held
    return (site, kind, key), f"{site}: {LABELS.get(kind, kind + ' ')}{message}"


class OperatorAlerts(logging.Handler):
    """Hands each new alert's line to `show` (the terminal, above the live display)."""

    def __init__(self, show: Callable[[str], None]) -> None:
        super().__init__(logging.WARNING)
        self.show = show
        self.seen: set[tuple[str, str, str]] = set()

    def emit(self, record: logging.LogRecord) -> None:
        found = alert_line(record)
        if found is None or found[0] in self.seen:
            return
        self.seen.add(found[0])
        try:
            self.show(found[1])
        except Exception:  # a display that fails must not stop the crawl
            self.handleError(record)
