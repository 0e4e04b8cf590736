"""Discovery rules: which site a URL belongs to, its canonical form, whether it is an
article, and which links a listing page offers. Pure: plain strings in, plain values out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector

from crawler.cms import GENERIC, PROFILES, CmsProfile
from crawler.css import first_text
from crawler.text import clean_text, parse_datetime, to_iso

# The five sites, by canonical host. Sites without a profile yet take the generic path.
SITE_HOSTS: dict[str, str] = {
    "baohatinh.vn": "baohatinh",
    "ldld.caobang.gov.vn": "caobang",
    "baodaklak.vn": "daklak",
    "baohoabinh.com.vn": "hoabinh",
    "laodong.vn": "laodong",
    # Báo Hòa Bình was folded into Báo Phú Thọ when the provinces merged (July 2025):
    # what the hoabinh spider finds there is still Hòa Bình's archive.
    "baophutho.vn": "hoabinh",
}

TRACKING_PARAMS = re.compile(r"^(utm_\w*|fbclid|gclid|zarsrc|_ga|mc_cid|mc_eid)$", re.IGNORECASE)


@dataclass(frozen=True)
class ListingLink:
    url: str  # canonical article URL
    published_at: str | None  # ISO, when the listing prints a date next to the link
    in_furniture: bool = False  # found in a header, sidebar or related box, not the listing itself


# Containers whose links are page furniture ("Tin mới nhất", "Đọc nhiều", menus), on any CMS.
FURNITURE_TAGS = frozenset({"header", "nav", "footer", "aside"})
FURNITURE_CLASSES = frozenset({
    "sidebar", "side-bar", "col-side", "box-tin-moi", "tin-moi-nhat", "latest-news", "doc-nhieu",
    "most-read", "most-view", "goi-y", "suggestion", "related", "tin-lien-quan", "box-related",
    "menu", "main-menu", "breadcrumb", "breadcrumbs", "footer", "header",
})


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def profile_for_host(host: str) -> CmsProfile:
    for profile in PROFILES:
        if host == profile.host or host in profile.host_aliases:
            return profile
    return GENERIC


def profile_for_url(url: str) -> CmsProfile:
    return profile_for_host(_host(url))


def canonical_host(host: str) -> str:
    profile = profile_for_host(host)
    if profile is not GENERIC:
        return profile.host
    return host[4:] if host.startswith("www.") and host[4:] in SITE_HOSTS else host


def site_for_url(url: str) -> str | None:
    """The spider name that owns this URL, or None for pages outside the five sites.

    >>> site_for_url("https://www.laodong.vn/cong-doan/x-1.ldo"), site_for_url("https://news.laodong.vn/x-1.ldo")
    ('laodong', None)
    """
    return SITE_HOSTS.get(canonical_host(_host(url)))


def canonical_url(url: str) -> str:
    """One spelling per page: https, one host, no tracking parameters, no fragment.

    >>> canonical_url("http://www.laodong.vn/cong-doan/a-1.ldo?utm_source=fb&fbclid=x#top")
    'https://laodong.vn/cong-doan/a-1.ldo'
    >>> canonical_url("https://laodong.vn/cong-doan?page=2&utm_medium=rss")
    'https://laodong.vn/cong-doan?page=2'
    """
    parts = urlsplit(url.strip())
    host = canonical_host((parts.hostname or "").lower().rstrip("."))
    known = host in SITE_HOSTS
    scheme = "https" if known else (parts.scheme.lower() or "https")
    netloc = host if known or parts.port in (None, 80, 443) else f"{host}:{parts.port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)]
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def is_article_url(url: str, profile: CmsProfile | None = None) -> bool:
    """True for an article page of a site we have a profile for (or of `profile`'s site).

    >>> is_article_url("https://laodong.vn/cong-doan/cong-doan-hoa-binh-1071093.ldo")
    True
    >>> is_article_url("https://news.laodong.vn/trade-union/x-1071093.ldo"), is_article_url("https://laodong.vn/tags/x-1.ldo")
    (False, False)
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if profile is None:
        profile = profile_for_host(host)
    elif host not in (profile.host, *profile.host_aliases):
        return False
    if profile is GENERIC or (profile.deny_pattern and re.search(profile.deny_pattern, parts.path)):
        return False
    return re.search(profile.article_pattern, parts.path) is not None


def _in_furniture(anchor: Any) -> bool:
    for ancestor in anchor.iterancestors():
        if ancestor.tag in FURNITURE_TAGS or FURNITURE_CLASSES & set((ancestor.get("class") or "").split()):
            return True
    return False


def _base_url(selector: Selector, page_url: str) -> str:
    """What relative links resolve against: <base href> when it stays on the same site (the
    older Báo Đắk Lắk layout relies on it), the page itself when it points elsewhere."""
    base = (selector.xpath("string(//base/@href)").get() or "").strip()
    if base:
        absolute = urljoin(page_url, base)
        if canonical_host(_host(absolute)) == canonical_host(_host(page_url)):
            return absolute
    return page_url


def _anchors(selector: Selector, page_url: str) -> Iterator[tuple[str, Any]]:
    """(absolute canonical URL, anchor element) for every followable link, in page order."""
    base = _base_url(selector, page_url)
    for anchor in selector.root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if href and not href.startswith(("javascript:", "mailto:", "tel:", "#")):
            yield canonical_url(urljoin(base, href)), anchor


def listing_links(html: str, page_url: str, profile: CmsProfile | None = None) -> list[ListingLink]:
    """Article links on a listing page, in page order, canonical and deduplicated.

    Dates come from the listing item around a link.
    """
    profile = profile or profile_for_url(page_url)
    selector = Selector(text=html)
    dates: dict[str, str] = {}
    for item in (item for query in profile.listing_item for item in selector.css(query)):
        href, date_text = first_text(item, profile.listing_link), first_text(item, profile.listing_date)
        parsed = parse_datetime(date_text)
        if href and parsed:
            dates.setdefault(canonical_url(urljoin(page_url, href)), to_iso(*parsed))
    found: dict[str, ListingLink] = {}
    for url, anchor in _anchors(selector, page_url):
        if not is_article_url(url, profile):
            continue
        furniture = _in_furniture(anchor)
        if url not in found or (found[url].in_furniture and not furniture):
            found[url] = ListingLink(url, dates.get(url), furniture)
    return list(found.values())


def follows(link: ListingLink, follow_pattern: str, strict: bool = False) -> bool:
    """The spiders' rule for a link on a listing page.

    Links in the listing itself are followed, furniture links only when their path
    matches `follow_pattern`. A strict spider (a union section of a mixed site) follows
    only `follow_pattern`, and section-less paths that the listing itself offers.

    >>> follows(ListingLink("https://laodong.vn/xa-hoi/a-1.ldo", None), r"^/cong-doan/", strict=True)
    False
    >>> follows(ListingLink("https://baohatinh.vn/a-post1.html", None), r"$^")
    True
    >>> follows(ListingLink("https://baohatinh.vn/a-post1.html", None, in_furniture=True), r"$^")
    False
    """
    path = urlsplit(link.url).path
    if re.search(follow_pattern, path):
        return True
    if strict:
        return path.count("/") == 1 and not link.in_furniture
    return not link.in_furniture


def category_links(html: str, page_url: str, profile: CmsProfile | None = None) -> list[str]:
    """Section listings linked from an entry page, for CMSes whose sections must be found
    (NukeViet portals name their categories freely)."""
    profile = profile or profile_for_url(page_url)
    if not profile.listing_pattern:
        return []
    found = []
    for url, _ in _anchors(Selector(text=html), page_url):
        parts = urlsplit(url)
        denied = profile.deny_pattern and re.search(profile.deny_pattern, parts.path + "/")
        if (parts.hostname == profile.host and re.search(profile.listing_pattern, parts.path)
                and not denied and not is_article_url(url, profile) and url not in found):
            found.append(url)
    return found


# The page's own "next" link, for CMSes whose pagination scheme is not known in advance.
NEXT_LINK_QUERIES = (
    "link[rel=next]", "a[rel=next]", "li.next a", ".pagination a.next", "a.next", "a.next-page",
    "a[class*='next']", "[class*='next'] > a", ".pagination li.active + li a",
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
    current = selector.css(", ".join(f"{block} .active, {block} .current, {block} [aria-current]"
                                      for block in PAGINATION.split(", ")))
    number = _anchor_text(current[0]) if current else ""
    if number.isdigit():  # <span class="current">3</span> … <a>4</a>
        yield from (a.attrib.get("href", "") for a in anchors if _anchor_text(a) == str(int(number) + 1))


def _own_next_link(html: str, url: str) -> str | None:
    selector = Selector(text=html)
    for href in _next_link_candidates(selector):
        href = (href or "").strip()
        if not href or href.startswith(("javascript:", "#")):
            continue
        next_url = canonical_url(urljoin(_base_url(selector, url), href))
        if next_url != canonical_url(url):
            return next_url
    return None


def _offered(html: str, url: str, next_url: str) -> bool:
    """Whether a computed next page is worth asking for: the page links to it, or has no
    pagination at all (infinite scroll; the no-new-article rule will end it)."""
    selector = Selector(text=html)
    linked = {link for link, _ in _anchors(selector, url)}
    if next_url in linked:
        return True
    return not selector.css(PAGINATION.replace("nav", "nav.pagination")) and not any(
        _PAGED.search(link) for link in linked if _host(link) == _host(url))


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
    return computed if html is None or _offered(html, url, canonical_url(computed)) else None
