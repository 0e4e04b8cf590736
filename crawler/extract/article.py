"""extract(html, url, fetched_at) -> Article: the whole of extraction, as a pure function.

The CMS profile for the URL's host gives selectors for each field, applied inside the
article's own container so that sidebars cannot lend it a date or an author. When a
selector finds nothing, the fallbacks run in a fixed order (JSON-LD, OpenGraph/meta,
trafilatura) and a warning names the field, so a redesign shows up in the logs rather
than in the data. Deterministic: the same input always gives the same Article; the crawl
time only ever caps dates, it is never one.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterator
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

from crawler.extract import blocks, boilerplate, metadata
from crawler.sites.challenge import d1n_cookie
from crawler.sites.cms import GENERIC, MEDIA_SELECTORS, VIETNAMESE_SAPO, CmsProfile
from crawler.sites.css import drop_all, first_text, select, texts
from crawler.sites.discover import canonical_url, profile_for_url, site_for_url
from crawler.extract.generic import choose_body
from crawler.records import Article, Image, Rejected
from crawler.text import clean_text, fold, parse_datetime, to_iso
from crawler.extract.validate import validate

logger = logging.getLogger(__name__)

_PLACEHOLDER_IMAGE = re.compile(r"no[_-]?image|noimage|placeholder|default|logo", re.IGNORECASE)
_SOURCE_TAG = re.compile(r"^\(\s*[^()]{2,25}?\s*\)\s*[-–—]\s+")
_TITLE_SUFFIX = re.compile(r"\s+[|\-–—]\s+([^|\-–—]{2,40})$")
_TRANSLATOR = GenericTranslator()


def decode(html: str | bytes, content_type: str | None = None) -> str:
    """Bytes to text: as UTF-8 when they are valid multi-byte UTF-8, else by BOM, the
    Content-Type header, <meta charset>, then UTF-8 (the sites' default)."""
    if isinstance(html, str):
        return html
    utf8 = _valid_utf8(html)
    if utf8 is not None:
        return utf8
    _, text = html_to_unicode(content_type, html)
    return text


def _valid_utf8(raw: bytes) -> str | None:
    """The text if `raw` is valid UTF-8 with non-ASCII characters. Legacy 8-bit text is
    almost never valid UTF-8 by accident, while a page re-saved as UTF-8 often keeps its
    old <meta charset> (ISO-8859-15, windows-1252): trusting the label gives mojibake."""
    if raw.isascii() or b"\x00" in raw:  # ASCII reads the same either way; NULs mean UTF-16/32
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _as_datetime(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(f"fetched_at is not an ISO 8601 date: {value!r}")
    return parsed[0]


def _prune(element: lxml_html.HtmlElement, queries: tuple[str, ...]) -> lxml_html.HtmlElement:
    pruned = copy.deepcopy(element)
    drop_all(pruned, queries)
    return pruned


def _printed_on_page(moment: datetime, text: str) -> bool:
    d, m, y = moment.day, moment.month, moment.year
    spellings = {f"{y}-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/{y}", f"{d}/{m}/{y}", f"{d:02d}-{m:02d}-{y}",
                 f"{d:02d}.{m:02d}.{y}", f"ngày {d} tháng {m} năm {y}"}
    return any(spelling in text for spelling in spellings)


class _Page:
    """One page being extracted: parsed once, each source read lazily."""

    def __init__(self, text: str, url: str, profile: CmsProfile, limit: datetime | None) -> None:
        self.text, self.url, self.profile, self.limit = text, url, profile, limit
        try:
            self.tree = lxml_html.document_fromstring(text)
        except (etree.ParserError, ValueError) as error:
            raise Rejected("not-html", str(error)) from None
        self.selector = Selector(root=self.tree, type="html")
        self.headline = self._headline_element()
        found = self._article_element()
        self.wrapper = found
        # Field selectors look inside the article, less its related boxes and ads, so that
        # no other story lends it a date or an author; without one, the fallbacks decide.
        self.article = None
        if found is not None:
            self.article = _prune(found, profile.furniture)
            boilerplate.drop_related_boxes(self.article)
        self.scope = Selector(root=self.article, type="html") if self.article is not None else None
        if self.scope is None and profile is not GENERIC:
            logger.warning("extract: no article container of the %s profile on %s", profile.name, url)

    def _first_element(self, queries: tuple[str, ...]) -> lxml_html.HtmlElement | None:
        for query in queries:
            found = select(self.tree, query)
            if found:
                return found[0]
        return None

    def _headline_element(self) -> lxml_html.HtmlElement | None:
        """The page's headline element: the title-selector match that reads like og:title."""
        candidates = [el for q in self.profile.title if "::" not in q for el in select(self.tree, q)]
        headline = fold(metadata.meta(self.selector, "og:title") or self.jsonld.get("headline") or "")
        for element in candidates:
            text = fold(" ".join(element.text_content().split()))
            if headline and len(text) > 10 and (headline.startswith(text) or text.startswith(headline)):
                return element
        return candidates[0] if candidates else None

    def _article_element(self) -> lxml_html.HtmlElement | None:
        """The first container match that holds the headline (a teaser <article> above the
        story must not stand in for it); else the element implied by headline and body."""
        for query in self.profile.article_container:
            for element in select(self.tree, query):
                if self.headline is None or self.headline is element or element in self.headline.iterancestors():
                    return element
        return self._implied_article() if self.profile is not GENERIC else None

    def _implied_article(self) -> lxml_html.HtmlElement | None:
        """No known wrapper: the smallest element holding both the headline and the body."""
        body = self._first_element(self.profile.body)
        if body is None and self.profile.body_by_density:
            body = blocks.densest(self.tree)
        if body is None:
            return None
        if self.headline is None:
            return body.getparent() if body.getparent() is not None else body
        ancestors = {id(el) for el in self.headline.iterancestors()} | {id(self.headline)}
        return next((el for el in (body, *body.iterancestors()) if id(el) in ancestors), body)

    def _profile_text(self, queries: tuple[str, ...]) -> str | None:
        return first_text(self.scope, queries) if self.scope is not None else None

    @cached_property
    def jsonld(self) -> dict[str, Any]:
        return metadata.json_ld_article(self.selector)

    @cached_property
    def trafilatura(self) -> Any:
        date_params = {"original_date": True, "extensive_search": False}
        if self.limit:
            date_params["max_date"] = self.limit.strftime("%Y-%m-%d")
        return trafilatura.bare_extraction(self.text, url=self.url, favor_precision=True, with_metadata=True,
                                           date_extraction_params=date_params, **self.trafilatura_options)

    @property
    def trafilatura_options(self) -> dict[str, Any]:
        prune = [_TRANSLATOR.css_to_xpath(css) for css in self.profile.body_prune] or None
        return {"include_comments": False, "include_tables": True, "prune_xpath": prune}

    def fallback(self, field: str, source: str) -> None:
        if self.profile is not GENERIC:
            logger.warning("extract: %s for %s came from %s, not the %s profile", field, self.url, source, self.profile.name)

    # --- fields ---------------------------------------------------------------------

    def _title_fallbacks(self) -> Iterator[tuple[str, Any]]:
        """(source, value) of each title outside the profile, read in turn: trafilatura
        runs only when no metadata has one."""
        yield "JSON-LD", self.jsonld.get("headline")
        yield "OpenGraph", metadata.meta(self.selector, "og:title", "twitter:title")
        yield "trafilatura", getattr(self.trafilatura, "title", None)
        yield "<title>", self.selector.css("title::text").get("")

    def title(self) -> str:
        found = self._profile_text(self.profile.title)
        if found:
            return found
        for source, value in self._title_fallbacks():
            if isinstance(value, str) and clean_text(value):
                self.fallback("title", source)
                return self._without_site_name(clean_text(value))
        return ""

    def _without_site_name(self, title: str) -> str:
        """"Headline | Báo Đắk Lắk" → "Headline": only a suffix that names the outlet goes."""
        match = _TITLE_SUFFIX.search(title)
        if match is None:
            return title
        suffix = fold(match.group(1))
        site_name = fold(metadata.meta(self.selector, "og:site_name") or "")
        if (site_name and site_name in suffix) or re.search(r"\bbao\b|\.vn\b|cong thong tin|trang thong tin|tap chi", suffix):
            return title[: match.start()].strip()
        return title

    def lead(self) -> str | None:
        found = None
        queries = self.profile.lead
        if self.profile is GENERIC and self.language() == "vi":
            queries = VIETNAMESE_SAPO
        # A generic page's <article> is often the body alone, with the sapo printed above it.
        scope = self.tree if self.profile is GENERIC else self.article
        for query in queries if scope is not None else ():
            elements = select(scope, query)
            if elements:  # a lead photo may sit inside the sapo: its caption is not the lead
                found = clean_text(" ".join(_prune(elements[0], MEDIA_SELECTORS).text_content().split())) or None
                if found:
                    break
        if found and self.profile.lead_prefix:
            found = re.sub(self.profile.lead_prefix, "", found).strip()
        if found:  # the press's source tag on the lead: "(HBĐT) - ", "(Baohatinh.vn) - ", "(PTO) - "
            found = _SOURCE_TAG.sub("", found).strip()
        return found or None

    def container(self) -> lxml_html.HtmlElement | None:
        if self.article is None:
            return None
        for query in self.profile.body:
            found = select(self.article, query)
            if found:
                return found[0]
        if self.profile.body_by_density:
            return blocks.densest(self.article)
        return None

    def body(self, title: str, lead: str | None, author: str | None) -> tuple[list[str], str]:
        """(paragraphs, extraction method): "profile" when the CMS profile's container was
        found, else the generic path's choice (see crawler.extract.generic)."""
        container = self.container()
        if container is not None:
            pruned = copy.deepcopy(container)
            blocks.drop_caption_paragraphs(pruned)  # before the photos themselves are pruned
            drop_all(pruned, self.profile.prune)  # furniture and related boxes are already gone
            paras, method = blocks.paragraphs(pruned), "profile"
        else:
            text, method = choose_body(self.text, self.url, self.trafilatura, self.trafilatura_options)
            self.fallback("body", method)
            paras = [line.strip() for line in text.splitlines()]
        return boilerplate.clean_paragraphs(paras, title, lead, author), method

    def _published_candidates(self) -> Iterator[tuple[str, Any]]:
        """(source, value) of each date, most trusted first; each is read only when the ones
        before it gave no usable date (a meta lookup costs a query per name and attribute)."""
        for query in self.profile.published:
            yield "profile", self._profile_text((query,))
        yield "JSON-LD", self.jsonld.get("datePublished")
        yield "OpenGraph", metadata.meta(self.selector, "article:published_time", "og:published_time")
        yield "meta", metadata.meta(self.selector, "datePublished", "pubdate", "publishdate", "date")

    def published(self) -> str | None:
        for source, value in self._published_candidates():
            parsed = parse_datetime(value) if isinstance(value, str) else None
            if parsed and self.limit and parsed[0] > self.limit.replace(hour=23, minute=59):
                logger.warning("extract: ignoring %s date %s after fetch time for %s", source, value, self.url)
                continue
            if parsed:
                if source != "profile":
                    self.fallback("published_at", source)
                return to_iso(*parsed)
        printed = self._printed_near_headline()
        if printed:
            self.fallback("published_at", "a date printed near the headline")
            return to_iso(printed)
        # Day granularity, capped at fetch time. htmldate can also guess a day from a
        # year/month in a URL (2022/7/ -> 2022-07-01), so it must be printed in the article.
        parsed = parse_datetime(getattr(self.trafilatura, "date", None))
        article_text = self.article.text_content() if self.article is not None else self.text
        if parsed and _printed_on_page(parsed[0], article_text):
            self.fallback("published_at", "trafilatura")
            return to_iso(parsed[0], has_time=False)
        return None

    def _printed_near_headline(self) -> datetime | None:
        """A date and time printed in the article's own short lines (its meta line), outside
        the lead and the body, whose dates are events ("Sáng ngày 05/01/2024")."""
        if self.article is None:
            return None
        around = _prune(self.article, (*self.profile.lead, *self.profile.body))
        if self.profile.body_by_density:
            densest = blocks.densest(around)
            if densest is not None and densest is not around:
                densest.drop_tree()
        for element in around.iter():
            if not isinstance(element.tag, str):
                continue
            text = " ".join(element.text_content().split())
            if 8 <= len(text) <= 80:
                parsed = parse_datetime(text)
                if parsed and parsed[1] and (self.limit is None or parsed[0] <= self.limit):
                    return parsed[0]
        return None

    def _modified_dates(self) -> Iterator[Any]:
        yield self.jsonld.get("dateModified")
        yield metadata.meta(self.selector, "article:modified_time", "og:updated_time")  # only without JSON-LD's

    def updated(self) -> str | None:
        for value in self._modified_dates():
            parsed = parse_datetime(value) if isinstance(value, str) else None
            if parsed:
                return to_iso(*parsed)
        return None

    def author(self) -> str | None:
        raw = self._profile_text(self.profile.author)
        if raw is None and self.profile.author_from_metadata:
            names = metadata.person_names(self.jsonld.get("author"))
            raw = ", ".join(names) or metadata.meta(self.selector, "author", "article:author")
            if raw is None and self.profile is GENERIC:
                raw = getattr(self.trafilatura, "author", None)
            if raw:
                self.fallback("author", "metadata")
        return boilerplate.clean_author(raw, self.profile.author_noise)

    def source(self) -> str | None:
        return boilerplate.clean_label(self._profile_text(self.profile.source))

    def section(self) -> str | None:
        for query in self.profile.section:  # breadcrumbs usually sit outside the article
            crumbs = [c for c in texts(self.selector, query) if fold(c) not in {"trang chu", "home"}]
            if crumbs:
                return crumbs[-1]
        value = metadata.meta(self.selector, "article:section") or self.jsonld.get("articleSection")
        if isinstance(value, list):
            value = value[0] if value else None
        return (clean_text(value) or None) if isinstance(value, str) else None

    def tags(self) -> list[str]:
        scope = self.selector if self.profile.tags_outside_article else self.scope
        for query in self.profile.tags if scope is not None else ():
            found = texts(scope, query)
            if found:
                return list(dict.fromkeys(found))
        found = metadata.meta_all(self.selector, "article:tag") or metadata.keywords(self.jsonld.get("keywords"))
        return list(dict.fromkeys(clean_text(t) for t in found if clean_text(t)))

    def images(self) -> list[Image]:
        found: list[Image] = []
        if self.article is not None:
            # Images resolve like a browser does, against <base href> (Lao Động pointed it at its media host).
            base = urljoin(self.url, self.tree.xpath("string(//base/@href)"))
            found = blocks.images(self.article, base)
        if not found:
            og_image = metadata.meta(self.selector, "og:image")
            if og_image and not _PLACEHOLDER_IMAGE.search(og_image):
                found = [Image(url=urljoin(self.url, og_image), caption=None)]
        return found

    def language(self) -> str | None:
        lang = self.tree.get("lang") or metadata.meta(self.selector, "og:locale") or self.profile.language
        return lang.split("-")[0].split("_")[0].lower() if lang else None

    def wrapper_id(self) -> str | None:
        """The article id the page's own wrapper declares (Lao Động's articleid=)."""
        attr = self.profile.article_id_attr
        if not attr or self.wrapper is None:
            return None
        found = self.wrapper.xpath(f"ancestor-or-self::*[@{attr}][1]/@{attr}")
        return str(found[0]) if found else None


def _draft(html: str | bytes, url: str, fetched_at: str | datetime | None,
           content_type: str | None, profile: CmsProfile | None) -> tuple[Article, _Page]:
    raw = html if isinstance(html, bytes) else html.encode("utf-8", "surrogatepass")
    if d1n_cookie(raw):
        raise Rejected("interstitial", "Lao Động D1N cookie challenge, not the article")
    text = decode(html, content_type)
    if not text.strip():
        raise Rejected("empty", "the response body is empty")
    profile = profile or profile_for_url(url)
    page = _Page(text, url, profile, _as_datetime(fetched_at))
    title = page.title()
    lead = page.lead()
    author = page.author()
    paragraphs, method = page.body(title, lead, author)
    if author is None and profile.byline_last_line and paragraphs and boilerplate.is_byline(paragraphs[-1]):
        author = boilerplate.clean_author(paragraphs.pop(), profile.author_noise)  # a byline as the last line
    draft = Article(
        url=canonical_url(url),
        site=site_for_url(url),
        title=title,
        lead=lead,
        body="\n\n".join(paragraphs),
        published_at=page.published(),
        updated_at=page.updated(),
        author=author,
        source=page.source(),
        section=page.section(),
        tags=page.tags(),
        images=page.images(),
        language=page.language(),
        extraction_method=method,
    )
    return draft, page


def extract(html: str | bytes, url: str, fetched_at: str | datetime | None = None,
            content_type: str | None = None, profile: CmsProfile | None = None,
            topic_terms: tuple[str, ...] | None = None) -> Article:
    """Extract the article at `url` from its HTML; raise Rejected if it is not one.

    `fetched_at` only caps the dates that may be accepted (trafilatura's max_date);
    `content_type` is the HTTP header, whose charset decodes bytes; `profile` overrides
    the one chosen by the URL's host (a site that moved host); `topic_terms` replace the
    union terms of the topic filter, and apply it whatever the profile.
    """
    draft, page = _draft(html, url, fetched_at, content_type, profile)
    return validate(draft, page.profile, page.wrapper_id(), topic_terms)


def main_text(html: str | bytes, url: str, profile: CmsProfile | None = None) -> str:
    """Lead and body as one text, unvalidated: what extraction benchmarks score."""
    try:
        draft, _ = _draft(html, url, None, None, profile)
    except Rejected:
        return ""
    return "\n\n".join(part for part in (draft.lead, draft.body) if part)
