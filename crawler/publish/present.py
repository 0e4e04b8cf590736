"""How the archive looks to a journalist: Vietnamese dates, search snippets, article pages,
the monthly chart. Pure: the Datasette plugin (datasette/plugins/journalist.py) calls it.

Nothing from the sources is ever trusted as markup: functions that return HTML escape
every piece of text themselves.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape, unescape
from typing import Any
from urllib.parse import urlencode, urlsplit

from crawler.extract.structure import sanitize
from crawler.publish.query import Phrase, parse
from crawler.text import VN_TZ, fold

SITE_NAMES = {
    "laodong": "Báo Lao Động",
    "baohatinh": "Báo Hà Tĩnh",
    "caobang": "LĐLĐ tỉnh Cao Bằng",
    "daklak": "Báo Đắk Lắk",
    "hoabinh": "Báo Hòa Bình",
}
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
_WORD = re.compile(r"\w+", re.UNICODE)


def vn_datetime(value: str | None) -> str:
    """A publication time as Vietnamese papers print it.

    >>> vn_datetime("2022-07-19T16:13:00+07:00")
    'Thứ Ba, 19/07/2022, 16:13 (GMT+7)'
    >>> vn_datetime("2026-11-22T02:15:00+00:00")
    'Chủ Nhật, 22/11/2026, 09:15 (GMT+7)'
    >>> vn_datetime("2022-07-19"), vn_datetime(None), vn_datetime("bad")
    ('Thứ Ba, 19/07/2022', '', 'bad')
    """
    if not value:
        return ""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return f"{WEEKDAYS[day.weekday()]}, {day:%d/%m/%Y}"
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return f"{WEEKDAYS[moment.weekday()]}, {moment:%d/%m/%Y, %H:%M}"
    moment = moment.astimezone(VN_TZ)  # crawl times are stored in UTC; readers think in +07:00
    return f"{WEEKDAYS[moment.weekday()]}, {moment:%d/%m/%Y, %H:%M} (GMT+7)"


def vn_number(n: int) -> str:
    """A count as Vietnamese prints it, thousands apart with dots.

    >>> vn_number(5000), vn_number(1234567), vn_number(12)
    ('5.000', '1.234.567', '12')
    """
    return f"{n:,}".replace(",", ".")


@functools.lru_cache(maxsize=256)
def _phrases(query: str, mode: str) -> tuple[tuple[int, Phrase], ...]:
    # A results page highlights forty texts for one query: parse it once.
    return tuple((n, phrase) for n, term in enumerate(parse(query, mode)) for phrase in term)


def _matches(tokens: list[re.Match[str]], query: str, mode: str) -> list[tuple[int, int, int]]:
    """(first, last, term) for every phrase of the query found in the tokens: the same
    words the search matched, accents compared where the search compared them."""
    spans = []
    phrases = _phrases(query, mode)
    lowered = [token.group().lower() for token in tokens]
    folded = [fold(word) for word in lowered]
    for i in range(len(tokens)):
        for n, (words, accented, prefix) in phrases:
            seen = tuple((lowered if accented else folded)[i : i + len(words)])
            if seen == words or (prefix and len(seen) == len(words) and _begins(seen, words)):
                spans.append((i, i + len(words) - 1, n))
                break
    return spans


def _begins(seen: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """Whether `seen` is the phrase `words` whose last word is a prefix (đoàn*)."""
    return seen[:-1] == words[:-1] and seen[-1].startswith(words[-1])


def _best_start(spans: list[tuple[int, int, int]], words: int) -> int:
    """The match to centre a snippet on: the one whose window holds the most different terms."""
    best, start = -1, 0
    for first, _, _ in spans:
        terms_seen = len({n for f, _, n in spans if first <= f < first + words * 3 // 4})
        if terms_seen > best:
            best, start = terms_seen, first
    return start


def snippet(text: str | None, query: str, mode: str = "auto", words: int = 36) -> str:
    """About `words` words of `text` around the first match (the start when none), as plain
    text: highlighting is added when the page is drawn, so CSV and JSON stay clean.

    >>> snippet("Tin vắn. " * 40 + "Hội nghị Công đoàn cơ sở năm 2024", "cong doan", words=6)
    '… nghị Công đoàn cơ sở năm …'
    """
    if not text:
        return ""
    tokens = list(_WORD.finditer(text))
    if not tokens:
        return text[:200]
    spans = _matches(tokens, query, mode)
    first = max(_best_start(spans, words) - words // 4, 0)
    last = min(first + words, len(tokens)) - 1
    start, end = tokens[first].start(), tokens[last].end()
    return ("… " if start > 0 else "") + " ".join(text[start:end].split()) + (" …" if end < len(text) else "")


def highlight_html(text: str | None, query: str, mode: str = "auto") -> str:
    """`text` escaped, with what the search matched in <mark>.

    >>> highlight_html("LĐLĐ tỉnh và Liên đoàn Lao động <b>", "ldld")
    '<mark>LĐLĐ</mark> tỉnh và <mark>Liên đoàn Lao động</mark> &lt;b&gt;'
    >>> highlight_html("năm Nam", "năm")
    '<mark>năm</mark> Nam'
    >>> highlight_html("Mái ấm công đoàn, mái nhà và công đoàn viên", '"mai am cong doan" OR doan*')
    '<mark>Mái ấm công đoàn</mark>, mái nhà và công <mark>đoàn</mark> viên'
    """
    if not text:
        return ""
    tokens = list(_WORD.finditer(text))
    out, cursor = [], 0
    for first, last, _ in _matches(tokens, query, mode):
        start, end = tokens[first].start(), tokens[last].end()
        if start < cursor:
            continue
        out += [escape(text[cursor:start]), "<mark>", escape(text[start:end]), "</mark>"]
        cursor = end
    out.append(escape(text[cursor:]))
    return "".join(out)


def safe_url(url: str | None) -> str | None:
    """Only http(s) links from the sources are ever rendered: no javascript: or data: URLs.

    >>> safe_url("javascript:alert(1)"), safe_url("https://laodong.vn/a.jpg")
    (None, 'https://laodong.vn/a.jpg')
    """
    if not url:
        return None
    return url if urlsplit(url.strip()).scheme in ("http", "https") else None


@dataclass
class ArticleView:
    """An articles row, made ready to read."""

    url: str
    title: str
    date: str
    author: str | None
    section: str | None
    province: str | None
    site: str
    lead: str | None
    paragraphs: list[str]
    images: list[dict[str, str | None]]  # the photos body_html does not already show
    body_html: str | None  # sanitized: the template prints it as HTML
    tags: list[str]
    source: str | None
    capture_id: int | None
    duplicate_of: str | None
    archived: str  # when the archive first fetched it, for citing
    versions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def site_name(self) -> str:
        return SITE_NAMES.get(self.site, self.site)


def _json_list(value: str | None) -> list:
    try:
        loaded = json.loads(value or "[]")
    except ValueError:
        return []
    return loaded if isinstance(loaded, list) else []


_FIGURE_SOURCE = re.compile(r'<img src="([^"]*)"')


def article_view(
    row: dict[str, Any], versions: list[dict[str, Any]], archived_photos: dict[str, str] | None = None
) -> ArticleView:
    """`archived_photos`: source URL -> where the archive serves its copy (/-/media/<sha256>),
    for the photos it kept; the others still load from the source."""
    kept = archived_photos or {}
    # The body as printed, sanitized again as it is shown: the file served may not be the one
    # this code wrote, and the allow-list is all that stands between it and a browser.
    printed = sanitize(row["body_html"]) if row.get("body_html") else None
    shown = {unescape(src) for src in _FIGURE_SOURCE.findall(printed)} if printed else set()
    if printed and kept:
        printed = _FIGURE_SOURCE.sub(
            lambda m: f'<img src="{escape(kept[unescape(m[1])])}"' if unescape(m[1]) in kept else m[0], printed
        )
    images = [
        {
            "url": kept.get(image["url"]) or safe_url(image["url"]),
            "source": safe_url(image["url"]),
            "caption": image.get("caption"),
        }
        for image in _json_list(row.get("images"))
        if isinstance(image, dict) and safe_url(image.get("url")) and image.get("url") not in shown
    ]
    return ArticleView(
        url=safe_url(row["url"]) or "",
        title=row.get("title") or "",
        date=vn_datetime(row.get("published_at")),
        author=row.get("author"),
        section=row.get("section"),
        province=row.get("province"),
        site=row.get("site") or "",
        lead=row.get("lead"),
        paragraphs=[p for p in (row.get("body") or "").split("\n\n") if p.strip()],
        images=images,
        body_html=printed,
        tags=[str(t) for t in _json_list(row.get("tags"))],
        source=row.get("source"),
        capture_id=row.get("capture_id"),
        duplicate_of=row.get("duplicate_of"),
        archived=vn_datetime(row.get("first_seen_at")),
        versions=versions,
    )


SITE_COLOURS = {
    "baohatinh": "#1f77b4",
    "caobang": "#ff7f0e",
    "daklak": "#2ca02c",
    "hoabinh": "#d62728",
    "laodong": "#9467bd",
}


def month_range(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` (YYYY-MM), so a quiet month shows as a gap.

    >>> month_range("2024-11", "2025-02")
    ['2024-11', '2024-12', '2025-01', '2025-02']
    """
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def monthly_chart_svg(counts: list[tuple[str, str, int]], link: str = "", width: int = 900, height: int = 260) -> str:
    """Stacked bars of articles per month (x) and site (colour), as an inline SVG with a
    legend; `counts` is (YYYY-MM, site, n) rows. With `link` (the articles table's URL),
    each bar opens that site's articles of that month.

    >>> svg = monthly_chart_svg([("2024-01", "laodong", 3), ("2024-03", "caobang", 1)], "/archive/articles")
    >>> "<svg" in svg and "2024-02" in svg and "published_month=2024-01" in svg
    True
    """
    counts = [(month, site or "khác", n) for month, site, n in counts]  # pages from no known site
    present = sorted({month for month, _, _ in counts if month})
    months = month_range(present[0], present[-1]) if present else []
    sites = sorted({site for _, site, _ in counts})
    if not months:
        return '<p class="chart-empty">Chưa có bài nào · No articles yet</p>'
    totals = dict.fromkeys(months, 0)
    for month, _, n in counts:
        if month:
            totals[month] += n
    top = max(totals.values()) or 1
    plot_h, left, bottom = height - 60, 40, height - 40
    step = (width - left - 10) / len(months)
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
            f'class="monthly-chart" aria-label="Số bài theo tháng và trang · Articles per month per site">'
        ),
        f'<text x="{left}" y="14" font-size="12">tối đa {top} bài/tháng</text>',
    ]
    stacked = dict.fromkeys(months, 0)
    for month, site, n in sorted(counts, key=lambda row: (row[0] or "", row[1])):
        if not month or n <= 0:
            continue
        x = left + months.index(month) * step
        bar = n / top * plot_h
        y = bottom - stacked[month] / top * plot_h - bar
        stacked[month] += n
        colour = SITE_COLOURS.get(site, "#7f7f7f")
        rect = (
            f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" height="{bar:.1f}" '
            f'fill="{colour}"><title>{escape(month)} · {escape(SITE_NAMES.get(site, site))}: {n}</title></rect>'
        )
        if link:
            href = escape(f"{link}?{urlencode({'site': site, 'published_month': month})}")
            rect = f'<a href="{href}">{rect}</a>'
        parts.append(rect)
    label_every = max(len(months) // 12, 1)
    for i, month in enumerate(months):
        if i % label_every == 0:
            parts.append(
                f'<text x="{left + i * step + step / 2:.1f}" y="{bottom + 14}" font-size="10" '
                f'text-anchor="middle">{escape(month)}</text>'
            )
    for i, site in enumerate(sites):
        parts.append(
            f'<rect x="{left + i * 150}" y="{height - 16}" width="10" height="10" '
            f'fill="{SITE_COLOURS.get(site, "#7f7f7f")}"/>'
            f'<text x="{left + i * 150 + 14}" y="{height - 7}" font-size="11">'
            f"{escape(SITE_NAMES.get(site, site))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
