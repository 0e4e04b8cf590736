"""Publishing: Datasette over a real archive built from the extraction cases, through its client."""

from __future__ import annotations

import sqlite3
import unicodedata
from pathlib import Path
from urllib.parse import quote

import lxml.html
import pytest
from datasette.utils import tilde_encode

from crawler.extract.article import extract
from crawler.store.archive import save_article
from crawler.store.database import open_db
from tests.conftest import all_cases, datasette_get


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("publish") / "archive.db"
    db = open_db(path)
    for case in all_cases("article"):
        if not case.rejected:
            save_article(db, extract(case.html, case.meta["url"], case.meta["fetched_at"]), case.meta["fetched_at"])
    db.close()
    return path


def get_json(archive: Path, path: str) -> dict:
    (response,) = datasette_get(archive, path)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    "query",
    [
        "cong doan",
        "công đoàn",
        "CONG DOAN",
        "Công Đoàn",
        "cong doan hoa binh",
        "Công đoàn Hoà Bình",
        unicodedata.normalize("NFD", "Công đoàn Hòa Bình"),
    ],
)
def test_search_finds_union_articles_with_or_without_diacritics(archive, query):
    data = get_json(archive, f"/archive/articles.json?_search={quote(query)}&_shape=objects&_col=title")
    titles = [row["title"] for row in data["rows"]]
    assert "Công đoàn Hòa Bình đưa ra nhiều mục tiêu hướng đến lợi ích người lao động" in titles


def test_unaccented_search_of_a_place_name(archive):
    data = get_json(archive, "/archive/articles.json?_search=dak+lak&_shape=objects&_col=title")
    assert [row["title"] for row in data["rows"]] == ["Công đoàn Viên chức tỉnh Đắk Lắk tổng kết công tác năm 2020"]


def test_articles_are_sorted_newest_first_with_facets(archive):
    data = get_json(archive, "/archive/articles.json?_shape=objects&_col=published_at")
    dates = [row["published_at"] for row in data["rows"]]
    assert dates == sorted(dates, reverse=True)
    assert {"site", "section"} <= set(data["facet_results"])


def test_internal_tables_are_hidden_and_the_canned_query_runs(archive):
    database = get_json(archive, "/archive.json")
    visible = {t["name"] for t in database["tables"] if not t["hidden"]}
    assert visible == {
        "articles",
        "article_versions",
        "attachments",
        "captures",
        "crawls",
        "glossary",
        "rejections",
        "media",
        "article_media",
        "article_aliases",
    }
    counts = get_json(archive, "/archive/articles_per_site.json?_shape=objects")
    assert {row["site"] for row in counts["rows"]} == {"baohatinh", "caobang", "daklak", "hoabinh", "laodong", None}


TABLE_CASE = "daklak/xa-hoi-cong-doan-xa-phuong-moi-table"


def article_page(archive: Path, url: str) -> lxml.html.HtmlElement:
    (response,) = datasette_get(archive, f"/archive/articles/{tilde_encode(url)}")
    assert response.status_code == 200, response.text
    return lxml.html.fromstring(response.text)


def test_the_article_page_shows_the_body_as_printed(archive):
    case = next(c for c in all_cases("article") if c.name == TABLE_CASE)
    body = article_page(archive, case.expected["url"]).xpath("//article[@class='news-article']//div[@class='body']")[0]
    # The table as printed: a header row and three rows of four cells, not lines of "a | b | c".
    assert [len(row.xpath("th|td")) for row in body.xpath(".//table//tr")] == [4, 4, 4, 4]
    assert body.xpath(".//table//th")[0].text_content() == "Khu vực"
    assert " | " not in body.text_content()
    # The photo where it stood, with its caption, and not shown a second time below the text.
    (figure,) = body.xpath(".//figure")
    assert figure.xpath("figcaption")[0].text_content() == "Ban Chấp hành lâm thời Công đoàn phường Tuy Hòa ra mắt."
    assert body.xpath("following-sibling::div[@class='images']") == []


def test_a_hostile_body_html_in_the_file_is_sanitized_again_when_shown(archive, tmp_path):
    # The file served may not be the one the crawler wrote: the page sanitizes what it prints.
    hostile = tmp_path / "archive.db"
    hostile.write_bytes(archive.read_bytes())
    case = next(c for c in all_cases("article") if c.name == TABLE_CASE)
    with sqlite3.connect(hostile) as connection:
        connection.execute(
            "update articles set body_html = ? where url = ?",
            [
                (
                    '<p onclick="alert(1)">Chữ</p><script>alert(2)</script><img src=x onerror=alert(3)>'
                    '<a href="javascript:alert(4)">x</a><svg onload=alert(5)></svg><table><tr><td>ô</td></tr></table>'
                ),
                case.expected["url"],
            ],
        )
        connection.commit()
        connection.execute("pragma journal_mode=delete")  # into the file itself: Datasette serves it immutable
    body = article_page(hostile, case.expected["url"]).xpath("//div[@class='body']")[0]
    assert body.xpath(".//script|.//svg|.//*[@onclick]|.//*[@onerror]|.//*[@onload]") == []
    assert [href for href in body.xpath(".//@href|.//@src") if not href.startswith(("http://", "https://"))] == []
    assert body.xpath(".//p")[0].text_content() == "Chữ" and body.xpath(".//td")[0].text_content() == "ô"
