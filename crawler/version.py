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

_EXTRACTION_MODULES = ("extract", "cms", "blocks", "boilerplate", "generic", "metadata", "text",
                       "validate", "css", "topic", "discover")


@cache
def extractor_version() -> str:
    """
    >>> extractor_version().startswith("congdoan-")
    True
    """
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _EXTRACTION_MODULES:
        digest.update((here / f"{name}.py").read_bytes())
    return f"congdoan-{digest.hexdigest()[:12]} trafilatura-{version('trafilatura')} lxml-{version('lxml')}"
