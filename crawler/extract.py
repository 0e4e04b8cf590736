"""extract(html, url, fetched_at) -> Article: the whole of extraction, as a pure function.

The CMS profile for the URL's host gives selectors for each field. When a selector finds
nothing, the fallbacks run in a fixed order (JSON-LD, OpenGraph/meta, trafilatura) and a
warning names the field, so a site redesign shows up in the logs rather than in the data.
Deterministic: the same (html, url, fetched_at) always gives the same Article; the crawl
time is only ever an upper bound for dates, never a date.
"""

from __future__ import annotations

import copy
import logging
import re
from datetime import datetime
from functools import cached_property
from typing import Any
from urllib.parse import urljoin

import trafilatura
from cssselect import GenericTranslator
from lxml import etree
from lxml import html as lxml_html
from parsel import Selector
from w3lib.encoding import html_to_unicode

from crawler import blocks, metadata
from crawler.challenge import d1n_cookie
from crawler.cms import GENERIC, CmsProfile
from crawler.discover import canonical_url, profile_for_url, site_for_url
from crawler.records import Article, Image, Rejected
from crawler.text import clean_text, fold, parse_iso_datetime, parse_vn_datetime, to_iso
from crawler.validate import validate

logger = logging.getLogger(__name__)

# Headings that open page furniture: the body ends where one of them starts.
STOP_HEADINGS = re.compile(
    r"^(tin mới nhất|gợi ý dành cho bạn|tin cùng chuyên mục|ý kiến bạn đọc|bình luận|"
    r"tin liên quan|bài liên quan|xem thêm|đọc thêm)\s*:?$",
    re.IGNORECASE,
)
# Lines that are never article text wherever they appear (Lao Động's masthead, in any case).
DROP_LINES = re.compile(
    r"^(cơ quan của tổng liên đoàn lao động việt nam.*|mới nhất|tiếng nói của công nhân.*"
    r"|(ảnh|nguồn ảnh|video|clip)\s*:.{0,60})$",
    re.IGNORECASE,
)
_TITLE_SUFFIX = re.compile(r"\s+[|\-–—]\s+[^|\-–—]{2,40}$")
_AUTHOR_DATE = re.compile(r"[|\-–,]?\s*(\d{1,2}:\d{2}\s*,?\s*)?\d{1,2}/\d{1,2}/\d{4}.*$")
_TRANSLATOR = GenericTranslator()


def decode(html: str | bytes, content_type: str | None = None) -> str:
    """Bytes to text by BOM, the Content-Type header, <meta charset>, then UTF-8 (the sites' default)."""
    if isinstance(html, str):
        return html
    _, text = html_to_unicode(content_type, html)
    return text


def _as_datetime(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_iso_datetime(value)
    if parsed is None:
        raise ValueError(f"fetched_at is not an ISO 8601 date: {value!r}")
    return parsed[0]


def _text_of(selector: Selector, query: str) -> list[str]:
    """Texts for a CSS query: strings for ::text/::attr queries, element text otherwise."""
    if "::" in query:
        return [clean_text(v) for v in selector.css(query).getall() if clean_text(v)]
    return [t for t in (clean_text(" ".join(el.xpath("string()").get("").split())) for el in selector.css(query)) if t]


def _first_text(selector: Selector, queries: tuple[str, ...]) -> str | None:
    for query in queries:
        found = _text_of(selector, query)
        if found:
            return found[0]
    return None


class _Page:
    """One page being extracted: parsed once, each source read lazily."""

    def __init__(self, text: str, url: str, profile: CmsProfile, limit: datetime | None) -> None:
        self.text, self.url, self.profile, self.limit = text, url, profile, limit
        try:
            self.tree = lxml_html.document_fromstring(text)
        except (etree.ParserError, ValueError) as error:
            raise Rejected("not-html", str(error)) from None
        self.selector = Selector(root=self.tree, type="html")

    @cached_property
    def jsonld(self) -> dict[str, Any]:
        return metadata.json_ld_article(self.selector)

    @cached_property
    def trafilatura(self) -> Any:
        date_params = {"original_date": True, "extensive_search": False}
        if self.limit:
            date_params["max_date"] = self.limit.strftime("%Y-%m-%d")
        prune = [_TRANSLATOR.css_to_xpath(css) for css in self.profile.prune] or None
        return trafilatura.bare_extraction(
            self.text, url=self.url, include_comments=False, include_tables=True,
            with_metadata=True, date_extraction_params=date_params, prune_xpath=prune,
        )

    def fallback(self, field: str, source: str) -> None:
        if self.profile is not GENERIC:
            logger.warning("extract: %s for %s came from %s, not the %s profile", field, self.url, source, self.profile.name)

    # --- fields ---------------------------------------------------------------------

    def title(self) -> str:
        found = _first_text(self.selector, self.profile.title)
        if found:
            return found
        for source, value in (
            ("JSON-LD", self.jsonld.get("headline")),
            ("OpenGraph", metadata.meta(self.selector, "og:title", "twitter:title")),
            ("trafilatura", getattr(self.trafilatura, "title", None)),
            ("<title>", _TITLE_SUFFIX.sub("", clean_text(self.selector.css("title::text").get("")))),
        ):
            if isinstance(value, str) and clean_text(value):
                self.fallback("title", source)
                return clean_text(value)
        return ""

    def lead(self) -> str | None:
        found = _first_text(self.selector, self.profile.lead)
        if found is None and self.profile is GENERIC:
            found = clean_text(metadata.meta(self.selector, "og:description", "description") or "") or None
        if found and self.profile.lead_prefix:
            found = re.sub(self.profile.lead_prefix, "", found).strip()
        return found or None

    def container(self) -> lxml_html.HtmlElement | None:
        for query in self.profile.body:
            found = self.tree.cssselect(query)
            if found:
                return found[0]
        return None

    def body(self, title: str, lead: str | None, author: str | None) -> str:
        container = self.container()
        if container is not None:
            pruned = copy.deepcopy(container)
            for query in self.profile.prune:
                for element in pruned.cssselect(query):
                    if element is not pruned:
                        element.drop_tree()
            paras = blocks.paragraphs(pruned)
        else:
            self.fallback("body", "trafilatura")
            paras = [line.strip() for line in (getattr(self.trafilatura, "text", None) or "").splitlines()]
        return "\n\n".join(_clean_paragraphs(paras, title, lead, author))

    def published(self) -> str | None:
        candidates: list[tuple[str, str | None]] = [
            ("profile", value) for value in (_first_text(self.selector, (q,)) for q in self.profile.published)
        ]
        candidates += [
            ("JSON-LD", self.jsonld.get("datePublished")),
            ("OpenGraph", metadata.meta(self.selector, "article:published_time", "og:published_time")),
            ("meta", metadata.meta(self.selector, "datePublished", "pubdate", "publishdate", "date")),
        ]
        for source, value in candidates:
            moment = _parse_date(value)
            if moment and self.limit and moment > self.limit.replace(hour=23, minute=59):
                logger.warning("extract: ignoring %s date %s after fetch time for %s", source, value, self.url)
                continue
            if moment:
                if source != "profile":
                    self.fallback("published_at", source)
                return to_iso(moment)
        # Day granularity, capped at fetch time. htmldate can also guess a day from a
        # year/month in a URL (2022/7/ -> 2022-07-01), so it must be printed on the page.
        moment = _parse_date(getattr(self.trafilatura, "date", None))
        if moment and _printed_on_page(moment, self.text):
            self.fallback("published_at", "trafilatura")
            return to_iso(moment)
        return None

    def updated(self) -> str | None:
        for value in (self.jsonld.get("dateModified"), metadata.meta(self.selector, "article:modified_time", "og:updated_time")):
            moment = _parse_date(value)
            if moment:
                return to_iso(moment)
        return None

    def author(self) -> str | None:
        raw = _first_text(self.selector, self.profile.author)
        if raw is None:
            names = metadata.person_names(self.jsonld.get("author"))
            raw = ", ".join(names) or metadata.meta(self.selector, "author", "article:author")
            if raw is None and self.profile is GENERIC:
                raw = getattr(self.trafilatura, "author", None)
            if raw:
                self.fallback("author", "metadata")
        return _clean_author(raw, self.profile)

    def section(self) -> str | None:
        for query in self.profile.section:
            crumbs = [c for c in _text_of(self.selector, query) if fold(c) not in {"trang chu", "home"}]
            if crumbs:
                return crumbs[-1]
        value = metadata.meta(self.selector, "article:section") or self.jsonld.get("articleSection")
        if isinstance(value, list):
            value = value[0] if value else None
        return clean_text(value) or None if isinstance(value, str) else None

    def tags(self) -> list[str]:
        for query in self.profile.tags:
            found = _text_of(self.selector, query)
            if found:
                return list(dict.fromkeys(found))
        found = metadata.meta_all(self.selector, "article:tag") or metadata.keywords(self.jsonld.get("keywords"))
        return list(dict.fromkeys(clean_text(t) for t in found if clean_text(t)))

    def images(self) -> list[Image]:
        scope = next((el for q in self.profile.article_container for el in self.tree.cssselect(q)), None)
        scope = scope if scope is not None else self.container()
        # Images resolve like a browser does, against <base href> (Lao Động pointed it at its media host).
        base = urljoin(self.url, self.tree.xpath("string(//base/@href)"))
        found = blocks.images(scope, base) if scope is not None else []
        if not found:
            og_image = metadata.meta(self.selector, "og:image")
            if og_image:
                found = [Image(url=og_image, caption=None)]
        return found

    def language(self) -> str | None:
        lang = self.tree.get("lang") or metadata.meta(self.selector, "og:locale") or self.profile.language
        return lang.split("-")[0].split("_")[0].lower() if lang else None


def _parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    parsed = parse_iso_datetime(value) if re.match(r"\s*\d{4}-\d{2}-\d{2}", value) else parse_vn_datetime(value)
    return parsed[0] if parsed else None


def _printed_on_page(moment: datetime, text: str) -> bool:
    d, m, y = moment.day, moment.month, moment.year
    spellings = {f"{y}-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/{y}", f"{d}/{m}/{y}", f"{d:02d}-{m:02d}-{y}",
                 f"{d:02d}.{m:02d}.{y}", f"ngày {d} tháng {m} năm {y}"}
    return any(spelling in text for spelling in spellings)


def _clean_author(raw: str | None, profile: CmsProfile) -> str | None:
    if not raw:
        return None
    author = _AUTHOR_DATE.sub("", clean_text(raw))
    if profile.author_noise:
        author = re.sub(profile.author_noise, "", author)
    author = re.sub(r"^(tác giả( bài viết)?|bài và ảnh|bài|theo)\s*:\s*", "", author.strip(" |-–,"), flags=re.IGNORECASE)
    return clean_text(author.strip(" |-–,")) or None


def _clean_paragraphs(paras: list[str], title: str, lead: str | None, author: str | None) -> list[str]:
    kept: list[str] = []
    skip = {fold(title), fold(lead or "")}
    for para in paras:
        para = clean_text(para)
        if not para or DROP_LINES.match(para) or fold(para) in skip:
            continue
        if STOP_HEADINGS.match(para):
            break
        kept.append(para)
    if author:  # a byline printed as its own line, before or after the text
        kept = [para for para in kept if fold(para) != fold(author)]
    return kept


def extract(html: str | bytes, url: str, fetched_at: str | datetime | None = None,
            content_type: str | None = None) -> Article:
    """Extract the article at `url` from its HTML; raise Rejected if it is not one.

    `fetched_at` only caps the dates that may be accepted (trafilatura's max_date);
    `content_type` is the HTTP header, whose charset decodes bytes.
    """
    raw = html if isinstance(html, bytes) else html.encode("utf-8", "surrogatepass")
    if d1n_cookie(raw):
        raise Rejected("interstitial", "Lao Động D1N cookie challenge, not the article")
    text = decode(html, content_type)
    if not text.strip():
        raise Rejected("empty", "the response body is empty")
    profile = profile_for_url(url)
    page = _Page(text, url, profile, _as_datetime(fetched_at))
    title = page.title()
    lead = page.lead()
    author = page.author()
    draft = Article(
        url=canonical_url(url),
        site=site_for_url(url),
        title=title,
        lead=lead,
        body=page.body(title, lead, author),
        published_at=page.published(),
        updated_at=page.updated(),
        author=author,
        section=page.section(),
        tags=page.tags(),
        images=page.images(),
        language=page.language(),
    )
    wrapper_id = None
    if profile.article_id_attr:
        wrapper_id = page.tree.xpath(f"string((//*[@{profile.article_id_attr}])[1]/@{profile.article_id_attr})") or None
    return validate(draft, profile, wrapper_id)
