"""Listing pagination: ?param=N, /page-N, or the page's own "next" link. Pure.

A computed next page is only offered when the page links to it or shows no pagination,
so the last page does not lead to a 404; the page's own link is found in the many forms
Vietnamese CMSes print it (rel=next, "Trang sau", "»", current page + 1, "Xem thêm").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector

from crawler.sites.cms import CmsProfile
from crawler.sites.discover import (
    base_url,
    canonical_url,
    host_of,
    page_anchors,
    profile_for_url,
)
from crawler.text import clean_text

# The page's own "next" link, for CMSes whose pagination scheme is not known in advance.
NEXT_LINK_QUERIES = (
    "link[rel=next]",
    "a[rel=next]",
    "li.next a",
    ".pagination a.next",
    "a.next",
    "a.next-page",
    "a[class*='next']",
    "[class*='next'] > a",
    ".pagination li.active + li a",
)
NEXT_LINK_TEXTS = frozenset({"trang sau", "sau", "tiếp", "tiếp theo", "trang tiếp", "next", "xem thêm"})
_ARROWS = "»›>→ \u00a0"
PAGINATION = "[class*='pag'], [class*='Pag'], .pages, .page-nav, nav"
_PAGED = re.compile(r"[?&](page|paged|p)=\d+|/(page|trang)-\d+|/p\d+\b", re.IGNORECASE)


def _anchor_text(anchor: Selector) -> str:
    return clean_text(" ".join(anchor.xpath("string()").get("").split())).lower()


def _next_link_candidates(selector: Selector) -> Iterator[str]:
    for query in NEXT_LINK_QUERIES:
        yield from selector.css(f"{query}::attr(href)").getall()
    anchors = selector.css(", ".join(f"{block} a" for block in PAGINATION.split(", ")))
    for anchor in anchors:  # "Trang sau", "Tiếp theo »", a bare "»"
        text = _anchor_text(anchor)
        if text.strip(_ARROWS) in NEXT_LINK_TEXTS or (text and not text.strip(_ARROWS)):
            yield anchor.attrib.get("href", "")
    for anchor in selector.css("a[href]"):  # a "Xem thêm" load-more link that carries the page
        if _anchor_text(anchor).strip(_ARROWS) in ("xem thêm", "tải thêm") and _PAGED.search(anchor.attrib["href"]):
            yield anchor.attrib["href"]
    current = selector.css(
        ", ".join(f"{block} .active, {block} .current, {block} [aria-current]" for block in PAGINATION.split(", "))
    )
    number = _anchor_text(current[0]) if current else ""
    if number.isdigit():  # <span class="current">3</span> … <a>4</a>
        yield from (a.attrib.get("href", "") for a in anchors if _anchor_text(a) == str(int(number) + 1))


def _own_next_link(html: str, url: str) -> str | None:
    selector = Selector(text=html)
    for href in _next_link_candidates(selector):
        href = (href or "").strip()
        if not href or href.startswith(("javascript:", "#")):
            continue
        next_url = canonical_url(urljoin(base_url(selector, url), href))
        if next_url != canonical_url(url):
            return next_url
    return None


def _offered(html: str, url: str, next_url: str) -> bool:
    """Whether a computed next page is worth asking for: the page links to it, or has no
    pagination at all (infinite scroll; the no-new-article rule will end it)."""
    selector = Selector(text=html)
    linked = {link for link, _ in page_anchors(selector, url)}
    if next_url in linked:
        return True
    return not selector.css(PAGINATION.replace("nav", "nav.pagination")) and not any(
        _PAGED.search(link) for link in linked if host_of(link) == host_of(url)
    )


def _current_page(value: str | None) -> int:
    try:
        return max(1, int(value or "1"))
    except ValueError:
        return 1


def next_page_url(url: str, html: str | None = None, profile: CmsProfile | None = None) -> str | None:
    """The next listing page: ?param=N, a /page-N path suffix, or the page's own next link.

    With the page's HTML, a computed next page is only offered when the page links to it
    or shows no pagination, so the last page does not lead to a 404.

    >>> next_page_url("https://laodong.vn/cong-doan"), next_page_url("https://laodong.vn/cong-doan?page=2")
    ('https://laodong.vn/cong-doan?page=2', 'https://laodong.vn/cong-doan?page=3')
    >>> next_page_url("https://ldld.caobang.gov.vn/news/hoat-dong/"), next_page_url("https://ldld.caobang.gov.vn/news/hoat-dong/page-2")
    ('https://ldld.caobang.gov.vn/news/hoat-dong/page-2', 'https://ldld.caobang.gov.vn/news/hoat-dong/page-3')
    """
    profile = profile or profile_for_url(url)
    parts = urlsplit(url)
    if profile.page_param:
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        query[profile.page_param] = str(_current_page(query.get(profile.page_param)) + 1)
        computed = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
    elif profile.page_path:
        if parts.path in ("", "/"):
            return None  # a home page has no /page-N
        match = re.search(r"/page-(\d+)/?$", parts.path)
        base = parts.path[: match.start()] if match else parts.path.rstrip("/")
        page = _current_page(match.group(1) if match else None) + 1
        computed = urlunsplit((parts.scheme, parts.netloc, f"{base}/page-{page}", parts.query, ""))
    else:
        return _own_next_link(html, url) if html else None
    if html is None or _offered(html, url, canonical_url(computed)):
        return computed
    # The page paginates some other way than the profile expects: trust its own link.
    return _own_next_link(html, url)
