"""decode(html, content_type) -> str: a response's bytes as text, in the charset they are
really in, whatever the server or the page claims. Pure.

Labels lie both ways: a page re-saved as UTF-8 keeps its old <meta charset>, and an old
windows-1258 page (Vietnamese with combining tone marks) is served as UTF-8 by a server that
labels everything so. The bytes decide: valid UTF-8 is UTF-8; otherwise each candidate that
bs4's EncodingDetector names (BOM, the HTTP header, <meta>, charset-normalizer's guess) and
windows-1258 must decode without error into text without control characters, and a
Vietnamese reading beats a label's mojibake. When none does, the page is bad-encoding:
never text with U+FFFD the source did not contain.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator

from bs4.dammit import EncodingDetector
from charset_normalizer import from_bytes
from w3lib.encoding import http_content_type_encoding

logger = logging.getLogger(__name__)

# The legacy Vietnamese code page; detectors rarely name it, so it is always tried.
VIETNAMESE_LEGACY = "cp1258"  # windows-1258
DETECT_BYTES = 64 * 1024  # charset-normalizer reads this much of a page, at most
SCORE_CHARS = 50_000  # how much text the Vietnamese reading is judged on
# A reading replaces the label's only when clearly more Vietnamese: this many more syllables.
SWITCH_MARGIN = 3

# C0 controls other than tab, newlines and form feed, and every C1 control: no real page's
# text holds them; a wrong charset (latin-1 for windows-125x, or random bytes) does.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_WORD = re.compile(r"\w+")
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_ONSET = "(?:ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnprstvx])?"
# Vietnamese rhymes without their tone: open ones, and the nuclei that take a final consonant.
_OPEN_RHYMES = (  # noqa: SIM905 (a line of rhymes reads better than a column of 44 strings)
    "a e ê i o ô ơ u ư y ia ua ưa oa oe uê uy uơ ai ao au ay âu ây eo êu iu oi ôi ơi ui ưi ưu "
    "ươi ươu uôi iêu yêu oai oay oao oeo uây uyu"
).split()
_CLOSED_NUCLEI = "a ă â e ê i o ô ơ u ư iê yê uô ươ oa oă oe uâ uê uy uyê oo".split()  # noqa: SIM905
_FINALS = ("c", "ch", "k", "m", "n", "ng", "nh", "p", "t")  # k: highland place names (Đắk Lắk)
_RHYME = "|".join(sorted([*_OPEN_RHYMES, *(n + f for n in _CLOSED_NUCLEI for f in _FINALS)], key=len, reverse=True))
_SYLLABLE = re.compile(f"{_ONSET}(?:{_RHYME})")


class BadEncoding(ValueError):
    """No charset turns the bytes into clean text."""


def decode(html: str | bytes, content_type: str | None = None) -> str:
    """Bytes to text: UTF-8 when they are valid UTF-8; else the first clean reading among the
    BOM, the Content-Type header, <meta charset>, charset-normalizer's guess, windows-1258,
    UTF-8 and windows-1252, unless windows-1258 reads as clearly more Vietnamese.
    Raises BadEncoding when no charset gives clean text.

    >>> decode("Công đoàn".encode()), decode(b"<p>ASCII</p>", "text/html; charset=utf-16")
    ('Công đoàn', '<p>ASCII</p>')
    >>> legacy = "Đoàn".encode("cp1258") + " viên".encode("cp1258")
    >>> decode(b"<p>" + legacy + b" nghe ho\\xcci ngh\\xea\\xf2</p>", "text/html; charset=utf-8")
    '<p>Đoàn viên nghe hòi nghệ</p>'
    >>> decode("Não há informação, diz o João".encode("cp1252"), "text/html; charset=windows-1252")
    'Não há informação, diz o João'
    """
    if isinstance(html, str):
        return html
    if html.isascii() and b"\x00" not in html:  # reads the same in every charset we accept
        return html.decode("ascii")
    utf8 = _valid_utf8(html)
    if utf8 is not None:
        return utf8
    first = next(_clean_readings(html, content_type), None)
    if first is None:
        raise BadEncoding("no charset gives text without errors or control characters")
    label, labelled, text = first
    if label != VIETNAMESE_LEGACY:
        legacy = _clean(html, VIETNAMESE_LEGACY)
        if legacy is not None and vietnamese_score(legacy) >= vietnamese_score(text) + SWITCH_MARGIN:
            logger.warning("read as %s, not %s: only so does the Vietnamese read right", VIETNAMESE_LEGACY, label)
            label, text = VIETNAMESE_LEGACY, legacy
    if not labelled:
        logger.warning("charset %s guessed: the page's own labels do not decode it", label)
    # windows-1258 writes tones as combining marks: one NFC text, whatever the charset.
    return unicodedata.normalize("NFC", text) if label == VIETNAMESE_LEGACY else text


def vietnamese_score(text: str) -> int:
    """Words that are Vietnamese syllables, less the other words with non-ASCII letters: how
    much more Vietnamese one reading of a page is than another (ASCII words count for none).

    >>> vietnamese_score("Công đoàn cơ sở nghiệp đoàn"), vietnamese_score("CoÌng ÐoaÌn cõ sõÒ")
    (6, -2)
    >>> vietnamese_score("não informação"), vietnamese_score("năo informaçăo")  # Portuguese, as cp1258
    (0, -2)
    """
    score = 0
    for word in _WORD.findall(unicodedata.normalize("NFC", text[:SCORE_CHARS]).lower()):
        if not word.isascii():
            score += 1 if _is_syllable(word) else -1
    return score


def _is_syllable(word: str) -> bool:
    """A Vietnamese syllable (NFC, lower case): an onset, a rhyme, at most one tone mark."""
    letters = unicodedata.normalize("NFD", word)
    if sum(mark in _TONES for mark in letters) > 1:
        return False
    toneless = unicodedata.normalize("NFC", "".join(ch for ch in letters if ch not in _TONES))
    return _SYLLABLE.fullmatch(toneless) is not None


def _clean_readings(raw: bytes, content_type: str | None) -> Iterator[tuple[str, bool, str]]:
    """(charset, whether the page labels it so, text) of each clean reading, most trusted first."""
    for label, labelled in _labels(raw, content_type):
        text = _clean(raw, label)
        if text is not None:
            yield label, labelled, text


def _labels(raw: bytes, content_type: str | None) -> Iterator[tuple[str, bool]]:
    """(charset, whether the page labels it so) to try, most trusted first: the BOM, the
    header, <meta>, then guesses, each once (charset-normalizer's is made only when the
    labels fail: it reads up to DETECT_BYTES)."""
    tried: set[str] = set()

    def untried(labels: Iterable[str | None], labelled: bool) -> Iterator[tuple[str, bool]]:
        for label in labels:
            name = _python_name(label) if label else None
            if name and name not in tried:
                tried.add(name)
                yield name, labelled

    detector = EncodingDetector(raw, is_html=True)
    header = http_content_type_encoding(content_type) if content_type else None
    yield from untried((detector.sniffed_encoding, header, detector.find_declared_encoding(raw, is_html=True)), True)
    guessed = from_bytes(raw[:DETECT_BYTES]).best()
    yield from untried((guessed.encoding if guessed else None, VIETNAMESE_LEGACY, "utf-8", "cp1252"), False)


def _python_name(label: str) -> str:
    """Python's own name of a charset label (so each charset is tried once); WHATWG reads
    latin-1 labels as windows-1252. An unknown label stays as it is, and fails to decode."""
    label = label.strip().lower()
    if label in {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"}:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return label


def _clean(raw: bytes, label: str) -> str | None:
    """`raw` in `label`, if it decodes without error into text without control characters."""
    try:
        text = raw.decode(label)
    except (UnicodeDecodeError, LookupError):
        return None
    return None if _CONTROL.search(text.lstrip("\ufeff")) else text


def _valid_utf8(raw: bytes) -> str | None:
    """The text if `raw` (not ASCII: decode reads that first) is valid UTF-8. Legacy 8-bit
    text is almost never valid UTF-8 by accident, while a page re-saved as UTF-8 often keeps
    its old <meta charset> (ISO-8859-15, windows-1252): trusting the label gives mojibake."""
    if b"\x00" in raw:  # NULs mean UTF-16/32
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
