"""The search language on a real archive: phrases, OR, exclusions, groups, prefixes, fields and
NEAR, with and without diacritics, through `congdoan search`'s code, the search page and the
feed; and random queries thrown at the parser and the page (hypothesis)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from urllib.parse import quote

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.publish.query import MAX_WORDS, compile_query, match_expression
from crawler.publish.search import search
from crawler.records import Article
from crawler.store.archive import save_article
from crawler.store.database import open_db
from tests.conftest import datasette_for

FILLER = "Các cấp công đoàn trong tỉnh tiếp tục chăm lo đời sống đoàn viên, người lao động. " * 4
STORIES = {  # key: (title, body, author)
    "phrase": ("Trao nhà Mái ấm Công đoàn ở Kỳ Anh", "Chương trình mái ấm công đoàn năm nay trao 12 nhà. ", "Minh Anh"),
    "apart": ("Công đoàn cơ sở thăm hỏi", "Mái nhà của công nhân ấm hơn nhờ đoàn viên góp sức. ", "Trần Trọng"),
    "flood": ("Mái ấm công đoàn sau lũ", "Lũ cuốn trôi nhiều nhà; mái ấm công đoàn được dựng lại. ", "Minh Anh"),
    "title-place": ("LĐLĐ Hà Tĩnh tổng kết năm", "Hội nghị tổng kết công tác năm. ", "Ngọc Lan"),
    "body-place": ("Hội nghị tổng kết", "Liên đoàn Lao động tỉnh Hà Tĩnh tổng kết công tác năm. ", "Ngọc Lan"),
    "insurance": ("Bảo hiểm xã hội cho người lao động", "Người lao động tự do tham gia bảo hiểm xã hội. ", "Quang Huy"),
    "abbreviation": ("BHXH tự nguyện", "Cán bộ BHXH hướng dẫn công nhân khu công nghiệp. ", "Quang Huy"),
    "near": ("Công nhân thuê trọ", "Nhiều công nhân đang thuê nhà trọ gần khu công nghiệp. ", "Hồng Nhung"),
}


def story(key: str) -> Article:
    title, body, author = STORIES[key]
    return Article(
        url=f"https://laodong.vn/cong-doan/{key}-{len(key)}.ldo",
        site="laodong",
        title=title,
        lead=None,
        body=body + FILLER,
        published_at="2024-05-02T09:00:00+07:00",
        updated_at=None,
        author=author,
        source=None,
        section="Công đoàn",
        tags=[],
        images=[],
        language="vi",
        province="Hà Tĩnh",
    )


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("query") / "archive.db"
    db = open_db(path)
    for key in STORIES:
        save_article(db, story(key), "2026-11-20T00:00:00+00:00")
    db.close()
    with sqlite3.connect(path) as connection:
        connection.execute("pragma journal_mode=delete")  # Datasette serves it immutable
    return path


def found(archive: Path, query: str, mode: str = "auto") -> set[str]:
    db = open_db(archive)
    try:
        return {row["url"].rsplit("/", 1)[1].rsplit("-", 1)[0] for row in search(db, query, limit=50, mode=mode)}
    finally:
        db.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"mái ấm công đoàn"', {"phrase", "flood"}),  # not "apart", which has the words apart
        ('"mai am cong doan"', {"phrase", "flood"}),
        ('"Mái ấm cong doan"', {"phrase", "flood"}),  # accents word by word
        ('"mái ấm công đoàn" -lũ', {"phrase"}),
        ('"mai am cong doan" -"cuốn trôi"', {"phrase"}),
        ('"mái ấm công đoàn" NOT lu', {"phrase"}),
        ("mái ấm công đoàn", {"phrase", "apart", "flood"}),
        ('"mái ấm công đoàn" OR "thuê trọ"', {"phrase", "flood", "near"}),
        ('tong ket (ha tinh OR "cao bang")', {"title-place", "body-place"}),
        ("tiêu đề: Hà Tĩnh", {"title-place"}),
        ("title:(ha tinh) tong ket", {"title-place"}),
        ('tác giả: "Minh Anh"', {"phrase", "flood"}),
        ("author:minh", {"phrase", "flood"}),
        ("đoàn* Kỳ", {"phrase"}),
        ('doan* "mái nhà"', {"apart"}),
        ("NEAR(công nhân nhà trọ, 5)", {"near"}),
        ("NEAR(cong nhan tro, 1)", set()),
        ('"bảo hiểm xã hội"', {"insurance", "abbreviation"}),  # the phrase is the abbreviation's expansion
        ('"BHXH" -tự', set()),
        ("LĐLĐ tổng kết", {"title-place", "body-place"}),
        ('"lien doan lao dong" ha tinh', {"title-place", "body-place"}),
    ],
)
def test_each_operator_on_a_real_archive(archive: Path, query: str, expected: set[str]):
    assert found(archive, query) == expected


def test_an_accented_word_stays_exact_and_fold_mode_ignores_it(archive: Path):
    assert found(archive, "lụ") == set()  # no article has «lụ»
    assert found(archive, '"mái ấm công đòan"') == set()  # a wrong accent finds nothing
    assert found(archive, '"mái ấm công đòan"', mode="fold") == {"phrase", "flood"}


@pytest.mark.parametrize(
    "query",
    [
        '"mái ấm công đoàn',  # unbalanced quote
        "OR",
        "công đoàn OR",
        "NOT",
        "NOT công đoàn",
        "-",
        "* : ^ { } ( ) ) ( *",
        "công* : đoàn",
        "NEAR/3 công đoàn",
        "^công {title}: đoàn",
        "{title lead}: đoàn",
        "title: tiêu đề: tác giả:",
        "((((((((((công đoàn))))))))))",
        "công " * 1000,
        "\x00\x1f công \u2063 đoàn",
    ],
)
def test_bad_queries_never_fail(archive: Path, query: str):
    expression, _ = compile_query(query)
    db = open_db(archive)
    try:
        if expression:  # FTS5 accepts whatever the parser built
            db.execute("select count(*) from articles_fts where articles_fts match ?", [expression]).fetchone()
        search(db, query)
    finally:
        db.close()
    (page,) = pages(archive, f"/archive/tim_kiem?q={quote(query)}")
    assert page.status_code == 200, page.text[-500:]


def test_a_query_that_only_excludes_says_why_it_finds_nothing(archive: Path):
    (page,) = pages(archive, f"/archive/tim_kiem?q={quote('-lũ NOT BHXH')}")
    assert page.status_code == 200
    warning = lxml.html.fromstring(page.text).xpath("//p[@class='vn-warning']")[0].text_content()
    assert "Cần ít nhất một từ" in warning and "at least one word" in warning
    expression, notes = compile_query("công " * (MAX_WORDS + 5))
    assert expression.count('"công"') == MAX_WORDS and "30" in notes


def test_the_page_marks_the_phrase_not_its_words_apart(archive: Path):
    query = '"mai am cong doan" -lũ'
    (page,) = pages(archive, f"/archive/tim_kiem?q={quote(query)}")
    root = lxml.html.fromstring(page.text)
    results = root.xpath("//ol[@class='vn-results']/li")
    assert len(results) == 1
    marks = [mark.text_content() for mark in results[0].xpath(".//mark")]
    assert marks and set(marks) == {"Mái ấm Công đoàn", "mái ấm công đoàn"}, marks


def test_the_feed_and_congdoan_search_read_the_same_language(archive: Path):
    query = quote('"mái ấm công đoàn" -lũ')
    feed, page = pages(archive, f"/archive/theo_doi.atom?q={query}", f"/archive/tim_kiem.json?_shape=objects&q={query}")
    assert feed.status_code == 200 and feed.text.count("<entry>") == 1 and "Kỳ Anh" in feed.text
    assert [row["title"] for row in page.json()["rows"]] == ["Trao nhà Mái ấm Công đoàn ở Kỳ Anh"]


def pages(archive: Path, *paths: str) -> list:
    async def fetch() -> list:
        datasette = datasette_for(archive)
        return [await datasette.client.get(path) for path in paths]

    return asyncio.run(fetch())


PIECES = st.sampled_from(
    [
        *[
            '"',
            "(",
            ")",
            "-",
            "*",
            ":",
            "^",
            "{",
            "}",
            "/",
            ",",
            "|",
            "+",
            "~",
            "OR",
            "NOT",
            "AND",
            "hoặc",
            "NEAR(",
            "NEAR/3",
            "title:",
            "author:",
            "công",
            "đoàn",
            "mái",
            "ấm",
            "cong",
            "doan",
        ],
        *["LĐLĐ", "ldld", "5", "đoàn*", "Hà"],
        *("tiêu đề:", "tác giả:", "bảo hiểm xã hội", "\u0301", "\x00"),
    ]
)
# Operator soup (pieces with or without spaces between them), and plain random text.
QUERY_TEXT = st.lists(st.tuples(PIECES, st.sampled_from(["", " "])), max_size=25).map(
    lambda pieces: "".join(piece + space for piece, space in pieces)
) | st.text(max_size=60)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(QUERY_TEXT, st.sampled_from(["auto", "exact", "fold"]))
def test_random_queries_always_compile_to_valid_fts5(query: str, mode: str):
    expression, notes = compile_query(query, mode)
    assert isinstance(notes, str)
    if expression:
        _fts_check().execute("select count(*) from t where t match ?", [expression]).fetchone()


_CHECK: list[sqlite3.Connection] = []


def _fts_check() -> sqlite3.Connection:
    """An empty FTS5 table with the archive's columns: FTS5 parses every MATCH it is given."""
    if not _CHECK:
        connection = sqlite3.connect(":memory:")
        columns = "title, lead, body, title_folded, lead_folded, body_folded, author, author_folded"
        connection.execute(f"create virtual table t using fts5({columns}, tokenize='unicode61 remove_diacritics 0')")
        _CHECK.append(connection)
    return _CHECK[0]


def test_two_thousand_random_queries_through_the_page_never_5xx(archive: Path):
    collected: list[str] = []

    @settings(max_examples=2000, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(QUERY_TEXT)
    def collect(query: str) -> None:
        collected.append(query)

    collect()
    assert len(collected) >= 2000

    async def run() -> list[int]:
        datasette = datasette_for(archive)
        statuses = []
        for query in collected:
            response = await datasette.client.get(f"/archive/tim_kiem?q={quote(query)}")
            statuses.append(response.status_code)
        return statuses

    statuses = asyncio.run(run())
    assert [s for s in statuses if s >= 500] == []


def test_match_expression_keeps_every_word_quoted():
    # No user text reaches FTS5 as syntax: words are quoted, operators rebuilt.
    assert match_expression("NEAR/3 ^cong {title}:doan") == '("near 3" AND "cong" AND "title" AND "doan")'
