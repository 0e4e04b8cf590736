"""Duplicate linking: which archived articles are copies of one another, and which of a group
is the original. It decides; marks.py reads and writes, duplicates.py compares texts."""

from __future__ import annotations

import sqlite_utils

from crawler.store import duplicates, marks

MAX_CANDIDATES = 50  # near-duplicate candidates checked per article, most shared marks first
COMMON_MARK = 100  # a mark shared by more articles than this is boilerplate, not evidence
MIN_SHARED_MARKS = 4  # of 16: copies (resemblance ≥ 0.7 × containment ≥ 0.8) share about 9 or more

Sighting = tuple[str, str | None, str | None]  # (url, published_at, first_seen_at)


def link_copies(db: sqlite_utils.Database, url: str, body: str | None, content_hash: str) -> None:
    """Point this article, and the group of copies it belongs to, at the group's earliest
    version. It joins one group only, the one of its closest match (an exact copy first),
    so a roundup quoting two stories never merges them; its own former copies that no
    longer match it are let go."""
    hashes = duplicates.shingle_hashes(body or "")  # once: the sketch and every comparison use them
    sketch = duplicates.sketch(hashes)
    marks.replace_marks(db, url, sketch)
    # Copies that pointed here but no longer match the new text go free.
    marks.unlink(
        db,
        [
            copy
            for copy, text in marks.copies_of(db, url)
            if duplicates.similarity(hashes, duplicates.shingle_hashes(text or "")) == 0
        ],
    )
    match = marks.exact_copy(db, content_hash, url) or duplicates.closest_to(hashes, candidates(db, url, sketch))
    if match is None:
        marks.unlink(db, [url])
        return
    root = marks.original_or_self(db, match)
    group = [url, root, *marks.linked_to(db, root, url)]
    marks.link_group(db, group, original_of(marks.sightings(db, group)))


def candidates(db: sqlite_utils.Database, url: str, sketch: list[int]) -> list[tuple[str, str]]:
    """(url, body) of the articles sharing enough rare marks with the sketch, most shared
    first. Each mark's posting list is read at most COMMON_MARK + 1 rows deep, so the cost
    stays flat as the archive grows."""
    best = most_shared([marks.posting(db, mark, url, COMMON_MARK + 1) for mark in sketch])
    return marks.bodies(db, best) if best else []


def most_shared(postings: list[list[str]]) -> list[str]:
    """The candidates among the articles that hold each mark of a sketch: those sharing at
    least MIN_SHARED_MARKS of its rare marks, most shared first, at most MAX_CANDIDATES. A
    mark held by more than COMMON_MARK articles counts for nothing.

    >>> most_shared([["a", "b"], ["a", "b"], ["a"], ["a", "b"], ["a", "c"], ["b"]])
    ['a', 'b']
    >>> len(most_shared([[f"u{n}" for n in range(COMMON_MARK)]] * 4)), most_shared([[f"u{n}" for n in range(101)]] * 4)
    (50, [])
    """
    shared: dict[str, int] = {}
    for posting in postings:
        if len(posting) <= COMMON_MARK:
            for other in posting:
                shared[other] = shared.get(other, 0) + 1
    # Texts this alike share most of their 16 smallest hashes; a few shared ones are chance.
    return sorted((o for o in shared if shared[o] >= MIN_SHARED_MARKS), key=lambda other: -shared[other])[
        :MAX_CANDIDATES
    ]


def original_of(group: list[Sighting]) -> str:
    """The original of a group of copies, each given as (url, published_at, first_seen_at):
    the earliest published (an undated one last), then the first seen, then the first URL.

    >>> original_of([("b", "2024-05-02", "2026-01-02"), ("a", None, "2026-01-01"), ("c", "2024-05-02", "2026-01-01")])
    'c'
    >>> original_of([("b", "2024-05-02", "2026-01-01"), ("a", "2024-05-02", "2026-01-01"), ("c", "2024-06-01", None)])
    'a'
    """
    # SQL's order: coalesce(published_at, '9999'), first_seen_at (null first), url.
    return min(group, key=lambda s: (s[1] if s[1] is not None else "9999", s[2] is not None, s[2] or "", s[0]))[0]
