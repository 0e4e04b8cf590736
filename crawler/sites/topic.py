"""Is a story union news? For the general newspapers, whose sections mix every topic. Pure.

Terms match whole words of the accent-folded text, so "cong doan", "Công Đoàn" and
"CÔNG ĐOÀN" are one term, and "CĐCS" matches "cdcs". The list is configurable
(ARCHIVE_TOPIC_TERMS); the default errs towards keeping: a union story mislabelled
off-topic is lost to readers, an extra story is only noise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from crawler.records import Article
from crawler.text import fold

UNION_TERMS: tuple[str, ...] = (
    "công đoàn",
    "CĐCS",
    "CĐ cơ sở",
    "CĐ ngành",
    "CĐVC",
    "LĐLĐ",
    "Liên đoàn Lao động",
    "Tổng Liên đoàn",
    "đoàn viên",
    "ĐVCĐ",
    "người lao động",
    "NLĐ",
    "CNVCLĐ",
    "CNVC",
    "CBCCVC",
    "CCVCLĐ",
    "CBCCVCLĐ",
    "CNLĐ",
    "công nhân lao động",
    "công nhân viên chức",
    "Mái ấm công đoàn",
    "Tháng Công nhân",
    "thỏa ước lao động tập thể",
    "an toàn vệ sinh lao động",
    "ATVSLĐ",
    "nữ công",
    "Tết Sum vầy",
)
# Members of the Youth Union are "đoàn viên" too: those phrases do not make a story union news.
YOUTH_UNION = re.compile(
    r"\b(doan vien (doan )?thanh nien|doan thanh nien|doan tncs|tinh doan|thanh doan|huyen doan)\b"
)


def _pattern(terms: Iterable[str]) -> re.Pattern[str]:
    folded = sorted({fold(term).strip() for term in terms if term.strip()}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(term) for term in folded) + r")(?!\w)")


def union_terms_in(article: Article, terms: Iterable[str] = UNION_TERMS) -> list[str]:
    """The union terms (folded) that the title, lead or body mention, in order of appearance.

    >>> from crawler.records import Article
    >>> story = Article("u", None, "Hội nghị CĐCS", None, "Đoàn viên được thăm hỏi.", None, None, None, None, None, [], [], "vi")
    >>> union_terms_in(story)
    ['cdcs', 'doan vien']
    """
    text = YOUTH_UNION.sub(" ", fold("\n".join(part for part in (article.title, article.lead, article.body) if part)))
    text += "\n" + re.sub(r"(?<=\w)[-‐–/](?=\w)", "", text)  # "CNVC-LĐ" also reads as "cnvcld"
    return list(dict.fromkeys(match.group(1) for match in _pattern(terms).finditer(text)))


def parse_terms(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """Terms from a setting: a list, or one comma- or newline-separated string."""
    if not value:
        return UNION_TERMS
    if isinstance(value, str):
        value = re.split(r"[,\n]", value)
    return tuple(term.strip() for term in value if term.strip())
