"""Publishing: Datasette over a real archive built from the extraction cases, through its client."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from urllib.parse import quote

import pytest

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
    assert visible == {"articles", "article_versions", "attachments", "captures", "crawls", "glossary", "rejections"}
    counts = get_json(archive, "/archive/articles_per_site.json?_shape=objects")
    assert {row["site"] for row in counts["rows"]} == {"baohatinh", "caobang", "daklak", "hoabinh", "laodong", None}
