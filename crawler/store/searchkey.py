"""The rowid an article is stored under: its publication minute, then a sequence. Pure.

The full-text index (articles_fts) is keyed by the articles' rowid. Making that rowid
sort like the publication time turns "newest matches first" into FTS5's own doclist order:
a search that matches every one of a million articles reads only the twenty it shows, and
a date range becomes a rowid range FTS5 applies itself. Nothing else depends on the
rowid: articles are keyed by URL everywhere.

    rowid = minutes since 1970-01-01 UTC << MINUTE_SHIFT | sequence within that minute
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from crawler.text import VN_TZ

MINUTE_SHIFT = 20  # up to 1,048,576 articles published in the same minute
PER_MINUTE = 1 << MINUTE_SHIFT
LAST_ROWID = (1 << 63) - 1


def published_minute(published_at: str | None) -> int:
    """Minutes since the epoch of an ISO date or date-time; a bare date is midnight in
    Vietnam. Anything unreadable sorts first (minute 0), never fails.

    >>> published_minute("2024-03-05T08:00:00+07:00") - published_minute("2024-03-05")
    480
    """
    if not published_at:
        return 0
    try:
        moment = datetime.fromisoformat(published_at)
    except ValueError:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VN_TZ)
    return max(int(moment.timestamp()) // 60, 0)


def first_rowid(published_at: str | None) -> int:
    """The lowest rowid of the minute `published_at` falls in."""
    return published_minute(published_at) * PER_MINUTE


def minute_rowids(published_at: str | None) -> tuple[int, int]:
    """The first and the last rowid of the minute `published_at` falls in."""
    first = first_rowid(published_at)
    return first, first + PER_MINUTE - 1


def next_rowid(published_at: str | None, top: int | None, highest: int | None) -> int:
    """The rowid of a new (or re-dated) article published at `published_at`: the next free one
    of its minute, given `top`, the highest rowid its minute holds (None: none yet), and
    `highest`, the highest of all; a full minute gives any free rowid, past the highest.

    >>> at = "2024-03-05T08:00:00+07:00"
    >>> first, last = minute_rowids(at)
    >>> next_rowid(at, None, 7) - first, next_rowid("2024-03-05T08:00:59+07:00", first + 4, first + 9) - first
    (0, 5)
    >>> next_rowid(at, last, last + 40) - last  # a full minute
    41
    """
    first, last = minute_rowids(published_at)
    if top is None:
        return first
    if top < last:
        return top + 1
    assert highest is not None  # the minute holds rows, so the table does
    return highest + 1


def rowid_range(since: str, until: str) -> tuple[int, int]:
    """Rowids of articles published from the day `since` to the day `until` (YYYY-MM-DD,
    Vietnamese days, both included); an empty bound is open.

    >>> lo, hi = rowid_range("2024-03-05", "2024-03-05")
    >>> (hi + 1 - lo) // PER_MINUTE
    1440
    """
    lo = first_rowid(since) if since else 0
    hi = first_rowid((date.fromisoformat(until) + timedelta(days=1)).isoformat()) - 1 if until else LAST_ROWID
    return lo, hi
