"""`congdoan search`: what a journalist typed, as a full-text search of the archive (the
expression from query.py, the SQL from crawler/store/articles.py)."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from crawler.publish.query import match_expression
from crawler.store.articles import matching_articles


def search(db: sqlite_utils.Database, query: str, limit: int = 20, mode: str = "auto") -> list[dict[str, Any]]:
    """Articles matching `query`, best first. Unaccented words also match accented text;
    a syndicated story shows once: its original, or a copy when only the copy matches."""
    expression = match_expression(query, mode)  # normalized like the stored text, abbreviations expanded
    if not expression:
        return []
    return matching_articles(db, expression, limit)
