"""article_aliases: the other URLs an article answers under, and how two rows of one article
become one. An alias is a redirect's source, the URL a page's rel=canonical replaced, or
another spelling of the URL (a trailing slash, another encoding) from before canonical_url
settled it. Every URL here is canonical (crawler.sites.discover.canonical_url).

A merge loses nothing: the text not kept as the article's becomes one of its versions, and
its versions, photos and sightings move to the surviving row. Captures keep the URL they
were fetched under."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import sqlite_utils

from crawler.store import articles, copies, media, versions

Alias = tuple[str, str]  # (alias URL, reason: redirect | rel-canonical | twin)


def record_aliases(db: sqlite_utils.Database, url: str, aliases: Iterable[Alias], now: str) -> None:
    """`url`'s article also answers under these URLs: an article stored under one of them
    first is merged into it, and the alias is known from now on (the incremental crawl
    skips it like the article's own URL)."""
    for alias, reason in aliases:
        if alias == url:
            continue
        if articles.stored_article(db, alias) is not None:
            merge_article(db, alias, url, now)
        articles.clear_rejection(db, alias)  # a redirect source used to be kept as a rejection
        db.execute(
            """insert into article_aliases (alias, url, reason, recorded_at) values (?, ?, ?, ?)
               on conflict(alias) do update set url = excluded.url, reason = excluded.reason""",
            [alias, url, reason, now],
        )


def merge_article(db: sqlite_utils.Database, twin: str, into: str, now: str) -> None:
    """Make the article stored under `twin` the one under `into`. With both stored, the text
    fetched last stays the article's and the other becomes a version (unless they are the
    same); the row keeps the earlier first sighting and the later last one."""
    kept, other = articles.stored_article(db, into), articles.stored_article(db, twin)
    if other is None:
        return
    if kept is None:
        db.execute("update articles set url = ? where url = ?", [into, twin])
    else:
        newer, older = (other, kept) if (other["fetched_at"] or "") > (kept["fetched_at"] or "") else (kept, other)
        if versions.text_changed(older, newer):
            articles.insert_version(db, {**versions.version_row(older, newer, newer["fetched_at"] or now), "url": into})
        if newer is other:  # the twin's text, and all that derives from it, becomes the row's
            _copy_row(db, twin, into)
        db.execute(
            """update articles set
                   first_seen_at = (select min(first_seen_at) from articles where url in (:twin, :into)),
                   last_seen_at = (select max(last_seen_at) from articles where url in (:twin, :into))
               where url = :into""",
            {"twin": twin, "into": into},
        )
        if newer["published_at"] != kept["published_at"]:  # keep rowids in publication order
            articles.move_article(db, into, articles.free_rowid(db, newer["published_at"]))
        db.execute("delete from articles where url = ?", [twin])
    _repoint(db, twin, into)
    row = articles.stored_article(db, into)
    assert row is not None
    images = [image["url"] for image in json.loads(row["images"] or "[]") if image.get("url")]
    media.link_media(db, into, row["site"], images, now)
    copies.link_copies(db, into, row["body"], row["content_hash"])


def _copy_row(db: sqlite_utils.Database, source: str, target: str) -> None:
    """`target`'s row takes every column of `source`'s but its URL, sightings and copy link."""
    keep = {"url", "first_seen_at", "last_seen_at", "duplicate_of"}
    names = ", ".join(f'"{name}"' for name in db["articles"].columns_dict if name not in keep)
    db.execute(
        f"update articles set ({names}) = (select {names} from articles where url = ?) where url = ?", [source, target]
    )


def _repoint(db: sqlite_utils.Database, twin: str, into: str) -> None:
    """What named the twin names the article: its versions, copies, documents, aliases and
    pending requests. Its photo links and near-duplicate marks go: the article's are made
    again from its row."""
    db.execute("delete from article_media where article_url = ?", [twin])
    db.execute("delete from article_marks where url = ?", [twin])
    db.execute("update article_versions set url = ? where url = ?", [into, twin])
    db.execute("update articles set duplicate_of = ? where duplicate_of = ?", [into, twin])
    db.execute("update articles set duplicate_of = null where url = ? and duplicate_of = url", [into])
    db.execute("update attachments set found_on = ? where found_on = ?", [into, twin])
    db.execute("update article_aliases set url = ? where url = ?", [into, twin])
    db.execute("update or ignore frontier set url = ? where url = ?", [into, twin])
    db.execute("delete from frontier where url = ?", [twin])  # the same request, pending twice


def rekey(db: sqlite_utils.Database, canonical: Callable[[str], str], now: str) -> None:
    """Store every URL-keyed row under `canonical(url)`: articles stored twice under two
    spellings of one URL are merged (the other spelling becomes an alias), and rejections,
    documents and pending requests move to the canonical spelling."""
    for (url,) in db.execute("select url from articles order by fetched_at desc").fetchall():
        if (target := canonical(url)) != url:
            record_aliases(db, target, [(url, "twin")], now)
    for (url,) in db.execute("select url from rejections").fetchall():
        if (target := canonical(url)) != url:
            _move_rejection(db, url, target)
    for (url,) in db.execute("select url from attachments").fetchall():
        if (target := canonical(url)) != url:
            _move_attachment(db, url, target)
    for (url,) in db.execute("select distinct found_on from attachments where found_on is not null").fetchall():
        if (target := canonical(url)) != url:
            db.execute("update attachments set found_on = ? where found_on = ?", [target, url])
    for (url,) in db.execute("select url from frontier").fetchall():
        if (target := canonical(url)) != url:
            db.execute("update or ignore frontier set url = ? where url = ?", [target, url])
            db.execute("delete from frontier where url = ?", [url])


def _move_rejection(db: sqlite_utils.Database, url: str, target: str) -> None:
    """One rejection per page: a second spelling's attempts join the canonical one's."""
    if db.execute("select 1 from articles where url = ?", [target]).fetchone():
        articles.clear_rejection(db, url)  # the page was archived since under the other spelling
        return
    db.execute(
        """update rejections set attempts = rejections.attempts + t.attempts,
               first_rejected_at = min(rejections.first_rejected_at, t.first_rejected_at),
               last_rejected_at = max(rejections.last_rejected_at, t.last_rejected_at)
           from (select attempts, first_rejected_at, last_rejected_at from rejections where url = ?) as t
           where rejections.url = ?""",
        [url, target],
    )
    db.execute("update or ignore rejections set url = ? where url = ?", [target, url])
    articles.clear_rejection(db, url)


def _move_attachment(db: sqlite_utils.Database, url: str, target: str) -> None:
    """One row per document: a fetched spelling wins over a mere link."""
    db.execute(
        "delete from attachments where url = ? and status != 'fetched' and exists "
        "(select 1 from attachments where url = ? and status = 'fetched')",
        [url, target],
    )
    db.execute(
        "delete from attachments where url = ? and exists (select 1 from attachments where url = ?)", [target, url]
    )
    db.execute("update attachments set url = ? where url = ?", [target, url])
