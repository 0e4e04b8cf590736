"""The generic path's link filter: lines of the body that are links on the page go (related
stories, "read also"), but for the article's own lists of links and prose with links in it.
Pure; reads the page's tree, never changes it.

Lines and page blocks are matched by `key`, their words lower-cased: trafilatura's text and
the tree's text differ in spacing and punctuation, not in words.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from lxml import html as lxml_html

LINKED = 0.6  # share of a paragraph or list item's text inside links that makes it a link
NAMED_WORDS = 6  # mean words per item of a list of named things; headlines run longer
SENTENCE_WORDS = 8  # words of its own a paragraph with links in it has when it is prose
HEADING_LENGTH = 60  # characters: a line before a list this short may be its heading
HEADING_REACH = 12  # siblings looked back over for a list's heading
SENTENCE_LINKS = 5  # more links than this in one paragraph is a link list or a hover-card mess

_WORD = re.compile(r"\w+")
BodyList = tuple[lxml_html.HtmlElement, list[lxml_html.HtmlElement]]  # (paragraph before it, its items)


def key(text: str) -> str:
    """
    >>> key("Read more: «The Quiet Ferry», reviewed!")
    'read more the quiet ferry reviewed'
    """
    return " ".join(_WORD.findall(text.lower()))


@dataclass(frozen=True)
class Lines:
    """The body's lines, each with its key, read once: every mend below asks for them."""

    text: tuple[str, ...]
    keys: tuple[str, ...]

    @classmethod
    def of(cls, text: str | list[str]) -> Lines:
        lines = text.splitlines() if isinstance(text, str) else text
        return cls(tuple(lines), tuple(key(line) for line in lines))

    def where(self, keep: list[bool]) -> Lines:
        """The lines whose `keep` is true.

        >>> Lines.of(["One.", "Two!", "Three?"]).where([True, False, True]).text
        ('One.', 'Three?')
        >>> Lines.of(["Read more: «A»"]).keys
        ('read more a',)
        """
        pairs = [(line, found) for line, found, kept in zip(self.text, self.keys, keep, strict=True) if kept]
        return Lines(tuple(line for line, _ in pairs), tuple(found for _, found in pairs))

    def __str__(self) -> str:
        return "\n".join(self.text)


class PageLinks:
    """The page's tree and its links, each link's words read once: the link filter, the list
    finder and the teaser finder all ask about the same few hundred links."""

    def __init__(self, tree: lxml_html.HtmlElement) -> None:
        self.tree = tree
        self.links = list(tree.iter("a"))
        self._words: dict[lxml_html.HtmlElement, str] = {}

    def words(self, link: lxml_html.HtmlElement) -> str:
        """The link's key, read on first asking: most links are never asked about."""
        found = self._words.get(link)
        if found is None:
            found = self._words[link] = key(link.text_content())
        return found

    def within(self, element: lxml_html.HtmlElement) -> list[str]:
        """The keys of the element's links that have text."""
        return [words for link in element.iter("a") if (words := self.words(link))]

    def mostly_link(self, element: lxml_html.HtmlElement) -> bool:
        """The element reads as a link: inside one, or most of its text in links, unless it
        is a paragraph of prose with a few links in it (a sentence naming its sources)."""
        if any(ancestor.tag == "a" for ancestor in element.iterancestors()):
            return bool(element.text_content().strip())  # a teaser's snippet wrapped in its link
        return self._link_dense(element)

    def _link_dense(self, element: lxml_html.HtmlElement, text: str | None = None) -> bool:
        """Most of the element's text (its key, if already read) is in its links."""
        links = self.within(element)
        if not links:
            return False
        text = key(element.text_content()) if text is None else text
        if sum(len(link) + 1 for link in links) < LINKED * (len(text) + 1):
            return False
        own_words = len(text.split()) - sum(len(link.split()) for link in links)
        return not (element.tag == "p" and 2 <= len(links) <= SENTENCE_LINKS and own_words >= SENTENCE_WORDS)

    def linked_blocks(self, among: set[str]) -> set[str]:
        """Those of the keys `among` that are the page's paragraphs and list items reading as
        links: teasers of other articles, which trafilatura keeps when they sit inside the
        article. Only a block whose text is among them is weighed: most are not."""
        wrapped = {key(element.text_content()) for link in self.links for element in link.iter("p", "li")}
        holders = {ancestor for link in self.links for ancestor in link.iterancestors("p", "li")}
        weighed = ((element, key(element.text_content())) for element in holders)
        dense = {text for element, text in weighed if text in among and self._link_dense(element, text)}
        return (wrapped & among | dense) - {""}


def without_links(lines: Lines, links: PageLinks, lists: list[BodyList]) -> Lines:
    """The lines less those that read as links on the page, but for the items of the
    article's own `lists` (see lists_in_body)."""
    kept = {key(item.text_content()) for _, items in lists for item in items}
    linked = (links.linked_blocks(set(lines.keys)) | _related_items(links)) - kept
    return lines.where([not (found and found in linked) for found in lines.keys])


def _related_items(links: PageLinks) -> set[str]:
    """The keys of the items of lists with links under a "related" heading ("More great
    stories", "Read also"): other stories, however little of each item is link text."""
    listings = {item.getparent() for link in links.links for item in link.iterancestors("li")}
    found: set[str] = set()
    for listing in listings - {None}:
        if listing.tag in ("ul", "ol") and _RELATED.search(_heading_before(listing)):
            found |= {key(item.text_content()) for item in listing if item.tag == "li" and links.within(item)}
    return found


def with_body_lists(lines: Lines, lists: list[BodyList]) -> Lines:
    """The lines with the article's `lists` the precise pass cut (it drops link-dense lists)
    put back where they stand, after the paragraph before them."""
    text, keys = list(lines.text), list(lines.keys)
    for before, items in lists:
        missing = [" ".join(item.text_content().split()) for item in items if key(item.text_content()) not in keys]
        at = keys.index(key(before.text_content())) + 1
        text[at:at] = missing
        keys[at:at] = [key(line) for line in missing]
    return Lines(tuple(text), tuple(keys))


def lists_in_body(lines: Lines, links: PageLinks) -> list[BodyList]:
    """The lists (the paragraph before each, its <li> children) that are part of the
    article: each stands between two of its paragraphs (of `lines`), among the same
    siblings, outside any aside, footer, nav or header, under no "related" heading, and its
    items are links naming things (the games, products or documents the text names). A link
    list after the body's last paragraph, or of other stories' headlines, is not."""
    keys = set(lines.keys) - {""}
    found = []
    for listing in links.tree.iter("ul", "ol"):
        before, after = _sibling_paragraph(listing, "previous"), _sibling_paragraph(listing, "next")
        if before is None or after is None:
            continue
        if key(before.text_content()) not in keys or key(after.text_content()) not in keys:
            continue
        items = [child for child in listing if child.tag == "li"]
        if any(ancestor.tag in OUTSIDE_BODY for ancestor in listing.iterancestors()) or not _named_links(items, links):
            continue
        if not _RELATED.search(_heading_before(listing)):
            found.append((before, items))
    return found


OUTSIDE_BODY = frozenset({"aside", "footer", "nav", "header"})
# At the start of the heading: "work-related" or "More than 20 stories were told" is not one.
_RELATED = re.compile(
    r"(?i)^\W*(?:related\b|read (?:also|more)\b|see also\b|more (?:from|on)\b|more(?: \w+){0,3} stories\b"
    r"|mehr zum thema|lesen sie auch|auch interessant|lire aussi|đọc thêm|(?:các )?(?:tin|bài) liên quan|xem thêm"
    r"|cùng chuyên mục)"
)


def _named_links(items: list[lxml_html.HtmlElement], links: PageLinks) -> bool:
    """Items that are each a link naming a thing (a game, a product, a document): short, where
    a list of other stories is a list of headlines."""
    words = [len(key(item.text_content()).split()) for item in items]
    return bool(items) and all(links.mostly_link(item) for item in items) and sum(words) <= NAMED_WORDS * len(words)


def _sibling_paragraph(element: lxml_html.HtmlElement, side: str) -> lxml_html.HtmlElement | None:
    """The paragraph before (or after) `element` among the HEADING_REACH siblings that way,
    over lists and figures only: a heading or another block between is another run of text."""
    for sibling in itertools.islice(element.itersiblings(preceding=side == "previous"), HEADING_REACH):
        if sibling.tag == "p" and key(sibling.text_content()):
            return sibling
        if sibling.tag not in ("ul", "ol", "figure") and isinstance(sibling.tag, str):
            return None
    return None


def _heading_before(element: lxml_html.HtmlElement) -> str:
    """The text of the heading over `element`: the nearest heading sibling among the
    HEADING_REACH before it, or the first sibling with text when it is a short line set as
    one (a styled <div>, <b> or <span>; an <hr> between does not count, a <p> is the text).

    >>> page = lxml_html.fromstring('<div><h3>Related</h3><hr><ul><li>x</li></ul><b>Next up</b><ol></ol></div>')
    >>> _heading_before(page.find("ul")), _heading_before(page.find("ol"))
    ('Related', 'Next up')
    """
    seen_text = False
    for sibling in itertools.islice(element.itersiblings(preceding=True), HEADING_REACH):
        text = " ".join(sibling.text_content().split())
        if not text:
            continue
        if sibling.tag in _HEADING_TAGS or (
            not seen_text and sibling.tag in _LINE_TAGS and len(text) <= HEADING_LENGTH
        ):
            return text
        seen_text = True
    return ""


_HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6", "strong"})
_LINE_TAGS = frozenset({"div", "b", "span", "header"})
