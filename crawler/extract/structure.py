"""The article body as printed (`body_html`): its paragraphs, subheadings, lists, tables and
figures as clean, safe HTML whose blocks' text is the plain `body`. Pure."""

from __future__ import annotations

import copy
import html
import logging
from dataclasses import dataclass
from urllib.parse import urljoin

import nh3
from lxml import etree
from lxml import html as lxml_html

from crawler.extract import blocks
from crawler.extract.boilerplate import END_HEADINGS
from crawler.sites.css import drop_all
from crawler.text import has_text

logger = logging.getLogger(__name__)

# The allow-list: everything else, element or attribute, goes (issue 14).
TAGS = frozenset(
    {"p", "h2", "h3", "h4", "ul", "ol", "li", "blockquote", "strong", "em", "b", "i", "br", "a"}
    | {"table", "thead", "tbody", "tr", "th", "td", "figure", "img", "figcaption"}
)
ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
# Removed with their content, not only their tags: their text was never article text.
_CLEAN_CONTENT = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "title", "textarea"}
)
_URL_ATTRIBUTES = frozenset({"href", "src"})

# Blocks kept as they are (their insides normalized); headings outside h2–h4 are mapped in.
_STRUCTURAL = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote"})
_HEADINGS = {"h1": "h2", "h5": "h4", "h6": "h4"}
_TABLE_PARTS = {"tfoot": "tbody"}
_GRIDS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "ul", "ol"})
# CMS wrappers: unwrapped when they hold blocks, else a paragraph (a div is a paragraph
# boundary for blocks.paragraphs, so unwrapping it inline would merge paragraphs).
# A figcaption the profile left in the text is one too: its text is in `body`.
_WRAPPERS = blocks.BLOCK_TAGS - _STRUCTURAL - {"li", "thead", "tbody", "tfoot", "tr", "figure"}
# Mark a photo (and the figure made of it) and its absolute URL while the tree is rebuilt;
# no source attribute survives the sanitizer.
_FIGURE = "data-structure-figure"
_FIGURE_SRC = "data-structure-src"


@dataclass
class Prepared:
    """The profile's body container copied, its photos marked, then pruned as the plain text
    is: the plain paragraphs are read off `root`, and body_html is built from it after."""

    root: lxml_html.HtmlElement
    photos: list[tuple[lxml_html.HtmlElement, list[lxml_html.HtmlElement]]]
    order: dict[lxml_html.HtmlElement, int]


def prepare(container: lxml_html.HtmlElement, base_url: str, prune: tuple[str, ...]) -> Prepared:
    """Copy and prune the profile's body `container` once for both the plain text and
    body_html; `prune` is the profile's body prune, `base_url` resolves the photos."""
    root = copy.deepcopy(container)
    _mark_figures(root, base_url)
    order = {element: index for index, element in enumerate(root.iter())}
    # Each photo with its ancestors, which a dropped frame no longer leads to.
    photos = [(img, list(img.iterancestors())) for img in root.iter("img") if img.get(_FIGURE)]
    blocks.drop_caption_paragraphs(root)  # as the plain text does, before the photos are pruned
    drop_all(root, prune)
    return Prepared(root, photos, order)


def build(prepared: Prepared, kept: list[str], base_url: str, captions: dict[str, str | None]) -> str:
    """body_html from a prepared body (used once: it is rebuilt in place): the blocks whose
    text clean_paragraphs kept (`kept`, in order), each photo a <figure> where it stood, with
    the caption Article.images read for its URL (`captions`). `base_url` resolves links.

    Whatever the page, the result's text (`body_text`) is "\\n\\n".join(kept): where the
    structure cannot be aligned with `kept`, the paragraphs are printed one <p> each.
    """
    root = prepared.root
    _place_figures(root, prepared.photos, prepared.order)
    _unwrap_inline_around_blocks(root)
    out, aligned = _keep(_flatten(root), kept)
    # The blocks' text is the body by construction when every kept paragraph found its block
    # and the sanitizer has no content to empty (a script, a style); else read it back.
    certain = aligned and next(out.iter(*_CLEAN_CONTENT), None) is None
    for figure in out.iter("figure"):
        caption = captions.get(figure[0].get("src", ""))  # the figure's photo, its absolute URL
        if caption:
            etree.SubElement(figure, "figcaption").text = caption
        del figure.attrib[_FIGURE]
    for link in out.iter("a"):
        if link.get("href"):
            link.set("href", urljoin(base_url, link.get("href", "").strip()))
    result = sanitize("".join(lxml_html.tostring(block, encoding="unicode") for block in out))
    if not certain and body_text(result) != "\n\n".join(kept):  # the structure disagrees: print the text
        logger.warning("body_html for %s: its structure does not align with the body; kept as paragraphs", base_url)
        return paragraph_html(kept)
    return result


def paragraph_html(kept: list[str]) -> str:
    """body_html for a body known only as paragraphs (the generic path): one <p> each."""
    return "".join(f"<p>{html.escape(paragraph, quote=False)}</p>" for paragraph in kept)


def body_text(body_html: str) -> str:
    """The plain text of body_html's blocks, figure captions left out: `body`."""
    if not body_html.strip():
        return ""
    root = lxml_html.fragment_fromstring(body_html, create_parent="div")
    for caption in list(root.iter("figcaption")):
        caption.drop_tree()
    return "\n\n".join(blocks.paragraphs(root))


def _http_only(tag: str, attribute: str, value: str) -> str | None:
    # url_schemes lets relative URLs through; every URL was made absolute before, so a
    # value that is not http(s) here is one no reader should follow.
    if attribute in _URL_ATTRIBUTES and not value.strip().lower().startswith(("http://", "https://")):
        return None
    return value


def sanitize(fragment: str) -> str:
    """The allow-list sanitizer (nh3, Ammonia), the last step: only TAGS and ATTRIBUTES,
    http(s) URLs only."""
    return nh3.clean(
        fragment,
        tags=set(TAGS),
        clean_content_tags=set(_CLEAN_CONTENT),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=_http_only,
        strip_comments=True,
        link_rel=None,
        url_schemes={"http", "https"},
    )


def _source(img: lxml_html.HtmlElement) -> str | None:
    source = next((img.get(a) for a in blocks.IMAGE_SOURCES if (img.get(a) or "").strip()), None)
    return None if not source or source.strip().startswith("data:") else source.strip()


def _mark_figures(root: lxml_html.HtmlElement, base_url: str) -> None:
    """Mark each photo (first of its URL, as Article.images counts them) with a figure key
    and its absolute URL."""
    seen: set[str] = set()
    for img in root.iter("img"):
        source = _source(img)
        url = urljoin(base_url, source) if source is not None else None
        if url is None or url in seen:
            continue
        seen.add(url)
        img.set(_FIGURE, str(len(seen)))
        img.set(_FIGURE_SRC, url)


def _attached(element: lxml_html.HtmlElement, root: lxml_html.HtmlElement) -> bool:
    return element is root or any(ancestor is root for ancestor in element.iterancestors())


def _place_figures(
    root: lxml_html.HtmlElement,
    photos: list[tuple[lxml_html.HtmlElement, list[lxml_html.HtmlElement]]],
    order: dict[lxml_html.HtmlElement, int],
) -> None:
    """Put a <figure> where each photo stood, though the profile pruned the photo with its
    frame (figure, table.picture, caption): before the first element that followed it."""
    for img in list(root.iter("img")):  # a photo without a usable source, or a repeat
        if img.get(_FIGURE) is None:
            img.drop_tree()
    for img, ancestors in photos:
        figure = lxml_html.Element("figure", {_FIGURE: img.get(_FIGURE, "")})
        etree.SubElement(figure, "img", {"src": img.get(_FIGURE_SRC, ""), "alt": img.get("alt") or ""})
        if _attached(img, root):
            figure.tail = img.tail
            img.getparent().replace(img, figure)
            continue
        holder = next((a for a in ancestors if _attached(a, root)), None)
        if holder is None:
            continue
        after = next((child for child in holder if order.get(child, -1) > order[img]), None)
        if after is None:
            holder.append(figure)
        else:
            after.addprevious(figure)


def _is_block(element: lxml_html.HtmlElement) -> bool:
    return isinstance(element.tag, str) and (element.tag in blocks.BLOCK_TAGS or element.tag in _TABLE_PARTS)


def _unwrap_inline_around_blocks(root: lxml_html.HtmlElement) -> None:
    """An inline element (span, font, a…) holding a block: its tag goes, its content stays."""
    for element in reversed(list(root.iter())):
        if element is not root and not _is_block(element) and element.tag != "br" and any(map(_is_block, element)):
            element.drop_tag()


def _paragraph(parts: list[str | lxml_html.HtmlElement]) -> lxml_html.HtmlElement | None:
    """A <p> of an inline run (text and inline elements), None when it holds no text."""
    paragraph = lxml_html.Element("p")
    for part in parts:
        if isinstance(part, str):
            if len(paragraph):
                paragraph[-1].tail = (paragraph[-1].tail or "") + part
            else:
                paragraph.text = (paragraph.text or "") + part
        else:
            paragraph.append(part)
    return paragraph if paragraph.text_content().strip() else None


def _flatten(root: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """The top-level blocks of `root`: wrappers unwrapped, inline runs made paragraphs."""
    out: list[lxml_html.HtmlElement] = []
    run: list[str | lxml_html.HtmlElement] = [root.text or ""]

    def flush() -> None:
        paragraph = _paragraph(run)
        if paragraph is not None:
            out.append(paragraph)
        run.clear()

    for child in list(root):
        tail, child.tail = child.tail or "", None
        if not isinstance(child.tag, str):
            run.append(tail)  # a comment: only its tail is text
            continue
        if child.tag == "figure" and child.get(_FIGURE) is not None:
            flush()
            out.append(child)
        elif child.tag in _STRUCTURAL:
            flush()
            out.append(_normalize(child))
        elif child.tag in _WRAPPERS or _is_block(child):
            flush()
            out.extend(_flatten(child))
        else:
            run.append(child)
        run.append(tail)
    flush()
    return out


def _normalize(block: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """A structural block with its insides normalized: wrappers holding blocks unwrapped,
    the others paragraphs; headings mapped to h2–h4, tfoot to tbody."""
    for element in reversed(list(block.iter())):
        if not isinstance(element.tag, str) or element.get(_FIGURE) is not None:
            continue
        if element.tag in _GRIDS:  # the source's indentation between rows and items is not text
            element.text = element.text if has_text(element.text) else None
            for child in element:
                child.tail = child.tail if has_text(child.tail) else None
        if element.tag in _HEADINGS:
            element.tag = _HEADINGS[element.tag]
        elif element.tag in _TABLE_PARTS:
            element.tag = _TABLE_PARTS[element.tag]
        elif element is not block and element.tag in _WRAPPERS:
            if any(map(_is_block, element)):
                element.drop_tag()
            else:
                element.tag = "p"
                element.attrib.clear()
    return block


def _keep(found: list[lxml_html.HtmlElement], kept: list[str]) -> tuple[lxml_html.HtmlElement, bool]:
    """The blocks of `found` whose paragraphs are `kept`, in order, under one <div>: a block
    whose paragraphs were all dropped goes, one partly kept becomes its kept paragraphs;
    after an end-of-article heading (where clean_paragraphs stops) nothing stays. Also
    whether every kept paragraph found its place."""
    out = lxml_html.Element("div")
    index = 0
    for block in found:
        texts = blocks.paragraphs(block)
        if not texts:
            if block.tag == "figure" or block.find(".//figure") is not None:
                out.append(block)
            continue
        if texts == kept[index : index + len(texts)]:
            out.append(block)
            index += len(texts)
            continue
        mine = []
        for text in texts:
            if index < len(kept) and text == kept[index]:
                mine.append(text)
                index += 1
        if not mine and any(END_HEADINGS.match(text) for text in texts):
            break
        for text in mine:
            etree.SubElement(out, "p").text = text
        out.extend(copy.deepcopy(figure) for figure in block.iter("figure"))
    return out, index == len(kept)
