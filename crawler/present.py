"""How the archive looks to a journalist: Vietnamese dates, search snippets, article pages,
the monthly chart. Pure: the Datasette plugin (datasette/plugins/journalist.py) calls it.

Nothing from the sources is ever trusted as markup. Functions that return HTML escape
every piece of text themselves; snippets mark their highlights with two private-use
characters that only the cell renderer turns into <mark>, after escaping the rest.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape
from typing import Any
from urllib.parse import urlsplit

from crawler.query import terms
from crawler.text import fold

MARK_START, MARK_END = "\ue000", "\ue001"
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
_WORD = re.compile(r"\w+", re.UNICODE)


def vn_datetime(value: str | None) -> str:
    """A publication time as Vietnamese papers print it.

    >>> vn_datetime("2022-07-19T16:13:00+07:00")
    'Thứ Ba, 19/07/2022, 16:13 (GMT+7)'
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
    offset = moment.utcoffset()
    zone = f" (GMT+{int(offset.total_seconds() // 3600)})" if offset is not None else ""
    return f"{WEEKDAYS[moment.weekday()]}, {moment:%d/%m/%Y, %H:%M}{zone}"


def highlight_words(query: str) -> set[str]:
    """The folded words a search for `query` highlights, glossary expansions included."""
    return {fold(word) for term in terms(query) for word in _WORD.findall(term)}


def snippet(text: str | None, query: str, words: int = 36) -> str:
    """About `words` words of `text` around the first match, matches between MARK_START
    and MARK_END; the start of the text when nothing matches.

    >>> snippet("Hội nghị Công đoàn cơ sở năm 2024", "cong doan").replace(MARK_START, "[").replace(MARK_END, "]")
    'Hội nghị [Công] [đoàn] cơ sở năm 2024'
    """
    if not text:
        return ""
    wanted = highlight_words(query)
    tokens = list(_WORD.finditer(text))
    hits = [i for i, token in enumerate(tokens) if fold(token.group()) in wanted]
    first = max((hits[0] if hits else 0) - words // 4, 0)
    last = min(first + words, len(tokens)) - 1
    if not tokens:
        return text[:200]
    start, end = tokens[first].start(), tokens[last].end()
    pieces, cursor = [], start
    for i in range(first, last + 1):
        token = tokens[i]
        if fold(token.group()) in wanted:
            pieces += [text[cursor:token.start()], MARK_START, token.group(), MARK_END]
            cursor = token.end()
    pieces.append(text[cursor:end])
    body = " ".join("".join(pieces).split())
    return ("… " if start > 0 else "") + body + (" …" if end < len(text) else "")


def marked_html(value: str) -> str:
    """Escape a snippet and turn its markers into <mark> elements."""
    return escape(value).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


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
    images: list[dict[str, str | None]]
    tags: list[str]
    source: str | None
    capture_id: int | None
    duplicate_of: str | None
    versions: list[dict[str, Any]] = field(default_factory=list)


def _json_list(value: str | None) -> list:
    try:
        loaded = json.loads(value or "[]")
    except ValueError:
        return []
    return loaded if isinstance(loaded, list) else []


def article_view(row: dict[str, Any], versions: list[dict[str, Any]]) -> ArticleView:
    images = []
    for image in _json_list(row.get("images")):
        if isinstance(image, dict) and safe_url(image.get("url")):
            images.append({"url": safe_url(image.get("url")), "caption": image.get("caption")})
    return ArticleView(
        url=safe_url(row["url"]) or "", title=row.get("title") or "", date=vn_datetime(row.get("published_at")),
        author=row.get("author"), section=row.get("section"), province=row.get("province"), site=row.get("site") or "",
        lead=row.get("lead"), paragraphs=[p for p in (row.get("body") or "").split("\n\n") if p.strip()],
        images=images, tags=[str(t) for t in _json_list(row.get("tags"))], source=row.get("source"),
        capture_id=row.get("capture_id"), duplicate_of=row.get("duplicate_of"), versions=versions,
    )


SITE_COLOURS = {"baohatinh": "#1f77b4", "caobang": "#ff7f0e", "daklak": "#2ca02c", "hoabinh": "#d62728",
                "laodong": "#9467bd"}


def monthly_chart_svg(counts: list[tuple[str, str, int]], width: int = 900, height: int = 260) -> str:
    """Stacked bars of articles per month (x) and site (colour), as an inline SVG with a
    legend; `counts` is (YYYY-MM, site, n) rows.

    >>> "<svg" in monthly_chart_svg([("2024-01", "laodong", 3), ("2024-02", "caobang", 1)])
    True
    """
    counts = [(month, site or "khác", n) for month, site, n in counts]  # pages from no known site
    months = sorted({month for month, _, _ in counts if month})
    sites = sorted({site for _, site, _ in counts})
    if not months:
        return '<p class="chart-empty">Chưa có bài nào · No articles yet</p>'
    totals = {month: 0 for month in months}
    for month, _, n in counts:
        if month:
            totals[month] += n
    top = max(totals.values()) or 1
    plot_h, left, bottom = height - 60, 40, height - 40
    step = (width - left - 10) / len(months)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
             f'class="monthly-chart" aria-label="Số bài theo tháng và trang · Articles per month per site">',
             f'<text x="{left}" y="14" font-size="12">tối đa {top} bài/tháng</text>']
    stacked = {month: 0 for month in months}
    for month, site, n in sorted(counts, key=lambda row: (row[0] or "", row[1])):
        if not month or n <= 0:
            continue
        x = left + months.index(month) * step
        bar = n / top * plot_h
        y = bottom - stacked[month] / top * plot_h - bar
        stacked[month] += n
        colour = SITE_COLOURS.get(site, "#7f7f7f")
        parts.append(f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" height="{bar:.1f}" '
                     f'fill="{colour}"><title>{escape(month)} · {escape(site)}: {n}</title></rect>')
    label_every = max(len(months) // 12, 1)
    for i, month in enumerate(months):
        if i % label_every == 0:
            parts.append(f'<text x="{left + i * step + step / 2:.1f}" y="{bottom + 14}" font-size="10" '
                         f'text-anchor="middle">{escape(month)}</text>')
    for i, site in enumerate(sites):
        parts.append(f'<rect x="{left + i * 110}" y="{height - 16}" width="10" height="10" '
                     f'fill="{SITE_COLOURS.get(site, "#7f7f7f")}"/>'
                     f'<text x="{left + i * 110 + 14}" y="{height - 7}" font-size="11">{escape(site)}</text>')
    parts.append("</svg>")
    return "".join(parts)
