"""SQL of the articles, rejections and article_versions tables: it writes the rows the stages
decided (crawler/store/archive.py saves through it) and reads what they need."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from crawler.records import Article, Rejection
from crawler.store.searchkey import minute_rowids, next_rowid
from crawler.store.versions import ARTICLE_FIELDS, VERSION_COLUMNS, content_hash
from crawler.text import fold

STORED_COLUMNS = tuple(sorted(set(VERSION_COLUMNS) | set(ARTICLE_FIELDS)))  # what save_article compares


def article_row(article: Article) -> dict[str, Any]:
    """The article's columns: its fields as extraction decided them (the province included),
    the lists as JSON, and what is derived for facets, search and change detection."""
    row = article.as_dict()
    row["tags"] = json.dumps(article.tags, ensure_ascii=False)
    row["images"] = json.dumps(row["images"], ensure_ascii=False)
    row.update(
        published_month=(article.published_at or "")[:7] or None,
        title_folded=fold(article.title),
        lead_folded=fold(article.lead),
        body_folded=fold(article.body),
        author_folded=fold(article.author) or None,
        content_hash=content_hash(article),
    )
    return row


def stored_article(db: sqlite_utils.Database, url: str) -> dict[str, Any] | None:
    """The STORED_COLUMNS of the article at `url`, if it is archived."""
    found = db.execute(f"select {', '.join(STORED_COLUMNS)} from articles where url = ?", [url]).fetchone()
    return None if found is None else dict(zip(STORED_COLUMNS, found, strict=True))


# Plain SQL, inside the caller's transaction (sqlite-utils' insert would commit early).
def insert_article(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    names = list(row)
    db.execute(
        f"insert into articles ({', '.join(names)}) values ({', '.join('?' * len(names))})", [row[n] for n in names]
    )


def update_article(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    names = [n for n in row if n != "url"]
    db.execute(
        f"update articles set {', '.join(f'{n} = ?' for n in names)} where url = ?",
        [row[n] for n in names] + [row["url"]],
    )


def note_sighting(
    db: sqlite_utils.Database, url: str, fetched_at: str, capture_id: int | None, extractor_version: str | None
) -> None:
    """An unchanged article was read again: when, from which capture, by which extractor."""
    db.execute(
        "update articles set last_seen_at = ?, capture_id = coalesce(?, capture_id), "
        "extractor_version = coalesce(?, extractor_version) where url = ?",
        [fetched_at, capture_id, extractor_version, url],
    )


def touch_article(db: sqlite_utils.Database, url: str, fetched_at: str) -> None:
    """A re-check found the article unchanged (HTTP 304): only its last sighting moves."""
    db.execute("update articles set last_seen_at = ? where url = ?", [fetched_at, url])


def free_rowid(db: sqlite_utils.Database, published_at: str | None) -> int:
    """The rowid searchkey.next_rowid gives an article published at `published_at`, from the
    rowids the table holds."""
    first, last = minute_rowids(published_at)
    top, highest = db.execute(
        "select (select max(rowid) from articles where rowid between ? and ?), (select max(rowid) from articles)",
        [first, last],
    ).fetchone()
    return next_rowid(published_at, top, highest)


def move_article(db: sqlite_utils.Database, url: str, rowid: int) -> None:
    db.execute("update articles set rowid = ? where url = ?", [rowid, url])


def insert_version(db: sqlite_utils.Database, version: dict[str, Any]) -> None:
    """Keep a replaced text: the row crawler/store/versions.py made of it."""
    db.execute(
        """insert into article_versions (url, title, lead, body, published_at, updated_at, content_hash,
               extractor_version, capture_id, seen_at, superseded_at, diff)
           values (:url, :title, :lead, :body, :published_at, :updated_at, :content_hash,
               :extractor_version, :capture_id, :seen_at, :superseded_at, :diff)""",
        version,
    )


def clear_rejection(db: sqlite_utils.Database, url: str) -> None:
    db.execute("delete from rejections where url = ?", [url])


def save_rejection(
    db: sqlite_utils.Database, rejection: Rejection, capture_id: int | None = None, count_attempt: bool = True
) -> None:
    """Record why a page was not archived; repeated rejections of a URL update one row.
    `count_attempt=False` re-reads a capture (re-extraction): no new attempt was made."""
    now = rejection.fetched_at
    db.execute(
        """
        insert into rejections (url, site, reason, detail, first_rejected_at, last_rejected_at, attempts, capture_id)
        values (?, ?, ?, ?, ?, ?, 1, ?)
        on conflict(url) do update set
            reason = excluded.reason, detail = excluded.detail, site = excluded.site,
            last_rejected_at = excluded.last_rejected_at, attempts = attempts + ?,
            capture_id = coalesce(excluded.capture_id, capture_id)
        """,
        [rejection.url, rejection.site, rejection.reason, rejection.detail, now, now, capture_id, int(count_attempt)],
    )


def matching_articles(db: sqlite_utils.Database, expression: str, limit: int = 20) -> list[dict[str, Any]]:
    """Articles matching an FTS5 MATCH `expression` (crawler/publish/query.py builds it), best
    first; a syndicated story shows once: its original, or a copy when only the copy matches."""
    sql = """
        with hits as (
            select articles.url, articles.site, articles.title, articles.published_at, articles.duplicate_of,
                   articles_fts.rank as score
            from articles_fts join articles on articles.rowid = articles_fts.rowid
            where articles_fts match :query),
        one_per_story as (  -- the original if it matches, else the best-ranked copy
            select *, row_number() over (partition by coalesce(duplicate_of, url)
                                         order by duplicate_of is not null, score) as pick
            from hits)
        select url, site, title, published_at from one_per_story where pick = 1 order by score limit :limit
    """
    keys = ("url", "site", "title", "published_at")
    return [dict(zip(keys, row, strict=True)) for row in db.execute(sql, {"query": expression, "limit": limit})]
