"""The article's body read off a Document: its paragraphs and the extraction method, from the
profile's container or else the generic path, and the same body as printed (HTML). Pure."""

from __future__ import annotations

import copy
from urllib.parse import urljoin

from lxml import html as lxml_html

from crawler.extract import blocks, boilerplate, structure
from crawler.extract.document import Document
from crawler.extract.generic import choose_body
from crawler.records import Image
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


def body_html(page: Document, paragraphs: list[str], images: list[Image]) -> str:
    """The body as printed, clean and safe HTML whose blocks' text is "\\n\\n".join(paragraphs):
    call it with the final paragraphs (after a last-line byline is taken off) and the
    article's images, whose captions its figures print."""
    found = container(page)
    if found is None:
        return structure.paragraph_html(paragraphs)
    # Links and photos resolve like a browser does, against <base href> (as Article.images do).
    base = urljoin(page.url, page.tree.xpath("string(//base/@href)"))
    captions = {image.url: image.caption for image in images}
    return structure.build(found, paragraphs, base, page.profile.prune, captions)
