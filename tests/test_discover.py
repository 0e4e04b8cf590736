from pathlib import Path

import pytest

from crawler.fetch.mirror import from_mirror, to_mirror
from crawler.sites.discover import canonical_url, is_article_url, listing_links, site_for_url
from crawler.sites.pagination import next_page_url

SITE = Path(__file__).parent / "site" / "laodong.vn"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://laodong.vn/cong-doan/cong-doan-hoa-binh-1069877.ldo", True),
        ("https://laodong.vn/cong-doan/mai-am-cong-doan-626820.bld", True),
        ("https://www.laodong.vn/ldld-ha-tinh/x-1105532.ldo", True),
        ("https://media.laodong.vn/cong-doan/x-1069877.ldo", True),  # a <base href> artifact, same page
        ("https://laodong.vn/cong-doan", False),
        ("https://laodong.vn/cong-doan?page=2", False),
        ("https://laodong.vn/tags/cong-doan-12345.ldo", False),
        ("https://laodong.vn/tac-gia/tran-trong-12.ldo", False),
        ("https://laodong.vn/cong-doan/x-1069877.ldo.jpg", False),
        ("https://news.laodong.vn/trade-union/x-1069877.ldo", False),
        ("https://ja.laodong.vn/x-1069877.ldo", False),
        ("https://fr.laodong.vn/x-1069877.ldo", False),
        ("https://ko.laodong.vn/x-1069877.ldo", False),
        ("https://congdoanvietnam.laodong.vn/ldld-hoa-binh/x-844858.ldo", False),
        ("https://example.com/cong-doan/x-1069877.ldo", False),
    ],
)
def test_is_article_url(url: str, expected: bool):
    assert is_article_url(url) is expected


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://www.laodong.vn/cong-doan/a-1.ldo", "https://laodong.vn/cong-doan/a-1.ldo"),
        (
            "https://laodong.vn/cong-doan/a-1.ldo?utm_source=fb&utm_medium=x&fbclid=Iw#comments",
            "https://laodong.vn/cong-doan/a-1.ldo",
        ),
        ("https://LAODONG.VN/cong-doan?page=2&utm_campaign=x", "https://laodong.vn/cong-doan?page=2"),
        ("https://media.laodong.vn/cong-doan/a-1.ldo", "https://laodong.vn/cong-doan/a-1.ldo"),
        ("https://example.org:8080/a?b=1#c", "https://example.org:8080/a?b=1"),
        # Both slash forms of a baodaklak article are one page; its listings keep theirs.
        ("https://baodaklak.vn/xa-hoi/202411/a-c4e81f2", "https://baodaklak.vn/xa-hoi/202411/a-c4e81f2/"),
        ("https://baodaklak.vn/xa-hoi/", "https://baodaklak.vn/xa-hoi/"),
        ("https://baodaklak.vn/uploads/2024/anh.jpg", "https://baodaklak.vn/uploads/2024/anh.jpg"),
        # Vietnamese letters and spaces: the percent-encoded UTF-8 Scrapy requests, in capitals.
        (
            "https://baohatinh.vn/tin-tức/công đoàn-post1.html",
            "https://baohatinh.vn/tin-t%E1%BB%A9c/c%C3%B4ng%20%C4%91o%C3%A0n-post1.html",
        ),
        ("https://baohatinh.vn/tin-t%e1%bb%a9c/a-post1.html", "https://baohatinh.vn/tin-t%E1%BB%A9c/a-post1.html"),
        ("https://laodong.vn/tim-kiem?q=công đoàn", "https://laodong.vn/tim-kiem?q=c%C3%B4ng+%C4%91o%C3%A0n"),
        # baohatinh's AMP twin is the article; no query parameter makes another article.
        ("https://baohatinh.vn/cong-doan-hop-post7.amp", "https://baohatinh.vn/cong-doan-hop-post7.html"),
        (
            "https://baohatinh.vn/cong-doan-hop-post7.html?amp=1&comment=2",
            "https://baohatinh.vn/cong-doan-hop-post7.html",
        ),
        ("https://baodaklak.vn/xa-hoi/202411/a-c4e81f2/?share=zalo", "https://baodaklak.vn/xa-hoi/202411/a-c4e81f2/"),
        ("https://baodaklak.vn/xa-hoi/?paged=2", "https://baodaklak.vn/xa-hoi/?paged=2"),  # a listing keeps its page
        ("https://baohatinh.vn/bai-viet.amp", "https://baohatinh.vn/bai-viet.amp"),  # not an article twin
    ],
)
def test_canonical_url(url: str, canonical: str):
    assert canonical_url(url) == canonical
    assert canonical_url(canonical) == canonical  # idempotent


def test_site_for_url():
    assert site_for_url("https://laodong.vn/x-1.ldo") == "laodong"
    assert site_for_url("https://baohatinh.vn/x-post1.html") == "baohatinh"
    assert site_for_url("https://ldld.caobang.gov.vn/news/a/b-1.html") == "caobang"
    assert site_for_url("https://congdoan.vn/x") is None


def test_listing_links_are_canonical_dated_and_in_order():
    links = listing_links((SITE / "ldld-dak-lak.html").read_text(encoding="utf-8"), "https://laodong.vn/ldld-dak-lak")
    urls = [link.url for link in links]
    assert (
        urls[0]
        == "https://laodong.vn/ldld-dak-lak/cong-doan-vien-chuc-tinh-dak-lak-tong-ket-cong-tac-nam-2020-859412.ldo"
    )
    assert links[0].published_at == "2020-12-04T17:12:00+07:00"
    assert not any("news.laodong.vn" in url or "utm_" in url for url in urls)
    assert len(urls) == len(set(urls))


def test_listing_links_ignore_base_href_for_links():
    html = '<base href="https://media.laodong.vn"><article><a href="/cong-doan/a-1069877.ldo">x</a></article>'
    assert [link.url for link in listing_links(html, "https://laodong.vn/cong-doan")] == [
        "https://laodong.vn/cong-doan/a-1069877.ldo"
    ]


def test_next_page_url():
    assert next_page_url("https://laodong.vn/ldld-ha-tinh") == "https://laodong.vn/ldld-ha-tinh?page=2"
    assert next_page_url("https://laodong.vn/ldld-ha-tinh?page=9") == "https://laodong.vn/ldld-ha-tinh?page=10"
    assert next_page_url("https://example.com/list") is None


def test_mirror_round_trip():
    real = "https://laodong.vn/cong-doan?page=2"
    mirrored = to_mirror("http://127.0.0.1:9000/", real)
    assert mirrored == "http://127.0.0.1:9000/laodong.vn/cong-doan?page=2"
    assert from_mirror("http://127.0.0.1:9000", mirrored, real) == real
    assert from_mirror("http://127.0.0.1:9000", "https://laodong.vn/x", real) == "https://laodong.vn/x"
    assert from_mirror("http://127.0.0.1:9000", "/cong-doan/x-1.ldo", real) == "https://laodong.vn/cong-doan/x-1.ldo"


def test_links_in_page_furniture_are_marked():
    html = (SITE / "cong-doan.html").read_text(encoding="utf-8")
    links = {link.url: link for link in listing_links(html, "https://laodong.vn/cong-doan")}
    assert not links["https://laodong.vn/cong-doan/bai-viet-da-go-1070001.ldo"].in_furniture
    assert links["https://laodong.vn/xa-hoi/thoi-tiet-nang-nong-1069905.ldo"].in_furniture
    assert links["https://laodong.vn/cong-doan/bai-viet-da-go-1070001.ldo"].published_at == "2022-07-18T10:00:00+07:00"


def test_listing_dates_in_iso_attributes_or_nested_text():
    html = """<article><a class="link-title" href="/cong-doan/a-1.ldo">A</a><time datetime="2019-03-01T08:00:00+07:00">1/3</time></article>
    <article><a class="link-title" href="/cong-doan/b-2.ldo">B</a><span class="time">\n <i class="icon"></i> 02/03/2019</span></article>"""
    dates = [link.published_at for link in listing_links(html, "https://laodong.vn/cong-doan")]
    assert dates == ["2019-03-01T08:00:00+07:00", "2019-03-02"]


def test_a_listing_without_its_stream_container_is_read_whole_and_said_so(caplog):
    # A theme that renamed the item class must not silence a section: every link, and a warning.
    html = '<div class="row"><div class="item-list"><h3><a href="/news/hoat-dong-cong-doan/a-1500.html">A</a></h3></div></div>'
    links = listing_links(html, "https://ldld.caobang.gov.vn/news/hoat-dong-cong-doan/page-2")
    assert [link.url for link in links] == ["https://ldld.caobang.gov.vn/news/hoat-dong-cong-doan/a-1500.html"]
    assert "no listing stream" in caplog.text
    caplog.clear()
    listing_links(html, "https://ldld.caobang.gov.vn/")  # the home page is no section listing
    assert "no listing stream" not in caplog.text
