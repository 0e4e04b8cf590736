"""How long a server asked us to wait (Retry-After), and how long we wait before a retry.
Pure: the Scrapy middleware in crawler/fetch/middlewares.py applies it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date; None when absent or unreadable.

    >>> retry_after_seconds("120"), retry_after_seconds("soon"), retry_after_seconds(None)
    (120.0, None, None)
    >>> retry_after_seconds("Sun, 22 Nov 2026 09:01:00 GMT", datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    60.0
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - (now or datetime.now(UTC))).total_seconds(), 0.0)


def backoff_seconds(attempt: int, retry_after: float | None, base: float, cap: float) -> float:
    """The wait before retry number `attempt` (1, 2, ...): what the server asked for, within
    `cap`, else exponential from `base`.

    >>> backoff_seconds(1, None, 2, 60), backoff_seconds(3, None, 2, 60), backoff_seconds(1, 900, 2, 60)
    (2.0, 8.0, 60.0)
    """
    wanted = retry_after if retry_after is not None else base * 2 ** (attempt - 1)
    return float(min(wanted, cap))
