"""Vietnamese text: NFC, tone-mark placement, accent folding and day-first dates.

Pure functions; every string taken from a page passes through `clean_text`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

# Vietnam has kept UTC+7 without daylight saving since 1975, so a fixed offset is exact
# for everything these sites publish and needs no tz database.
VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")

_TONE_MARKS = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}  # huyền, sắc, hỏi, ngã, nặng
_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARS), None)
_SPACE = r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]"
_OTHER_SPACE = r"[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]"
# Runs of spaces that are not already a single " ": replacing every lone space costs time.
_SPACES = re.compile(rf"{_OTHER_SPACE}{_SPACE}*| {_SPACE}+")

# "hoà", "khoẻ", "thuỷ" (new style) become "hòa", "khỏe", "thủy" (the style most of the
# Vietnamese press prints), but only when the pair ends the syllable: "hoàn" and "huyền"
# already agree in both styles. The syllable must start with a Vietnamese onset, so "quý"
# ("qu" is a consonant) and foreign names such as "Chloé" are left alone.
# The scan looks for the vowel pair alone and checks the onset only where one is found: a
# pattern that opens with an optional onset is tried at every position of every text.
# One character class per position scans several times faster than the two alternatives
# it stands for (o + toned a/e, u + toned y), which the loop then tells apart.
_VOWEL_PAIR = re.compile(r"[oOuU][àáảãạÀÁẢÃẠèéẻẽẹÈÉẺẼẸỳýỷỹỵỲÝỶỸỴ](?!\w)")
_SECOND_VOWELS = dict.fromkeys("oO", frozenset("àáảãạÀÁẢÃẠèéẻẽẹÈÉẺẼẸ")) | dict.fromkeys("uU", frozenset("ỳýỷỹỵỲÝỶỸỴ"))
_ONSET = re.compile(r"(?i:ngh|ch|gh|gi|kh|ng|nh|ph|th|tr|[bcdđghklmnprstvx])")
_LONGEST_ONSET = 3


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # exactly re's \w


def _syllable_start(text: str, vowel: int) -> int | None:
    """Where the syllable whose first vowel is at `vowel` begins, if what precedes the vowel
    in its word is empty or a Vietnamese onset; else None."""
    start = vowel
    while start > 0 and _is_word_char(text[start - 1]):
        start -= 1
        if vowel - start > _LONGEST_ONSET:
            return None
    return start if start == vowel or _ONSET.fullmatch(text, start, vowel) else None


def _move_tone(head: str, second: str) -> str:
    """`head` is the onset and the first vowel, `second` the toned second vowel."""
    decomposed = unicodedata.normalize("NFD", second)
    tone = "".join(ch for ch in decomposed if ch in _TONE_MARKS)
    bare = "".join(ch for ch in decomposed if ch not in _TONE_MARKS)
    return unicodedata.normalize("NFC", head + tone) + unicodedata.normalize("NFC", bare)


def normalize_tone_marks(text: str) -> str:
    """Put tone marks where most of the Vietnamese press puts them.

    >>> normalize_tone_marks("Đảng uỷ, văn hoá, khoẻ mạnh, quý, hoàn, Chloé")
    'Đảng ủy, văn hóa, khỏe mạnh, quý, hoàn, Chloé'
    """
    out: list[str] = []
    done = 0
    for match in _VOWEL_PAIR.finditer(text):
        vowel = match.start()
        if text[vowel + 1] not in _SECOND_VOWELS[text[vowel]]:
            continue
        start = _syllable_start(text, vowel)
        if start is None:
            continue
        out += (text[done:start], _move_tone(text[start : vowel + 1], text[vowel + 1]))
        done = match.end()
    return "".join(out) + text[done:] if out else text


def clean_text(text: str | None) -> str:
    """NFC, normalized tone marks, no invisible characters, single spaces, stripped.

    Newlines are kept so that paragraph structure survives.

    >>> clean_text("  Ho\u0300a  Bi\u0300nh\u00a0 ")
    'Hòa Bình'
    """
    if not text:
        return ""
    return _clean_paragraph(text) if len(text) <= _CACHED_LENGTH else _clean(text)


# An article's paragraphs are cleaned twice, for its plain text and for body_html, and a
# site's furniture repeats on every page: a small cache spares the second cleaning. Only
# paragraph-sized texts are kept, so it holds a few megabytes at most.
_CACHED_LENGTH = 2000


@functools.lru_cache(maxsize=2048)
def _clean_paragraph(text: str) -> str:
    return _clean(text)


def _clean(text: str) -> str:
    text = visible_nfc(text)
    # No space character ends a line, so one pass over the whole text spaces every line.
    lines = _SPACES.sub(" ", normalize_tone_marks(text)).splitlines()
    return "\n".join([line.strip() for line in lines]).strip()


def visible_nfc(text: str) -> str:
    """NFC without invisible characters: clean_text's first step."""
    text = unicodedata.normalize("NFC", text)
    if any(ch in text for ch in _INVISIBLE_CHARS):  # rare; translate walks every character
        text = text.translate(_INVISIBLE)
    return text


def has_text(text: str | None) -> bool:
    """Whether clean_text(text) is not empty, without cleaning: only a character other than
    whitespace and invisibles survives it (NFC never turns one into either).

    >>> has_text(" \u200b \u00ad "), has_text(" x "), has_text(None)
    (False, True, False)
    """
    if not text or text.isspace():
        return False
    if not any(ch in text for ch in _INVISIBLE_CHARS):
        return True
    visible = text.translate(_INVISIBLE)
    return bool(visible) and not visible.isspace()


def clean_length_floor(text: str) -> int:
    """A length that clean_text(text) cannot fall below, for a text whose whitespace is
    already single spaces (" ".join(text.split())): NFC composes at most four code points
    into one, and each invisible character removed may also merge two spaces into one.

    >>> clean_length_floor("x" * 40), clean_length_floor("\u200b" * 40)
    (8, -42)
    """
    invisible = sum(text.count(ch) for ch in _INVISIBLE_CHARS)
    return (len(text) - invisible) // 4 - invisible - 2


class _FoldTable(dict[int, str]):
    """str.translate table built as characters are met: each character's base letters,
    lowercased, đ→d, combining marks dropped. Folding is on every search and every stored
    article, and a table lookup is many times faster than decomposing each text."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFD", chr(code))
        folded = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
        self[code] = folded.replace("đ", "d").replace("Đ", "D").lower()
        return self[code]


_FOLD = _FoldTable()


def fold(text: str | None) -> str:
    """Fold Vietnamese to bare lowercase ASCII letters for accent-insensitive search.

    >>> fold("Công Đoàn Hội nghị NĂM"), fold("Hoà Bình")
    ('cong doan hoi nghi nam', 'hoa binh')
    """
    if not text:
        return ""
    return unicodedata.normalize("NFC", text).translate(_FOLD)


# --- dates -----------------------------------------------------------------------------

_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")
_WORDY = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_TIME = re.compile(r"(?<!\d)(\d{1,2})\s*[:hH]\s*(\d{2})(?:\s*:\s*(\d{2}))?(?!\d)")
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?)?"
)


_PHP_T = re.compile(r"^(\d{4}-\d{2}-\d{2})([+-]\d{2})(\d{2}:\d{2}(?::\d{2})?)$")


def _offset(text: str | None) -> timezone:
    if not text:
        return VN_TZ  # a bare local time on these sites is Vietnam time
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def parse_iso_datetime(text: str | None) -> tuple[datetime, bool] | None:
    """Parse an ISO 8601 stamp (JSON-LD, meta tags) into Vietnam time.

    Returns (datetime, has_time), or None.

    >>> parse_iso_datetime("2022-07-19T09:13:00Z")[0].isoformat()
    '2022-07-19T16:13:00+07:00'
    >>> parse_iso_datetime("2021-06-29+0710:02:37")[0].isoformat()
    '2021-06-29T10:02:37+07:00'
    """
    if not text:
        return None
    # NukeViet formats with PHP's 'Y-m-dTH:i:s', where T is the zone: "2021-06-29+0710:02:37".
    text = _PHP_T.sub(r"\1T\3\2:00", text.strip())
    match = _ISO.search(text)
    if not match:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=_offset(offset),
        )
    except ValueError:
        return None
    return moment.astimezone(VN_TZ), hour is not None


def parse_vn_datetime(text: str | None) -> tuple[datetime, bool] | None:
    """Parse a date printed on a Vietnamese page: day first, local time.

    Labels and weekdays around the date are ignored. Returns (datetime, has_time), or None.

    >>> parse_vn_datetime("Trần Trọng LDO | 19/07/2022 16:13")[0].isoformat()
    '2022-07-19T16:13:00+07:00'
    >>> parse_vn_datetime("17:12, 04/12/2020")[0].isoformat()
    '2020-12-04T17:12:00+07:00'
    >>> parse_vn_datetime("Thứ năm, ngày 5 tháng 9 năm 2024")
    (datetime.datetime(2024, 9, 5, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(seconds=25200), 'Asia/Ho_Chi_Minh')), False)
    """
    if not text:
        return None
    text = clean_text(text)
    date = _DMY.search(text) or _WORDY.search(text)
    if not date:
        return None
    day, month, year = (int(part) for part in date.groups())
    # The time is the clock reading nearest the date, on either side ("17:12, 04/12/2020").
    rest = text[: date.start()] + " " * (date.end() - date.start()) + text[date.end() :]
    clock = _TIME.search(rest)
    hour = minute = 0
    if clock and 0 <= int(clock.group(1)) < 24 and 0 <= int(clock.group(2)) < 60:
        hour, minute = int(clock.group(1)), int(clock.group(2))
    try:
        moment = datetime(year, month, day, hour, minute, tzinfo=VN_TZ)
    except ValueError:
        return None
    return moment, clock is not None


def parse_datetime(text: str | None) -> tuple[datetime, bool] | None:
    """Any date a page carries: ISO stamps (JSON-LD, meta, datetime=) or printed day-first dates.

    >>> [to_iso(*parse_datetime(t)) for t in ("2019-03-01T08:00:00+07:00", "01/03/2019", " 2019-03-01 ")]
    ['2019-03-01T08:00:00+07:00', '2019-03-01', '2019-03-01']
    """
    if not text or not text.strip():
        return None
    if re.match(r"\s*\d{4}-\d{2}-\d{2}", text):
        return parse_iso_datetime(text)
    return parse_vn_datetime(text)


def to_iso(moment: datetime, has_time: bool = True) -> str:
    """ISO 8601 in Vietnam time, to the second; only the date when no time was printed,
    so that no one mistakes an invented midnight for a real time."""
    local = moment.astimezone(VN_TZ)
    return local.replace(microsecond=0).isoformat() if has_time else local.date().isoformat()
