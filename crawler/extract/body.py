"""The article's body read off a Document: its paragraphs and the extraction method, from the
profile's container or else the generic path, and the same body as printed (HTML). Pure."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import html as lxml_html

from crawler.extract import blocks, boilerplate, structure
from crawler.extract.document import Document
from crawler.extract.generic import choose_body
from crawler.records import Image
from crawler.sites.css import select


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


@dataclass
class Body:
    """The body as read: its paragraphs, how they were found, and the prepared container
    body_html is built from (None on the generic path, which knows only paragraphs)."""

    paragraphs: list[str]
    method: str
    prepared: structure.Prepared | None = None
    base_url: str = ""

    def html(self, kept: list[str], images: list[Image]) -> str:
        """body_html of the final paragraphs `kept` (after a last-line byline is taken off),
        its figures captioned as `images` are. Call it once."""
        if self.prepared is None:
            return structure.paragraph_html(kept)
        return structure.build(self.prepared, kept, self.base_url, {image.url: image.caption for image in images})


def read(page: Document, title: str, lead: str | None, author: str | None) -> Body:
    """The paragraphs and extraction method: "profile" when the CMS profile's container was
    found, else the generic path's choice (see crawler.extract.generic)."""
    found = container(page)
    if found is not None:
        # One copy, pruned once (captions, then furniture), for the text and for body_html.
        prepared = structure.prepare(found, page.base_url, page.profile.prune)
        paras = blocks.paragraphs(prepared.root)
        return Body(boilerplate.clean_paragraphs(paras, title, lead, author), "profile", prepared, page.base_url)
    text, method = choose_body(page)
    page.fallback("body", method)
    paras = [line.strip() for line in text.splitlines()]
    return Body(boilerplate.clean_paragraphs(paras, title, lead, author), method)
