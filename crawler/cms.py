"""One profile per CMS family: URL rules, listing shape and extraction hints, as data.

Pure. Selectors are CSS, tried in order; the first that yields something wins, and the
extractor falls back to JSON-LD, OpenGraph and trafilatura (loudly) when none does.
Several selectors per field are deliberate: markup facts in shared/sites.md are
partly inferred, and the live sites change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CmsProfile:
    name: str
    host: str  # the single canonical host
    host_aliases: tuple[str, ...] = ()  # hosts that serve the same pages (folded onto `host`)
    article_pattern: str = r"$^"  # regex on the URL path
    deny_pattern: str | None = None  # paths that match article_pattern but are not articles (tags, authors)
    page_param: str | None = None  # listing pagination as ?<page_param>=N
    listing_item: tuple[str, ...] = ()  # CSS for one item in a listing
    listing_link: tuple[str, ...] = ("a::attr(href)",)
    listing_date: tuple[str, ...] = ()
    article_container: tuple[str, ...] = ()  # the article's own element: every field selector looks inside it
    title: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    published: tuple[str, ...] = ()
    section: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    furniture: tuple[str, ...] = ()  # boxes inside the article that are never its content (related, ads)
    prune: tuple[str, ...] = ()  # elements kept out of the body text: title, lead, byline, photos

    @property
    def body_prune(self) -> tuple[str, ...]:
        return self.furniture + self.prune
    author_noise: str | None = None  # regex removed from author strings
    lead_prefix: str | None = None  # regex removed from the start of the lead
    article_id_attr: str | None = None  # attribute on the body wrapper that must equal the URL id
    language: str | None = "vi"

    def article_id(self, path: str) -> str | None:
        match = re.search(self.article_pattern, path)
        return match.group(1) if match and match.groups() else None


# Photos and captions: kept out of the body text, collected as images.
MEDIA_SELECTORS: tuple[str, ...] = ("figure", "figcaption", "table.picture", "[class*='caption']", "[class*='Caption']")

# Furniture common to Vietnamese news CMSes: removed before any field is read.
COMMON_FURNITURE: tuple[str, ...] = (
    "script", "style", "noscript", "iframe", "form", "button", "nav", "aside",
    ".ads", ".advertisement", ".banner", ".social", ".share", ".sharing",
    ".comment", ".comments", "[class*='related']", ".relate", "[class*='lien-quan']",
)

LAODONG = CmsProfile(
    name="laodong",
    host="laodong.vn",
    # www. is the same site; media. appears when a <base href> leaks onto links (2021 homepage).
    host_aliases=("www.laodong.vn", "m.laodong.vn", "media.laodong.vn"),
    article_pattern=r"-(\d+)\.(?:ldo|bld)$",
    deny_pattern=r"^/(tags?|tac-gia|tim-kiem|search)/",
    page_param="page",
    listing_item=("article", ".list-main-content .item", "li.item"),
    listing_link=(
        "a.link-title::attr(href)", "h2 a::attr(href)", "h3 a::attr(href)",
        "h4 a::attr(href)", "h6 a::attr(href)", "header a::attr(href)", "a::attr(href)",
    ),
    listing_date=("time::attr(datetime)", ".time", "time", ".date"),
    # The wrapper carries articleid= (checked against the URL); the older layout put it on
    # an ng-controller div.
    article_container=(
        "[itemprop='articleBody'][articleid]", "[articleid]", "article.article-detail",
        "[itemprop='articleBody']", ".article-detail", ".detail-content",
    ),
    title=("h1.title", "h1"),
    lead=(".chappeau", ".sapo", "[itemprop='description']"),
    body=(".art-body", ".article-content", "[itemprop='articleBody'] .content", ".content-detail"),
    author=("span.authors", ".authors", ".author"),
    published=(
        "time.f-datetime::attr(datetime)", "time.f-datetime", ".time time::attr(datetime)",
        ".time time", ".art-authors .time", ".time",
        # A byline that carries the date, as seed 004 prints it: "Trần Trọng LDO | 19/07/2022 16:13".
        ".art-authors", ".author",
    ),
    section=(".breadcrumb a::text", ".breadcrumbs a::text"),
    tags=(".keywords a::text", ".tags a::text", ".tag a::text"),
    furniture=COMMON_FURNITURE + (
        ".tin-lien-quan", ".box-tin-moi", ".tin-moi-nhat", ".goi-y", ".suggestion", ".latest-news",
    ),
    prune=MEDIA_SELECTORS + (
        "h1", ".chappeau", ".art-authors", ".authors", ".author", ".time",
        ".breadcrumb", ".breadcrumbs", ".keywords", ".tags",
    ),
    # "Trần Trọng LDO": LDO is the paper's tag, not part of the name.
    author_noise=r"(?:\s*[|\-–]\s*)?\bLDO\b\.?|^\s*(?:Bài|Nhóm PV|Theo)\s*:\s*",
    article_id_attr="articleid",
)

# Any page no profile claims: selectors empty, so JSON-LD, OpenGraph and trafilatura decide.
GENERIC = CmsProfile(name="generic", host="", language=None)

PROFILES: tuple[CmsProfile, ...] = (LAODONG,)
