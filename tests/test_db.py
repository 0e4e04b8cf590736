"""Storage on a real SQLite file: migrations, upserts, rejections and accent-folded search."""

from __future__ import annotations

import dataclasses
import json
import random
import sqlite3
import unicodedata

import pytest
import sqlite_utils

from crawler.publish.search import search
from crawler.records import Article, Image, Rejection
from crawler.store import copies
from crawler.store.archive import save_article
from crawler.store.articles import article_row, save_rejection
from crawler.store.crawls import known_urls, known_urls_in
from crawler.store.database import open_db, snapshot
from crawler.store.migrations import migrations


def article(
    url: str = "https://laodong.vn/cong-doan/a-1.ldo",
    title: str = "Công đoàn Hòa Bình họp",
    body: str = "Năm nay công đoàn cơ sở tổ chức hội nghị người lao động.",
) -> Article:
    return Article(
        url=url,
        site="laodong",
        title=title,
        lead="Hòa Bình - Ngày 19.7",
        body=body,
        published_at="2022-07-19T16:13:00+07:00",
        updated_at=None,
        author="Trần Trọng",
        source=None,
        section="Công đoàn",
        tags=["Hòa Bình"],
        images=[Image("https://x/y.jpg", "Ảnh")],
        language="vi",
    )


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "archive.db")
    yield database
    database.close()


def test_migrations_are_recorded_and_idempotent(tmp_path):
    path = tmp_path / "archive.db"
    open_db(path).close()
    again = open_db(path)
    names = [row["name"] for row in again.query("select name from _sqlite_migrations")]
    assert names == [
        "m001_articles",
        "m002_rejections",
        "m003_articles_fts",
        "m004_articles_source",
        "m005_articles_extraction_method",
        "m006_captures",
        "m007_article_links",
        "m008_article_versions",
        "m009_article_marks",
        "m010_facets_and_glossary",
        "m011_captures_profile",
        "m012_link_existing_duplicates",
        "m013_crawls",
        "m014_frontier",
        "m015_provinces_from_headlines",
        "m016_attachments",
        "m017_rowids_in_publication_order",
        "m018_facet_indexes",
        "m019_articles_body_html",
        "m020_media",
        "m021_author_search",
        "m022_article_aliases",
    ]
    assert {"articles", "rejections", "articles_fts"} <= set(again.table_names())


def test_rowids_follow_publication_time_and_the_search_index_follows_them(tmp_path):
    # An archive from before m017: rowids in crawl order, the oldest article crawled last.
    path = tmp_path / "archive.db"
    legacy = sqlite_utils.Database(path)
    migrations.apply(legacy, stop_before="m017_rowids_in_publication_order")
    dates = ["2024-05-01T09:00:00+07:00", "2022-07-19T16:13:00+07:00", "2024-05-01T09:00:00+07:00", "2023-01-02"]
    columns = set(legacy["articles"].columns_dict)  # what an archive of that age holds
    for n, published_at in enumerate(dates):
        row = article_row(dataclasses.replace(article(f"https://laodong.vn/a-{n}.ldo"), published_at=published_at))
        seen = "2026-11-20T00:00:00+00:00"
        legacy["articles"].insert(
            {
                "rowid": n + 1,
                **{k: v for k, v in row.items() if k in columns},
                "first_seen_at": seen,
                "fetched_at": seen,
            }
        )
    legacy.conn.commit()
    legacy.close()
    db = open_db(path)

    def newest_first(sql: str) -> list[str]:
        return [row[0] for row in db.execute(sql).fetchall()]

    by_date = newest_first("select url from articles order by published_at desc, url desc")
    assert newest_first("select url from articles order by rowid desc") == by_date
    assert (
        newest_first(
            "select a.url from articles_fts join articles a on a.rowid = articles_fts.rowid "
            "where articles_fts match 'cong' order by articles_fts.rowid desc"
        )
        == by_date
    )
    # New and re-dated articles take their place in the order; seeing one again re-indexes nothing.
    save_article(
        db,
        dataclasses.replace(article("https://laodong.vn/a-9.ldo"), published_at="2023-06-01T00:00:00+07:00"),
        "2026-11-21T00:00:00+00:00",
    )
    redated = dataclasses.replace(article("https://laodong.vn/a-1.ldo"), published_at="2025-01-01T08:00:00+07:00")
    assert save_article(db, redated, "2026-11-21T00:00:00+00:00") == "updated"
    by_date = newest_first("select url from articles order by published_at desc, url desc")
    assert by_date[0] == "https://laodong.vn/a-1.ldo"
    assert (
        newest_first(
            "select a.url from articles_fts join articles a on a.rowid = articles_fts.rowid "
            "where articles_fts match 'cong' order by articles_fts.rowid desc"
        )
        == by_date
    )
    assert db.execute("insert into articles_fts(articles_fts) values ('integrity-check')") is not None
    db.close()
    # The published copy (VACUUM INTO) keeps the rowids, so its search index still lines up.
    snapshot(path, tmp_path / "published.db")
    with sqlite3.connect(tmp_path / "published.db") as published:
        assert [row[0] for row in published.execute("select url from articles order by rowid desc")] == by_date
        published.execute("insert into articles_fts(articles_fts) values ('integrity-check')")


def test_upsert_new_unchanged_updated(db):
    assert save_article(db, article(), "2026-11-20T00:00:00+00:00") == "new"
    assert save_article(db, article(), "2026-11-21T00:00:00+00:00") == "unchanged"
    edited = dataclasses.replace(article(), body="Nội dung đã sửa: công đoàn cơ sở họp.")
    assert save_article(db, edited, "2026-11-22T00:00:00+00:00") == "updated"
    rows = list(db["articles"].rows)
    assert len(rows) == 1
    row = rows[0]
    assert row["body"] == edited.body
    assert row["first_seen_at"] == "2026-11-20T00:00:00+00:00"
    assert row["last_seen_at"] == "2026-11-22T00:00:00+00:00"
    assert row["tags"] == '["Hòa Bình"]'
    assert row["images"] == '[{"url": "https://x/y.jpg", "caption": "Ảnh"}]'


def test_an_article_is_stored_with_its_rejection_cleared_and_its_marks_or_not_at_all(db, monkeypatch):
    url = "https://laodong.vn/cong-doan/a-1.ldo"
    save_rejection(db, Rejection(url, "laodong", "no-date", "none", "2026-11-20T00:00:00+00:00"))

    def crash(*args):
        raise RuntimeError("killed while linking duplicates")

    monkeypatch.setattr(copies, "link_copies", crash)
    with pytest.raises(RuntimeError):
        save_article(db, article(url), "2026-11-21T00:00:00+00:00")
    assert (db["articles"].count, db["rejections"].count, db["article_marks"].count) == (0, 1, 0)


def test_rejections_are_kept_then_cleared_when_the_page_becomes_an_article(db):
    url = "https://laodong.vn/cong-doan/a-1.ldo"
    save_rejection(db, Rejection(url, "laodong", "no-date", "none", "2026-11-20T00:00:00+00:00"))
    save_rejection(db, Rejection(url, "laodong", "no-date", "none", "2026-11-21T00:00:00+00:00"))
    (row,) = db["rejections"].rows
    assert (row["reason"], row["attempts"], row["first_rejected_at"]) == ("no-date", 2, "2026-11-20T00:00:00+00:00")
    save_article(db, article(url), "2026-11-22T00:00:00+00:00")
    assert db["rejections"].count == 0


@pytest.mark.parametrize(
    "query",
    [
        "công đoàn",
        "cong doan",
        "Công Đoàn",
        "CONG DOAN",
        "hoa binh",
        "Hòa Bình",
        "nguoi lao dong",
        "Hoà Bình",
        unicodedata.normalize("NFD", "Hòa Bình"),
    ],
)
def test_search_with_and_without_diacritics(db, query):
    save_article(db, article(), "2026-11-20T00:00:00+00:00")
    assert [hit["url"] for hit in search(db, query)] == ["https://laodong.vn/cong-doan/a-1.ldo"]


def test_an_accented_query_stays_exact(db):
    save_article(
        db,
        article(
            "https://laodong.vn/cong-doan/nam-2.ldo",
            "Nam Định họp",
            "Công nhân ở Nam Định nghỉ lễ dài ngày theo kế hoạch.",
        ),
        "t",
    )
    save_article(
        db,
        article(
            "https://laodong.vn/cong-doan/nam-3.ldo", "Tổng kết", "Tổng kết năm công tác công đoàn với nhiều kết quả."
        ),
        "t",
    )
    assert [h["url"] for h in search(db, "năm")] == ["https://laodong.vn/cong-doan/nam-3.ldo"]
    assert {h["url"] for h in search(db, "nam")} == {
        "https://laodong.vn/cong-doan/nam-2.ldo",
        "https://laodong.vn/cong-doan/nam-3.ldo",
    }


def test_search_ignores_fts_syntax(db):
    save_article(db, article(), "t")
    assert search(db, 'cong" OR doan*') == []  # no crash, no operator injection
    assert search(db, "   ") == []


def test_known_urls(db, tmp_path):
    save_article(db, article(), "2026-11-20T00:00:00+00:00")
    # Each with when it was first settled: a resumed listing walk needs to know.
    assert known_urls(db, "laodong") == {"https://laodong.vn/cong-doan/a-1.ldo": "2026-11-20T00:00:00+00:00"}
    assert known_urls(db, "baohatinh") == {}
    assert known_urls_in(tmp_path / "missing.db") == {}
    assert not (tmp_path / "missing.db").exists()


def test_lasting_rejections_are_known_but_retryable_ones_are_not(db):
    for reason in ("http-404", "no-date", "interstitial", "http-503", "extract-error"):
        url = f"https://laodong.vn/cong-doan/{reason}-1.ldo"
        save_rejection(db, Rejection(url, "laodong", reason, "", "t"))
    assert set(known_urls(db)) == {
        "https://laodong.vn/cong-doan/http-404-1.ldo",
        "https://laodong.vn/cong-doan/no-date-1.ldo",
    }


def test_the_store_writes_the_province_it_is_given(db):
    # Extraction decided it (crawler/extract/page.py); the store neither guesses nor corrects it.
    save_article(db, dataclasses.replace(article("https://laodong.vn/cong-doan/a-1.ldo"), province="Cao Bằng"), "t")
    save_article(db, article("https://laodong.vn/cong-doan/a-2.ldo"), "t")
    assert db.execute("select url, province from articles order by url").fetchall() == [
        ("https://laodong.vn/cong-doan/a-1.ldo", "Cao Bằng"),
        ("https://laodong.vn/cong-doan/a-2.ldo", None),
    ]


def test_the_original_is_the_one_the_archive_always_ordered_first():
    # copies.original_of decides in Python what the SQL order below decided before.
    rng = random.Random(19)
    connection = sqlite3.connect(":memory:")
    connection.execute("create table a (url text, published_at text, first_seen_at text)")
    for _ in range(300):
        group = [
            (
                url,
                rng.choice([None, "2023-12-31", "2024-05-01", "2024-05-01T09:00:00+07:00"]),
                rng.choice([None, "2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00"]),
            )
            for url in rng.sample([f"https://laodong.vn/a-{n}.ldo" for n in range(9)], rng.randint(1, 5))
        ]
        connection.execute("delete from a")
        connection.executemany("insert into a values (?, ?, ?)", group)
        (first,) = connection.execute(
            "select url from a order by coalesce(published_at, '9999'), first_seen_at, url limit 1"
        ).fetchone()
        assert copies.original_of(group) == first


def test_an_archive_from_before_m010_opens_and_migrates_as_it_always_did(tmp_path):
    # An archive.db as m001..m009 left it: no province, no duplicate marks, rowids in crawl order.
    path = tmp_path / "archive.db"
    legacy = sqlite_utils.Database(path)
    migrations.apply(legacy, stop_before="m010_facets_and_glossary")
    story = " ".join(f"công đoàn cơ sở số {n} tổ chức hội nghị người lao động" for n in range(12))
    other = " ".join(f"tỉnh đoàn phát động chiến dịch mùa hè xanh lần {n}" for n in range(12))
    rows = [  # url, site, title, body, published_at
        (
            "https://laodong.vn/cong-doan/a-2.ldo",
            "laodong",
            "Công đoàn Cao Bằng họp",
            story,
            "2024-05-02T09:00:00+07:00",
        ),
        ("https://laodong.vn/ldld-dak-lak/a-3.ldo", "laodong", "Hội nghị", other, "2023-01-01"),
        ("https://baohatinh.vn/a-post1.html", "baohatinh", "Họp", story, "2024-05-01T09:00:00+07:00"),
        ("https://baophutho.vn/a-4.htm", "hoabinh", "Tin", "một hai ba bốn năm sáu bảy", None),
    ]
    for n, (url, site, title, body, published_at) in enumerate(rows, start=1):
        legacy.execute(
            "insert into articles (rowid, url, site, title, body, published_at, content_hash, first_seen_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)",
            [n, url, site, title, body, published_at, f"h{n}", "2026-01-01"],
        )
    photos = [
        {"url": "https://media-cdn-v2.laodong.vn/a/1.jpg", "caption": "Hội nghị"},
        {"url": "https://laodong.vn/2.png"},
    ]
    legacy.execute("update articles set images = ? where rowid = 1", [json.dumps(photos)])
    legacy.execute("update articles set images = 'not json' where rowid = 2")
    legacy.execute("update articles set author = 'Trần Trọng' where rowid = 3")
    legacy.conn.commit()
    legacy.close()
    db = open_db(path)
    assert len(db.execute("select name from _sqlite_migrations").fetchall()) == 22
    # m021: bylines are searchable, with or without their accents.
    by_author = """select a.url from articles_fts join articles a on a.rowid = articles_fts.rowid
                   where articles_fts match '{author author_folded} : "tran" "trong"'"""
    assert db.execute(by_author).fetchall() == [("https://baohatinh.vn/a-post1.html",)]
    # m020: every photo the articles list waits, pending, for `congdoan fetch-media`.
    assert db.execute("select article_url, media_url, position from article_media").fetchall() == [
        ("https://laodong.vn/cong-doan/a-2.ldo", "https://media-cdn-v2.laodong.vn/a/1.jpg", 0),
        ("https://laodong.vn/cong-doan/a-2.ldo", "https://laodong.vn/2.png", 1),
    ]
    assert db.execute("select distinct status, site, retry from media").fetchall() == [("pending", "laodong", 1)]
    # m019: the body as printed waits for `congdoan reextract`; nothing invents it.
    assert db.execute("select count(*) from articles where body_html is not null").fetchone() == (0,)
    # m010, m015: the province sites/ decides, from the site, the section or the headline.
    assert dict(db.execute("select url, province from articles").fetchall()) == {
        "https://laodong.vn/cong-doan/a-2.ldo": "Cao Bằng",
        "https://laodong.vn/ldld-dak-lak/a-3.ldo": "Đắk Lắk",
        "https://baohatinh.vn/a-post1.html": "Hà Tĩnh",
        "https://baophutho.vn/a-4.htm": "Phú Thọ",
    }
    # m012: every article marked, the copy linked to the earlier original.
    assert {row[0] for row in db.execute("select url from article_marks")} == {row[0] for row in rows}
    assert db.execute("select url, duplicate_of from articles where duplicate_of is not null").fetchall() == [
        ("https://laodong.vn/cong-doan/a-2.ldo", "https://baohatinh.vn/a-post1.html")
    ]
    # m017: rowids in publication order (undated first), and the search index on them.
    by_date = [row[0] for row in db.execute("select url from articles order by published_at, url")]
    assert [row[0] for row in db.execute("select url from articles order by rowid")] == by_date
    db.execute("insert into articles_fts(articles_fts) values ('integrity-check')")
    assert [hit["url"] for hit in search(db, "Bằng")] == ["https://laodong.vn/cong-doan/a-2.ldo"]
    db.close()


def test_the_migration_merges_twins_and_keeps_every_capture_and_version(tmp_path):
    # An archive as today's code wrote it before m022: one Đắk Lắk story under both slash
    # forms (the later fetch edited), one Hà Tĩnh story under an unencoded Vietnamese path.
    path = tmp_path / "archive.db"
    legacy = sqlite_utils.Database(path)
    migrations.apply(legacy, stop_before="m022_article_aliases")
    slash = "https://baodaklak.vn/xa-hoi/202411/cong-doan-tinh-trao-mai-am-b660145/"
    bare, unencoded = slash.rstrip("/"), "https://baohatinh.vn/tin-tức/công-đoàn-tỉnh-họp-post7.html"
    encoded = "https://baohatinh.vn/tin-t%E1%BB%A9c/c%C3%B4ng-%C4%91o%C3%A0n-t%E1%BB%89nh-h%E1%BB%8Dp-post7.html"
    story = "Liên đoàn Lao động tỉnh trao mái ấm công đoàn cho đoàn viên có hoàn cảnh khó khăn ở Krông Pắc."
    captures = [
        legacy["captures"].insert({"url": url, "site": site, "status": 200, "fetched_at": at}).last_pk
        for url, site, at in (
            (bare, "daklak", "2024-11-12T01:00:00+00:00"),
            (bare, "daklak", "2024-11-13T01:00:00+00:00"),
            (slash, "daklak", "2024-11-14T01:00:00+00:00"),
            (unencoded, "baohatinh", "2024-11-12T02:00:00+00:00"),
        )
    ]
    texts = [story, story + " Mỗi căn nhà trị giá 60 triệu đồng.", story + " Mỗi căn trị giá 60 triệu đồng."]
    for url, text, capture, at in zip((bare, bare, slash), texts, captures, ("12", "13", "14"), strict=False):
        draft = dataclasses.replace(article(url, "Trao mái ấm công đoàn", text), site="daklak")
        save_article(legacy, draft, f"2024-11-{at}T01:00:00+00:00", capture)
    save_article(legacy, article(unencoded, "Công đoàn tỉnh họp", story), "2024-11-12T02:00:00+00:00", captures[3])
    save_rejection(legacy, Rejection(unencoded.replace("post7", "post8"), "baohatinh", "no-date", "", "2024-11-12"))
    before = {
        "captures": legacy.execute("select * from captures order by id").fetchall(),
        "versions": legacy.execute("select count(*) from article_versions").fetchone()[0],
    }
    assert before["versions"] == 1 and legacy.execute("select count(*) from articles").fetchone() == (3,)
    legacy.close()

    db = open_db(path)  # m022 runs
    assert db.execute("select url from articles order by url").fetchall() == [(slash,), (encoded,)]
    # Every text survives: the one fetched last is the article's, the others are its versions.
    current, first_seen = db.execute("select body, first_seen_at from articles where url = ?", [slash]).fetchone()
    kept = [body for (body,) in db.execute("select body from article_versions where url = ?", [slash])]
    assert current == texts[2] and sorted(kept) == sorted(texts[:2])
    assert first_seen == "2024-11-12T01:00:00+00:00"  # the earliest sighting of either twin
    assert db.execute("select * from captures order by id").fetchall() == before["captures"]
    assert dict(db.execute("select alias, url from article_aliases").fetchall()) == {bare: slash, unencoded: encoded}
    assert db.execute("select article_url from article_media order by 1").fetchall() == [(slash,), (encoded,)]
    assert db.execute("select url from rejections").fetchall() == [(encoded.replace("post7", "post8"),)]
    assert {bare, slash, unencoded, encoded} <= set(known_urls(db))
    # One row per story in search, and the database is whole.
    assert sorted(hit["url"] for hit in search(db, "Krông Pắc")) == [slash, encoded]
    assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    assert db.execute("pragma foreign_key_check").fetchall() == []
    db.close()
