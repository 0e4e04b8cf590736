"""The main-text metric of the ScrapingHub article-extraction benchmark. Pure.

Tokens are `\\w+` runs; shingles are runs of 4 tokens counted as a multiset. Each
document gives precision and recall from shingle overlap; the corpus precision and
recall are the means over documents, and F1 is computed from those two means (not the
mean of per-document F1s), as the upstream evaluate.py does.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_TOKEN = re.compile(r"\w+", re.UNICODE)
_TAG = re.compile(r"<[^>]*>")


def _tokens(text: str | None) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFC", text or ""))


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    """
    >>> sorted(shingles("a b c d e"))
    [('a', 'b', 'c', 'd'), ('b', 'c', 'd', 'e')]
    >>> shingles("a b"), shingles("")
    (Counter({('a', 'b'): 1}), Counter())
    """
    tokens = _tokens(text)
    if len(tokens) < size:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def distinct_shingles(text: str, size: int = 4) -> set[tuple[str, ...]]:
    """The set of `shingles(text)`, built without counting: the generic path compares texts
    by it on every page.

    >>> distinct_shingles("a b c d e a b c d") == set(shingles("a b c d e a b c d"))
    True
    >>> distinct_shingles("a b"), distinct_shingles("")
    ({('a', 'b')}, set())
    """
    tokens = _tokens(text)
    if len(tokens) < size:
        return {tuple(tokens)} if tokens else set()
    return set(zip(*(tokens[start:] for start in range(size)), strict=False))  # the shorter runs end it


def holds(whole: set[tuple[str, ...]], part: set[tuple[str, ...]], share: float) -> bool:
    """`whole` has at least `share` of `part`'s shingles (an empty part it always holds).

    >>> holds(distinct_shingles("a b c d"), distinct_shingles("a b c d e"), 0.5), holds(set(), set(), 0.9)
    (True, True)
    """
    return len(part & whole) >= share * len(part)


def without_tags(markup: str) -> str:
    """Markup's text for comparing by shingles: each tag a space, entities left as they are.

    >>> without_tags("<p>Rain</p><p>fell</p>")
    ' Rain  fell '
    """
    return _TAG.sub(" ", markup)


@dataclass(frozen=True)
class DocScore:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        if self.fp == 0 and self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        if self.fp == 0 and self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def score_document(gold: str, predicted: str) -> DocScore:
    g, p = shingles(gold), shingles(predicted)
    tp = sum((g & p).values())
    return DocScore(tp=tp, fp=sum(p.values()) - tp, fn=sum(g.values()) - tp)


@dataclass(frozen=True)
class CorpusScore:
    precision: float
    recall: float
    documents: int

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_corpus(scores: Iterable[DocScore]) -> CorpusScore:
    """
    >>> round(score_corpus([score_document("a b c d e", "a b c d e"), score_document("a b c d e", "a b c d x")]).f1, 3)
    0.75
    """
    scores = list(scores)
    precisions = [s.precision or 0.0 for s in scores if s.tp + s.fp > 0]
    recalls = [s.recall or 0.0 for s in scores if s.tp + s.fn > 0]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    return CorpusScore(precision, recall, len(scores))
