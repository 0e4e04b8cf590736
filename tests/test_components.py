"""Scrapy components built with get_crawler and called directly, as Scrapy's own tests do."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.fetch.errback import describe_failure
from crawler.fetch.middlewares import D1NChallengeMiddleware
from crawler.ops.report import summarize
from crawler.records import Page, Rejection
from crawler.store.pipeline import ArchivePipeline
from spiders.laodong import LaoDong
from tests.conftest import CASES

CHALLENGE = (CASES / "laodong" / "d1n-challenge" / "page.html").read_bytes()
URL = "https://laodong.vn/cong-doan/ha-tinh-trao-12-mai-am-cong-doan-cho-doan-vien-kho-khan-631245.bld"


@pytest.fixture
def crawler():
    crawler = get_crawler(LaoDong, {"ARCHIVE_DB": ":memory:"})
    crawler.stats.open_spider()
    return crawler


def test_d1n_challenge_is_answered_once_with_its_cookie(crawler):
    middleware = build_from_crawler(D1NChallengeMiddleware, crawler)
    request = Request(URL)
    retry = middleware.process_response(request, HtmlResponse(URL, body=CHALLENGE, request=request))
    assert isinstance(retry, Request)
    assert retry.url == URL and retry.dont_filter
    assert retry.cookies == {"D1N": "7f3c2a9e41b86d05c1e2f3a4b5c6d7e8"}
    # A second challenge for the answered request passes through (and becomes a rejection).
    again = middleware.process_response(retry, HtmlResponse(URL, body=CHALLENGE, request=retry))
    assert isinstance(again, HtmlResponse)
    stats = crawler.stats.get_stats()
    assert (stats["archive/d1n/challenged"], stats["archive/d1n/answered"], stats["archive/d1n/unsolved"]) == (2, 1, 1)


def test_ordinary_pages_pass_through_the_d1n_middleware(crawler):
    middleware = build_from_crawler(D1NChallengeMiddleware, crawler)
    page = (CASES / "laodong" / "seed-004-hoa-binh" / "page.html").read_bytes()
    for response in (HtmlResponse(URL, body=page), HtmlResponse(URL, status=404, body=CHALLENGE)):
        assert middleware.process_response(Request(URL), response) is response
    assert "archive/d1n/challenged" not in crawler.stats.get_stats()


def test_pipeline_stores_articles_and_rejections(tmp_path):
    crawler = get_crawler(LaoDong, {"ARCHIVE_DB": str(tmp_path / "archive.db")})
    crawler.stats.open_spider()
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    page = (CASES / "laodong" / "bld-print-edition" / "page.html").read_bytes()
    pipeline.process_item(Page(URL, "laodong", 200, page, "2026-11-20T03:15:00+00:00"))
    pipeline.process_item(Page(URL, "laodong", 200, page, "2026-11-21T03:15:00+00:00"))
    pipeline.process_item(Page(URL.replace("631245", "631246"), "laodong", 200, CHALLENGE, "2026-11-21T03:15:00+00:00"))
    pipeline.process_item(Rejection("https://laodong.vn/cong-doan/x-1.ldo", "laodong", "robots-disallowed", "", "t"))
    pipeline.close_spider()
    stats = crawler.stats.get_stats()
    assert stats["archive/articles/new"] == 1 and stats["archive/articles/unchanged"] == 1
    assert stats["archive/rejected/interstitial"] == 1 and stats["archive/rejected/robots-disallowed"] == 1


def test_a_spider_is_allowed_only_its_own_hosts():
    # Politeness settings themselves: tests/test_operations.py::test_politeness_settings.
    hosts = get_crawler(LaoDong).spidercls().allowed_domains
    assert hosts[0] == "laodong.vn" and all(host.endswith("laodong.vn") for host in hosts)
    assert "news.laodong.vn" not in hosts  # the English edition is another site


def test_user_agent_is_configurable(monkeypatch):
    import importlib

    import crawler.fetch.settings as project_settings

    monkeypatch.setenv("CONGDOAN_USER_AGENT", "archive-bot/2 (+mailto:ops@example.org)")
    try:
        assert importlib.reload(project_settings).USER_AGENT == "archive-bot/2 (+mailto:ops@example.org)"
    finally:
        monkeypatch.delenv("CONGDOAN_USER_AGENT")
        importlib.reload(project_settings)


@pytest.mark.parametrize(
    ("error", "category"),
    [
        ("scrapy.exceptions.CannotResolveHostError", "dns"),
        ("scrapy.exceptions.DownloadConnectionRefusedError", "connection"),
        ("scrapy.exceptions.DownloadTimeoutError", "timeout"),
        ("twisted.internet.error.DNSLookupError", "dns"),
        ("builtins.RuntimeError", "other"),
    ],
)
def test_describe_failure(error: str, category: str):
    module, _, name = error.rpartition(".")
    exception = getattr(__import__(module, fromlist=[name]), name)("boom")
    failure = Failure(exception)
    failure.request = Request("https://laodong.vn/cong-doan")
    found, message = describe_failure(failure)
    assert found == category and "laodong.vn" in message


def test_summary_lines():
    line, ok = summarize(
        "laodong",
        {
            "downloader/request_count": 7,
            "archive/errors/dns": 6,
            "archive/last_error": "DNS lookup failed for laodong.vn",
        },
    )
    assert not ok and line.startswith("laodong: FAILED: DNS lookup failed for laodong.vn")
    line, ok = summarize(
        "laodong", {"downloader/response_status_count/200": 3, "archive/articles/new": 2, "archive/rejected/no-date": 1}
    )
    assert ok and "2 new" in line and "1 rejected" in line


def test_a_crawl_that_finds_no_article_link_at_all_has_failed():
    line, ok = summarize(
        "laodong", {"downloader/response_status_count/200": 7, "archive/requests/entry": 6, "archive/d1n/unsolved": 6}
    )
    assert not ok and "6 cookie challenges unsolved" in line
    line, ok = summarize("laodong", {"downloader/response_status_count/200": 7, "archive/requests/entry": 6})
    assert not ok and "no article link" in line


@pytest.mark.parametrize(
    ("url", "in_furniture", "followed"),
    [
        ("https://laodong.vn/cong-doan/a-1.ldo", False, True),
        ("https://laodong.vn/ldld-ha-tinh/a-1.ldo", True, True),
        ("https://laodong.vn/cong-doan-toan-quoc/a-1.ldo", False, True),
        ("https://laodong.vn/xa-hoi/a-1.ldo", False, False),  # another section, wherever it is linked
        ("https://laodong.vn/the-gioi/a-1.ldo", True, False),
        ("https://laodong.vn/a-1.ldo", False, True),  # no section in the path: trust the listing
        ("https://laodong.vn/a-1.ldo", True, False),
    ],
)
def test_laodong_follows_union_sections_only(url, in_furniture, followed):
    from crawler.sites.discover import ListingLink

    assert LaoDong().follows(ListingLink(url, None, in_furniture)) is followed


def test_related_box_thumbnails_are_not_article_images():
    from crawler.extract.article import extract

    case_dir = CASES / "laodong" / "seed-004-hoa-binh"
    html = (
        (case_dir / "page.html")
        .read_text(encoding="utf-8")
        .replace(
            '<li><a href="https://laodong.vn/cong-doan/hoa-binh-tong-ket-phong-trao-thi-dua-1045120.ldo">',
            '<li><img src="https://media-cdn-v2.laodong.vn/storage/newsportal/2022/6/1/1045120/thumb.jpg">'
            '<a href="https://laodong.vn/cong-doan/hoa-binh-tong-ket-phong-trao-thi-dua-1045120.ldo">',
        )
    )
    assert "thumb.jpg" in html
    import json

    meta = json.loads((case_dir / "meta.json").read_text(encoding="utf-8"))
    article = extract(html, meta["url"], meta["fetched_at"])
    assert not any("thumb.jpg" in image.url for image in article.images)
    assert len(article.images) == 3


def test_a_moved_site_keeps_its_spider_and_profile(tmp_path):
    from crawler.store.archive import store_page
    from crawler.store.database import open_db
    from spiders.hoabinh import HoaBinh

    spider = HoaBinh(host="Bao.HoaBinh.example")
    assert spider.entry_urls() == ["https://bao.hoabinh.example/274/"]
    assert spider.allowed_domains == ["bao.hoabinh.example", "baophutho.vn", "www.baophutho.vn"]
    case = CASES / "hoabinh" / "seed-002-cdvc-tong-ket-2023"
    import json

    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    moved = meta["url"].replace("baohoabinh.com.vn", "bao.hoabinh.example")
    db = open_db(tmp_path / "archive.db")
    page = Page(moved, "hoabinh", 200, (case / "page.html").read_bytes(), meta["fetched_at"], profile="hoabinh")
    assert store_page(db, page).outcome == "new"
    (row,) = db["articles"].rows
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    assert (row["url"], row["site"], row["body"]) == (moved, "hoabinh", expected["body"])
    assert row["province"] == expected["province"] == "Hòa Bình"  # the spider's site decides it, not the new host


def test_the_host_setting_moves_a_spider():
    crawler = get_crawler(LaoDong, {"ARCHIVE_HOSTS": {"laodong": "laodong.example"}})
    spider = LaoDong.from_crawler(crawler)
    assert spider.entry_urls()[0] == "https://laodong.example/cong-doan"
