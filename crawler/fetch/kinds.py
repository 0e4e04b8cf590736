"""Why a request is made, and what follows from that: its place in the queue and whether a
killed run leaves it to the next one. One table, so the crawl's order is read in one place."""

from __future__ import annotations

from enum import Enum


class RequestKind(Enum):
    """Why a request was made, with its priority: next pages first, then articles,
    so the queue drains articles before it explores further."""

    ENTRY = 30
    FEED = 25
    NEXT_PAGE = 20
    CATEGORY = 15
    ARTICLE = 10
    RECHECK = 5  # an archived recent article fetched again to catch edits

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


# Requests a killed run leaves to the next one (entries, feeds and re-checks are made afresh).
RESUMABLE = frozenset({RequestKind.NEXT_PAGE, RequestKind.CATEGORY, RequestKind.ARTICLE})
