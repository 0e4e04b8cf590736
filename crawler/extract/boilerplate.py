"""Page furniture that survives selectors: related boxes inside the body, end-of-article
blocks, mastheads, photo credits and byline residue. Pure."""

from __future__ import annotations

import re

from lxml import html as lxml_html

from crawler.sites.css import string_value
from crawler.text import clean_length_floor, clean_text, fold, visible_nfc

# Headings of boxes that can sit *inside* the body ("Tin liên quan" on Lao Động, "Đọc thêm"
# on Báo Hà Tĩnh): the box goes, the text after it stays.
BOX_PHRASES = ("tin liên quan", "bài liên quan", "tin bài liên quan", "xem thêm", "đọc thêm", "có thể bạn quan tâm")
_BOX_WORDS = rf"(?:>>|»|›|\+)?\s*(?:{'|'.join(BOX_PHRASES)})"
BOX_HEADINGS = re.compile(rf"^{_BOX_WORDS}\s*:?$", re.IGNORECASE)
# The same words leading a line of links: "Đọc thêm: <a>…</a>", ">> Xem thêm: <a>…</a>".
BOX_LINE = re.compile(rf"^{_BOX_WORDS}\s*:", re.IGNORECASE)
# Headings that open the furniture after an article: the body ends there.
END_HEADINGS = re.compile(
    r"^(tin mới nhất|gợi ý dành cho bạn|tin cùng chuyên mục|ý kiến bạn đọc|bình luận|"
    r"những tin mới hơn|những tin cũ hơn|tin khác)\s*:?$",
    re.IGNORECASE,
)
# Lines that are never article text (Lao Động's masthead in any case, photo credits).
DROP_LINES = re.compile(
    r"^(cơ quan của tổng liên đoàn lao động việt nam.*|mới nhất|tiếng nói của công nhân.*"
    r"|(ảnh|nguồn ảnh|video|clip)\s*:.{0,60})$",
    re.IGNORECASE,
)
_AUTHOR_DATE = re.compile(r"[|\-–,]?\s*(\d{1,2}:\d{2}\s*,?\s*)?\d{1,2}/\d{1,2}/\d{4}.*$")
_AUTHOR_LABEL = re.compile(r"^(tác giả( bài viết)?|bài và ảnh|bài|theo)\s*:\s*", re.IGNORECASE)
_LABEL = re.compile(r"^[^:]{1,25}:\s*")
_LIST_TAGS = frozenset({"ul", "ol"})
_LONG = 400  # box headings and "Đọc thêm: <links>" lines are shorter
# A word of every box phrase that clean_text cannot create: it only moves a tone mark from
# a toned a/e/y onto the o/u before it, and neither word holds such a pair.
BOX_WORD = re.compile("quan|thêm", re.IGNORECASE)


def _spaced_text(element: lxml_html.HtmlElement) -> str:
    return " ".join(string_value(element).split())


def _own_text(element: lxml_html.HtmlElement) -> str:
    return clean_text(_spaced_text(element))


def _box_text(element: lxml_html.HtmlElement) -> str | None:
    """_own_text(element) when it could be a box heading or a box line; None, without
    cleaning it (the element may be the whole body), when it is too long or has no box word.

    >>> all(BOX_WORD.search(phrase) for phrase in BOX_PHRASES)
    True
    """
    spaced = _spaced_text(element)
    if clean_length_floor(spaced) >= _LONG or not BOX_WORD.search(visible_nfc(spaced)):
        return None
    return clean_text(spaced)


def _link_share(element: lxml_html.HtmlElement) -> float:
    text = len(_own_text(element))
    links = sum(len(_own_text(a)) for a in element.iter("a"))
    return links / text if text else 0.0


def drop_related_boxes(container: lxml_html.HtmlElement) -> None:
    """Remove in-body related boxes found by their heading, whatever their class names.

    The box is the heading's parent when the heading opens it or links fill it; a bare
    heading takes the link list or link paragraph after it along; a "Đọc thêm: <links>"
    line goes whole.
    """
    for element in list(container.iter("p", "div", "h2", "h3", "h4", "h5", "h6", "strong", "b", "span", "li")):
        parent = element.getparent()
        if parent is None or not any(a is container for a in (element, *element.iterancestors())):
            continue  # already dropped with a box
        text = _box_text(element)
        if text is None:
            continue
        if BOX_LINE.match(text) and not BOX_HEADINGS.match(text) and _link_share(element) >= 0.5 and len(text) < _LONG:
            element.drop_tree()
            continue
        if not BOX_HEADINGS.match(text):
            continue
        opens_parent = _own_text(parent).startswith(text)
        if parent is not container and parent.tag != "p" and (opens_parent or _link_share(parent) >= 0.6):
            parent.drop_tree()
            continue
        following = element.getnext()
        if following is not None and (following.tag in _LIST_TAGS or _link_share(following) >= 0.8):
            following.drop_tree()
        element.drop_tree()


def clean_paragraphs(paras: list[str], title: str, lead: str | None, author: str | None) -> list[str]:
    """Drop repeats of title, lead and byline and furniture lines; stop at end-of-article blocks."""
    kept: list[str] = []
    skip = {fold(title), fold(lead or ""), fold(author or "") or None}
    for para in paras:
        para = clean_text(para)
        if not para or DROP_LINES.match(para) or BOX_HEADINGS.match(para) or fold(para) in skip:
            continue
        if BOX_LINE.match(para) and len(para) < 200:  # a surviving "Xem thêm: <title>" line
            continue
        if END_HEADINGS.match(para):
            break
        kept.append(para)
    return kept


def clean_author(raw: str | None, noise: str | None = None) -> str | None:
    """A byline without labels, dates or the paper's tag ("Trần Trọng LDO | 19/07/2022" → "Trần Trọng")."""
    if not raw:
        return None
    author = _AUTHOR_DATE.sub("", clean_text(raw))
    if noise:
        author = re.sub(noise, "", author)
    author = _AUTHOR_LABEL.sub("", author.strip(" |-–,"))
    return clean_text(author.strip(" |-–,")) or None


def clean_label(text: str | None) -> str | None:
    """The value of a labelled line ("Nguồn tin: Báo Cao Bằng" → "Báo Cao Bằng")."""
    if not text:
        return None
    return clean_text(_LABEL.sub("", clean_text(text))) or None


_SENTENCE_END = re.compile(r"[.!?…:;,”\"']$")


def is_byline(line: str) -> bool:
    """A short line that reads as a name or an office, not a sentence ("Nguyễn Xuân",
    "Văn phòng Công đoàn Viên chức"): the byline some sites print as the last body line."""
    words = line.split()
    return (
        0 < len(words) <= 8
        and len(line) <= 60
        and not _SENTENCE_END.search(line)
        and not line[0].isdigit()
        and line[0].isupper()
    )
