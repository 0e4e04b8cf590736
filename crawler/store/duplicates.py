"""Near-duplicate detection for syndicated copies. Pure.

Provincial papers reprint Lao Động's union stories, sometimes with a line added or a
paragraph cut. Two texts are near-duplicates when most of the shorter one's 5-word
shingles (accents folded, so a copy that lost its diacritics still matches) appear in
the longer one, and the two are of comparable length (70 %): a roundup that quotes a story is
not a copy of it.

Finding candidates among a million articles needs an index, not a scan: each text keeps
its MARKS smallest shingle hashes (a bottom-k sketch). Two texts that share most
shingles share most of their smallest hashes, so a candidate is any text sharing at
least one mark; the containment check on the real texts then decides.
"""

from __future__ import annotations

import hashlib
import re
import struct

from crawler.text import fold

SHINGLE = 5
MARKS = 16
CONTAINMENT = 0.8  # share of the shorter text's shingles found in the longer one
RESEMBLANCE = 0.7  # the shorter text has at least 70 % as many shingles as the longer one
MIN_SHINGLES = 30  # below this a text is too short to call anything a copy of it

_WORD = re.compile(r"\w+", re.UNICODE)


def shingle_hashes(text: str) -> set[int]:
    """Signed 64-bit hashes (SQLite's INTEGER) of the text's folded word shingles."""
    words = _WORD.findall(fold(text))
    grams = set(map(" ".join, zip(*(words[i:] for i in range(SHINGLE)), strict=False)))
    # One unpack of all the digests: int.from_bytes per shingle cost as much as the hashing.
    digests = b"".join([hashlib.blake2b(g.encode(), digest_size=8).digest() for g in grams])
    return set(struct.unpack(f">{len(grams)}q", digests))


def sketch(hashes: set[int]) -> list[int]:
    """The smallest of a text's shingle hashes: its entry in the candidate index."""
    return sorted(hashes)[:MARKS]


def marks(text: str) -> list[int]:
    """The text's sketch for the candidate index: its smallest shingle hashes.

    >>> len(marks("một hai ba bốn năm sáu bảy tám chín mười mười một mười hai mười ba mười bốn mười lăm mười sáu"))
    16
    >>> marks("Công đoàn cơ sở tổ chức hội nghị") == marks("Cong doan co so to chuc hoi nghi")
    True
    """
    return sketch(shingle_hashes(text))


def containment(a: set[int], b: set[int]) -> float:
    """Share of the smaller set found in the larger one.

    >>> containment({1, 2, 3, 4}, {1, 2, 3, 4, 5, 6}), containment(set(), {1})
    (1.0, 0.0)
    """
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / len(small) if small else 0.0


def similarity(a: set[int], b: set[int]) -> float:
    """Containment of the shorter in the longer, or 0 when they are no copies of each other."""
    small, large = sorted((len(a), len(b)))
    if small < MIN_SHINGLES or small < RESEMBLANCE * large:
        return 0.0
    share = containment(a, b)
    return share if share >= CONTAINMENT else 0.0


def is_near_duplicate(text: str, other: str) -> bool:
    return similarity(shingle_hashes(text), shingle_hashes(other)) > 0


def closest(text: str, candidates: list[tuple[str, str]]) -> str | None:
    """The key of the candidate (key, text) most like `text`, if any is a near-duplicate."""
    return closest_to(shingle_hashes(text), candidates)


def closest_to(mine: set[int], candidates: list[tuple[str, str]]) -> str | None:
    """`closest` for a text whose shingle hashes are already known."""
    scored = [(similarity(mine, shingle_hashes(other or "")), key) for key, other in candidates]
    best = max(scored, default=(0.0, None))
    return best[1] if best[0] > 0 else None
