"""Turn what a journalist typed into an FTS5 MATCH expression. Pure.

- Every word is quoted (no FTS syntax errors from user input) and all words must match.
- Words are normalized like the stored text (NFC, traditional tone marks).
- mode "auto": an unaccented word matches accented text through the folded columns, an
  accented word stays exact; "exact": only the original columns; "fold": accents in the
  query are ignored too.
- A union abbreviation or its expansion (crawler/glossary.py) matches either form:
  "LĐLĐ" and "Liên đoàn Lao động" find the same articles.
"""

from __future__ import annotations

import re

from crawler.glossary import GLOSSARY
from crawler.text import clean_text, fold

MODES = ("auto", "exact", "fold")
ORIGINAL_COLUMNS = "{title lead body}"
FOLDED_COLUMNS = "{title_folded lead_folded body_folded}"

_WORD = re.compile(r"\w+", re.UNICODE)
_ABBREVIATIONS = {fold(term.abbreviation): term for term in GLOSSARY}
_EXPANSIONS = sorted(((tuple(_WORD.findall(fold(term.expansion))), term) for term in GLOSSARY),
                     key=lambda item: -len(item[0]))  # longest phrase first


def _quoted(words: list[str] | tuple[str, ...]) -> str:
    return '"' + " ".join(words) + '"'


def _either(term, accented: bool) -> str:
    """Both forms of a glossary term, accented as the journalist typed them."""
    forms = (term.abbreviation, term.expansion)
    if not accented:
        forms = tuple(fold(form) for form in forms)
    return "(" + " OR ".join(_quoted(_WORD.findall(form.lower())) for form in forms) + ")"


def terms(query: str) -> list[str]:
    """The query's FTS5 terms: quoted words and glossary groups.

    >>> terms('công "đoàn" OR x*')
    ['"công"', '"đoàn"', '"OR"', '"x"']
    >>> terms("LĐLĐ tỉnh")
    ['("lđlđ" OR "liên đoàn lao động")', '"tỉnh"']
    >>> terms("lien doan lao dong Ha Tinh")
    ['("ldld" OR "lien doan lao dong")', '"Ha"', '"Tinh"']
    """
    words = _WORD.findall(clean_text(query))
    folded = [fold(word) for word in words]
    found: list[str] = []
    i = 0
    while i < len(words):
        accented = words[i].lower() != folded[i]
        term = _ABBREVIATIONS.get(folded[i])
        if term is not None:
            found.append(_either(term, accented))
            i += 1
            continue
        for phrase, term in _EXPANSIONS:
            if tuple(folded[i:i + len(phrase)]) == phrase:
                span = words[i:i + len(phrase)]
                found.append(_either(term, any(w.lower() != fold(w) for w in span)))
                i += len(phrase)
                break
        else:
            found.append(_quoted([words[i]]))
            i += 1
    return found


def match_expression(query: str, mode: str = "auto") -> str:
    """The MATCH expression, or "" when the query has no word.

    >>> match_expression("LDLD Cao Bang")
    '("ldld" OR "lien doan lao dong") AND "Cao" AND "Bang"'
    >>> match_expression("năm", "exact")
    '{title lead body} : ("năm")'
    >>> match_expression("Năm", "fold")
    '{title_folded lead_folded body_folded} : ("nam")'
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "fold":
        query = fold(query)
    found = terms(query)
    if not found:
        return ""
    expression = " AND ".join(found)  # FTS5 has no implicit AND next to a parenthesized group
    if mode == "exact":
        return f"{ORIGINAL_COLUMNS} : ({expression})"
    if mode == "fold":
        return f"{FOLDED_COLUMNS} : ({expression})"
    return expression
