"""SQL a crawl plans and reports with: the crawls table, the frontier of pending requests, the
URLs already settled and the articles due for a re-check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.store.database import open_db


def record_crawl(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """Insert or complete the crawls row of (run_id, site)."""
    names = list(row)
    db.execute(
        f"""insert into crawls ({", ".join(names)}) values ({", ".join("?" * len(names))})
            on conflict(run_id, site) do update set {", ".join(f"{n} = excluded.{n}" for n in names)}""",
        [row[n] for n in names],
    )


def newest_sighting(db: sqlite_utils.Database, site: str) -> str | None:
    """When the site last gave the archive a new article (its newest first_seen_at)."""
    return db.execute("select max(first_seen_at) from articles where site = ?", [site]).fetchone()[0]


def first_crawl(db: sqlite_utils.Database, site: str) -> str | None:
    """When the archive first crawled the site (its oldest crawls row)."""
    return db.execute("select min(started_at) from crawls where site = ?", [site]).fetchone()[0]


def last_crawls(db: sqlite_utils.Database, runs: int = 5) -> list[dict[str, Any]]:
    """The latest `runs` crawls of every site, newest first, with each site's newest article."""
    sql = """
        select c.*, (select max(first_seen_at) from articles a where a.site = c.site) as last_new_article
        from crawls c
        where c.id in (select id from crawls c2 where c2.site = c.site order by c2.started_at desc limit ?)
        order by c.site, c.started_at desc
    """
    cursor = db.execute(sql, [runs])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def remember_pending(db: sqlite_utils.Database, site: str, url: str, kind: str, chain: str | None, now: str) -> None:
    db.execute(
        "insert or ignore into frontier (site, url, kind, chain, added_at) values (?, ?, ?, ?, ?)",
        [site, url, kind, chain, now],
    )


def forget_pending(db: sqlite_utils.Database, site: str, url: str) -> None:
    db.execute("delete from frontier where site = ? and url = ?", [site, url])


def pending(db: sqlite_utils.Database, site: str) -> list[tuple[str, str, str | None, str]]:
    """(url, kind, chain, walk started) of what a killed run of `site` scheduled and never
    finished; for a listing, when the walk it belongs to began."""
    return db.execute(
        "select url, kind, chain, added_at from frontier where site = ? order by added_at, rowid", [site]
    ).fetchall()


# Rejections worth retrying on the next run; every other rejected URL is settled like an article.
RETRYABLE_REJECTION = "(reason in ('interstitial', 'extract-error', 'http-429', 'http-408') or reason like 'http-5%')"


def known_urls(db: sqlite_utils.Database, site: str | None = None) -> dict[str, str]:
    """Canonical URLs the incremental crawl need not fetch again (archived articles and their
    aliases, pages rejected for a lasting reason, fetched attachments), each with when it was
    first settled."""
    where, params = ("where site = ?", [site]) if site is not None else ("", [])
    also = "and" if where else "where"
    sql = f"""
        select url, first_seen_at from articles {where}
        union all select alias, recorded_at from article_aliases
            where url in (select url from articles {where})
        union all select url, first_rejected_at from rejections {where} {also} not {RETRYABLE_REJECTION}
        union all select url, first_seen_at from attachments {where} {also} status = 'fetched'
    """
    known: dict[str, str] = {}
    for url, since in db.execute(sql, params * 4):
        known[url] = min(known.get(url) or since or "", since or "")
    return known


def known_urls_in(path: str | Path | None, site: str | None = None) -> dict[str, str]:
    """`known_urls` of the archive at `path`; an archive that does not exist yet knows nothing."""
    if not path or not Path(path).exists():
        return {}
    db = open_db(path)
    try:
        return known_urls(db, site)
    finally:
        db.close()


@dataclass(frozen=True)
class Recheck:
    url: str
    etag: str | None
    last_modified: str | None


def recheck_due(path: str | Path | None, site: str, published_since: str, seen_before: str) -> list[Recheck]:
    """`site`'s archived articles published on or after `published_since` (YYYY-MM-DD) and
    last fetched no later than `seen_before`, with the validators their last capture got: the
    re-check asks the site whether they changed since (If-None-Match, If-Modified-Since)."""
    if not path or not Path(path).exists():
        return []
    db = open_db(path)
    try:
        rows = db.execute(
            """select a.url, c.etag, c.last_modified from articles a left join captures c on c.id = a.capture_id
               where a.site = ? and a.published_at >= ? and a.last_seen_at <= ?
               order by a.published_at desc""",
            [site, published_since, seen_before],
        ).fetchall()
        return [Recheck(*row) for row in rows]
    finally:
        db.close()
