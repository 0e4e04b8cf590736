"""The article's descriptive fields read off a Document: title, lead, author, source, section,
tags, images and language, each from the profile first and then its fallbacks. Pure."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from crawler.extract import blocks, boilerplate, metadata
from crawler.extract.document import Document, pruned
from crawler.records import Image
from crawler.sites.cms import GENERIC, MEDIA_SELECTORS, VIETNAMESE_SAPO
from crawler.sites.css import select, texts
from crawler.sites.discover import canonical_url, declared_canonical, site_for_url
from crawler.text import clean_text, fold

logger = logging.getLogger(__name__)

_PLACEHOLDER_IMAGE = re.compile(r"no[_-]?image|noimage|placeholder|default|logo", re.IGNORECASE)
_SOURCE_TAG = re.compile(r"^\(\s*[^()]{2,25}?\s*\)\s*[-–—]\s+")
_TITLE_SUFFIX = re.compile(r"\s+[|\-–—]\s+([^|\-–—]{2,40})$")


def url(page: Document) -> str:
    """The URL the article is stored under: the one the page's `<link rel="canonical">` names
    when that is an article of the same site, so a twin, an alias or a redirect's target all
    become one row; otherwise the canonical form of the URL it was fetched under."""
    fetched = canonical_url(page.url)
    rel = "contains(concat(' ', normalize-space(translate(@rel, 'CANONIL', 'canonil')), ' '), ' canonical ')"
    href = (page.selector.xpath(f"//link[{rel}]/@href").get() or "").strip()
    if not href or site_for_url(page.url) is None:  # a host no profile knows: no article pattern
        return fetched
    declared, why_not = declared_canonical(href, page.url)
    if declared is None:
        logger.warning("extract: the rel=canonical %s of %s is ignored: %s", href, page.url, why_not)
        return fetched
    if declared != fetched:
        logger.info("extract: %s is stored under its rel=canonical %s", page.url, declared)
    return declared


def _title_fallbacks(page: Document) -> Iterator[tuple[str, Any]]:
    """(source, value) of each title outside the profile, read in turn: trafilatura
    runs only when no metadata has one."""
    yield "JSON-LD", page.jsonld.get("headline")
    yield "OpenGraph", metadata.meta(page.selector, "og:title", "twitter:title")
    yield "trafilatura", getattr(page.trafilatura, "title", None)
    yield "<title>", page.selector.css("title::text").get("")


def title(page: Document) -> str:
    found = page.profile_text(page.profile.title)
    if found:
        return found
    for source, value in _title_fallbacks(page):
        if isinstance(value, str) and clean_text(value):
            page.fallback("title", source)
            return _without_site_name(page, clean_text(value))
    return ""


def _without_site_name(page: Document, title: str) -> str:
    """ "Headline | Báo Đắk Lắk" → "Headline": only a suffix that names the outlet goes."""
    match = _TITLE_SUFFIX.search(title)
    if match is None:
        return title
    suffix = fold(match.group(1))
    site_name = fold(metadata.meta(page.selector, "og:site_name") or "")
    if (site_name and site_name in suffix) or re.search(
        r"\bbao\b|\.vn\b|cong thong tin|trang thong tin|tap chi", suffix
    ):
        return title[: match.start()].strip()
    return title


def lead(page: Document) -> str | None:
    found = None
    queries = page.profile.lead
    if page.profile is GENERIC and language(page) == "vi":
        queries = VIETNAMESE_SAPO
    # A generic page's <article> is often the body alone, with the sapo printed above it.
    scope = page.tree if page.profile is GENERIC else page.article
    for query in queries if scope is not None else ():
        elements = select(scope, query)
        if elements:  # a lead photo may sit inside the sapo: its caption is not the lead
            found = clean_text(" ".join(pruned(elements[0], MEDIA_SELECTORS).text_content().split())) or None
            if found:
                break
    if found and page.profile.lead_prefix:
        found = re.sub(page.profile.lead_prefix, "", found).strip()
    if found:  # the press's source tag on the lead: "(HBĐT) - ", "(Baohatinh.vn) - ", "(PTO) - "
        found = _SOURCE_TAG.sub("", found).strip()
    return found or None


def author(page: Document) -> str | None:
    raw = page.profile_text(page.profile.author)
    if raw is None and page.profile.author_from_metadata:
        names = metadata.person_names(page.jsonld.get("author"))
        raw = ", ".join(names) or metadata.meta(page.selector, "author", "article:author")
        if raw is None and page.profile is GENERIC:
            raw = getattr(page.trafilatura, "author", None)
        if raw:
            page.fallback("author", "metadata")
    return boilerplate.clean_author(raw, page.profile.author_noise)


def source(page: Document) -> str | None:
    return boilerplate.clean_label(page.profile_text(page.profile.source))


def section(page: Document) -> str | None:
    for query in page.profile.section:  # breadcrumbs usually sit outside the article
        crumbs = [c for c in texts(page.selector, query) if fold(c) not in {"trang chu", "home"}]
        if crumbs:
            return crumbs[-1]
    value = metadata.meta(page.selector, "article:section") or page.jsonld.get("articleSection")
    if isinstance(value, list):
        value = value[0] if value else None
    return (clean_text(value) or None) if isinstance(value, str) else None


def tags(page: Document) -> list[str]:
    scope = page.selector if page.profile.tags_outside_article else page.scope
    for query in page.profile.tags if scope is not None else ():
        found = texts(scope, query)
        if found:
            return list(dict.fromkeys(found))
    found = metadata.meta_all(page.selector, "article:tag") or metadata.keywords(page.jsonld.get("keywords"))
    return list(dict.fromkeys(clean_text(t) for t in found if clean_text(t)))


def images(page: Document) -> list[Image]:
    found: list[Image] = []
    if page.article is not None:
        found = blocks.images(page.article, page.base_url)
    if not found:
        og_image = metadata.meta(page.selector, "og:image")
        if og_image and not _PLACEHOLDER_IMAGE.search(og_image):
            found = [Image(url=urljoin(page.url, og_image), caption=None)]
    return found


def language(page: Document) -> str | None:
    lang = page.tree.get("lang") or metadata.meta(page.selector, "og:locale") or page.profile.language
    return lang.split("-")[0].split("_")[0].lower() if lang else None
