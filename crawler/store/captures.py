"""SQL of the captures table (one row per HTTP exchange, pointing into a WARC file) and of the
attachments table (documents pages link to)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlite_utils


def save_capture(db: sqlite_utils.Database, capture: dict[str, Any], replace: bool = False) -> int:
    """Insert one capture; its id is the database's, or the fleet's (`replace`: a row a restarted
    writer stores again keeps that id)."""
    # Plain SQL: sqlite-utils' insert lists the tables and views first, on every capture.
    names = list(capture)
    cursor = db.execute(
        f"insert {'or replace ' if replace else ''}into captures ({', '.join(names)}) values ({', '.join('?' * len(names))})",
        [capture[name] for name in names],
    )
    return int(cursor.lastrowid or 0)


def set_capture_profile(db: sqlite_utils.Database, capture_id: int, profile: str | None) -> None:
    db.execute("update captures set profile = ? where id = ?", [profile, capture_id])


def earlier_capture(db: sqlite_utils.Database, url: str, sha256: str) -> tuple[int, str, str] | None:
    """(id, warc_file, fetched_at) of the latest full response for `url` with this payload:
    what a byte-identical re-fetch is recorded as a revisit of."""
    return db.execute(
        """select id, warc_file, fetched_at from captures
           where url = ? and sha256 = ? and record_type = 'response' order by id desc limit 1""",
        [url, sha256],
    ).fetchone()


def same_payload(db: sqlite_utils.Database, capture_id: int | None, other_id: int | None) -> bool:
    """Whether two captures hold byte-identical payloads; a missing capture holds none."""
    if capture_id is None or other_id is None:
        return False
    digests = db.execute(
        "select count(distinct sha256) from captures where id in (?, ?)", [capture_id, other_id]
    ).fetchone()
    return digests == (1,)


# A capture, with warc_file and warc_offset of the record holding its payload (the original
# response, for a revisit). Also run by Datasette's raw-capture page (plugins/journalist.py).
CAPTURE_PAYLOAD_SQL = """
    select c.id, c.url, c.site, c.status, c.fetched_at, c.record_type, c.profile,
           coalesce(o.warc_file, c.warc_file) as warc_file, coalesce(o.warc_offset, c.warc_offset) as warc_offset
    from captures c left join captures o on o.id = c.refers_to where c.id = ?"""
CAPTURE_PAYLOAD_KEYS = (
    "id",
    "url",
    "site",
    "status",
    "fetched_at",
    "record_type",
    "profile",
    "warc_file",
    "warc_offset",
)


def capture_payload_location(db: sqlite_utils.Database, capture_id: int) -> dict[str, Any] | None:
    row = db.execute(CAPTURE_PAYLOAD_SQL, [capture_id]).fetchone()
    return dict(zip(CAPTURE_PAYLOAD_KEYS, row, strict=True)) if row else None


def captured_pages(db: sqlite_utils.Database, site: str | None = None) -> list[tuple[str, str, str, int]]:
    """(table, url, site, capture_id) of every article and rejection that has a capture."""
    where = "and site = ?" if site else ""
    params = [site, site] if site else []
    sql = f"""select 'articles', url, site, capture_id from articles where capture_id is not null {where}
              union all
              select 'rejections', url, site, capture_id from rejections where capture_id is not null {where}
              order by 2"""
    return db.execute(sql, params).fetchall()


def archived_pages(db: sqlite_utils.Database) -> Iterator[tuple[str, str, str]]:
    """(url, capture time, title) of every article with a capture: a WACZ's pages list, read
    row by row (a million articles need not sit in memory). The URL is the capture's, which
    the WARC holds (an article stored under its rel=canonical or reached by a redirect was
    fetched under another)."""
    yield from db.execute(
        """select c.url, c.fetched_at, a.title from articles a join captures c on c.id = a.capture_id
           order by c.fetched_at, a.url"""
    )


def save_attachment(db: sqlite_utils.Database, attachment: Any, now: str) -> None:
    """Upsert an attachment; a fetched one keeps what the fetch learned over a mere link."""
    row = {
        k: getattr(attachment, k)
        for k in ("url", "site", "found_on", "status", "content_type", "size", "sha256", "link_text", "capture_id")
    }
    db.execute(
        """insert into attachments (url, site, found_on, status, content_type, size, sha256, link_text, capture_id,
                                    first_seen_at, last_seen_at)
           values (:url, :site, :found_on, :status, :content_type, :size, :sha256, :link_text, :capture_id, :now, :now)
           on conflict(url) do update set
               last_seen_at = :now,
               status = case when excluded.status = 'fetched' then 'fetched' else attachments.status end,
               content_type = coalesce(excluded.content_type, attachments.content_type),
               size = coalesce(excluded.size, attachments.size), sha256 = coalesce(excluded.sha256, attachments.sha256),
               capture_id = coalesce(excluded.capture_id, attachments.capture_id),
               link_text = coalesce(attachments.link_text, excluded.link_text),
               found_on = coalesce(attachments.found_on, excluded.found_on)""",
        {**row, "now": now},
    )
