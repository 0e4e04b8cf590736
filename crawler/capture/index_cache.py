"""Replay indexes kept between runs. Indexing an archive for replay parses every record of it
(about 3 CPU seconds for 170 MB of WARC), and a fleet's workers each index the archives they
replay; the entries read from one archive file are therefore saved in a cache folder and
read back while the file is unchanged. Pure: no Scrapy.

One JSON line per response or revisit record, in a file named by a hash of the archive's
resolved path, size and modification time: a rewritten or grown archive is indexed again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

logger = logging.getLogger(__name__)

FORMAT = 1


class IndexEntry(NamedTuple):
    """What replay needs of one response or revisit record."""

    rec_type: str
    url: str
    digest: str
    refers_to: str  # a revisit's original URL ("" for a response)
    status: int
    headers: list[tuple[str, str]]
    fetched_at: str
    member: str  # the WARC inside a WACZ ("" for a plain WARC file)
    offset: int


def default_folder() -> str:
    return os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "congdoan", "replay-index")


def _cache_file(folder: Path, archive: Path) -> Path:
    stat = archive.stat()
    key = f"{FORMAT}\0{archive.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}"
    return folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.jsonl"


def load(folder: Path, archive: Path) -> list[IndexEntry] | None:
    """The entries saved for `archive` as it is now, or None."""
    try:
        with open(_cache_file(folder, archive), encoding="utf-8") as cached:
            entries = []
            for line in cached:
                fields = json.loads(line)
                # Interned: the same few header names and values recur in every record.
                fields[5] = [(sys.intern(name), sys.intern(value)) for name, value in fields[5]]
                fields[6] = sys.intern(fields[6])
                entries.append(IndexEntry(*fields))
            return entries
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as error:  # torn or foreign: index again
        logger.warning("replay index cache for %s unreadable (%s): indexing it again", archive, error)
        return None


def save(folder: Path, archive: Path, entries: list[IndexEntry]) -> None:
    """Keep `entries` for the next replay of `archive`; a cache that cannot be written is skipped."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = _cache_file(folder, archive)
        # Written aside and renamed: a reader never sees half a file, whoever writes at once.
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False, suffix=".tmp") as out:
            try:
                for entry in entries:
                    out.write(json.dumps(entry, ensure_ascii=False) + "\n")
            except BaseException:
                os.unlink(out.name)
                raise
        os.replace(out.name, target)
    except OSError as error:
        logger.info("replay index of %s not cached: %s", archive, error)
