"""The search page past 5,000 matches, where it stops ranking every match: on a real
archive of 6,000 synthetic articles that all mention «công đoàn», through Datasette.
Every expectation is computed from the archive itself, not from the SQL under test."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import urlencode

import pytest

from crawler.extract.article import locate
from crawler.records import Article
from crawler.store.articles import article_row
from crawler.text import fold
from tests.conftest import datasette_get
from tests.synthetic import synthetic_archive

ARTICLES = 6000


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scale") / "archive.db"
    synthetic_archive(path, ARTICLES, headline_every=3)
    with sqlite3.connect(path) as connection:  # a reprint: the newest article copies an older one
        newest, older = connection.execute("select url from articles order by rowid desc limit 2").fetchall()
        connection.execute("update articles set duplicate_of = ? where url = ?", [older[0], newest[0]])
    return path


def newest_first(archive: Path) -> list[tuple[str, str, str, str | None, str]]:
    with sqlite3.connect(archive) as connection:
        return connection.execute(
            "select url, title, site, duplicate_of, published_at from articles order by published_at desc, rowid desc"
        ).fetchall()


def names_both_words(text: str) -> bool:
    return {"cong", "doan"} <= set(re.findall(r"\w+", fold(text)))


def search(archive: Path, **params: str) -> list[dict]:
    (response,) = datasette_get(archive, f"/archive/tim_kiem.json?_shape=objects&{urlencode(params)}")
    assert response.status_code == 200, response.text
    return response.json()["rows"]


def page_html(archive: Path, **params: str) -> str:
    (response,) = datasette_get(archive, f"/archive/tim_kiem?{urlencode(params)}")
    assert response.status_code == 200
    return response.text


def test_best_match_is_headline_matches_newest_first_then_the_rest_across_pages(archive):
    shown = [row for row in newest_first(archive) if row[3] is None]  # the reprint shows as its original
    expected = [row[0] for row in shown if names_both_words(row[1])] + [
        row[0] for row in shown if not names_both_words(row[1])
    ]
    pages = [search(archive, q="cong doan", page=str(n)) for n in (1, 2, 3)]
    assert [row["url"] for page in pages for row in page] == expected[:60]
    assert all(len(page) == 20 for page in pages)
    # The last page of headline matches runs on into the others.
    boundary = sum(names_both_words(row[1]) for row in shown)
    page = boundary // 20 + 1
    rows = search(archive, q="cong doan", page=str(page))
    assert [row["url"] for row in rows] == expected[(page - 1) * 20 : page * 20]


def test_newest_first_and_accents_change_nothing_for_a_common_term(archive):
    expected = [row[0] for row in newest_first(archive) if row[3] is None][:20]
    assert [row["url"] for row in search(archive, q="cong doan", order="date")] == expected
    assert [row["url"] for row in search(archive, q="công đoàn", order="date")] == expected


def test_the_count_is_bounded_and_says_so(archive):
    first = search(archive, q="cong doan")[0]
    assert (first["total"], first["more"]) == (5000, 1)
    assert "Hơn <strong>5.000</strong> bài" in page_html(archive, q="cong doan")
    # A site filter: how many of the newest 5,001 matches are that site's, as a lower bound.
    rows = search(archive, q="cong doan", site="caobang", order="date")
    window = newest_first(archive)[:5001]
    assert rows[0]["more"] == 1 and rows[0]["total"] == sum(row[2] == "caobang" and row[3] is None for row in window)
    assert "Ít nhất" in page_html(archive, q="cong doan", site="caobang")
    expected = [row[0] for row in newest_first(archive) if row[2] == "caobang" and row[3] is None][:20]
    assert [row["url"] for row in rows] == expected


def test_a_date_range_is_applied_by_the_index(archive):
    rows = search(archive, q="cong doan", since="01/03/2020", until="31/03/2020", order="date")
    expected = [
        row[0] for row in newest_first(archive) if "2020-03-01" <= row[4][:10] <= "2020-03-31" and row[3] is None
    ]
    assert 0 < len(expected) < 5000
    assert [row["url"] for row in rows] == expected[:20]
    assert rows[0]["total"] == len(expected) and rows[0]["more"] == 0  # few enough: ranked and counted exactly


def test_a_rare_word_is_ranked_by_bm25_and_counted_exactly(archive):
    rows = search(archive, q="so 4242")
    assert [row["url"] for row in rows][:1] == ["https://laodong.vn/cong-doan/synthetic-4242.ldo"]
    assert rows[0]["more"] == 0 and rows[0]["total"] == len(rows)


def test_facets_count_the_newest_results_and_link_to_the_filter(archive):
    html = page_html(archive, q="cong doan")
    assert "trong 1.000 kết quả mới nhất" in html
    counts = re.findall(r'href="\?[^"]*site=(\w+)[^"]*">[^<]+</a> \((\d+)\)', html.replace("&amp;", "&"))
    window = list(newest_first(archive))[:1000]
    assert {site: int(n) for site, n in counts} == {
        site: sum(row[2] == site for row in window) for site in {row[2] for row in window}
    }


def test_synthetic_rows_are_stored_as_the_pipeline_stores_them(archive):
    with sqlite3.connect(archive) as connection:
        connection.row_factory = sqlite3.Row
        row = dict(connection.execute("select * from articles where url like '%synthetic-7.ldo'").fetchone())
    article = locate(
        Article(
            **{
                name: row[name]
                for name in (
                    "url",
                    "site",
                    "title",
                    "lead",
                    "body",
                    "published_at",
                    "updated_at",
                    "author",
                    "source",
                    "section",
                    "language",
                )
            },
            tags=[],
            images=[],
        )
    )
    assert {name: row[name] for name in article_row(article)} == article_row(article)
