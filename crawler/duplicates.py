"""Near-duplicate detection for syndicated copies. Pure.

Provincial papers reprint Lao Động's union stories, sometimes with a line added or a
paragraph cut. Two texts are near-duplicates when most of the shorter one's 5-word
shingles (accents folded, so a copy that lost its diacritics still matches) appear in
the longer one.

Finding candidates among a million articles needs an index, not a scan: each text keeps
its MARKS smallest shingle hashes (a bottom-k sketch). Two texts that share most
shingles share most of their smallest hashes, so a candidate is any text sharing at
least one mark; the containment check on the real texts then decides.
"""

from __future__ import annotations

import hashlib
import re

from crawler.text import fold

SHINGLE = 5
MARKS = 8
CONTAINMENT = 0.8  # share of the shorter text's shingles found in the longer one
MIN_SHINGLES = 30  # below this a text is too short to call anything a copy of it

_WORD = re.compile(r"\w+", re.UNICODE)


def shingle_hashes(text: str) -> set[int]:
    """Signed 64-bit hashes (SQLite's INTEGER) of the text's folded word shingles."""
    words = _WORD.findall(fold(text))
    grams = {" ".join(words[i:i + SHINGLE]) for i in range(max(len(words) - SHINGLE + 1, 0))}
    return {int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "big", signed=True) for g in grams}


def marks(text: str) -> list[int]:
    """The text's sketch for the candidate index: its smallest shingle hashes.

    >>> len(marks("một hai ba bốn năm sáu bảy tám chín mười mười một mười hai mười ba"))
    8
    >>> marks("Công đoàn cơ sở tổ chức hội nghị") == marks("Cong doan co so to chuc hoi nghi")
    True
    """
    return sorted(shingle_hashes(text))[:MARKS]


def containment(a: set[int], b: set[int]) -> float:
    """Share of the smaller set found in the larger one.

    >>> containment({1, 2, 3, 4}, {1, 2, 3, 4, 5, 6}), containment(set(), {1})
    (1.0, 0.0)
    """
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / len(small) if small else 0.0


def is_near_duplicate(text: str, other: str) -> bool:
    a, b = shingle_hashes(text), shingle_hashes(other)
    return min(len(a), len(b)) >= MIN_SHINGLES and containment(a, b) >= CONTAINMENT
