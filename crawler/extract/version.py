"""`extractor_version`: which extractor produced an article row. Pure.

It is derived from the source of the modules that turn HTML into an Article, plus the
trafilatura and lxml versions, so any change to extraction changes it without anyone
remembering to bump a number; `congdoan reextract` then knows which rows are stale.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.metadata import version
from pathlib import Path

# Everything extraction reads, as paths under crawler/: this package and the site knowledge it uses.
_EXTRACTION_SOURCES = (
    "extract/*.py",
    "sites/cms.py",
    "sites/css.py",
    "sites/topic.py",
    "sites/discover.py",
    "sites/provinces.py",
    "sites/challenge.py",
    "text.py",
    "records.py",
)


@cache
def extractor_version() -> str:
    """
    >>> extractor_version().startswith("congdoan-")
    True
    """
    crawler = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(p for pattern in _EXTRACTION_SOURCES for p in crawler.glob(pattern)):
        digest.update(path.relative_to(crawler).as_posix().encode())
        digest.update(path.read_bytes())
    return f"congdoan-{digest.hexdigest()[:12]} trafilatura-{version('trafilatura')} lxml-{version('lxml')}"
