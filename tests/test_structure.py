"""body_html, the body as printed: its text is the body, it keeps the page's tables, lists,
subheadings and figures in order, and nothing unsafe survives it."""

from __future__ import annotations

import copy
import re
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup
from lxml import html as lxml_html

from crawler.extract import blocks, body, structure
from crawler.extract.article import extract
from crawler.extract.document import Document
from crawler.extract.encoding import decode
from crawler.records import Article
from crawler.sites.css import drop_all
from crawler.sites.discover import profile_for_url
from tests.conftest import Case, all_cases

ARTICLE_CASES = [c for c in all_cases("article") if not c.rejected]
TABLE_CASE = "daklak/xa-hoi-cong-doan-xa-phuong-moi-table"


def printed(case: Case) -> tuple[Article, Document, str]:
    """The Article, its page as extraction reads it, and body_html built from the Article's body."""
    article = extract(case.html, case.meta["url"], case.meta["fetched_at"])
    page = Document(decode(case.html, None), case.meta["url"], profile_for_url(case.meta["url"]), None)
    kept = article.body.split("\n\n") if article.body else []
    return article, page, body.read(page, article.title, article.lead, article.author).html(kept, article.images)


def fragment(body_html: str) -> lxml_html.HtmlElement:
    return lxml_html.fragment_fromstring(body_html, create_parent="div")


def plain_body(page: Document) -> lxml_html.HtmlElement | None:
    """The profile's body as the plain text reads it: captions, photo tables and furniture gone."""
    found = body.container(page)
    if found is None:
        return None
    pruned = copy.deepcopy(found)
    blocks.drop_caption_paragraphs(pruned)
    drop_all(pruned, page.profile.prune)
    return pruned


def text(element: lxml_html.HtmlElement) -> str:
    return " ".join(blocks.paragraphs(element))


def shape(table: lxml_html.HtmlElement) -> list[int]:
    return [len(row.xpath("./td|./th")) for row in table.iter("tr")]


def assert_safe(body_html: str) -> None:
    """Only allowed elements and attributes, and only http(s) URLs, however the output is parsed."""
    root = fragment(body_html) if body_html.strip() else lxml_html.Element("div")
    for element in root.iter():
        if element is root or not isinstance(element.tag, str):
            continue
        assert element.tag in structure.TAGS, element.tag
        assert set(element.attrib) <= structure.ATTRIBUTES.get(element.tag, set()), (element.tag, element.attrib)
        for name in ("href", "src"):
            if element.get(name) is not None:
                assert element.get(name).startswith(("http://", "https://")), element.get(name)
    for tag in BeautifulSoup(body_html, "html.parser").find_all(True):
        assert tag.name in structure.TAGS, tag.name
        assert not any(name.lower().startswith("on") or name in ("style", "srcset") for name in tag.attrs)
    # Text may quote a payload (escaped, it is only text); markup may not hold one.
    for markup in re.findall(r"<[^>]*>", body_html.lower()):
        for needle in ("javascript", "data:", "script", "svg", "math", "onerror", "onload", "srcset", "style"):
            assert needle not in markup, markup


@pytest.mark.parametrize("case", ARTICLE_CASES, ids=lambda c: c.name)
def test_body_html_text_is_the_body(case: Case):
    article, _, body_html = printed(case)
    assert structure.body_text(body_html) == article.body
    assert_safe(body_html)


@pytest.mark.parametrize("case", ARTICLE_CASES, ids=lambda c: c.name)
def test_body_html_keeps_tables_lists_and_subheadings(case: Case):
    article, page, body_html = printed(case)
    source = plain_body(page)
    if source is None:
        pytest.skip("the generic path knows the body only as paragraphs")
    out = fragment(body_html)
    kept = set(article.body.split("\n\n"))
    tables = [shape(t) for t in source.iter("table") if set(blocks.paragraphs(t)) & kept]
    assert [shape(t) for t in out.iter("table")] == tables
    lists = [len(ul.findall("li")) for ul in source.iter("ul", "ol") if set(blocks.paragraphs(ul)) & kept]
    assert [len(ul.findall("li")) for ul in out.iter("ul", "ol")] == lists
    headings = [text(h) for h in source.iter("h1", "h2", "h3", "h4", "h5", "h6") if text(h) in kept]
    assert [text(h) for h in out.iter("h2", "h3", "h4")] == headings


@pytest.mark.parametrize("case", ARTICLE_CASES, ids=lambda c: c.name)
def test_body_html_has_each_photo_of_the_body_as_a_figure_in_order(case: Case):
    article, page, body_html = printed(case)
    found = body.container(page)
    if found is None:
        pytest.skip("the generic path knows the body only as paragraphs")
    base = urljoin(page.url, page.tree.xpath("string(//base/@href)"))
    inside = {image.url for image in blocks.images(found, base)}
    out = fragment(body_html)
    figures = [(f.find("img").get("src"), f.findtext("figcaption")) for f in out.iter("figure")]
    assert figures == [(image.url, image.caption) for image in article.images if image.url in inside]


def test_the_daklak_table_survives_whole():
    case = next(c for c in ARTICLE_CASES if c.name == TABLE_CASE)
    article, _, body_html = printed(case)
    (table,) = fragment(body_html).iter("table")
    firsts = ["Khu vực", "Khu vực phía Tây", "Khu vực phía Đông", "Tổng cộng"]
    assert [row.xpath("string(./*[1])") for row in table.iter("tr")] == firsts
    assert shape(table) == [4, 4, 4, 4]
    assert len(table.findall("thead/tr/th")) == 4 and len(table.findall("tbody/tr")) == 3
    assert structure.body_text(body_html) == article.body
    assert "<figure><img" in body_html and "<figcaption>" in body_html


def built(container: lxml_html.HtmlElement, kept: list[str], base_url: str) -> str:
    """body_html of a body `container` as extraction builds it: prepared (copied and pruned),
    then built with the captions Article.images reads."""
    captions = {image.url: image.caption for image in blocks.images(container, base_url)}
    return structure.build(structure.prepare(container, base_url, ()), kept, base_url, captions)


def test_structure_a_cms_body():
    """Wrappers unwrapped (a div of inline text a paragraph), photo tables and typed captions
    made figures where the photo stood, headings mapped, links absolute, dropped lines gone."""
    container = lxml_html.fragment_fromstring(
        "<div class='body'><div><span>Mở đầu <b>đậm</b></span></div>"
        "<table class='picture'><tr><td><img data-src='/a.jpg' src='data:image/gif;base64,R0'></td></tr>"
        "<tr><td>Chú thích ảnh</td></tr></table>"
        "<h1>Tiêu đề phụ</h1><section><p>Đoạn <a href='/x' onclick='x()'>liên kết</a></p>"
        "<ul><li>một</li><li>hai</li></ul></section>"
        "<p><img src='b.jpg' alt='B'></p><p><em>Ảnh thứ hai</em></p>"
        "<p>Dòng một<br>Dòng bỏ</p><h5>Cuối</h5><table><tr><td colspan='2' class='c'>x</td></tr></table></div>"
    )
    kept = ["Mở đầu đậm", "Tiêu đề phụ", "Đoạn liên kết", "một", "hai", "Dòng một", "Cuối", "x"]
    out = built(container, kept, "https://bao.vn/tin/bai.html")
    assert out == (
        "<p>Mở đầu <b>đậm</b></p>"
        '<figure><img src="https://bao.vn/a.jpg" alt=""><figcaption>Chú thích ảnh</figcaption></figure>'
        '<h2>Tiêu đề phụ</h2><p>Đoạn <a href="https://bao.vn/x">liên kết</a></p><ul><li>một</li><li>hai</li></ul>'
        '<figure><img src="https://bao.vn/tin/b.jpg" alt="B"><figcaption>Ảnh thứ hai</figcaption></figure>'
        '<p>Dòng một</p><h4>Cuối</h4><table><tbody><tr><td colspan="2">x</td></tr></tbody></table>'
    )
    assert structure.body_text(out) == "\n\n".join(kept)


def test_a_body_known_only_as_paragraphs_is_escaped():
    kept = ["<script>alert(1)</script> & co", "Hai"]
    out = structure.paragraph_html(kept)
    assert out == "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</p><p>Hai</p>"
    assert structure.body_text(out) == "\n\n".join(kept)
    assert structure.body_text("") == "" and structure.paragraph_html([]) == ""


XSS = [
    "<script>alert(1)</script>",
    "<style>p{background:url(javascript:alert(1))}</style>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">a</a>',
    '<a href="JaVaScRiPt:alert(1)">b</a>',
    '<a href="&#106;avascript:alert(1)">c</a>',
    '<a href="&#x6A;avascript:alert(1)">d</a>',
    '<a href=" javascript:alert(1)">e</a>',
    '<a href="java&#x09;script:alert(1)">f</a>',
    '<a href="data:text/html,<script>alert(1)</script>">g</a>',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    '<img src="https://x.vn/a.jpg" srcset="javascript:alert(1) 1x">',
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)><circle/></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math href=javascript:alert(1)>m</math>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><input onfocus=alert(1) autofocus></form>',
    '<p style="background:url(javascript:alert(1))">h</p>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<a href="https://ok.vn/" onmouseover="alert(1)" target="_blank" style="x">i</a>',
    '<table><tr><td onclick="alert(1)" colspan="2" background="javascript:alert(1)">j</td></tr></table>',
    '<p><a href="vbscript:msgbox(1)">k</a><a href="//evil.vn/x">l</a></p>',
    "<details open ontoggle=alert(1)>n</details>",
    '<img src="https://x.vn/b.jpg" alt="x" onload="alert(1)" data-src="javascript:alert(1)">',
]


@pytest.mark.parametrize("payload", XSS)
def test_the_sanitizer_lets_nothing_unsafe_through(payload: str):
    assert_safe(structure.sanitize(payload))


@pytest.mark.parametrize("payload", XSS)
def test_build_lets_nothing_unsafe_through(payload: str):
    container = lxml_html.fragment_fromstring(f"<div><p>Trước</p>{payload}<p>Sau</p></div>")
    kept = blocks.paragraphs(copy.deepcopy(container))
    assert_safe(built(container, kept, "https://bao.vn/tin/"))


def test_build_lets_nothing_unsafe_through_the_whole_corpus_at_once():
    container = lxml_html.fragment_fromstring("<div>" + "".join(f"<div>{p}</div>" for p in XSS) + "</div>")
    out = built(container, blocks.paragraphs(copy.deepcopy(container)), "https://bao.vn/")
    assert_safe(out)


def test_the_sanitizer_keeps_what_is_allowed():
    assert structure.sanitize('<a href="https://ok.vn/" onmouseover="alert(1)" target="_blank">i</a>') == (
        '<a href="https://ok.vn/">i</a>'
    )
    assert structure.sanitize('<td colspan="2" rowspan="3" class="x">j</td>') == "j"  # a cell only in a table
    kept = '<table><tbody><tr><th rowspan="2">a</th><td colspan="2">b</td></tr></tbody></table>'
    assert structure.sanitize(kept) == kept
