"""Extraction cases: each case folder is checked field by field against expected.json."""

from __future__ import annotations

import dataclasses
import json
import random
import time

import pytest
import trafilatura

from crawler.extract.article import extract, main_text
from crawler.records import Article, Rejected
from crawler.sites.cms import GENERIC
from tests.conftest import SITES, TESTS, Case, all_cases

CASES = all_cases("article")
FIXTURES = TESTS / "fixtures"
ARTICLE_CASES = [c for c in CASES if not c.rejected]
REJECTED_CASES = [c for c in CASES if c.rejected]
# Every field is compared with expected.json but body_html, whose structure tests/test_structure.py
# checks (its text is the body, its tables, lists, subheadings and figures those of the page).
FIELDS = [f.name for f in dataclasses.fields(Article) if f.name != "body_html"]


def run(case: Case) -> dict:
    """The Article as the extract stage gives it, province included."""
    return dataclasses.asdict(extract(case.html, case.meta["url"], case.meta["fetched_at"]))


@pytest.mark.parametrize("site", SITES)
def test_every_site_has_enough_realistic_cases(site: str):
    assert len([c for c in ARTICLE_CASES if c.site == site]) >= 4
    assert len([c for c in all_cases("listing") if c.site == site]) >= 2


@pytest.mark.parametrize("case", ARTICLE_CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("field", FIELDS)
def test_field(case: Case, field: str):
    assert run(case)[field] == case.expected[field]


@pytest.mark.parametrize("case", ARTICLE_CASES, ids=lambda c: c.name)
def test_no_unexpected_fields(case: Case):
    assert set(run(case)) == set(case.expected) | {"body_html"} and set(case.expected) == set(FIELDS)


@pytest.mark.parametrize("case", ARTICLE_CASES, ids=lambda c: c.name)
def test_extraction_is_deterministic_and_json_safe(case: Case):
    first, second = run(case), run(case)
    assert first == second
    assert json.loads(json.dumps(first, ensure_ascii=False)) == first


@pytest.mark.parametrize("case", REJECTED_CASES, ids=lambda c: c.name)
def test_rejected_with_reason(case: Case):
    with pytest.raises(Rejected) as raised:
        extract(case.html, case.meta["url"], case.meta["fetched_at"])
    assert raised.value.reason == case.rejected


def test_seed_boilerplate_never_reaches_the_body():
    case = next(c for c in CASES if c.name == "laodong/seed-004-hoa-binh")
    article = run(case)
    for furniture in (
        "Tin mới nhất",
        "Gợi ý dành cho bạn",
        "CƠ QUAN CỦA TỔNG LIÊN ĐOÀN",
        "MỚI NHẤT",
        "Tin liên quan",
        "Toàn cảnh hội nghị. Ảnh",
        "chỉ đạo tại hội nghị.",
        "LDO",
    ):
        assert furniture.lower() not in article["body"].lower()
    assert article["title"] not in article["body"] and article["lead"] not in article["body"]
    # Keep the source's own spelling: the seed has both "Mạng" and "Mạnh".
    assert "Nguyễn Mạng Cương" in article["body"]


def test_the_crawl_time_is_never_the_publication_date():
    case = next(c for c in CASES if c.name == "laodong/no-date")
    for fetched_at in (None, "2026-11-20T03:20:00+00:00"):
        with pytest.raises(Rejected, match="no-date"):
            extract(case.html, case.meta["url"], fetched_at)


def test_dates_after_the_fetch_are_not_believed():
    case = next(c for c in CASES if c.name == "laodong/seed-004-hoa-binh")
    # Fetched the day before the page says it was published: the page date cannot be right.
    with pytest.raises(Rejected, match="no-date"):
        extract(case.html, case.meta["url"], "2022-07-17T00:00:00+07:00")


def test_text_is_nfc_with_normalized_tone_marks():
    case = next(c for c in CASES if c.name == "laodong/cao-bang-nfd-new-style-tones")
    article = run(case)
    import unicodedata

    for value in (article["title"], article["body"], article["author"]):
        assert unicodedata.is_normalized("NFC", value)
    assert "Uỷ" not in article["body"] and "Ủy viên" in article["body"]
    assert article["author"] == "Thùy Dương"


def test_a_page_outside_the_five_sites_takes_the_generic_path():
    case = next(c for c in CASES if c.name.startswith("generic/"))
    assert run(case)["site"] is None


def test_a_selector_miss_falls_back_loudly(caplog):
    case = next(c for c in CASES if c.name == "laodong/seed-004-hoa-binh")
    redesigned = case.html.replace(b'class="art-body"', b'class="noi-dung"').replace(
        b'class="chappeau"', b'class="sapo-moi"'
    )
    redesigned = redesigned.replace(b'itemprop="articleBody"', b'data-x="1"').replace(
        b'class="article-detail"', b'class="bai-viet"'
    )
    with caplog.at_level("WARNING", logger="crawler.extract.article"):
        article = extract(redesigned, case.meta["url"], case.meta["fetched_at"])
    assert "body" in caplog.text and "trafilatura" in caplog.text
    assert "Công đoàn tỉnh thường xuyên kiểm tra" in article.body
    assert "Gợi ý dành cho bạn" not in article.body


def test_an_article_id_that_disagrees_with_the_url_is_rejected():
    case = next(c for c in CASES if c.name == "laodong/seed-004-hoa-binh")
    with pytest.raises(Rejected, match="id-mismatch"):
        extract(case.html, case.meta["url"].replace("1069877", "1069878"), case.meta["fetched_at"])


SEED_CANONICAL = (
    "https://laodong.vn/cong-doan/cong-doan-hoa-binh-dua-ra-nhieu-muc-tieu-huong-den-loi-ich-nguoi-lao-dong-1069877.ldo"
)


def test_a_page_reached_under_another_url_is_stored_under_its_rel_canonical():
    case = next(c for c in CASES if c.name == "laodong/seed-004-hoa-binh")
    # The same story (id 1069877) under another section and slug, with tracking parameters.
    twin = "https://www.laodong.vn/ldld-hoa-binh/hoa-binh-dua-ra-muc-tieu-1069877.ldo?utm_source=zalo"
    assert extract(case.html, twin, case.meta["fetched_at"]).url == SEED_CANONICAL


@pytest.mark.parametrize(
    ("declared", "why"),
    [
        ("https://news.laodong.vn/trade-union/x-1069877.ldo", "it is on news.laodong.vn, not on laodong"),
        ("https://laodong.vn/cong-doan", "it is not an article URL of laodong"),
        ("/", "it is not an article URL of laodong"),
        ("https://laodong.vn/cong-doan/bai-khac-1069999.ldo", "it names article 1069999"),
    ],
)
def test_a_rel_canonical_off_the_site_to_a_listing_or_another_story_is_ignored(declared, why, caplog):
    case = next(c for c in CASES if c.name == "laodong/seed-004-hoa-binh")
    html = case.html.decode("utf-8").replace(
        f'<link rel="canonical" href="{SEED_CANONICAL}">', f'<link rel="canonical" href="{declared}">'
    )
    assert declared in html
    assert extract(html, case.meta["url"], case.meta["fetched_at"]).url == case.meta["url"]
    assert f"the rel=canonical {declared} of {case.meta['url']} is ignored: {why}" in caplog.text


@pytest.mark.parametrize("body", [b"", b"   ", b"\x00\x01binary", b"<html></html>"])
def test_junk_is_rejected_not_raised(body: bytes):
    with pytest.raises(Rejected):
        extract(body, "https://laodong.vn/cong-doan/x-1.ldo")


def test_bytes_are_decoded_by_the_http_charset():
    case = next(c for c in CASES if c.name == "laodong/bld-print-edition")
    legacy = case.html.decode("utf-8").replace('<meta charset="utf-8">', "").encode("utf-16")
    article = extract(legacy, case.meta["url"], case.meta["fetched_at"], "text/html; charset=utf-16")
    assert article.title == case.expected["title"]


def test_other_stories_never_lend_their_date_lead_or_author():
    case = next(c for c in CASES if c.name == "laodong/seed-004-hoa-binh")
    html = case.html.decode("utf-8")
    html = html.replace(
        '<span class="time"><time class="f-datetime" datetime="2022-07-19T16:13:00+07:00">19/07/2022 16:13</time></span>',
        "",
    )
    html = html.replace(
        '<span class="authors"><a href="https://laodong.vn/tac-gia/tran-trong">Trần Trọng</a> LDO</span> |', ""
    )
    teaser = (
        '<article><a class="link-title" href="https://laodong.vn/cong-doan/x-1069901.ldo">Tin khác</a>'
        '<div class="chappeau">Tóm tắt tin khác.</div><span class="time">20/07/2022 07:00</span>'
        '<span class="authors">Hà Anh</span></article>'
    )
    html = html.replace(
        '<main class="main-content">', f'<main class="main-content"><section class="box-hot">{teaser}</section>'
    )
    html = html.replace("<ul>\n      <li>", f"<ul>\n      <li>{teaser}</li><li>")  # inside the in-body related box
    article = extract(html, case.meta["url"], case.meta["fetched_at"])
    assert article.published_at == "2022-07-19T16:13:00+07:00"  # JSON-LD, not a teaser's time
    assert article.author == "Trần Trọng"
    assert article.lead == case.expected["lead"]
    assert article.body == case.expected["body"]


def test_an_unrecognised_in_body_related_box_is_dropped_without_cutting_the_body():
    case = next(c for c in CASES if c.name == "laodong/seed-004-hoa-binh")
    html = case.html.decode("utf-8").replace(
        '<div class="tin-lien-quan"><p class="title">', '<div class="box-tlq"><p class="tieu-de">'
    )
    article = extract(html, case.meta["url"], case.meta["fetched_at"])
    assert article.body == case.expected["body"]


def test_the_generic_path_keeps_a_list_of_links_that_is_the_article():
    # A list of the games the review names, each a link, between two of its paragraphs:
    # trafilatura's precise pass drops it as link-dense; the related list after the body goes.
    html = (FIXTURES / "generic" / "link-list-in-body.html").read_bytes()
    text = main_text(html, "https://pixelweekly.example/reviews/ten-small-games", GENERIC)
    names = ["Lantern Keeper", "Salt and Stone", "The Quiet Ferry", "Paper Orchard", "Night Bus to Arden"]
    lines = text.split("\n\n")
    assert lines[2:7] == names  # in place, after the paragraph that announces them
    assert "Studio closes after twenty years" not in text and "Privacy" not in text


def test_the_link_filter_keeps_prose_with_links_and_drops_a_link_line_in_the_body():
    # Two paragraphs mostly of link text inside the body: a sentence naming its three sources
    # (words of its own around the links) is the article; "Also on Pixel Weekly: <headline>"
    # is another story, which trafilatura's precise pass keeps.
    html = (FIXTURES / "generic" / "link-list-in-body.html").read_bytes()
    url = "https://pixelweekly.example/reviews/ten-small-games"
    assert "round-up of the longest" in trafilatura.extract(html, url=url, favor_precision=True)
    text = main_text(html, url, GENERIC)
    assert "Our scores come from the review panel's scoring sheet, the playtime figures" in text
    assert "round-up of the longest" not in text


def test_the_generic_path_reads_a_body_that_only_the_pages_scripts_carry():
    # A Next.js page whose article body is a skeleton in the HTML: the body's HTML is a text
    # row of the flight data, its length in UTF-8 bytes, split over two push() calls and
    # followed by another row. trafilatura sees only the headline.
    html = (FIXTURES / "generic" / "script-rendered.html").read_bytes()
    url = "https://songhan.example/cong-doan/cang-da-nang-ky-thoa-uoc-moi-20260512.html"
    assert "thỏa ước lao động tập thể" not in (trafilatura.extract(html, url=url, favor_precision=True) or "")
    article = extract(html, url, "2026-05-13T00:00:00+07:00")
    lines = article.body.split("\n\n")
    assert article.extraction_method == "script-data"
    assert lines[0].startswith("Công đoàn Cảng Đà Nẵng vừa ký thỏa ước lao động tập thể mới")
    assert "Lắng nghe từ tổ sản xuất" in lines
    assert lines[-1].endswith("trong khối doanh nghiệp cảng biển năm nay.")  # and not the next row
    assert len(lines) == 6 and article.published_at == "2026-05-12T09:15:00+07:00"


def test_the_generic_path_reads_a_body_in_next_data_and_leaves_server_rendered_pages_alone():
    story = "".join(f"<p>Paragraph {n} of the story the page renders in the browser.</p>" for n in range(1, 9))
    data = {"props": {"pageProps": {"teaser": "<p>A teaser.</p>", "article": {"content": story}}}}
    page = (
        "<html><head><title>Night shift pay</title></head><body><h1>Night shift pay</h1>"
        '<div id="__next"><div class="body-placeholder"></div></div>'
        f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script></body></html>'
    )
    text = main_text(page, "https://example.org/news/night-shift-pay", GENERIC)
    assert text.split("\n\n")[0] == "Paragraph 1 of the story the page renders in the browser."
    assert "Paragraph 8" in text and "A teaser" not in text
    # Two paragraphs in the scripts are a caption or a teaser, not a body.
    two = json.dumps({"props": {"caption": "<p>The depot at night.</p><p>Photo: M. Holt, for the union.</p>"}})
    assert "The depot at night" not in main_text(page.replace(json.dumps(data), two), "https://example.org/n", GENERIC)
    # A page that shows its article keeps it, whatever its scripts hold.
    shown = page.replace(
        '<div class="body-placeholder"></div>', "<article>" + story.replace("story", "tale") + "</article>"
    )
    assert "of the tale the page" in main_text(shown, "https://example.org/news/night-shift-pay", GENERIC)


def test_the_generic_path_ends_the_body_where_the_declared_article_body_ends():
    # JSON-LD articleBody holds the article without its standfirst, subheading and credit;
    # after the credit the same container has a box with a newsletter offer and an appeal for
    # money, which trafilatura's precise pass keeps. Those go; the standfirst, the subheading
    # and the credit line (a closing line of the article) stay.
    html = (FIXTURES / "generic" / "declared-body.html").read_text(encoding="utf-8")
    url = "https://valleycourier.example/work/bus-drivers-rest-break"
    assert "morning briefing" in trafilatura.extract(html, url=url, favor_precision=True)
    lines = main_text(html, url, GENERIC).split("\n\n")
    assert lines[0].startswith("Every shift over six hours now comes with a half-hour break")
    assert "What changes on the routes" in lines
    assert lines[-2].startswith("Passengers should see no change to timetables")
    assert lines[-1] == "Additional reporting by Sofie Lund."
    # An articleBody that is only a teaser of the article decides nothing.
    start = html.index('"articleBody": "') + len('"articleBody": "')
    end = html.index('"}', start)
    teaser = html[:start] + "Drivers get a break on long shifts." + html[end:]
    assert "morning briefing" in main_text(teaser, url, GENERIC)


def _declaring(paragraphs: list[str], article_body: str) -> str:
    declared = json.dumps({"@type": "NewsArticle", "articleBody": article_body})
    return (
        f'<html><head><script type="application/ld+json">{declared}</script></head><body><article>'
        + "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
        + "</article></body></html>"
    )


def test_a_truncated_article_body_cuts_nothing():
    # A paywalled page declares only the article's first part. Whether cut at a length (it
    # ends inside a line) or after whole paragraphs (more than a box's worth would go), the
    # article's own text stays, long paragraphs too (no closing-line rule brings them back).
    paragraphs = [
        "The first round of talks opened in March with a claim for shorter shifts.",
        "Management answered with an offer tied to new rotas at the northern depot.",
        "Drivers rejected it in a ballot that drew the highest turnout in years.",
        "A second round brought the mediator from the regional labour office.",
        "Her proposal split the difference on pay and left the rotas to a working group.",
        "The working group met six times over the summer and agreed a trial.",
        "During the trial, late buses fell by a fifth on the routes that took part.",
        "Passengers' groups asked for the trial to cover the night services as well.",
        "The authority will decide in November whether to extend it to every depot.",
        (
            "Until then, the old timetable stays in force on all the remaining lines, the depot managers"
            " confirmed in a letter to staff, and the union will keep its members' records of missed"
            " breaks so that the decision can rest on figures gathered by the drivers themselves."
        ),
    ]
    url = "https://valleycourier.example/work/bus-talks"
    at_a_length = " ".join(paragraphs)[: len(" ".join(paragraphs[:9])) + 24]
    assert main_text(_declaring(paragraphs, at_a_length), url, GENERIC).split("\n\n") == paragraphs
    first_part = " ".join(paragraphs[:7])
    assert main_text(_declaring(paragraphs, first_part), url, GENERIC).split("\n\n") == paragraphs


def test_pages_trafilatura_would_repair_are_read_as_it_reads_them():
    # trafilatura repairs the text it parses (control characters, a self-closing <html/>),
    # not a tree it is given: the page is repaired before it is parsed once for all.
    story = "<h1>Night crews</h1>" + "".join(
        f"<p>Paragraph {n}: the depot's night crews ask for a second rest break.</p>" for n in range(6)
    )
    controlled = story.replace(": the", ":\x08 the", 1)
    for page in (
        f"<!DOCTYPE html><html><body><article>{controlled}</article></body></html>",
        f'<!DOCTYPE html>\n<html lang="en"/>\n<body><article>{story}</article></body></html>',
        f"<?xml version='1.0' encoding='iso-8859-1'?><html><body><article>{story}</article></body></html>",
    ):
        text = main_text(page, "https://depotnews.example/night-crews", GENERIC)
        assert text.count("second rest break") == 6 and "\x08" not in text


def test_the_articles_own_list_under_a_line_that_merely_mentions_related_stays():
    items = "".join(f"<li>Rule {n} of the <a href='/decree'>decree</a> takes effect in May</li>" for n in range(1, 4))
    page = (
        "<html><body><article><h1>New rules at work</h1>"
        "<p>The ministry published the decree on Monday after months of talks with the unions.</p>"
        f"<p>Three work-related changes take effect:</p><ul>{items}</ul>"
        "<p>Employers have until the end of the year to adapt their contracts to the new rules.</p>"
        "</article></body></html>"
    )
    assert main_text(page, "https://example.org/rules", GENERIC).count("takes effect in May") == 3


def test_hostile_markup_costs_the_generic_path_linear_time():
    # Twenty thousand empty lists (each once looked back over all the lists before it), and
    # an article in two parts whose containers carry three thousand classes (each once a
    # group of its own, read again). Quadratic, either took minutes; now a second or two.
    words = [
        "depot",
        "driver",
        "union",
        "shift",
        "break",
        "rota",
        "pay",
        "talks",
        "route",
        "fare",
        "night",
        "crew",
        "ballot",
        "wage",
        "hours",
        "strike",
    ]
    paragraphs = [f"<p>Line {n}: {' '.join(random.Random(n).choices(words, k=16))}.</p>" for n in range(100)]
    lists = "<ul><li></li></ul>" * 20_000 + "<ul><li>see <a href='/x'>the other story in this series</a></li></ul>"
    classes = " ".join(f"c{n}" for n in range(3_000))
    parts = "".join(
        f'<div class="grid"><div class="article-body {classes}">{"".join(paragraphs[at : at + 50])}</div></div>'
        "<div class='ad'>Advertisement</div>"
        for at in (0, 50)
    )
    for page in (
        f"<html><body><article>{''.join(paragraphs)}{lists}</article></body></html>",
        f"<html><body><article><h1>Pay talks</h1>{parts}</article></body></html>",
    ):
        started = time.process_time()
        assert "Line 99:" in main_text(page, "https://example.org/hostile", GENERIC)
        assert time.process_time() - started < 15


def test_the_generic_path_reads_an_article_printed_in_parts_as_one():
    # The body is three containers of one class with an advertisement and a newsletter box
    # between them; trafilatura's precise pass takes the first part its body rule matches.
    # After the last part, a list of other stories under a styled "More great stories"
    # line, each item only partly a link.
    html = (FIXTURES / "generic" / "article-in-parts.html").read_bytes()
    url = "https://northernreview.example/longreads/night-shift-water"
    precise = trafilatura.extract(html, url=url, favor_precision=True)
    assert "This spring it won" not in precise and "cast-iron pipes" not in precise
    article = extract(html, url, "2025-11-21T00:00:00+00:00")
    lines = article.body.split("\n\n")
    assert article.extraction_method == "parts" and len(lines) == 8
    assert lines[0].startswith("At two in the morning") and lines[3].startswith("The union that represents")
    assert lines[-1].endswith("turns on its taps.")
    assert "Advertisement" not in article.body and "Sign up" not in article.body


def test_the_generic_path_keeps_an_articles_ending_and_drops_what_surrounds_it():
    # An endless-scroll page: teasers above the story, the next story (an <article> with its
    # own <h1>) after it. trafilatura's precise pass drops the credit line and the afterword
    # (a class and a style it reads as furniture) and keeps a teaser's snippet and the next story.
    html = (FIXTURES / "generic" / "story-edges.html").read_bytes()
    url = "https://harbourpost.example/news/ferry-pay-deal"
    precise = trafilatura.extract(html, url=url, favor_precision=True)
    assert "Councillors rejected" in precise and "Lighthouse keeper" in precise and "Ana Ruiz" not in precise
    lines = main_text(html, url, GENERIC).split("\n\n")
    assert lines[0].startswith("Crews on the island ferries have voted")
    assert lines[-3].startswith("Passenger groups welcomed the news")
    assert lines[-2:] == [
        "Additional reporting by Ana Ruiz in Lisbon.",
        "This story was updated on 15 May to add the turnout figure.",
    ]
