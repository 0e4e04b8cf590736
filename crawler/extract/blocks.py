"""Turn an HTML container into paragraphs and images. Pure lxml."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import html as lxml_html

from crawler.records import Image
from crawler.text import clean_length_floor, clean_text, has_text

BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "figure",
        "figcaption",
        "center",
        "main",
    ]
)
CELL_TAGS = frozenset({"td", "th"})
IMAGE_SOURCES = ("data-src", "data-original", "data-lazy-src", "src")


def paragraphs(root: lxml_html.HtmlElement) -> list[str]:
    """Text of `root`, one string per block; inline markup joins, <br> splits."""
    out: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = clean_text(" ".join("".join(current).split()))
        if text:
            out.append(text)
        current.clear()

    def walk(node: lxml_html.HtmlElement) -> None:
        tag = node.tag if isinstance(node.tag, str) else None
        if tag is None:  # comment or processing instruction: only its tail is text
            current.append(node.tail or "")
            return
        if tag == "br":
            flush()
            current.append(node.tail or "")
            return
        block = tag in BLOCK_TAGS
        if block:
            flush()
        if (
            tag in CELL_TAGS
            and isinstance(node.getprevious(), lxml_html.HtmlElement)
            and node.getprevious().tag in CELL_TAGS
        ):
            current.append(" | ")  # keep table columns apart: "Kỳ Anh | 4 | 200 triệu đồng"
        current.append(node.text or "")
        for child in node:
            walk(child)
        if block:
            flush()
        current.append(node.tail or "")

    current.append(root.text or "")
    for child in root:
        walk(child)
    flush()
    return out


def _text(element: lxml_html.HtmlElement) -> str:
    return clean_text(" ".join(element.text_content().split()))


def _same_text(element: lxml_html.HtmlElement, other: lxml_html.HtmlElement) -> bool:
    """_text(element) == _text(other), without cleaning a long `element` (a photo's holder
    may be the whole body) that could not clean to `other`'s text."""
    mine, theirs = (" ".join(el.text_content().split()) for el in (element, other))
    if mine == theirs:
        return True
    text = clean_text(theirs)
    return clean_length_floor(mine) <= len(text) and clean_text(mine) == text


_ITALIC = re.compile(r"font-style\s*:\s*italic", re.IGNORECASE)
_CENTERED = re.compile(r"text-align\s*:\s*center", re.IGNORECASE)


def _italic_text(element: lxml_html.HtmlElement) -> str:
    parts = [el for el in element.iter() if el.tag in ("em", "i") or _ITALIC.search(el.get("style") or "")]
    return clean_text(" ".join(" ".join(el.text_content().split()) for el in parts if el.getparent() not in parts))


def _reads_as_caption(element: lxml_html.HtmlElement) -> bool:
    """Short text set apart as a caption: in italics, or centred under the photo."""
    text = _text(element)
    if not text or len(text) > 300 or element.find(".//img") is not None:
        return False
    return _italic_text(element) == text or bool(
        _CENTERED.search(element.get("style") or "") or element.get("align") == "center"
    )


def caption_paragraph(img: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    """A caption an editor typed under a photo (NukeViet and other WYSIWYG bodies):
    <p><img></p><p><em>Caption</em></p>, or <p><img><br><em>Caption</em></p>."""
    holder = next((a for a in img.iterancestors() if a.tag in ("p", "div")), None)
    if holder is None:
        return None
    after = [el for el in img.itersiblings() if el.tag != "br"]
    if len(after) == 1 and _reads_as_caption(after[0]) and _same_text(holder, after[0]):
        return after[0]  # the caption shares the photo's paragraph
    if has_text(holder.text_content()):
        return None
    following = holder.getnext()
    return (
        following if following is not None and following.tag in ("p", "div") and _reads_as_caption(following) else None
    )


def photo_caption(img: lxml_html.HtmlElement) -> str | None:
    """The caption printed with a photo: its <figure>'s figcaption, the text cell of a
    photo table, a *caption* element in the photo's own wrapper, or an italic paragraph
    right after it."""
    typed = caption_paragraph(img)
    if typed is not None:
        return _text(typed)
    for depth, ancestor in enumerate(img.iterancestors()):
        if ancestor.tag == "figure":
            texts = ancestor.xpath(".//figcaption//text()")
        elif ancestor.tag == "table":
            texts = ancestor.xpath(".//td[not(.//img)]//text()")
        elif depth < 2 and len(ancestor.xpath(".//img")) == 1:
            texts = ancestor.xpath(
                ".//*[contains(translate(@class, 'C', 'c'), 'caption') or contains(@class, 'desc')"
                " or contains(@class, 'chu-thich')]//text()"
            )
        else:
            continue
        caption = clean_text(" ".join(" ".join(texts).split()))
        if caption or ancestor.tag in ("figure", "table"):
            return caption or None
    return None


def drop_caption_paragraphs(root: lxml_html.HtmlElement) -> None:
    """Remove photo captions typed into the body, and tables that only frame a photo and
    its caption: they belong to `images`."""
    for img in list(root.iter("img")):
        caption = caption_paragraph(img)
        if caption is not None:
            caption.drop_tree()
    for table in list(root.iter("table")):
        if len(table.xpath(".//img")) == 1 and len(_text(table)) <= 300 and len(table.xpath(".//tr")) <= 3:
            table.drop_tree()


def images(root: lxml_html.HtmlElement, base_url: str) -> list[Image]:
    """Images under `root` with their captions; lazy-load attributes preferred over src."""
    found: dict[str, Image] = {}
    for img in root.iter("img"):
        source = next((img.get(a) for a in IMAGE_SOURCES if (img.get(a) or "").strip()), None)
        if not source or source.startswith("data:"):
            continue
        url = urljoin(base_url, source.strip())
        if url not in found:
            found[url] = Image(url=url, caption=photo_caption(img))
    return list(found.values())


def densest(root: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    """The element whose own <p> children hold the most text: an article body whose class
    names are unknown."""
    best, best_size = None, 0
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        size = sum(len(" ".join(p.text_content().split())) for p in element if p.tag == "p")
        if size > best_size:
            best, best_size = element, size
    return best
