"""The archive's schema history: sqlite-utils migrations m001..m022 (set "congdoan"), applied
by open_db. Names and order are fixed: existing archives record them in _sqlite_migrations."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlite_utils
from sqlite_utils.migrations import Migrations

from crawler.sites.discover import canonical_url
from crawler.sites.glossary import GLOSSARY
from crawler.sites.provinces import province_for
from crawler.store.aliases import rekey
from crawler.store.articles import free_rowid
from crawler.store.copies import link_copies
from crawler.text import fold

migrations = Migrations("congdoan")

# Full-text search indexes the original text and an accent-folded shadow copy of it.
# remove_diacritics 0 keeps "năm" and "nam" apart in the original columns; the folded
# columns (đ→d included, which unicode61 never does) let "cong doan" find "công đoàn".
FTS_COLUMNS = ["title", "lead", "body", "title_folded", "lead_folded", "body_folded"]
FTS_TOKENIZER = "unicode61 remove_diacritics 0"
# From m021 the byline is indexed too (`tác giả:` / `author:` searches it).
FTS_COLUMNS_WITH_AUTHOR = [*FTS_COLUMNS, "author", "author_folded"]


@migrations()
def m001_articles(db: sqlite_utils.Database) -> None:
    db["articles"].create(
        {
            "url": str,
            "site": str,
            "title": str,
            "lead": str,
            "body": str,
            "published_at": str,
            "updated_at": str,
            "author": str,
            "section": str,
            "tags": str,
            "images": str,
            "language": str,
            "title_folded": str,
            "lead_folded": str,
            "body_folded": str,
            "content_hash": str,
            "first_seen_at": str,
            "last_seen_at": str,
            "fetched_at": str,
        },
        pk="url",
    )
    db["articles"].create_index(["site", "published_at"])
    db["articles"].create_index(["published_at"])


@migrations()
def m002_rejections(db: sqlite_utils.Database) -> None:
    db["rejections"].create(
        {
            "url": str,
            "site": str,
            "reason": str,
            "detail": str,
            "first_rejected_at": str,
            "last_rejected_at": str,
            "attempts": int,
        },
        pk="url",
    )
    db["rejections"].create_index(["reason"])


@migrations()
def m003_articles_fts(db: sqlite_utils.Database) -> None:
    db["articles"].enable_fts(FTS_COLUMNS, tokenize=FTS_TOKENIZER, create_triggers=True)


@migrations()
def m004_articles_source(db: sqlite_utils.Database) -> None:
    db["articles"].add_column("source", str)


@migrations()
def m005_articles_extraction_method(db: sqlite_utils.Database) -> None:
    db["articles"].add_column("extraction_method", str)


@migrations()
def m006_captures(db: sqlite_utils.Database) -> None:
    # One row per HTTP exchange, pointing into the run's WARC file (crawler/capture/warc.py).
    db["captures"].create(
        {
            "id": int,
            "run_id": str,
            "site": str,
            "url": str,
            "method": str,
            "status": int,
            "fetched_at": str,
            "content_type": str,
            "sha256": str,
            "record_type": str,
            "refers_to": int,
            "warc_file": str,
            "warc_offset": int,
            "warc_length": int,
            "etag": str,
            "last_modified": str,
        },
        pk="id",
        foreign_keys=[("refers_to", "captures", "id")],
    )
    db["captures"].create_index(["url", "sha256"])
    db["captures"].create_index(["run_id"])


@migrations()
def m007_article_links(db: sqlite_utils.Database) -> None:
    # Plain ALTERs with REFERENCES: Datasette shows the links, and the articles table (with
    # its FTS triggers) is not rebuilt as a sqlite-utils transform would.
    db.execute("alter table articles add column capture_id integer references captures(id)")
    db.execute("alter table articles add column extractor_version text")
    db.execute("alter table articles add column duplicate_of text references articles(url)")
    db.execute("alter table rejections add column capture_id integer references captures(id)")
    db["articles"].create_index(["content_hash"])
    db["articles"].create_index(["duplicate_of"])


@migrations()
def m008_article_versions(db: sqlite_utils.Database) -> None:
    db["article_versions"].create(
        {
            "id": int,
            "url": str,
            "title": str,
            "lead": str,
            "body": str,
            "published_at": str,
            "updated_at": str,
            "content_hash": str,
            "extractor_version": str,
            "capture_id": int,
            "seen_at": str,
            "superseded_at": str,
            "diff": str,
        },
        pk="id",
        foreign_keys=[("url", "articles", "url"), ("capture_id", "captures", "id")],
    )
    db["article_versions"].create_index(["url"])


@migrations()
def m009_article_marks(db: sqlite_utils.Database) -> None:
    # The near-duplicate candidate index (crawler/store/duplicates.py): a few shingle hashes per article.
    db["article_marks"].create({"url": str, "mark": int}, foreign_keys=[("url", "articles", "url")])
    db["article_marks"].create_index(["mark"])
    db["article_marks"].create_index(["url"])


@migrations()
def m010_facets_and_glossary(db: sqlite_utils.Database) -> None:
    # Journalists facet by province and by month; both derive from stored fields. The province is
    # decided by sites/ (crawler/sites/provinces.py, which extraction asks too): this only writes it.
    db["articles"].add_column("province", str)
    db["articles"].add_column("published_month", str)
    for url, site, published_at in db.execute("select url, site, published_at from articles").fetchall():
        db.execute(
            "update articles set province = ?, published_month = ? where url = ?",
            [province_for(site, url), (published_at or "")[:7] or None, url],
        )
    db["articles"].create_index(["province", "published_at"])
    db["articles"].create_index(["published_month"])
    db["glossary"].create({"abbreviation": str, "expansion": str, "english": str}, pk="abbreviation")
    db["glossary"].insert_all([term._asdict() for term in GLOSSARY])


@migrations()
def m011_captures_profile(db: sqlite_utils.Database) -> None:
    # The CMS profile the spider read the page with (a site can move host): re-extraction
    # must read it the same way.
    db["captures"].add_column("profile", str)


@migrations()
def m012_link_existing_duplicates(db: sqlite_utils.Database) -> None:
    # Archives from before m009 have no duplicate marks: link them once, oldest first.
    unmarked = db.execute(
        """select url, body, content_hash from articles where url not in (select url from article_marks)
           order by coalesce(published_at, '9999'), first_seen_at"""
    ).fetchall()
    for url, body, digest in unmarked:
        link_copies(db, url, body, digest)


@migrations()
def m013_crawls(db: sqlite_utils.Database) -> None:
    # One row per run and site: what the operator and the monitors know about it.
    db["crawls"].create(
        {
            "id": int,
            "run_id": str,
            "site": str,
            "started_at": str,
            "finished_at": str,
            "finish_reason": str,
            "requests": int,
            "responses": int,
            "responses_by_status": str,
            "new": int,
            "updated": int,
            "unchanged": int,
            "rejected": int,
            "errors": int,
            "listing_requests": int,
            "article_requests": int,
            "verdict": str,
            "alerts": str,
            "stats": str,
        },
        pk="id",
    )
    db["crawls"].create_index(["run_id", "site"], unique=True)
    db["crawls"].create_index(["site", "started_at"])


@migrations()
def m014_frontier(db: sqlite_utils.Database) -> None:
    # Requests scheduled but not yet done: a killed crawl resumes them on its next run.
    db["frontier"].create({"site": str, "url": str, "kind": str, "chain": str, "added_at": str}, pk=("site", "url"))


@migrations()
def m015_provinces_from_headlines(db: sqlite_utils.Database) -> None:
    # Lao Động's national sections: the province a headline or lead names (sites/ decides, as in m010).
    for url, site, title, lead in db.execute(
        "select url, site, title, lead from articles where province = 'Toàn quốc'"
    ).fetchall():
        db.execute("update articles set province = ? where url = ?", [province_for(site, url, title, lead), url])


@migrations()
def m016_attachments(db: sqlite_utils.Database) -> None:
    # Documents (PDF, DOCX...) linked from articles and listings: kept apart, never articles.
    db["attachments"].create(
        {
            "url": str,
            "site": str,
            "found_on": str,
            "status": str,
            "content_type": str,
            "size": int,
            "sha256": str,
            "link_text": str,
            "capture_id": int,
            "first_seen_at": str,
            "last_seen_at": str,
        },
        pk="url",
        foreign_keys=[("capture_id", "captures", "id")],
    )
    db["attachments"].create_index(["found_on"])


@migrations()
def m017_rowids_in_publication_order(db: sqlite_utils.Database) -> None:
    # Articles' rowids (the full-text index's keys) sort by publication time
    # (crawler/store/searchkey.py), so newest-first search walks the index instead of sorting
    # every match. The index is rebuilt once, not row by row through the triggers. The
    # update trigger now re-indexes only when the text or the rowid changes, not each time
    # a crawl notes that it saw an article again.
    db.execute("drop trigger if exists articles_au")
    db.execute("update articles set rowid = -rowid")  # out of the way of the new keys
    # rowid desc: the negated rowids, so ties keep their crawl order
    for rowid, published_at in db.execute(
        "select rowid, published_at from articles order by published_at, rowid desc"
    ).fetchall():
        db.execute("update articles set rowid = ? where rowid = ?", [free_rowid(db, published_at), rowid])
    db.execute("insert into articles_fts(articles_fts) values ('rebuild')")
    _reindex_on_change(db, FTS_COLUMNS)


def _reindex_on_change(db: sqlite_utils.Database, indexed: list[str]) -> None:
    """The update trigger re-indexes an article only when its indexed text or its rowid
    changes, not each time a crawl notes that it saw the article again."""
    db.execute("drop trigger if exists articles_au")
    columns = ", ".join(f'"{name}"' for name in indexed)
    old = ", ".join(f'old."{name}"' for name in indexed)
    new = ", ".join(f'new."{name}"' for name in indexed)
    changed = " or ".join(f'old."{name}" is not new."{name}"' for name in indexed)
    db.execute(f"""create trigger articles_au after update on articles when old.rowid != new.rowid or {changed} begin
        insert into articles_fts (articles_fts, rowid, {columns}) values ('delete', old.rowid, {old});
        insert into articles_fts (rowid, {columns}) values (new.rowid, {new});
    end""")


@migrations()
def m018_facet_indexes(db: sqlite_utils.Database) -> None:
    # The articles table's facets count by section and author too: with an index each count
    # reads the index alone, not every article (a million rows outran Datasette's facet
    # time limit, and the facets silently disappeared).
    db["articles"].create_index(["section"], if_not_exists=True)
    db["articles"].create_index(["author"], if_not_exists=True)


@migrations()
def m019_articles_body_html(db: sqlite_utils.Database) -> None:
    # The body as printed (tables, lists, subheadings, figures) beside the plain text that
    # search reads. Rows from before stay NULL until `congdoan reextract` reads their captures.
    db.execute("alter table articles add column body_html text")


@migrations()
def m020_media(db: sqlite_utils.Database) -> None:
    # Photos kept with the articles (crawler/store/media.py): one row per photo URL, its
    # bytes in a WARC record (capture_id), and which articles print it. Archives from before
    # get a pending row for every photo their articles list, for `congdoan fetch-media`.
    db["media"].create(
        {
            "url": str,
            "site": str,
            "status": str,  # pending | archived | failed
            "reason": str,  # why it failed: http-404, not-an-image, too-large, off-site...
            "detail": str,
            "http_status": int,
            "sha256": str,
            "content_type": str,
            "bytes": int,
            "width": int,
            "height": int,
            "capture_id": int,
            "attempts": int,
            "retry": int,  # 1: a later run fetches it again (pending, or a failure that may pass)
            "first_seen_at": str,
            "fetched_at": str,
        },
        pk="url",
        foreign_keys=[("capture_id", "captures", "id")],
        defaults={"attempts": 0, "retry": 1},
        not_null={"status"},
    )
    db["media"].create_index(["sha256"])
    db["media"].create_index(["retry"])
    db["article_media"].create(
        {"article_url": str, "media_url": str, "position": int},
        pk=("article_url", "media_url"),
        foreign_keys=[("article_url", "articles", "url"), ("media_url", "media", "url")],
    )
    db["article_media"].create_index(["media_url"])
    # A byte-identical photo under another URL is written as a revisit of the first capture.
    db["captures"].create_index(["sha256"], if_not_exists=True)
    db.execute("""insert or ignore into media (url, site, status, first_seen_at)
        select json_extract(j.value, '$.url'), a.site, 'pending', a.first_seen_at
        from articles a, json_each(case when json_valid(a.images) then a.images end) j
        where json_extract(j.value, '$.url') is not null""")
    db.execute("""insert or ignore into article_media (article_url, media_url, position)
        select a.url, json_extract(j.value, '$.url'), j.key
        from articles a, json_each(case when json_valid(a.images) then a.images end) j
        where json_extract(j.value, '$.url') is not null""")


@migrations()
def m021_author_search(db: sqlite_utils.Database) -> None:
    # `tác giả:` / `author:` searches the byline, with or without its accents, so the index
    # gains the author and its folded form (last, so bm25's column weights stay in place).
    # The index is rebuilt once; the update trigger still re-indexes only changed text.
    db["articles"].add_column("author_folded", str)
    db.conn.create_function("congdoan_fold", 1, fold, deterministic=True)
    db.execute("update articles set author_folded = congdoan_fold(author) where author is not null")
    db["articles"].disable_fts()
    for trigger in ("articles_ai", "articles_ad", "articles_au"):  # m017 made articles_au its own
        db.execute(f"drop trigger if exists {trigger}")
    db["articles"].enable_fts(FTS_COLUMNS_WITH_AUTHOR, tokenize=FTS_TOKENIZER, create_triggers=True)
    _reindex_on_change(db, FTS_COLUMNS_WITH_AUTHOR)


@migrations()
def m022_article_aliases(db: sqlite_utils.Database) -> None:
    # One article, one row: the other URLs an article answers under are its aliases. Rows kept
    # under another spelling of their URL (a trailing slash, an unencoded Vietnamese path) are
    # re-keyed to the one canonical_url gives, and twins are merged, their texts kept as versions.
    db["article_aliases"].create(
        {"alias": str, "url": str, "reason": str, "recorded_at": str},
        pk="alias",
        foreign_keys=[("url", "articles", "url")],
    )
    db["article_aliases"].create_index(["url"])
    rekey(db, canonical_url, datetime.now(UTC).replace(microsecond=0).isoformat())
