"""SQL of the copy index: article_marks, and the articles' duplicate_of links. It reads what
duplicate linking (crawler/store/copies.py) weighs and writes the links it decided."""

from __future__ import annotations

import sqlite_utils


def replace_marks(db: sqlite_utils.Database, url: str, sketch: list[int]) -> None:
    db.execute("delete from article_marks where url = ?", [url])
    db.conn.executemany("insert into article_marks (url, mark) values (?, ?)", [(url, mark) for mark in sketch])


def posting(db: sqlite_utils.Database, mark: int, url: str, limit: int) -> list[str]:
    """Up to `limit` other articles holding `mark`."""
    return [
        r[0]
        for r in db.execute("select url from article_marks where mark = ? and url != ? limit ?", [mark, url, limit])
    ]


def bodies(db: sqlite_utils.Database, urls: list[str]) -> list[tuple[str, str]]:
    """(url, body) of these articles."""
    return db.execute(f"select url, body from articles where url in ({', '.join('?' * len(urls))})", urls).fetchall()


def copies_of(db: sqlite_utils.Database, url: str) -> list[tuple[str, str]]:
    """(url, body) of the articles linked as copies of `url`."""
    return db.execute("select url, body from articles where duplicate_of = ?", [url]).fetchall()


def exact_copy(db: sqlite_utils.Database, digest: str, url: str) -> str | None:
    """Another article with this content_hash, if any."""
    found = db.execute("select url from articles where content_hash = ? and url != ? limit 1", [digest, url]).fetchone()
    return found[0] if found else None


def original_or_self(db: sqlite_utils.Database, url: str) -> str:
    """What `url` is linked to as a copy, or `url` itself."""
    (root,) = db.execute("select coalesce(duplicate_of, url) from articles where url = ?", [url]).fetchone()
    return root


def linked_to(db: sqlite_utils.Database, root: str, url: str) -> list[str]:
    """The articles linked to `root` or to `url`, but `url` itself."""
    return [
        r[0] for r in db.execute("select url from articles where duplicate_of in (?, ?) and url != ?", [root, url, url])
    ]


def sightings(db: sqlite_utils.Database, urls: list[str]) -> list[tuple[str, str | None, str | None]]:
    """(url, published_at, first_seen_at) of these articles."""
    return db.execute(
        f"select url, published_at, first_seen_at from articles where url in ({', '.join('?' * len(urls))})", urls
    ).fetchall()


def unlink(db: sqlite_utils.Database, urls: list[str]) -> None:
    """These articles are copies of nothing."""
    for url in urls:
        db.execute("update articles set duplicate_of = null where url = ?", [url])


def link_group(db: sqlite_utils.Database, group: list[str], original: str) -> None:
    """Every article of `group` but `original` is a copy of `original`, which is none."""
    db.execute(
        f"update articles set duplicate_of = case when url = ? then null else ? end "
        f"where url in ({', '.join('?' * len(group))})",
        [original, original, *group],
    )
