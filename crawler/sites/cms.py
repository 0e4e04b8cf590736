"""One profile per CMS family: URL rules, listing shape and extraction hints, as data.

Pure. Selectors are CSS, tried in order; the first that yields something wins, and the
extractor falls back to JSON-LD, OpenGraph and trafilatura (loudly) when none does.
Several selectors per field are deliberate: markup facts in shared/sites.md are
partly inferred, and the live sites change.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CmsProfile:
    name: str
    host: str  # the single canonical host
    host_aliases: tuple[str, ...] = ()  # hosts that serve the same pages (folded onto `host`)
    # Where the site keeps its photos besides its own hosts (image CDNs, sites.md "Images"):
    # archived photos are fetched from these and nowhere else.
    media_hosts: tuple[str, ...] = ()
    article_pattern: str = r"$^"  # regex on the URL path
    deny_pattern: str | None = None  # paths that match article_pattern but are not articles (tags, authors)
    # The article URL's form where the site answers both: ending in "/" (True), never (False),
    # or as linked (None). One article must be one row (sites.md: baodaklak answers both).
    article_slash: bool | None = None
    # Other endings of the same article's path, each with the one the archive keeps
    # (baohatinh answers every article as an AMP twin "-post<ID>.amp" too).
    article_endings: tuple[tuple[str, str], ...] = ()
    # Query parameters that make another article: any other one on an article URL is the
    # same page (a share link, a comment anchor, an AMP flag) and goes.
    article_query: tuple[str, ...] = ()
    page_param: str | None = None  # listing pagination as ?<page_param>=N
    page_path: bool = False  # listing pagination as <listing>/page-N (NukeViet); else the page's next link
    listing_pattern: str | None = None  # section listings to discover from entry pages (regex on the path)
    listing_item: tuple[str, ...] = ()  # CSS for one item in a listing
    # A section listing's own stream, as opposed to other modules' blocks and side boxes:
    # the elements holding its items (CSS; none found: the whole page, with a warning).
    listing_stream: tuple[str, ...] = ()
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
    body_by_density: bool = False  # class names unknown: the body is the element with the most <p>
    byline_last_line: bool = False  # the author's name stands alone as the last body line
    topic_filter: bool = False  # a general newspaper: keep only stories that name a union term
    author_from_metadata: bool = True  # False where meta/JSON-LD "author" is the site's own name
    tags_outside_article: bool = False  # the tag box is a panel of its own after the article
    article_id_attr: str | None = None  # attribute on the body wrapper that must equal the URL id
    prints_bylines: bool = True  # most articles carry an author: the monitor expects 80 % to have one
    language: str | None = "vi"

    def article_id(self, path: str) -> str | None:
        match = re.search(self.article_pattern, path)
        return match.group(1) if match and match.groups() else None


# Photos and captions: kept out of the body text, collected as images. "chú thích" is a caption.
MEDIA_SELECTORS: tuple[str, ...] = (
    "figure",
    "figcaption",
    "table.picture",
    "[class*='caption']",
    "[class*='Caption']",
    "[class*='image_desc']",
    "[class*='image-desc']",
    "[class*='img-desc']",
    "[class*='img_desc']",
    "[class*='chu-thich']",
    "[class*='chuthich']",
    "[class*='tbl-image']",
)

# Furniture common to Vietnamese news CMSes: removed before any field is read.
COMMON_FURNITURE: tuple[str, ...] = (
    "script",
    "style",
    "noscript",
    "iframe",
    "form",
    "button",
    "nav",
    "aside",
    ".ads",
    ".advertisement",
    ".banner",
    ".social",
    ".share",
    ".sharing",
    ".comment",
    ".comments",
    "[class*='relate']",
    "[class*='lien-quan']",
    "[class*='readmore']",
    "[class*='read-more']",
    "[class*='doc-them']",
    "[class*='xem-them']",
)

LAODONG = CmsProfile(
    name="laodong",
    host="laodong.vn",
    # www. is the same site; media. appears when a <base href> leaks onto links (2021 homepage).
    host_aliases=("www.laodong.vn", "m.laodong.vn", "media.laodong.vn"),
    media_hosts=("media-cdn-v2.laodong.vn", "media-cdn.laodong.vn"),  # 2026 and 2021
    article_pattern=r"-(\d+)\.(?:ldo|bld)$",
    deny_pattern=r"^/(tags?|tac-gia|tim-kiem|search)/",
    page_param="page",
    listing_item=("article", ".list-main-content .item", "li.item"),
    listing_link=(
        "a.link-title::attr(href)",
        "h2 a::attr(href)",
        "h3 a::attr(href)",
        "h4 a::attr(href)",
        "h6 a::attr(href)",
        "header a::attr(href)",
        "a::attr(href)",
    ),
    listing_date=("time::attr(datetime)", ".time", "time", ".date"),
    # The wrapper carries articleid= (checked against the URL); the older layout put it on
    # an ng-controller div.
    article_container=(
        "[itemprop='articleBody'][articleid]",
        "[articleid]",
        "article.article-detail",
        "[itemprop='articleBody']",
        ".article-detail",
        ".detail-content",
    ),
    title=("h1.title", "h1"),
    lead=(".chappeau", ".sapo", "[itemprop='description']"),
    body=(".art-body", ".article-content", "[itemprop='articleBody'] .content", ".content-detail"),
    author=("span.authors", ".authors", ".author"),
    published=(
        "time.f-datetime::attr(datetime)",
        "time.f-datetime",
        ".time time::attr(datetime)",
        ".time time",
        ".art-authors .time",
        ".time",
        # A byline that carries the date, as seed 004 prints it: "Trần Trọng LDO | 19/07/2022 16:13".
        ".art-authors",
        ".author",
    ),
    section=(".breadcrumb a::text", ".breadcrumbs a::text"),
    tags=(".keywords a::text", ".tags a::text", ".tag a::text"),
    furniture=(
        *COMMON_FURNITURE,
        ".tin-lien-quan",
        ".box-tin-moi",
        ".tin-moi-nhat",
        ".goi-y",
        ".suggestion",
        ".latest-news",
    ),
    prune=(
        *MEDIA_SELECTORS,
        "h1",
        ".chappeau",
        ".art-authors",
        ".authors",
        ".author",
        ".time",
        ".breadcrumb",
        ".breadcrumbs",
        ".keywords",
        ".tags",
    ),
    # "Trần Trọng LDO": LDO is the paper's tag, not part of the name.
    author_noise=r"(?:\s*[|\-–]\s*)?\bLDO\b\.?|^\s*(?:Bài|Nhóm PV|Theo)\s*:\s*",
    article_id_attr="articleid",
)

BAOHATINH = CmsProfile(
    # The commercial "cms-*" newspaper CMS of SGGP, Tiền Phong and VietnamPlus.
    name="baohatinh",
    host="baohatinh.vn",
    host_aliases=("www.baohatinh.vn",),
    media_hosts=("cdn.baohatinh.vn", "image.baohatinh.vn", "i.baohatinh.vn"),  # since 2025, until 2025, oldest
    article_pattern=r"-post(\d+)\.html$",
    article_endings=((".amp", ".html"),),  # sites.md: every article also answers as "-post<ID>.amp"
    deny_pattern=r"^/(tin-moi\.html|cong-cu/|tv/|epaper/|multimedia/|short-video/|podcast/|video/|emagazine/)",
    listing_item=(".story", "article", ".item", "li"),
    listing_link=("a.cms-link::attr(href)", "h2 a::attr(href)", "h3 a::attr(href)", "a::attr(href)"),
    listing_date=(".story__time", "time::attr(datetime)", ".time", "time", ".date"),
    article_container=("article.article", ".article", ".detail-article", ".article-detail"),
    title=("h1.article__title", "h1.cms-title", ".article__title", "h1"),
    lead=(".article__sapo", ".cms-desc", ".sapo"),
    body=(".article__body", ".cms-body", ".zce-content-body", ".article-body", ".content-body"),
    author=(".article__author", ".author", ".article__meta .name"),
    published=(
        ".article__meta time::attr(datetime)",
        ".article__meta time",
        ".article__time",
        ".article__meta .time",
        ".time",
        "time::attr(datetime)",
        "time",
    ),
    section=(".breadcrumb a::text", ".breadcrumbs a::text"),
    tags=(".article__tag a::text", ".article__tags a::text", ".tags a::text", ".tag a::text"),
    furniture=(*COMMON_FURNITURE, ".article__related", ".box-related", ".related-news", ".readmore", ".doc-them"),
    prune=(
        *MEDIA_SELECTORS,
        "h1",
        ".article__title",
        ".article__sapo",
        ".cms-desc",
        ".article__author",
        ".article__meta",
        ".article__tag",
        ".article__tags",
        ".breadcrumb",
        ".breadcrumbs",
    ),
    lead_prefix=r"^\(\s*Baohatinh\.vn\s*\)\s*[-–—]?\s*",
    topic_filter=True,
)

CAOBANG = CmsProfile(
    # NukeViet 4, news module (default theme detail.tpl; an older 4.x wording).
    name="caobang",
    prints_bylines=False,  # "Tác giả bài viết" is optional on NukeViet portals
    host="ldld.caobang.gov.vn",
    host_aliases=("www.ldld.caobang.gov.vn",),
    article_pattern=r"^(?:/vi)?/[^/]+/[^/]+/[^/]+-(\d+)\.html$",
    # The news module's own non-article pages, and NukeViet's other modules, whose items
    # share the article URL form (videos, văn bản, albums, downloads).
    deny_pattern=(
        r"^(?:/vi)?/(?:[^/]+/(tag|topic|print|sendmail|savefile|rss|search|groups)/"
        r"|(videos?|video-clip|van-ban|vanban|laws|album|albums|photos?|download|faq)/)"
    ),
    page_path=True,
    # Any /<module>/<category>/: portals name their news module freely (news, tin-tuc, tintuc).
    listing_pattern=r"(?i)^(?:/vi)?/[a-z0-9_-]+/[a-z0-9_-]+/?$",
    listing_item=(".news_column .panel-body", ".news-item", "article", "li", ".item"),
    listing_stream=(".news_column", ".news-item", "#news-list"),  # viewcat's items, not [TOP]/[BOTTOM] blocks
    listing_date=("time::attr(datetime)", "time", ".text-muted", ".date", "em"),
    article_container=("[itemtype*='NewsArticle']", ".news_column", "#news-detail"),
    title=("h1.title", "[itemprop='headline']", "h1"),
    lead=(".hometext", "[itemprop='description']"),
    body=("#news-bodyhtml", ".bodytext"),
    # Only the printed "Tác giả bài viết:" line: the hidden microdata and <meta name=author>
    # carry the federation's own name.
    author=(
        "p.h5:contains('Tác giả')",
        ".text-right:contains('Tác giả')",
        "p:contains('Tác giả bài viết:')",
        "div:not(:has(div)):contains('Tác giả bài viết:')",
    ),
    author_from_metadata=False,
    source=(
        "p.h5:contains('Nguồn tin')",
        ".text-right:contains('Nguồn tin')",
        "p:contains('Nguồn tin:')",
        "div:not(:has(div)):contains('Nguồn tin:')",
    ),
    # The visible "Thứ ba - 29/06/2021 09:14" wins: article:published_time comes out of
    # PHP's 'Y-m-dTH:i:s' malformed ("2021-06-29+0709:14:00").
    published=(
        "span.h5",
        ".news_column .h5:not(p)",
        "[itemprop='datePublished']::attr(content)",
        "[itemprop='datePublished']",
    ),
    section=(".breadcrumbs a::text", ".breadcrumb a::text"),
    # NukeViet prints "Từ khóa" in a panel of its own after the article's panel.
    tags=(".news_column a[href*='/tag/']", ".keywords a"),
    tags_outside_article=True,
    furniture=(*COMMON_FURNITURE, "#stringrating", ".rating", ".detail-related", "ul.related", ".hidden", ".hide"),
    prune=(*MEDIA_SELECTORS, "h1", ".hometext", "span.h5", "p.h5", ".text-right"),
    language="vi",
)

DAKLAK = CmsProfile(
    # Báo Đắk Lắk's CMS (baothainguyen.vn shares its URLs). Article class names are not
    # known, so the article is found from its h1 and its densest block of paragraphs.
    name="daklak",
    host="baodaklak.vn",
    host_aliases=("www.baodaklak.vn",),
    article_pattern=r"/\d{6}/[^/]+-([0-9a-z]+)/?$",
    article_slash=True,  # the site's current form (sites.md); it answers without the slash too
    deny_pattern=r"^/(multimedia|video|doc-bao-in|tim-kiem|en|daklak-news)/",
    page_param="paged",
    listing_item=(".item", "article", ".story", "li"),
    listing_link=(
        "a.title5::attr(href)",
        "a.title1::attr(href)",
        "a.title2::attr(href)",
        "h2 a::attr(href)",
        "h3 a::attr(href)",
        "a::attr(href)",
    ),
    listing_date=("time::attr(datetime)", ".date", "time", ".time"),
    article_container=(".detail-article", ".article-detail", "article"),
    title=("h1", "h2.title"),
    lead=(".sapo", ".detail-sapo", ".post-sapo", ".des", ".description", ".summary", ".lead"),
    body=(".detail-content", ".post-content", ".article-content", ".entry-content", ".content-detail", ".body-content"),
    published=(
        "time::attr(datetime)",
        "time",
        ".detail-time",
        ".post-date",
        ".date",
        ".time",
        ".meta",
        # Class names vary between the CMS's templates: date_detail, article__date, time-post...
        "[class*='date']",
        "[class*='time']",
    ),
    author=(".author", ".detail-author", ".post-author"),
    section=(".breadcrumb a::text", ".breadcrumbs a::text"),
    tags=(".tags a::text", ".tag a::text", ".keywords a::text"),
    furniture=(*COMMON_FURNITURE, "[class*='comment']", ".other-news", ".box-news", ".teaser"),
    prune=(
        *MEDIA_SELECTORS,
        "h1",
        ".sapo",
        ".detail-sapo",
        ".post-sapo",
        "time",
        ".detail-time",
        ".post-date",
        ".date",
        ".time",
        ".meta",
        ".author",
        ".tags",
        ".breadcrumb",
        ".breadcrumbs",
    ),
    body_by_density=True,
    byline_last_line=True,
    topic_filter=True,
)

HOABINH = CmsProfile(
    # Báo Hòa Bình's own .htm CMS; its markup is not documented, so selectors match class
    # fragments (title-detail, sapo-detail, date-detail, content-detail...) and the body
    # falls back to the densest block of paragraphs.
    name="hoabinh",
    host="baohoabinh.com.vn",
    host_aliases=("www.baohoabinh.com.vn",),
    media_hosts=("ims.baohoabinh.com.vn",),
    article_pattern=r"^/\d+/(\d+)/[^/]+\.htm$",
    # Category 274's page also shows the photo category's items and side boxes.
    listing_stream=(".list-news", ".list-news-cate", ".cate-list", "#list-news"),
    listing_item=(".item", "article", ".news", "li", "tr"),
    listing_date=("time::attr(datetime)", ".date", ".time", "time"),
    article_container=(".news-detail", ".detail", ".article-detail", "#detail", "article"),
    title=(
        "h1",
        ".title-detail",
        ".detail-title",
        "[class*='title-detail']",
        "[class*='title_detail']",
        "[class*='detail-title']",
        "[class*='detail_title']",
    ),
    lead=(".sapo-detail", ".lead-detail", "[class*='sapo']", "[class*='lead']", ".summary", ".description"),
    body=(".content-detail", ".detail-content", ".news-content", "#content-detail", "[class*='content-detail']"),
    published=(
        "time::attr(datetime)",
        "time",
        ".date-detail",
        ".time-detail",
        "[class*='date']",
        "[class*='time']",
        "[class*='ngay']",
    ),
    author=(".author-detail", "[class*='author']", ".tacgia", "[class*='tac-gia']"),
    section=(".breadcrumb a::text", ".breadcrumbs a::text"),
    tags=("[class*='tags'] a::text", "[class*='tag-'] a::text", "[class*='keyword'] a::text"),
    furniture=(
        *COMMON_FURNITURE,
        "[class*='other-news']",
        ".tin-khac",
        "[class*='tin-cung']",
        "[class*='tinlienquan']",
        ".news-other",
        "[class*='y-kien']",
        "[class*='view-count']",
        ".tools",
        ".tool-detail",
    ),
    prune=(
        *MEDIA_SELECTORS,
        "h1",
        "[class*='title-detail']",
        "[class*='sapo']",
        "[class*='lead']",
        ".summary",
        "time",
        "[class*='date']",
        "[class*='time']",
        "[class*='author']",
        ".tacgia",
        "[class*='tags']",
        ".breadcrumb",
    ),
    lead_prefix=r"^\(\s*HBĐT\s*\)\s*[-–—]?\s*",
    body_by_density=True,
    byline_last_line=True,
    topic_filter=True,
)

# Any page no profile claims: JSON-LD, OpenGraph and trafilatura (with a second opinion,
# crawler/extract/generic.py) decide. No furniture pruning and no guessed lead: on the extraction
# benchmarks both cost precision (benchmarks/extraction.md), trafilatura prunes better alone.
GENERIC = CmsProfile(
    name="generic",
    host="",
    article_container=("article", "[itemprop='articleBody']", ".article-detail", ".detail"),
    author=("[class*='author']", "[itemprop='author']"),
    tags=("[class*='tags'] a::text", ".keywords a::text"),
    language=None,
)

# Vietnamese news pages print the sapo apart, and trafilatura tends to drop it: on the
# generic path it is taken by these selectors, for Vietnamese pages only.
VIETNAMESE_SAPO: tuple[str, ...] = (
    "[class*='sapo']",
    ".chappeau",
    "p.description",
    ".article-description",
    "[class*='lead-detail']",
)

# The listing rules for a host a spider was redirected to (Báo Hòa Bình into Báo Phú Thọ):
# most Vietnamese news CMSes end article URLs in a numeric id.
REDIRECTED_SITE = dataclasses.replace(
    GENERIC,
    name="redirected",
    article_pattern=r"[-/](\d{4,})(?:\.html?|/)?$",
    deny_pattern=r"^/(tags?|topic|chu-de|video|tim-kiem|search|tac-gia)/",
)

PROFILES: tuple[CmsProfile, ...] = (LAODONG, BAOHATINH, CAOBANG, DAKLAK, HOABINH)
PROFILES_BY_NAME: dict[str, CmsProfile] = {profile.name: profile for profile in PROFILES}
