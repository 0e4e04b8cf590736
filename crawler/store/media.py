"""SQL of the media tables: `media` (one row per photo URL: pending, archived or failed, and
where its bytes are) and `article_media` (which articles print it, in order). The media
pipeline (crawler/fetch/media.py) decides; this writes and reads what it decided."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils


def _wanted(table: str = "media") -> str:
    """Photos a run should fetch: never tried, or failed in a way that may pass (retry)."""
    return f"({table}.status = 'pending' or ({table}.status = 'failed' and {table}.retry = 1))"


MEDIA_COLUMNS = (
    "url",
    "site",
    "status",
    "reason",
    "detail",
    "http_status",
    "sha256",
    "content_type",
    "bytes",
    "width",
    "height",
    "capture_id",
    "attempts",
    "retry",
    "fetched_at",
)


def link_media(db: sqlite_utils.Database, article_url: str, site: str | None, urls: Iterable[str], now: str) -> None:
    """The article prints these photos, in this order: a pending row for each photo the
    archive does not know yet, and the article's links replaced."""
    urls = list(dict.fromkeys(urls))
    db.execute("delete from article_media where article_url = ?", [article_url])
    db.conn.executemany(
        "insert or ignore into media (url, site, status, first_seen_at) values (?, ?, 'pending', ?)",
        [(url, site, now) for url in urls],
    )
    db.conn.executemany(
        "insert into article_media (article_url, media_url, position) values (?, ?, ?)",
        [(article_url, url, position) for position, url in enumerate(urls)],
    )


def wanted_among(db: sqlite_utils.Database, urls: list[str]) -> list[str]:
    """Those of `urls` a run should fetch, in the order given."""
    if not urls:
        return []
    found = {
        row[0]
        for row in db.execute(
            f"select url from media where url in ({', '.join('?' * len(urls))}) and {_wanted()}", urls
        )
    }
    return [url for url in urls if url in found]


def backlog(db: sqlite_utils.Database, site: str, limit: int | None = None) -> list[tuple[str, list[str]]]:
    """(article URL, photos to fetch) for the site's articles whose photos are missing: a run
    killed before its photos were fetched, a failure worth retrying, an archive from before
    photos were kept. Newest articles first."""
    rows = db.execute(
        f"""select am.article_url, am.media_url from article_media am
            join articles a on a.url = am.article_url
            join media m on m.url = am.media_url
            where a.site = ? and {_wanted("m")}
            order by a.rowid desc, am.position""",
        [site],
    ).fetchall()
    grouped: dict[str, list[str]] = {}
    for article_url, media_url in rows:
        if article_url in grouped or limit is None or len(grouped) < limit:
            grouped.setdefault(article_url, []).append(media_url)
    return list(grouped.items())


def settled_media(db: sqlite_utils.Database) -> list[str]:
    """Photos no run needs to fetch again: kept, or failed for good."""
    return [row[0] for row in db.execute(f"select url from media where not {_wanted()}")]


def attempts(db: sqlite_utils.Database, url: str) -> int:
    row = db.execute("select attempts from media where url = ?", [url]).fetchone()
    return int(row[0] or 0) if row else 0


def save_media(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """Upsert what fetching one photo found (keys from MEDIA_COLUMNS, `url` required)."""
    names = [name for name in MEDIA_COLUMNS if name in row]
    updates = ", ".join(f"{name} = excluded.{name}" for name in names if name != "url")
    db.execute(
        f"""insert into media ({", ".join(names)}, first_seen_at)
            values ({", ".join(":" + name for name in names)}, :fetched_at)
            on conflict(url) do update set {updates}""",
        {**row, "fetched_at": row.get("fetched_at")},
    )


def earlier_media_capture(db: sqlite_utils.Database, sha256: str) -> tuple[int, str, str, str] | None:
    """(id, warc_file, fetched_at, url) of a full response holding these exact bytes, under
    any URL: a photo met again under another address is written as a revisit of it."""
    return db.execute(
        """select id, warc_file, fetched_at, url from captures
           where sha256 = ? and record_type = 'response' and status = 200 order by id desc limit 1""",
        [sha256],
    ).fetchone()


# The archived photos an article prints: (source URL, sha256). Run by the article page.
ARTICLE_MEDIA_SQL = """
    select m.url, m.sha256 from article_media am join media m on m.url = am.media_url
    where am.article_url = ? and m.status = 'archived' order by am.position"""

# Where the bytes of an archived photo are: its type and the WARC record holding its
# payload (the original response, for a revisit). Run by Datasette's /-/media/ route.
MEDIA_PAYLOAD_SQL = """
    select m.content_type, m.sha256, coalesce(o.warc_file, c.warc_file), coalesce(o.warc_offset, c.warc_offset)
    from media m join captures c on c.id = m.capture_id left join captures o on o.id = c.refers_to
    where m.sha256 = ? and m.status = 'archived' order by m.fetched_at limit 1"""
