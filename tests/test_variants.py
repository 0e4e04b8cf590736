"""Markup the fixtures do not show but the live sites may: each test is a page variant built
from the site notes, the way a redesign or another template of the same CMS would look."""

from __future__ import annotations

import pytest

from crawler.extract.article import extract
from crawler.records import Rejected
from crawler.sites.discover import listing_links
from crawler.sites.pagination import next_page_url
from crawler.sites.topic import union_terms_in

FETCHED = "2026-11-20T03:00:00+00:00"
PARAS = [
    "Chiều 4-12, Công đoàn Viên chức tỉnh đã tổ chức hội nghị tổng kết công tác công đoàn năm 2020, triển khai nhiệm vụ năm 2021.",
    "Năm 2020, các cấp công đoàn đã chăm lo tốt đời sống cho đoàn viên, người lao động; tổ chức nhiều hoạt động hướng về cơ sở.",
    "Dịp này, Chủ tịch LĐLĐ tỉnh trao Bằng khen cho các tập thể và cá nhân có thành tích xuất sắc trong phong trào thi đua.",
]
BODY = "".join(f"<p>{p}</p>" for p in PARAS)


def body_with(insert: str) -> str:
    """The body with something placed after its first paragraph."""
    return f"<p>{PARAS[0]}</p>{insert}<p>{PARAS[1]}</p><p>{PARAS[2]}</p>"


TITLE = "Công đoàn Viên chức tỉnh tổng kết công tác năm 2020"
DAKLAK = "https://baodaklak.vn/chinh-tri/202012/cong-doan-vien-chuc-tinh-tong-ket-cong-tac-nam-2020-a1b2c3d/"
HATINH = "https://baohatinh.vn/cong-doan-vien-chuc-tong-ket-post238614.html"
CAOBANG = "https://ldld.caobang.gov.vn/news/hoat-dong-cong-doan/hoi-nghi-so-ket-1362.html"


def page(inner: str, title: str = TITLE, head: str = "") -> str:
    return (
        f'<html lang="vi"><head><meta charset="utf-8"><meta property="og:title" content="{title}">{head}</head>'
        f'<body><div class="header"><h1 class="logo">Báo</h1></div>{inner}<div class="footer">© 2026</div></body></html>'
    )


def test_a_teaser_article_above_the_story_lends_it_nothing():
    teaser = '<article class="story"><h3><a href="/xa-hoi/202012/khac-x1y2z3/">Tin khác</a></h3><div class="date">08:00, 05/12/2020</div></article>'
    story = f'<div class="detail-page"><h1>{TITLE}</h1><div class="date_detail">17:12, 04/12/2020</div><div class="noi-dung">{BODY}<p>Nguyễn Xuân</p></div></div>'
    article = extract(page(teaser + story), DAKLAK, FETCHED)
    assert article.published_at == "2020-12-04T17:12:00+07:00"
    assert article.body.split("\n\n") == PARAS and article.author == "Nguyễn Xuân"


def test_a_date_printed_in_an_unnamed_element_near_the_headline():
    story = f'<div class="bai"><h1>{TITLE}</h1><div>17:12, 04/12/2020</div><div class="x">{BODY}</div></div>'
    side = '<div class="side"><span class="date">09:00, 05/12/2020</span></div>'
    assert extract(page(story + side), DAKLAK, FETCHED).published_at == "2020-12-04T17:12:00+07:00"


def test_a_related_box_inside_the_body_lends_no_date():
    box = (
        '<div class="box-x"><h3>Tin liên quan</h3><ul><li><a href="/chinh-tri/202011/y-b1/">Tin cũ</a>'
        '<time datetime="2020-11-30T08:00:00+07:00">08:00, 30/11/2020</time></li></ul></div>'
    )
    story = f'<div class="detail-article"><h1>{TITLE}</h1><div class="detail-content">{body_with(box)}</div></div>'
    html = page(story, head='<meta property="article:published_time" content="2020-12-04T17:12:00+07:00">')
    article = extract(html, DAKLAK, FETCHED)
    assert article.published_at == "2020-12-04T17:12:00+07:00" and "Tin cũ" not in article.body


@pytest.mark.parametrize(
    "box",
    [
        # Seed 000's real box: a heading, then teasers with summaries, under a class we do not know.
        '<div class="box-readmore"><h3>Đọc thêm</h3>'
        + "".join(
            f'<div><a href="/t{n}-post{n}.html">Tin {n}: Mái ấm công đoàn cho đoàn viên</a>'
            f"<p>Tóm tắt dài của tin {n} về LĐLĐ tỉnh và phong trào thi đua trong công nhân viên chức lao động năm nay.</p></div>"
            for n in range(1, 6)
        )
        + "</div>",
        '<p><strong>Đọc thêm:</strong> <a href="/x-post9.html">LĐLĐ tỉnh trao Mái ấm công đoàn</a></p>',
        '<p>&gt;&gt; Xem thêm: <a href="/x-post9.html">LĐLĐ tỉnh trao Mái ấm công đoàn</a></p>',
        '<div class="article-relate cms-relate"><a href="/x-post9.html">LĐLĐ tỉnh trao Mái ấm công đoàn</a></div>',
    ],
)
def test_read_more_boxes_never_reach_the_body_or_the_topic_filter(box: str):
    story = (
        f'<div class="article"><h1 class="article__title">{TITLE}</h1>'
        '<div class="article__meta"><time>06/01/2022 15:42</time></div>'
        f'<div class="article__body cms-body">{body_with(box)}</div></div>'
    )
    assert extract(page(story), HATINH, FETCHED).body.split("\n\n") == PARAS
    football = [
        "Đội tuyển Hồng Lĩnh đã có chiến thắng 2-1 trên sân khách trong trận đấu vòng 5 giải hạng Nhì quốc gia.",
        "Huấn luyện viên đánh giá cao tinh thần thi đấu của các cầu thủ trẻ trong điều kiện thời tiết nắng nóng.",
        "Với kết quả này, đội bóng tạm xếp thứ ba trên bảng xếp hạng và sẽ tiếp đón đội khách ở vòng sau.",
    ]
    sport = story.replace(TITLE, "Hồng Lĩnh thắng trên sân khách")
    for union, other in zip(PARAS, football, strict=True):
        sport = sport.replace(union, other)
    with pytest.raises(Rejected, match="off-topic"):
        extract(page(sport, title="Hồng Lĩnh thắng trên sân khách"), HATINH.replace("238614", "289990"), FETCHED)


@pytest.mark.parametrize(
    "photo",
    [
        '<p><img src="/uploads/a.jpg"><br><em>Các đại biểu bỏ phiếu tín nhiệm.</em></p>',
        '<p style="text-align:center"><img src="/uploads/a.jpg"></p><p style="text-align:center">Các đại biểu bỏ phiếu tín nhiệm.</p>',
        '<p><img src="/uploads/a.jpg"></p><p><span style="font-style: italic;">Các đại biểu bỏ phiếu tín nhiệm.</span></p>',
        '<table><tr><td><img src="/uploads/a.jpg"></td></tr><tr><td>Các đại biểu bỏ phiếu tín nhiệm.</td></tr></table>',
    ],
)
def test_captions_typed_under_photos_go_to_images(photo: str):
    story = (
        f'<div class="news_column" itemtype="http://schema.org/NewsArticle"><h1 class="title">{TITLE}</h1>'
        f'<span class="h5">Thứ ba - 29/06/2021 09:14</span><div id="news-bodyhtml" class="bodytext">'
        f'{body_with(photo)}</div><p class="h5 text-right">Tác giả bài viết: Thùy Dương</p></div>'
    )
    article = extract(page(story), CAOBANG, FETCHED)
    assert article.body.split("\n\n") == PARAS
    assert [(i.url, i.caption) for i in article.images] == [
        ("https://ldld.caobang.gov.vn/uploads/a.jpg", "Các đại biểu bỏ phiếu tín nhiệm.")
    ]


def test_a_body_sentence_about_authors_is_not_the_byline():
    sentence = "<p>Tác giả của 12 sáng kiến được công nhận năm nay là các đoàn viên công đoàn ở cơ sở.</p>"
    story = (
        f'<div class="news_column" itemtype="http://schema.org/NewsArticle"><h1 class="title">{TITLE}</h1>'
        f'<span class="h5">Thứ ba - 29/06/2021 09:14</span><div id="news-bodyhtml">{BODY}{sentence}</div>'
        '<p class="h5 text-right"><strong>Tác giả bài viết:</strong> Thùy Dương - Ban TGNG</p>'
        '<p class="h5 text-right"><strong>Nguồn tin:</strong> Báo Cao Bằng</p></div>'
    )
    article = extract(page(story), CAOBANG, FETCHED)
    assert (article.author, article.source) == ("Thùy Dương - Ban TGNG", "Báo Cao Bằng")
    assert "Tác giả của 12 sáng kiến" in article.body


def test_a_fallback_title_loses_the_outlet_name_only():
    story = (
        f'<div class="bai"><h2>{TITLE}</h2><div class="date">17:12, 04/12/2020</div><div class="x">{BODY}</div></div>'
    )
    assert extract(page(story, title=f"{TITLE} | Báo Đắk Lắk"), DAKLAK, FETCHED).title == TITLE
    kept = "Hội nghị tổng kết - triển khai nhiệm vụ năm 2021"
    assert extract(page(story.replace(TITLE, ""), title=kept), DAKLAK, FETCHED).title == kept


@pytest.mark.parametrize(
    ("pagination", "expected"),
    [
        (
            '<div class="paging"><span class="current">1</span> <a href="?page=2">2</a> <a href="?page=3">3</a></div>',
            "?page=2",
        ),
        ('<div class="paging-box"><ul><li class="next"><a href="?page=2">Trang sau</a></li></ul></div>', "?page=2"),
        (
            '<a class="next" href="javascript:void(0)">›</a><div class="pagination"><a rel="next" href="?page=2">»</a></div>',
            "?page=2",
        ),
        ('<div class="pagination"><a href="?page=2">Tiếp theo »</a></div>', "?page=2"),
        ('<a class="btn-load-more" href="/xa-hoi/?page=2">Xem thêm</a>', "?page=2"),
        ('<div class="pagination"><a href="?page=1">« Trang trước</a> <span class="active">3</span></div>', None),
    ],
)
def test_the_pages_own_next_link(pagination: str, expected: str | None):
    html = page(f'<article class="story"><a class="cms-link" href="/a-post1.html">A</a></article>{pagination}')
    found = next_page_url("https://baohatinh.vn/xa-hoi/", html)
    assert found == (f"https://baohatinh.vn/xa-hoi/{expected}" if expected else None)


def test_computed_pages_stop_at_the_last_page():
    last = page(
        '<div class="item"><a class="title5" href="/xa-hoi/202011/a-b1/">A</a></div>'
        '<div class="pagination"><a href="?paged=2">2</a><span class="active">3</span></div>'
    )
    assert next_page_url("https://baodaklak.vn/xa-hoi/?paged=3", last) is None
    scrolling = page('<div class="item"><a class="title5" href="/xa-hoi/202011/a-b1/">A</a></div>')
    assert next_page_url("https://baodaklak.vn/xa-hoi/", scrolling) == "https://baodaklak.vn/xa-hoi/?paged=2"


def test_relative_links_honour_a_same_site_base_href():
    html = (
        '<html><head><base href="https://baodaklak.vn/"></head><body><div class="item row15"><div class="row10">'
        '<a class="title1" href="chinh-sach-xa-hoi/202303/qua-cho-giao-vien-ac3e9b1/">x</a></div></div></body></html>'
    )
    links = listing_links(html, "https://baodaklak.vn/chinh-sach-xa-hoi/?paged=2")
    assert [link.url for link in links] == ["https://baodaklak.vn/chinh-sach-xa-hoi/202303/qua-cho-giao-vien-ac3e9b1/"]


@pytest.mark.parametrize(
    ("title", "body", "union"),
    [
        ("Hơn 5.000 đoàn viên thanh niên ra quân tình nguyện", "Tỉnh đoàn phát động chiến dịch mùa hè xanh.", False),
        ("CĐ ngành Giáo dục trao quà cho NLĐ", "Trao quà cho CNVC-LĐ và ĐVCĐ có hoàn cảnh khó khăn.", True),
        ("Đoàn viên thanh niên và đoàn viên công đoàn cùng ra quân", "Ra quân làm sạch môi trường.", True),
    ],
)
def test_topic_terms(title: str, body: str, union: bool):
    from crawler.records import Article

    story = Article("u", None, title, None, body, None, None, None, None, None, [], [], "vi")
    assert bool(union_terms_in(story)) is union


def test_a_listing_that_paginates_otherwise_than_expected():
    html = page(
        '<article><a class="link-title" href="/cong-doan/a-1069877.ldo">A</a></article>'
        '<div class="pagination"><span class="active">1</span><a href="/cong-doan/trang-2">Trang sau</a></div>'
    )
    assert next_page_url("https://laodong.vn/cong-doan", html) == "https://laodong.vn/cong-doan/trang-2"
