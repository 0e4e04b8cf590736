"""Storage on a real SQLite file: migrations, upserts, rejections and accent-folded search."""

from __future__ import annotations

import dataclasses
import sqlite3
import unicodedata

import pytest
import sqlite_utils

from crawler.store import db as archive_db
from crawler.records import Article, Image, Rejection


def article(url: str = "https://laodong.vn/cong-doan/a-1.ldo", title: str = "Công đoàn Hòa Bình họp",
            body: str = "Năm nay công đoàn cơ sở tổ chức hội nghị người lao động.") -> Article:
    return Article(url=url, site="laodong", title=title, lead="Hòa Bình - Ngày 19.7", body=body,
                   published_at="2022-07-19T16:13:00+07:00", updated_at=None, author="Trần Trọng", source=None,
                   section="Công đoàn", tags=["Hòa Bình"], images=[Image("https://x/y.jpg", "Ảnh")], language="vi")


@pytest.fixture
def db(tmp_path):
    database = archive_db.open_db(tmp_path / "archive.db")
    yield database
    database.close()


def test_migrations_are_recorded_and_idempotent(tmp_path):
    path = tmp_path / "archive.db"
    archive_db.open_db(path).close()
    again = archive_db.open_db(path)
    names = [row["name"] for row in again.query("select name from _sqlite_migrations")]
    assert names == ["m001_articles", "m002_rejections", "m003_articles_fts", "m004_articles_source",
                     "m005_articles_extraction_method", "m006_captures", "m007_article_links",
                     "m008_article_versions", "m009_article_marks", "m010_facets_and_glossary",
                     "m011_captures_profile", "m012_link_existing_duplicates", "m013_crawls",
                     "m014_frontier", "m015_provinces_from_headlines",
                     "m016_attachments", "m017_rowids_in_publication_order",
                     "m018_facet_indexes"]
    assert {"articles", "rejections", "articles_fts"} <= set(again.table_names())


def test_rowids_follow_publication_time_and_the_search_index_follows_them(tmp_path):
    # An archive from before m017: rowids in crawl order, the oldest article crawled last.
    path = tmp_path / "archive.db"
    legacy = sqlite_utils.Database(path)
    archive_db.migrations.apply(legacy, stop_before="m017_rowids_in_publication_order")
    dates = ["2024-05-01T09:00:00+07:00", "2022-07-19T16:13:00+07:00", "2024-05-01T09:00:00+07:00", "2023-01-02"]
    for n, published_at in enumerate(dates):
        archive_db.save_article(legacy, dataclasses.replace(article(f"https://laodong.vn/a-{n}.ldo"),
                                                             published_at=published_at), "2026-11-20T00:00:00+00:00")
        legacy.execute("update articles set rowid = ? where url = ?", [n + 1, f"https://laodong.vn/a-{n}.ldo"])
    legacy.conn.commit()
    legacy.close()
    db = archive_db.open_db(path)

    def newest_first(sql: str) -> list[str]:
        return [row[0] for row in db.execute(sql).fetchall()]

    by_date = newest_first("select url from articles order by published_at desc, url desc")
    assert newest_first("select url from articles order by rowid desc") == by_date
    assert newest_first("select a.url from articles_fts join articles a on a.rowid = articles_fts.rowid "
                        "where articles_fts match 'cong' order by articles_fts.rowid desc") == by_date
    # New and re-dated articles take their place in the order; seeing one again re-indexes nothing.
    archive_db.save_article(db, dataclasses.replace(article("https://laodong.vn/a-9.ldo"),
                                                    published_at="2023-06-01T00:00:00+07:00"), "2026-11-21T00:00:00+00:00")
    redated = dataclasses.replace(article("https://laodong.vn/a-1.ldo"), published_at="2025-01-01T08:00:00+07:00")
    assert archive_db.save_article(db, redated, "2026-11-21T00:00:00+00:00") == "updated"
    by_date = newest_first("select url from articles order by published_at desc, url desc")
    assert by_date[0] == "https://laodong.vn/a-1.ldo"
    assert newest_first("select a.url from articles_fts join articles a on a.rowid = articles_fts.rowid "
                        "where articles_fts match 'cong' order by articles_fts.rowid desc") == by_date
    assert db.execute("insert into articles_fts(articles_fts) values ('integrity-check')") is not None
    db.close()
    # The published copy (VACUUM INTO) keeps the rowids, so its search index still lines up.
    archive_db.snapshot(path, tmp_path / "published.db")
    with sqlite3.connect(tmp_path / "published.db") as published:
        assert [row[0] for row in published.execute("select url from articles order by rowid desc")] == by_date
        published.execute("insert into articles_fts(articles_fts) values ('integrity-check')")


def test_upsert_new_unchanged_updated(db):
    assert archive_db.save_article(db, article(), "2026-11-20T00:00:00+00:00") == "new"
    assert archive_db.save_article(db, article(), "2026-11-21T00:00:00+00:00") == "unchanged"
    edited = dataclasses.replace(article(), body="Nội dung đã sửa: công đoàn cơ sở họp.")
    assert archive_db.save_article(db, edited, "2026-11-22T00:00:00+00:00") == "updated"
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
    archive_db.save_rejection(db, Rejection(url, "laodong", "no-date", "none", "2026-11-20T00:00:00+00:00"))

    def crash(*args):
        raise RuntimeError("killed while linking duplicates")

    monkeypatch.setattr(archive_db, "_link_duplicates", crash)
    with pytest.raises(RuntimeError):
        archive_db.save_article(db, article(url), "2026-11-21T00:00:00+00:00")
    assert (db["articles"].count, db["rejections"].count, db["article_marks"].count) == (0, 1, 0)


def test_rejections_are_kept_then_cleared_when_the_page_becomes_an_article(db):
    url = "https://laodong.vn/cong-doan/a-1.ldo"
    archive_db.save_rejection(db, Rejection(url, "laodong", "no-date", "none", "2026-11-20T00:00:00+00:00"))
    archive_db.save_rejection(db, Rejection(url, "laodong", "no-date", "none", "2026-11-21T00:00:00+00:00"))
    (row,) = db["rejections"].rows
    assert (row["reason"], row["attempts"], row["first_rejected_at"]) == ("no-date", 2, "2026-11-20T00:00:00+00:00")
    archive_db.save_article(db, article(url), "2026-11-22T00:00:00+00:00")
    assert db["rejections"].count == 0


@pytest.mark.parametrize("query", ["công đoàn", "cong doan", "Công Đoàn", "CONG DOAN", "hoa binh", "Hòa Bình", "nguoi lao dong",
                                   "Hoà Bình", unicodedata.normalize("NFD", "Hòa Bình")])
def test_search_with_and_without_diacritics(db, query):
    archive_db.save_article(db, article(), "2026-11-20T00:00:00+00:00")
    assert [hit["url"] for hit in archive_db.search(db, query)] == ["https://laodong.vn/cong-doan/a-1.ldo"]


def test_an_accented_query_stays_exact(db):
    archive_db.save_article(db, article("https://laodong.vn/cong-doan/nam-2.ldo", "Nam Định họp", "Công nhân ở Nam Định nghỉ lễ dài ngày theo kế hoạch."), "t")
    archive_db.save_article(db, article("https://laodong.vn/cong-doan/nam-3.ldo", "Tổng kết", "Tổng kết năm công tác công đoàn với nhiều kết quả."), "t")
    assert [h["url"] for h in archive_db.search(db, "năm")] == ["https://laodong.vn/cong-doan/nam-3.ldo"]
    assert {h["url"] for h in archive_db.search(db, "nam")} == {
        "https://laodong.vn/cong-doan/nam-2.ldo", "https://laodong.vn/cong-doan/nam-3.ldo"}


def test_search_ignores_fts_syntax(db):
    archive_db.save_article(db, article(), "t")
    assert archive_db.search(db, 'cong" OR doan*') == []  # no crash, no operator injection
    assert archive_db.search(db, "   ") == []


def test_known_urls(db, tmp_path):
    archive_db.save_article(db, article(), "2026-11-20T00:00:00+00:00")
    # Each with when it was first settled: a resumed listing walk needs to know.
    assert archive_db.known_urls(db, "laodong") == {"https://laodong.vn/cong-doan/a-1.ldo": "2026-11-20T00:00:00+00:00"}
    assert archive_db.known_urls(db, "baohatinh") == {}
    assert archive_db.known_urls_in(tmp_path / "missing.db") == {}
    assert not (tmp_path / "missing.db").exists()


def test_lasting_rejections_are_known_but_retryable_ones_are_not(db):
    for reason in ("http-404", "no-date", "interstitial", "http-503", "extract-error"):
        url = f"https://laodong.vn/cong-doan/{reason}-1.ldo"
        archive_db.save_rejection(db, Rejection(url, "laodong", reason, "", "t"))
    assert set(archive_db.known_urls(db)) == {
        "https://laodong.vn/cong-doan/http-404-1.ldo", "https://laodong.vn/cong-doan/no-date-1.ldo"}
