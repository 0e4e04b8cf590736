"""The archive file: opening it with its schema brought up to date (crawler/store/migrations.py),
and the consistent snapshot that is published."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

import sqlite_utils

from crawler.store.migrations import migrations


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) an archive and bring its schema up to date."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    if str(path) != ":memory:":
        # WAL lets Datasette read while a crawl writes; a crash never leaves a torn file.
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=30000")
    # In WAL mode NORMAL survives any process crash (SIGKILL included) and spares an fsync
    # per commit; only a power cut could lose the last commits, never corrupt the file.
    db.execute("PRAGMA synchronous=NORMAL")
    migrations.apply(db)
    return db


def count(db: sqlite_utils.Database, table: str) -> int:
    return db[table].count if db[table].exists() else 0


def snapshot(source: str | Path, target: str | Path) -> int:
    """Copy the archive to `target` as one consistent snapshot (VACUUM INTO reads a single
    transaction, so a crawl writing meanwhile is fine); the schema is brought up to date
    first. Written beside `target` and renamed, so readers never see half a file.
    Returns the number of articles in the snapshot."""
    target = Path(target)
    if target.resolve() == Path(source).resolve():
        raise ValueError(f"{target} is the archive itself: publish to another file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    db = open_db(source)
    try:
        db.execute("vacuum into ?", [str(partial)])
    finally:
        db.close()
    published = sqlite_utils.Database(partial)
    try:
        published.execute("pragma journal_mode=delete")  # one self-contained file to download
        articles = published["articles"].count
    finally:
        published.close()
    partial.replace(target)  # final before anyone can open it
    snapshot_digest(target)  # read once now, while the file is warm in the page cache
    return articles


def snapshot_digest(path: str | Path) -> str:
    """The SHA-256 of a published snapshot (the server's ETags are built from it). Hashing
    gigabytes takes seconds, so it is kept beside the file in FILE.sha256, with the size
    and modification time it was read at, and read again only when those change."""
    path = Path(path).resolve()
    stat = path.stat()
    stamp = f"{stat.st_size} {stat.st_mtime_ns}"
    sidecar = path.with_name(path.name + ".sha256")
    try:
        digest, recorded = sidecar.read_text(encoding="ascii").strip().split(" ", 1)
        if recorded == stamp:
            return digest
    except (OSError, ValueError):
        pass  # none yet, or unreadable: read the file
    with path.open("rb") as snapshot_file:
        digest = hashlib.file_digest(snapshot_file, "sha256").hexdigest()
    with contextlib.suppress(OSError):  # a read-only folder: the next start reads the file again
        sidecar.write_text(f"{digest} {stamp}\n", encoding="ascii")
    return digest
