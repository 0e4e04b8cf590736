"""Discovery rules: which site a URL belongs to, its canonical form, whether it is an
article, and which links a listing page offers. Pure: plain strings in, plain values out.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector
from w3lib.url import safe_url_string

from crawler.sites.cms import GENERIC, PROFILES, CmsProfile
from crawler.sites.css import first_text
from crawler.text import parse_datetime, to_iso

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

logger = logging.getLogger(__name__)

TRACKING_PARAMS = re.compile(r"^(utm_\w*|fbclid|gclid|zarsrc|_ga|mc_cid|mc_eid)$", re.IGNORECASE)


@dataclass(frozen=True)
class ListingLink:
    url: str  # canonical article URL
    published_at: str | None  # ISO, when the listing prints a date next to the link
    in_furniture: bool = False  # found in a header, sidebar or related box, not the listing itself


# Containers whose links are page furniture ("Tin mới nhất", "Đọc nhiều", menus), on any CMS.
FURNITURE_TAGS = frozenset({"header", "nav", "footer", "aside"})
FURNITURE_CLASSES = frozenset(
    {
        "sidebar",
        "side-bar",
        "col-side",
        "box-tin-moi",
        "tin-moi-nhat",
        "latest-news",
        "doc-nhieu",
        "most-read",
        "most-view",
        "goi-y",
        "suggestion",
        "related",
        "tin-lien-quan",
        "box-related",
        "menu",
        "main-menu",
        "breadcrumb",
        "breadcrumbs",
        "footer",
        "header",
    }
)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def profile_for_host(host: str) -> CmsProfile:
    for profile in PROFILES:
        if host == profile.host or host in profile.host_aliases:
            return profile
    return GENERIC


def profile_for_url(url: str) -> CmsProfile:
    return profile_for_host(host_of(url))


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
    return SITE_HOSTS.get(canonical_host(host_of(url)))


def canonical_url(url: str) -> str:
    """One spelling per page: https, one host, no tracking parameters, no fragment, the
    site's article form, and one encoding: the percent-encoded UTF-8 Scrapy requests, with
    upper-case escapes. Every URL the archive keeps or compares goes through it.

    >>> canonical_url("http://www.laodong.vn/cong-doan/a-1.ldo?utm_source=fb&fbclid=x#top")
    'https://laodong.vn/cong-doan/a-1.ldo'
    >>> canonical_url("https://laodong.vn/cong-doan?page=2&utm_medium=rss")
    'https://laodong.vn/cong-doan?page=2'
    >>> canonical_url("http://[::1]:8080/x")
    'http://[::1]:8080/x'
    >>> canonical_url("https://baodaklak.vn/xa-hoi/202411/cong-doan-b660145")
    'https://baodaklak.vn/xa-hoi/202411/cong-doan-b660145/'
    >>> canonical_url("https://www.baohatinh.vn/cong-doan-hop-post7.amp?comment=1#binh-luan")
    'https://baohatinh.vn/cong-doan-hop-post7.html'
    >>> canonical_url("https://baohatinh.vn/tin-tức/công đoàn-post1.html")
    'https://baohatinh.vn/tin-t%E1%BB%A9c/c%C3%B4ng%20%C4%91o%C3%A0n-post1.html'
    >>> canonical_url("https://baohatinh.vn/tin-t%e1%bb%a9c/c%C3%B4ng%20%C4%91o%C3%A0n-post1.html")
    'https://baohatinh.vn/tin-t%E1%BB%A9c/c%C3%B4ng%20%C4%91o%C3%A0n-post1.html'
    """
    parts = urlsplit(url.strip())
    host = canonical_host((parts.hostname or "").lower().rstrip("."))
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    known = host in SITE_HOSTS
    scheme = "https" if known else (parts.scheme.lower() or "https")
    netloc = host if known or parts.port in (None, 80, 443) else f"{host}:{parts.port}"
    profile = profile_for_host(host) if known else None
    path = _article_form(parts.path or "/", profile) if profile else parts.path or "/"
    # On an article URL only the parameters the profile names make another page.
    only = profile.article_query if profile and re.search(profile.article_pattern, path) else None
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not TRACKING_PARAMS.match(k) and (only is None or k in only)
        ]
    )
    return _ESCAPE.sub(
        lambda escape: escape.group().upper(), safe_url_string(urlunsplit((scheme, netloc, path, query, "")))
    )


_ESCAPE = re.compile(r"%[0-9a-f]{2}", re.IGNORECASE)


def _article_form(path: str, profile: CmsProfile) -> str:
    """The path in the form the site's article URLs take: its ending (CmsProfile.article_endings)
    and trailing slash (CmsProfile.article_slash)."""
    for ending, kept in profile.article_endings:
        if path.endswith(ending) and re.search(profile.article_pattern, path.removesuffix(ending) + kept):
            path = path.removesuffix(ending) + kept
    if profile.article_slash is None or not re.search(profile.article_pattern, path):
        return path
    return path.rstrip("/") + "/" if profile.article_slash else path.rstrip("/")


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


def declared_canonical(href: str, page_url: str) -> tuple[str | None, str]:
    """The URL a page's `<link rel="canonical">` names, when it may decide where the page is
    stored: an article URL of the page's own site, for the same article id where the site's
    URLs carry one (another section or slug of the story). Otherwise None, and why it is
    ignored: a canonical pointing off-site, at a listing or the home page, or at another
    article is a template's mistake or a server's, and must never merge two stories.

    >>> declared_canonical("/cong-doan/b-1.ldo", "https://laodong.vn/ldld-hoa-binh/a-1.ldo")
    ('https://laodong.vn/cong-doan/b-1.ldo', '')
    >>> declared_canonical("https://laodong.vn/cong-doan", "https://laodong.vn/cong-doan/a-1.ldo")[1]
    'it is not an article URL of laodong'
    >>> declared_canonical("https://baohatinh.vn/a-post1.html", "https://laodong.vn/cong-doan/a-1.ldo")[1]
    'it is on baohatinh.vn, not on laodong'
    >>> declared_canonical("/cong-doan/a-2.ldo", "https://laodong.vn/cong-doan/a-1.ldo")[1]
    'it names article 2, the page was asked for as article 1'
    """
    site = site_for_url(page_url)
    candidate = canonical_url(urljoin(page_url, href.strip()))
    if site is None:
        return None, "the page is on none of the archive's sites"
    if site_for_url(candidate) != site:
        return None, f"it is on {host_of(candidate) or '?'}, not on {site}"
    if not is_article_url(candidate):
        return None, f"it is not an article URL of {site}"
    profile = profile_for_url(candidate)
    named, asked = profile.article_id(urlsplit(candidate).path), profile.article_id(urlsplit(page_url).path)
    if named and asked and named != asked:
        return None, f"it names article {named}, the page was asked for as article {asked}"
    return candidate, ""


def _in_furniture(anchor: Any) -> bool:
    for ancestor in anchor.iterancestors():
        if ancestor.tag in FURNITURE_TAGS or FURNITURE_CLASSES & set((ancestor.get("class") or "").split()):
            return True
    return False


def base_url(selector: Selector, page_url: str) -> str:
    """What relative links resolve against: <base href> when it stays on the same site (the
    older Báo Đắk Lắk layout relies on it), the page itself when it points elsewhere."""
    base = (selector.xpath("string(//base/@href)").get() or "").strip()
    if base:
        absolute = urljoin(page_url, base)
        if canonical_host(host_of(absolute)) == canonical_host(host_of(page_url)):
            return absolute
    return page_url


def page_anchors(selector: Selector, page_url: str) -> Iterator[tuple[str, Any]]:
    """(absolute canonical URL, anchor element) for every followable link, in page order."""
    base = base_url(selector, page_url)
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
    in_stream = _stream_rule(selector, page_url, profile)
    found: dict[str, ListingLink] = {}
    for url, anchor in page_anchors(selector, page_url):
        if not is_article_url(url, profile) or not in_stream(url, anchor):
            continue
        furniture = _in_furniture(anchor)
        if url not in found or (found[url].in_furniture and not furniture):
            found[url] = ListingLink(url, dates.get(url), furniture)
    return list(found.values())


def _stream_rule(selector: Selector, page_url: str, profile: CmsProfile) -> Callable[[str, Any], bool]:
    """Whether a link belongs to the listing's own stream, not to another module's block
    (videos, documents, photo galleries) or a side box: inside the stream's container, as
    the profile names it (CmsProfile.listing_stream)."""
    if profile.listing_stream:
        containers = {element.root for query in profile.listing_stream for element in selector.css(query)}
        if containers:
            return lambda url, anchor: any(element in containers for element in anchor.iterancestors())
        if is_section_listing(page_url, profile):
            logger.warning(
                "%s: no listing stream (%s) on the page: its links are read from the whole page; "
                "has the site's markup changed?",
                page_url,
                ", ".join(profile.listing_stream),
            )
    return lambda url, anchor: True


def is_section_listing(url: str, profile: CmsProfile) -> bool:
    """A section's listing page (or a later page of it), as the profile's listing_pattern
    says; without one, any page but the home page."""
    path = re.sub(r"/page-\d+/?$", "/", urlsplit(url).path)
    if profile.listing_pattern is None:
        return path != "/"
    return re.search(profile.listing_pattern, path) is not None


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
    for url, _ in page_anchors(Selector(text=html), page_url):
        parts = urlsplit(url)
        denied = profile.deny_pattern and re.search(profile.deny_pattern, parts.path + "/")
        if (
            parts.hostname == profile.host
            and re.search(profile.listing_pattern, parts.path)
            and not denied
            and not is_article_url(url, profile)
            and url not in found
        ):
            found.append(url)
    return found


DOCUMENT = re.compile(r"\.(pdf|docx?|xlsx?|pptx?|odt|ods|rtf|zip|rar)$", re.IGNORECASE)
DOCUMENT_TYPES = re.compile(r"application/(pdf|msword|vnd\.|zip|x-rar|rtf|octet-stream)", re.IGNORECASE)


def is_document(url: str, content_type: str | None = None) -> bool:
    """A file to keep as an attachment, by its URL or its Content-Type.

    >>> is_document("https://ldld.caobang.gov.vn/uploads/kh-2024.PDF"), is_document("https://x.vn/a.html", "application/pdf")
    (True, True)
    >>> is_document("https://laodong.vn/cong-doan/a-1.ldo", "text/html; charset=utf-8")
    False
    """
    return bool(DOCUMENT.search(urlsplit(url).path) or (content_type and DOCUMENT_TYPES.match(content_type.strip())))


def document_links(html: str, url: str) -> list[tuple[str, str]]:
    """(absolute URL, link text) of the documents a page links to, in page order, once each.

    >>> document_links('<p><a href="/files/ke-hoach.pdf">Kế hoạch</a> <a href="x.html">x</a></p>', "https://a.vn/b/c.html")
    [('https://a.vn/files/ke-hoach.pdf', 'Kế hoạch')]
    """
    found: dict[str, str] = {}
    for anchor in Selector(text=html).css("a[href]"):
        href = urljoin(url, anchor.attrib["href"].strip())
        if href.startswith(("http://", "https://")) and is_document(href):
            found.setdefault(href, " ".join(" ".join(anchor.css("::text").getall()).split()))
    return list(found.items())
