"""All SQL lives here. The schema evolves through sqlite-utils migrations; writes are
upserts keyed by canonical URL, so re-crawling never duplicates a row.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

import sqlite_utils
from sqlite_utils.migrations import Migrations

from crawler.records import Article, Rejection
from crawler.text import clean_text, fold

Outcome = Literal["new", "updated", "unchanged"]

migrations = Migrations("congdoan")

# Full-text search indexes the original text and an accent-folded shadow copy of it.
# remove_diacritics 0 keeps "năm" and "nam" apart in the original columns; the folded
# columns (đ→d included, which unicode61 never does) let "cong doan" find "công đoàn".
FTS_COLUMNS = ["title", "lead", "body", "title_folded", "lead_folded", "body_folded"]
FTS_TOKENIZER = "unicode61 remove_diacritics 0"


@migrations()
def m001_articles(db: sqlite_utils.Database) -> None:
    db["articles"].create(
        {
            "url": str, "site": str, "title": str, "lead": str, "body": str,
            "published_at": str, "updated_at": str, "author": str, "section": str,
            "tags": str, "images": str, "language": str,
            "title_folded": str, "lead_folded": str, "body_folded": str,
            "content_hash": str, "first_seen_at": str, "last_seen_at": str, "fetched_at": str,
        },
        pk="url",
    )
    db["articles"].create_index(["site", "published_at"])
    db["articles"].create_index(["published_at"])


@migrations()
def m002_rejections(db: sqlite_utils.Database) -> None:
    db["rejections"].create(
        {"url": str, "site": str, "reason": str, "detail": str,
         "first_rejected_at": str, "last_rejected_at": str, "attempts": int},
        pk="url",
    )
    db["rejections"].create_index(["reason"])


@migrations()
def m003_articles_fts(db: sqlite_utils.Database) -> None:
    db["articles"].enable_fts(FTS_COLUMNS, tokenize=FTS_TOKENIZER, create_triggers=True)


@migrations()
def m004_articles_source(db: sqlite_utils.Database) -> None:
    db["articles"].add_column("source", str)


@migrations()
def m005_articles_extraction_method(db: sqlite_utils.Database) -> None:
    db["articles"].add_column("extraction_method", str)


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) an archive and bring its schema up to date."""
    db = sqlite_utils.Database(path)
    if str(path) != ":memory:":
        # WAL lets Datasette read while a crawl writes; a crash never leaves a torn file.
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=30000")
    migrations.apply(db)
    return db


def content_hash(article: Article) -> str:
    """What counts as a change: the text a reader sees, not our crawl bookkeeping."""
    payload = json.dumps([article.title, article.lead, article.body], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def article_row(article: Article) -> dict[str, Any]:
    row = asdict(article)
    row["tags"] = json.dumps(article.tags, ensure_ascii=False)
    row["images"] = json.dumps(row["images"], ensure_ascii=False)
    row.update(
        title_folded=fold(article.title),
        lead_folded=fold(article.lead),
        body_folded=fold(article.body),
        content_hash=content_hash(article),
    )
    return row


def save_article(db: sqlite_utils.Database, article: Article, fetched_at: str) -> Outcome:
    """Upsert one article; say whether it was new, changed or the same as before."""
    row = article_row(article)
    with db.conn:
        existing = db.execute(
            "select content_hash from articles where url = ?", [article.url]
        ).fetchone()
        db.execute("delete from rejections where url = ?", [article.url])
        if existing is None:
            db["articles"].insert({**row, "first_seen_at": fetched_at, "last_seen_at": fetched_at, "fetched_at": fetched_at})
            return "new"
        if existing[0] == row["content_hash"]:
            db.execute("update articles set last_seen_at = ? where url = ?", [fetched_at, article.url])
            return "unchanged"
        db["articles"].upsert({**row, "last_seen_at": fetched_at, "fetched_at": fetched_at}, pk="url")
        return "updated"


def save_rejection(db: sqlite_utils.Database, rejection: Rejection) -> None:
    """Record why a page was not archived; repeated rejections of a URL update one row."""
    now = rejection.fetched_at
    with db.conn:
        db.execute(
            """
            insert into rejections (url, site, reason, detail, first_rejected_at, last_rejected_at, attempts)
            values (?, ?, ?, ?, ?, ?, 1)
            on conflict(url) do update set
                reason = excluded.reason, detail = excluded.detail, site = excluded.site,
                last_rejected_at = excluded.last_rejected_at, attempts = attempts + 1
            """,
            [rejection.url, rejection.site, rejection.reason, rejection.detail, now, now],
        )


# Rejections worth retrying on the next run; every other rejected URL is settled like an article.
RETRYABLE_REJECTION = "(reason in ('interstitial', 'extract-error', 'http-429', 'http-408') or reason like 'http-5%')"


def known_urls(db: sqlite_utils.Database, site: str | None = None) -> set[str]:
    """Canonical URLs the incremental crawl need not fetch again: archived articles, and
    pages rejected for a lasting reason (404, not an article, no date)."""
    where, params = ("where site = ?", [site]) if site is not None else ("", [])
    also = "and" if where else "where"
    sql = f"""
        select url from articles {where}
        union select url from rejections {where} {also} not {RETRYABLE_REJECTION}
    """
    return {row[0] for row in db.execute(sql, params * 2)}


def count(db: sqlite_utils.Database, table: str) -> int:
    return db[table].count if db[table].exists() else 0


_TERM = re.compile(r"\w+", re.UNICODE)


def fts_query(query: str) -> str:
    """An FTS5 MATCH expression from what a person typed: every word, quoted, ANDed.

    >>> fts_query('công "đoàn" OR x*')
    '"công" "đoàn" "OR" "x"'
    """
    return " ".join(f'"{term}"' for term in _TERM.findall(query))


def search(db: sqlite_utils.Database, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Articles matching `query`, best first. Unaccented words also match accented text."""
    expression = fts_query(clean_text(query))  # the same NFC and tone marks as the stored text
    if not expression:
        return []
    sql = """
        select articles.url, articles.site, articles.title, articles.published_at
        from articles_fts join articles on articles.rowid = articles_fts.rowid
        where articles_fts match ? order by articles_fts.rank limit ?
    """
    return [dict(zip(("url", "site", "title", "published_at"), row, strict=True)) for row in db.execute(sql, [expression, limit])]


def known_urls_in(path: str | Path | None, site: str | None = None) -> set[str]:
    """`known_urls` of the archive at `path`; an archive that does not exist yet knows nothing."""
    if not path or not Path(path).exists():
        return set()
    db = open_db(path)
    try:
        return known_urls(db, site)
    finally:
        db.close()
