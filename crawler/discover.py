"""Discovery rules: which site a URL belongs to, its canonical form, whether it is an
article, and which links a listing page offers. Pure: plain strings in, plain values out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector

from crawler.cms import GENERIC, PROFILES, CmsProfile
from crawler.css import first_text
from crawler.text import parse_datetime, to_iso

# The five sites, by canonical host. Sites without a profile yet take the generic path.
SITE_HOSTS: dict[str, str] = {
    "baohatinh.vn": "baohatinh",
    "ldld.caobang.gov.vn": "caobang",
    "baodaklak.vn": "daklak",
    "baohoabinh.com.vn": "hoabinh",
    "laodong.vn": "laodong",
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


def is_article_url(url: str) -> bool:
    """True for an article page of a site we have a profile for.

    >>> is_article_url("https://laodong.vn/cong-doan/cong-doan-hoa-binh-1071093.ldo")
    True
    >>> is_article_url("https://news.laodong.vn/trade-union/x-1071093.ldo"), is_article_url("https://laodong.vn/tags/x-1.ldo")
    (False, False)
    """
    parts = urlsplit(url)
    profile = profile_for_host((parts.hostname or "").lower())
    if profile is GENERIC or (profile.deny_pattern and re.search(profile.deny_pattern, parts.path)):
        return False
    return re.search(profile.article_pattern, parts.path) is not None


def _in_furniture(anchor: Any) -> bool:
    for ancestor in anchor.iterancestors():
        if ancestor.tag in FURNITURE_TAGS or FURNITURE_CLASSES & set((ancestor.get("class") or "").split()):
            return True
    return False


def listing_links(html: str, page_url: str) -> list[ListingLink]:
    """Article links on a listing page, in page order, canonical and deduplicated.

    Dates come from the listing item around a link. Links resolve against the page URL,
    not a `<base href>`: Lao Động's homepage once pointed `<base>` at its media host.
    """
    profile = profile_for_url(page_url)
    selector = Selector(text=html)
    dates: dict[str, str] = {}
    for item in (item for query in profile.listing_item for item in selector.css(query)):
        href, date_text = first_text(item, profile.listing_link), first_text(item, profile.listing_date)
        parsed = parse_datetime(date_text)
        if href and parsed:
            dates.setdefault(canonical_url(urljoin(page_url, href)), to_iso(*parsed))
    found: dict[str, ListingLink] = {}
    for anchor in selector.root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = canonical_url(urljoin(page_url, href))
        if not is_article_url(url):
            continue
        furniture = _in_furniture(anchor)
        if url not in found or (found[url].in_furniture and not furniture):
            found[url] = ListingLink(url, dates.get(url), furniture)
    return list(found.values())


def next_page_url(url: str) -> str | None:
    """The next listing page by the profile's page parameter.

    >>> next_page_url("https://laodong.vn/cong-doan"), next_page_url("https://laodong.vn/cong-doan?page=2")
    ('https://laodong.vn/cong-doan?page=2', 'https://laodong.vn/cong-doan?page=3')
    """
    profile = profile_for_url(url)
    if not profile.page_param:
        return None
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    try:
        current = int(query.get(profile.page_param, "1"))
    except ValueError:
        current = 1
    query[profile.page_param] = str(current + 1)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
