"""Turn what a journalist typed into an FTS5 MATCH expression. Pure.

- Every word is quoted (no FTS syntax errors from user input) and all words must match;
  operators are not supported, and the search page says so.
- Words are normalized like the stored text (NFC, traditional tone marks); control
  characters are dropped and at most MAX_WORDS words are used.
- mode "auto": an unaccented word matches accented text through the folded columns, an
  accented word stays exact; "exact": only the original columns; "fold": accents in the
  query are ignored too.
- A union abbreviation or its expansion (crawler/sites/glossary.py) matches either form:
  "LĐLĐ" and "Liên đoàn Lao động" find the same articles.

`parse` gives the terms as word sequences, which is what highlighting needs.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from crawler.sites.glossary import GLOSSARY
from crawler.text import clean_text, fold

MODES = ("auto", "exact", "fold")
NEVER_MATCHES = '"\u2063"'  # a MATCH expression for a query with no word: matches nothing, never fails
MAX_WORDS = 30
ORIGINAL_COLUMNS = "{title lead body}"
FOLDED_COLUMNS = "{title_folded lead_folded body_folded}"

_WORD = re.compile(r"\w+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ABBREVIATIONS = {fold(term.abbreviation): term for term in GLOSSARY}
_EXPANSIONS = sorted(
    ((tuple(_WORD.findall(fold(term.expansion))), term) for term in GLOSSARY), key=lambda item: -len(item[0])
)  # longest phrase first


class Phrase(NamedTuple):
    """Words that must follow each other; `accented`: match them with their accents."""

    words: tuple[str, ...]
    accented: bool


Term = tuple[Phrase, ...]  # alternatives: any one of them matches


def _phrase(text: str, accented: bool) -> Phrase:
    words = tuple(_WORD.findall(text.lower() if accented else fold(text)))
    return Phrase(words, accented)


def parse(query: str, mode: str = "auto") -> list[Term]:
    """The query's terms, each a tuple of alternative phrases.

    >>> parse("LĐLĐ tỉnh")
    [(Phrase(words=('lđlđ',), accented=True), Phrase(words=('liên', 'đoàn', 'lao', 'động'), accented=True)), (Phrase(words=('tỉnh',), accented=True),)]
    >>> parse("tinh", "exact")[0][0].accented
    True
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    text = clean_text(_CONTROL.sub(" ", query or ""))
    words = _WORD.findall(fold(text) if mode == "fold" else text)[:MAX_WORDS]
    folded = [fold(word) for word in words]

    def accented(span: list[str]) -> bool:
        return mode == "exact" or (mode == "auto" and any(w.lower() != fold(w) for w in span))

    found: list[Term] = []
    i = 0
    while i < len(words):
        glossary = _ABBREVIATIONS.get(folded[i])
        span = words[i : i + 1]
        if glossary is None:
            for phrase, term in _EXPANSIONS:
                if tuple(folded[i : i + len(phrase)]) == phrase:
                    glossary, span = term, words[i : i + len(phrase)]
                    break
        if glossary is not None:
            exact = accented(span)
            found.append((_phrase(glossary.abbreviation, exact), _phrase(glossary.expansion, exact)))
        else:
            found.append((Phrase((words[i].lower() if accented(span) else folded[i],), accented(span)),))
        i += len(span)
    return found


def _fts(term: Term) -> str:
    phrases = ['"' + " ".join(phrase.words) + '"' for phrase in term]
    return phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")"


def match_expression(query: str, mode: str = "auto") -> str:
    """The MATCH expression, or "" when the query has no word.

    >>> match_expression('công "đoàn" OR x*')
    '"công" AND "đoàn" AND "or" AND "x"'
    >>> match_expression("lien doan lao dong Ha Tinh")
    '("ldld" OR "lien doan lao dong") AND "ha" AND "tinh"'
    >>> match_expression("LDLD Cao Bang")
    '("ldld" OR "lien doan lao dong") AND "cao" AND "bang"'
    >>> match_expression("năm", "exact")
    '{title lead body} : ("năm")'
    >>> match_expression("Năm", "fold")
    '{title_folded lead_folded body_folded} : ("nam")'
    """
    found = [_fts(term) for term in parse(query, mode)]
    if not found:
        return ""
    expression = " AND ".join(found)  # FTS5 has no implicit AND next to a parenthesized group
    if mode == "exact":
        return f"{ORIGINAL_COLUMNS} : ({expression})"
    if mode == "fold":
        return f"{FOLDED_COLUMNS} : ({expression})"
    return expression


HEADLINE_COLUMNS = "{title title_folded}"


def in_headline(expression: str) -> str:
    """`expression` matched in the headline alone (FTS5 intersects nested column filters,
    so an exact-mode expression stays on the original headline).

    >>> in_headline('"cong" AND "doan"')
    '{title title_folded} : ("cong" AND "doan")'
    """
    return f"{HEADLINE_COLUMNS} : ({expression})"


def beyond_headline(expression: str) -> str:
    """`expression` matched in an article whose headline does not match it. Both sides are
    bracketed: NOT binds tighter than AND in FTS5.

    >>> beyond_headline('"cong" AND "doan"')
    '("cong" AND "doan") NOT ({title title_folded} : ("cong" AND "doan"))'
    """
    return f"({expression}) NOT ({in_headline(expression)})"
