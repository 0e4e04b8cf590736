"""Document: the page being extracted, parsed once, with its headline and article container
located and its sources (profile selectors, JSON-LD, trafilatura) read lazily."""

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
from trafilatura.utils import repair_faulty_html

from crawler.extract import blocks, boilerplate, metadata
from crawler.records import Rejected
from crawler.sites.cms import GENERIC, CmsProfile
from crawler.sites.css import drop_all, first_text, select
from crawler.text import fold

# Named for the entry point, as before extraction was split into modules: operators filter logs by it.
logger = logging.getLogger("crawler.extract.article")

_TRANSLATOR = GenericTranslator()
# Parsed as trafilatura parses (its repairs, then its parser's settings), so that its passes
# take this tree (it copies a tree it is given, skipping those repairs) instead of parsing
# the page again; comments are nobody's text.
_PARSER = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")  # names an encoding lxml refuses on decoded text


def parse(text: str) -> lxml_html.HtmlElement:
    r"""The page's tree: control characters XML refuses dropped, a self-closing <html/> and
    libxml2's doctype trouble mended (trafilatura's repairs), an XML declaration ignored.

    >>> parse("<?xml version='1.0' encoding='iso-8859-1'?><html/>\n<body><p>Tr\x08a</p></body>").findtext(".//p")
    'Tra'
    """
    text = repair_faulty_html(_XML_DECLARATION.sub("", text), text[:50].lower())
    return lxml_html.document_fromstring(text, parser=_PARSER)


def pruned(element: lxml_html.HtmlElement, queries: tuple[str, ...]) -> lxml_html.HtmlElement:
    """A copy of `element` without what matches `queries`; the page itself stays whole."""
    copied = copy.deepcopy(element)
    drop_all(copied, queries)
    return copied


class Document:
    """One page being extracted: parsed once, each source read lazily."""

    def __init__(self, text: str, url: str, profile: CmsProfile, limit: datetime | None) -> None:
        self.text, self.url, self.profile, self.limit = text, url, profile, limit
        try:
            self.tree = parse(text)
        except (etree.ParserError, ValueError) as error:
            raise Rejected("not-html", str(error)) from None
        self.selector = Selector(root=self.tree, type="html")
        self.headline = self._headline_element()
        found = self._article_element()
        self.wrapper = found
        # Field selectors look inside the article, less its related boxes and ads, so that
        # no other story lends it a date or an author; without one, the fallbacks decide.
        self.article: lxml_html.HtmlElement | None = None
        if found is not None:
            self.article = pruned(found, profile.furniture)
            boilerplate.drop_related_boxes(self.article)
        self.scope = Selector(root=self.article, type="html") if self.article is not None else None
        if self.scope is None and profile is not GENERIC:
            logger.warning(
                "extract: no article container of the %s profile on %s",
                profile.name,
                url,
                extra={"alert": "markup", "site": profile.name, "alert_key": "container"},
            )

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

    def profile_text(self, queries: tuple[str, ...]) -> str | None:
        """The first text the profile's `queries` find inside the article, None without one."""
        return first_text(self.scope, queries) if self.scope is not None else None

    @cached_property
    def base_url(self) -> str:
        """What the page's links and photos resolve against, as in a browser: <base href>
        (Lao Động points it at its media host), else the page's URL."""
        return urljoin(self.url, self.tree.xpath("string(//base/@href)"))

    @cached_property
    def jsonld(self) -> dict[str, Any]:
        return metadata.json_ld_article(self.selector)

    @cached_property
    def trafilatura(self) -> Any:
        date_params = {"original_date": True, "extensive_search": False}
        if self.limit:
            date_params["max_date"] = self.limit.strftime("%Y-%m-%d")
        return trafilatura.bare_extraction(
            self.tree,
            url=self.url,
            favor_precision=True,
            with_metadata=True,
            date_extraction_params=date_params,
            **self.trafilatura_options,
        )

    @property
    def trafilatura_options(self) -> dict[str, Any]:
        prune = [_TRANSLATOR.css_to_xpath(css) for css in self.profile.body_prune] or None
        return {"include_comments": False, "include_tables": True, "prune_xpath": prune}

    def fallback(self, field: str, source: str) -> None:
        if self.profile is not GENERIC:
            logger.warning(
                "extract: %s for %s came from %s, not the %s profile",
                field,
                self.url,
                source,
                self.profile.name,
                extra={"alert": "markup", "site": self.profile.name, "alert_key": field},
            )

    def wrapper_id(self) -> str | None:
        """The article id the page's own wrapper declares (Lao Động's articleid=)."""
        attr = self.profile.article_id_attr
        if not attr or self.wrapper is None:
            return None
        found = self.wrapper.xpath(f"ancestor-or-self::*[@{attr}][1]/@{attr}")
        return str(found[0]) if found else None
