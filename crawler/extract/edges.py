"""The edges of the generic path's body: the short closing lines trafilatura's precise pass
cut from the article (a credit, a contact line, an afterword), and what the page set around
it that is not the article (the next story of an endless scroll, runs of teasers, and what
follows the end of the article the page declares in its JSON-LD). Pure; reads the page's
tree, never changes it.
"""

from __future__ import annotations

import re
from itertools import groupby
from typing import Any

from lxml import html as lxml_html

from crawler.extract.evaluate import distinct_shingles, holds, without_tags
from crawler.extract.links import Lines, PageLinks, key

TRAILING_LINES = 3  # closing lines a body may have after its last paragraph
TRAILING_LENGTH = 200  # characters: a credit or contact line; a longer one is a paragraph precision judged
TEASER_RUN = 3  # sibling teasers in a row that make a run of them
TEASER_LENGTH = 340  # characters of a teaser, spaces aside: a headline and a snippet
HEADLINE_WORDS = 3  # a link naming a story has at least this many words
DECLARED_SHARE = 0.5  # articleBody at least this share of the body's text: the whole article, not a teaser
DECLARED_FOUND = 0.7  # share of articleBody the body must hold: both name the same article
DECLARED_TAIL = 0.3  # share of the text after articleBody's end that may go: a box or two, not a story's half
LINE_WORDS = 4  # a line this long can be told by its shingles; a shorter one could be anything
LINE_HELD = 0.2  # share of a line's shingles in articleBody that makes it the article's
_WORD = re.compile(r"\w+")

_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_BLOCKS = ("p", "li", "div", "span", "a", "figcaption", "dd", "dt", *_HEADINGS)


def with_trailing_lines(lines: Lines, links: PageLinks) -> Lines:
    """The lines with the short paragraphs that follow the last one, as its siblings in the
    same container: credits ("Additional reporting by ..."), contact lines, a one-line
    afterword. The run stops at anything else (a heading, a box, a list, a link line)."""
    ending = next((found for found in reversed(lines.keys) if found), None)
    if ending is None:
        return lines
    last = next((p for p in links.tree.iter("p") if key(p.text_content()) == ending), None)
    added: list[str] = []
    sibling = last.getnext() if last is not None else None
    while sibling is not None and len(added) < TRAILING_LINES:
        if not isinstance(sibling.tag, str) or not key(sibling.text_content()):
            sibling = sibling.getnext()
            continue
        line = " ".join(sibling.text_content().split())
        if sibling.tag != "p" or sibling.get("hidden") is not None or links.mostly_link(sibling):
            break
        if len(line) > TRAILING_LENGTH or key(line) in lines.keys:
            break
        added.append(line)
        sibling = sibling.getnext()
    return Lines.of([*lines.text, *added]) if added else lines


def within_article_body(lines: Lines, article_object: dict[str, Any]) -> Lines:
    """The lines less those after the last one the page's JSON-LD articleBody holds: what the
    publisher declares its article ends before the newsletter box, the app promotion or the
    subscription notice. Lines before and between stay (a standfirst, subheadings: articleBody
    often leaves them out), and so does every line when articleBody is a teaser, another
    text, or the article's first part: one that ends inside a line (cut at a length), or
    that would leave more than DECLARED_TAIL of the text after it (a paywall's first
    paragraphs).

    `article_object` is the page's JSON-LD article. isAccessibleForFree decides nothing:
    paywalled publishers often declare the whole text for search engines, and the guards
    above catch one that declares less.

    >>> story = ["Rain fell on the city all night long.", "By dawn the river had burst its banks."]
    >>> body = Lines.of([*story, "Subscribe to our daily newsletter!"])
    >>> within_article_body(body, {"articleBody": " ".join(story)}).text == tuple(story)
    True
    >>> within_article_body(body, {"articleBody": "Rain fell."}).text == body.text
    True
    """
    declared = article_object.get("articleBody")
    if not isinstance(declared, str):
        return lines
    declared = without_tags(declared)
    article, text = distinct_shingles(declared), distinct_shingles(str(lines))
    if len(article) < DECLARED_SHARE * len(text) or not holds(text, article, DECLARED_FOUND):
        return lines
    if _ending(declared) not in {_ending(line) for line in lines.text}:
        return lines  # cut short (a paywall's first paragraphs), or ends on what the text lacks
    held = [at for at, line in enumerate(lines.text) if _held_line(line, article)]
    if not held:
        return lines
    within = lines.where([at <= held[-1] for at in range(len(lines.text))])
    if len(text - distinct_shingles(str(within))) > DECLARED_TAIL * len(text):
        return lines  # more than a box's worth after it: articleBody is the article's first part
    return within


def _ending(text: str) -> tuple[str, ...]:
    """The last few words, as shingles count them: where a text ends. They may run across
    paragraphs: an articleBody whose last paragraph is shorter matches no line, and the rule
    then keeps every line (the safe side).

    >>> _ending("<p>It rained, then it <b>poured</b>.</p>")
    ('rained', 'then', 'it', 'poured')
    """
    return tuple(_WORD.findall(without_tags(text))[-4:])


def _held_line(line: str, article: set[tuple[str, ...]]) -> bool:
    found = distinct_shingles(line)
    return bool(found) and len(line.split()) >= LINE_WORDS and holds(article, found, LINE_HELD)


def without_neighbours(lines: Lines, links: PageLinks) -> Lines:
    """The lines less another story's (an <article> with a headline of its own after the
    page's: the next story of an endless scroll) and less runs of teasers before the first
    line of body or after the last."""
    others = _other_stories(links.tree)
    lines = lines.where([not (found and found in others) for found in lines.keys])
    teasers = _teaser_runs(links)
    body = [at for at, found in enumerate(lines.keys) if found and found not in teasers]
    if not body:
        return lines
    first, last = body[0], body[-1]
    return lines.where([first <= at <= last or found not in teasers for at, found in enumerate(lines.keys)])


def _other_stories(tree: lxml_html.HtmlElement) -> set[str]:
    """Keys of the blocks of the <article> elements with an <h1> of their own, after the
    first such article (the page's), less any the page's article also holds."""
    articles: list[lxml_html.HtmlElement] = []
    for headline in tree.iter("h1"):
        article = next((ancestor for ancestor in headline.iterancestors() if ancestor.tag == "article"), None)
        if article is not None and all(
            article is not seen and seen not in article.iterancestors() for seen in articles
        ):
            articles.append(article)
    if len(articles) < 2:
        return set()
    own = {key(element.text_content()) for element in articles[0].iter(*_BLOCKS)}
    theirs = {key(element.text_content()) for other in articles[1:] for element in other.iter("h1", *_BLOCKS)}
    return theirs - own


def _teaser_runs(links: PageLinks) -> set[str]:
    """Keys of the blocks inside runs of TEASER_RUN or more sibling teasers of one shape
    (tag and classes): each a headline link and at most a short snippet. Found from the
    page's headline links up, not from every element down: links are few."""
    teasers, long = set(), set()
    for link in links.links:
        if _headline(link, links):
            for element in (link, *link.iterancestors()):
                if element in teasers or element in long:
                    break  # climbed from another of its links already
                if not _short(element):
                    long.add(element)
                    break
                teasers.add(element)
    found: set[str] = set()
    for parent in {element.getparent() for element in teasers} - {None}:
        children = [child for child in parent if isinstance(child.tag, str)]
        for _, group in groupby(children, lambda child: (child in teasers, _shape(child))):
            run = list(group)
            if len(run) >= TEASER_RUN and run[0] in teasers:
                # Teasers all of links are the link filter's; the snippets are this filter's.
                snippets = [each for each in run if not _all_links(each)]
                found |= {key(block.text_content()) for each in snippets for block in (each, *each.iter(*_BLOCKS))}
    found.discard("")
    return found


def _short(element: lxml_html.HtmlElement) -> bool:
    """At most TEASER_LENGTH characters of text, spaces aside."""
    text = element.text_content()
    return len(text) <= 4 * TEASER_LENGTH and len(text) - sum(map(text.count, " \n\t\r")) <= TEASER_LENGTH


def _all_links(element: lxml_html.HtmlElement) -> bool:
    text = "".join(element.text_content().split())
    return len(text) <= sum(len("".join(link.text_content().split())) for link in element.iter("a"))


def _shape(element: lxml_html.HtmlElement) -> tuple[str, str]:
    """Tag and classes, in any order: what makes siblings teasers of one template.

    >>> _shape(lxml_html.fragment_fromstring('<div class="card  wide"></div>'))
    ('div', 'card wide')
    """
    return element.tag, " ".join(sorted((element.get("class") or "").split()))


def _headline(link: lxml_html.HtmlElement, links: PageLinks) -> bool:
    """A link naming a story as a line of its own: holding a heading, inside one, or the
    whole text of its block. A link inside a sentence is not."""
    if len(link.text_content().split()) < HEADLINE_WORDS or len(links.words(link).split()) < HEADLINE_WORDS:
        return False  # the cheap count first: most links are a word or two
    if any(inner.tag in _HEADINGS for inner in link.iterdescendants()):
        return True
    for ancestor in link.iterancestors():
        if ancestor.tag in _HEADINGS:
            return True
        if ancestor.tag in ("p", "div", "li", "span"):
            return key(ancestor.text_content()) == links.words(link)
    return False
