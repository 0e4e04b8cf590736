"""The article's body read off a Document: its paragraphs and the extraction method, from the
profile's container or else the generic path. Pure."""

from __future__ import annotations

import copy

from lxml import html as lxml_html

from crawler.extract import blocks, boilerplate
from crawler.extract.document import Document
from crawler.extract.generic import choose_body
from crawler.sites.css import drop_all, select


def container(page: Document) -> lxml_html.HtmlElement | None:
    """The profile's body element inside the article, None when the profile finds none."""
    if page.article is None:
        return None
    for query in page.profile.body:
        found = select(page.article, query)
        if found:
            return found[0]
    if page.profile.body_by_density:
        return blocks.densest(page.article)
    return None


def paragraphs(page: Document, title: str, lead: str | None, author: str | None) -> tuple[list[str], str]:
    """(paragraphs, extraction method): "profile" when the CMS profile's container was
    found, else the generic path's choice (see crawler.extract.generic)."""
    found = container(page)
    if found is not None:
        pruned = copy.deepcopy(found)
        blocks.drop_caption_paragraphs(pruned)  # before the photos themselves are pruned
        drop_all(pruned, page.profile.prune)  # furniture and related boxes are already gone
        paras, method = blocks.paragraphs(pruned), "profile"
    else:
        text, method = choose_body(page.text, page.url, page.trafilatura, page.trafilatura_options)
        page.fallback("body", method)
        paras = [line.strip() for line in text.splitlines()]
    return boilerplate.clean_paragraphs(paras, title, lead, author), method
