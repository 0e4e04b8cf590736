"""Duplicates: exact copies by content hash, syndicated near-copies across sites by shingle
sketches; each copy points at the earliest version, and search shows it once."""

from __future__ import annotations

import dataclasses
import json

import pytest

from crawler.publish.search import search
from crawler.records import Article
from crawler.store.archive import save_article
from crawler.store.database import open_db
from crawler.store.duplicates import is_near_duplicate, marks
from tests.conftest import CASES

# A real Lao Động story (tests/cases/laodong/seed-004-hoa-binh) and copies as provincial papers print them.
STORY = json.loads((CASES / "laodong" / "seed-004-hoa-binh" / "expected.json").read_text(encoding="utf-8"))
OTHER = json.loads((CASES / "laodong" / "old-layout-dak-lak" / "expected.json").read_text(encoding="utf-8"))


def article(url: str, site: str, body: str, published_at: str, title: str = STORY["title"]) -> Article:
    return Article(
        url=url,
        site=site,
        title=title,
        lead=None,
        body=body,
        published_at=published_at,
        updated_at=None,
        author=None,
        source=None,
        section=None,
        tags=[],
        images=[],
        language="vi",
    )


ORIGINAL = article("https://laodong.vn/cong-doan/x-1069877.ldo", "laodong", STORY["body"], "2022-07-19T16:13:00+07:00")
# The syndicated copy: a new headline, a credit line added, the last paragraph cut.
COPY_BODY = "\n\n".join([*STORY["body"].split("\n\n")[:-1], "Nguồn: Báo Lao Động"])
COPY = article(
    "https://baohoabinh.com.vn/12/170001/Cong-doan.htm",
    "hoabinh",
    COPY_BODY,
    "2022-07-20T08:00:00+07:00",
    title="LĐLĐ tỉnh: nhiều mục tiêu vì người lao động",
)
UNRELATED = article(
    "https://laodong.vn/ldld-cao-bang/y-931877.ldo",
    "laodong",
    OTHER["body"],
    "2021-07-01T09:00:00+07:00",
    title=OTHER["title"],
)


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "archive.db")
    yield database
    database.close()


def duplicate_of(db) -> dict[str, str | None]:
    return dict(db.execute("select url, duplicate_of from articles").fetchall())


def test_the_sketch_and_the_check_tell_copies_from_other_stories():
    assert is_near_duplicate(STORY["body"], COPY_BODY)
    assert is_near_duplicate(STORY["body"], STORY["body"].replace("công đoàn", "cong doan"))  # accents lost
    assert not is_near_duplicate(STORY["body"], OTHER["body"])
    assert set(marks(STORY["body"])) & set(marks(COPY_BODY))


def test_a_syndicated_copy_points_at_the_earlier_original(db):
    for item in (ORIGINAL, UNRELATED, COPY):
        save_article(db, item, "2026-11-20T00:00:00+00:00")
    assert duplicate_of(db) == {ORIGINAL.url: None, UNRELATED.url: None, COPY.url: ORIGINAL.url}


def test_the_earliest_version_becomes_the_original_whatever_the_crawl_order(db):
    save_article(db, COPY, "2026-11-20T00:00:00+00:00")
    save_article(db, UNRELATED, "2026-11-20T00:00:00+00:00")
    assert duplicate_of(db)[COPY.url] is None  # alone, so far
    save_article(db, ORIGINAL, "2026-11-21T00:00:00+00:00")
    # An exact copy published earlier still: everyone now points at it, no chains.
    earliest = dataclasses.replace(
        ORIGINAL,
        url="https://baohatinh.vn/cong-doan/x-post1.html",
        site="baohatinh",
        published_at="2022-07-19T10:00:00+07:00",
    )
    save_article(db, earliest, "2026-11-22T00:00:00+00:00")
    assert duplicate_of(db) == {
        earliest.url: None,
        ORIGINAL.url: earliest.url,
        COPY.url: earliest.url,
        UNRELATED.url: None,
    }


def test_search_shows_a_story_once(db):
    for item in (ORIGINAL, COPY, UNRELATED):
        save_article(db, item, "2026-11-20T00:00:00+00:00")
    hits = search(db, "muc tieu loi ich nguoi lao dong")
    assert [hit["url"] for hit in hits] == [ORIGINAL.url]


def test_datasette_shows_copies_once_in_search_and_versions_from_the_article(tmp_path):
    from urllib.parse import quote

    from tests.conftest import datasette_get

    path = tmp_path / "archive.db"
    database = open_db(path)
    for item in (ORIGINAL, COPY, UNRELATED):
        save_article(database, item, "2026-11-20T00:00:00+00:00")
    edited = dataclasses.replace(ORIGINAL, body=ORIGINAL.body + "\n\nBài viết được cập nhật.")
    assert save_article(database, edited, "2026-11-21T00:00:00+00:00") == "updated"
    database.close()

    search, copies, row, versions = datasette_get(
        path,
        f"/archive/articles.json?_search={quote('Nguyen Mang Cuong')}&_shape=objects&_col=title",
        f"/archive/articles.json?_search={quote('Nguyen Mang Cuong')}&duplicate_of__notnull=1&_shape=objects",
        f"/archive/articles/{quote(ORIGINAL.url, safe='')}",
        f"/archive/article_versions.json?url={quote(ORIGINAL.url)}&_shape=objects",
        follow_redirects=True,
    )
    assert [r["url"] for r in search.json()["rows"]] == [ORIGINAL.url]
    assert [r["url"] for r in copies.json()["rows"]] == [COPY.url]
    assert row.status_code == 200 and "article_versions" in row.text  # "Links from other tables"
    (version,) = versions.json()["rows"]
    assert "+Bài viết được cập nhật." in version["diff"]


def test_a_roundup_quoting_two_stories_merges_neither(db):
    second = article(
        "https://laodong.vn/ldld-dak-lak/z-1.ldo",
        "laodong",
        OTHER["body"],
        "2021-07-02T09:00:00+07:00",
        title=OTHER["title"],
    )
    roundup = article(
        "https://baohatinh.vn/diem-tin-post9.html",
        "baohatinh",
        STORY["body"] + "\n\n" + OTHER["body"],
        "2022-08-01T08:00:00+07:00",
        title="Điểm tin công đoàn",
    )
    for item in (ORIGINAL, second, roundup):
        save_article(db, item, "2026-11-20T00:00:00+00:00")
    assert set(duplicate_of(db).values()) == {None}


def test_copies_are_let_go_when_the_original_is_rewritten(db):
    save_article(db, ORIGINAL, "2026-11-20T00:00:00+00:00")
    save_article(db, COPY, "2026-11-20T00:00:00+00:00")
    assert duplicate_of(db)[COPY.url] == ORIGINAL.url
    rewritten = dataclasses.replace(ORIGINAL, body=OTHER["body"])
    assert save_article(db, rewritten, "2026-11-21T00:00:00+00:00") == "updated"
    assert duplicate_of(db)[COPY.url] is None


def test_boilerplate_marks_do_not_make_everything_a_candidate(db):
    # 150 distinct short notices that share one boilerplate paragraph: none is a copy of another,
    # and the shared paragraph's marks stop counting once they are common.
    tail = "Mọi thông tin xin liên hệ Ban Tuyên giáo Liên đoàn Lao động tỉnh qua số điện thoại đường dây nóng."
    for i in range(150):
        words = " ".join(f"từ{i}x{j}" for j in range(60))
        item = article(f"https://laodong.vn/cong-doan/n-{i}.ldo", "laodong", f"{words}\n\n{tail}", "2024-01-01")
        save_article(db, item, "2026-11-20T00:00:00+00:00")
    assert set(duplicate_of(db).values()) == {None}
