"""All SQL lives here. The schema evolves through sqlite-utils migrations; writes are
upserts keyed by canonical URL, so re-crawling never duplicates a row.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal

import sqlite_utils
from sqlite_utils.migrations import Migrations

from crawler.store import duplicates
from crawler.sites.glossary import GLOSSARY
from crawler.sites.provinces import province_for
from crawler.publish.query import match_expression
from crawler.records import Article, Rejection
from crawler.store.searchkey import PER_MINUTE, first_rowid
from crawler.text import fold

Outcome = Literal["new", "updated", "unchanged"]

migrations = Migrations("congdoan")

# Full-text search indexes the original text and an accent-folded shadow copy of it.
# remove_diacritics 0 keeps "năm" and "nam" apart in the original columns; the folded
# columns (đ→d included, which unicode61 never does) let "cong doan" find "công đoàn".
FTS_COLUMNS = ["title", "lead", "body", "title_folded", "lead_folded", "body_folded"]
FTS_TOKENIZER = "unicode61 remove_diacritics 0"


@migrations()
def m001_articles(db: sqlite_utils.Database) -> None:
    db["articles"].create(
        {
            "url": str, "site": str, "title": str, "lead": str, "body": str,
            "published_at": str, "updated_at": str, "author": str, "section": str,
            "tags": str, "images": str, "language": str,
            "title_folded": str, "lead_folded": str, "body_folded": str,
            "content_hash": str, "first_seen_at": str, "last_seen_at": str, "fetched_at": str,
        },
        pk="url",
    )
    db["articles"].create_index(["site", "published_at"])
    db["articles"].create_index(["published_at"])


@migrations()
def m002_rejections(db: sqlite_utils.Database) -> None:
    db["rejections"].create(
        {"url": str, "site": str, "reason": str, "detail": str,
         "first_rejected_at": str, "last_rejected_at": str, "attempts": int},
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
        {"id": int, "run_id": str, "site": str, "url": str, "method": str, "status": int,
         "fetched_at": str, "content_type": str, "sha256": str, "record_type": str, "refers_to": int,
         "warc_file": str, "warc_offset": int, "warc_length": int, "etag": str, "last_modified": str},
        pk="id", foreign_keys=[("refers_to", "captures", "id")],
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
        {"id": int, "url": str, "title": str, "lead": str, "body": str, "published_at": str,
         "updated_at": str, "content_hash": str, "extractor_version": str, "capture_id": int,
         "seen_at": str, "superseded_at": str, "diff": str},
        pk="id", foreign_keys=[("url", "articles", "url"), ("capture_id", "captures", "id")],
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
    # Journalists facet by province and by month; both derive from stored fields.
    db["articles"].add_column("province", str)
    db["articles"].add_column("published_month", str)
    for url, site, published_at in db.execute("select url, site, published_at from articles").fetchall():
        db.execute("update articles set province = ?, published_month = ? where url = ?",
                   [province_for(site, url), (published_at or "")[:7] or None, url])
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
           order by coalesce(published_at, '9999'), first_seen_at""").fetchall()
    for url, body, digest in unmarked:
        _link_duplicates(db, url, {"body": body, "content_hash": digest})


@migrations()
def m013_crawls(db: sqlite_utils.Database) -> None:
    # One row per run and site: what the operator and the monitors know about it.
    db["crawls"].create(
        {"id": int, "run_id": str, "site": str, "started_at": str, "finished_at": str, "finish_reason": str,
         "requests": int, "responses": int, "responses_by_status": str, "new": int, "updated": int,
         "unchanged": int, "rejected": int, "errors": int, "listing_requests": int, "article_requests": int,
         "verdict": str, "alerts": str, "stats": str},
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
    # Lao Động's national sections: the province a headline or lead names.
    for url, site, title, lead in db.execute(
            "select url, site, title, lead from articles where province = 'Toàn quốc'").fetchall():
        db.execute("update articles set province = ? where url = ?", [province_for(site, url, title, lead), url])


@migrations()
def m016_attachments(db: sqlite_utils.Database) -> None:
    # Documents (PDF, DOCX...) linked from articles and listings: kept apart, never articles.
    db["attachments"].create(
        {"url": str, "site": str, "found_on": str, "status": str, "content_type": str, "size": int,
         "sha256": str, "link_text": str, "capture_id": int, "first_seen_at": str, "last_seen_at": str},
        pk="url", foreign_keys=[("capture_id", "captures", "id")],
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
    for rowid, published_at in db.execute("select rowid, published_at from articles order by published_at, rowid desc"
                                          ).fetchall():
        db.execute("update articles set rowid = ? where rowid = ?", [next_rowid(db, published_at), rowid])
    db.execute("insert into articles_fts(articles_fts) values ('rebuild')")
    columns = ", ".join(f'"{name}"' for name in FTS_COLUMNS)
    old = ", ".join(f'old."{name}"' for name in FTS_COLUMNS)
    new = ", ".join(f'new."{name}"' for name in FTS_COLUMNS)
    changed = " or ".join(f'old."{name}" is not new."{name}"' for name in FTS_COLUMNS)
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


def next_rowid(db: sqlite_utils.Database, published_at: str | None) -> int:
    """A free rowid in the publication minute of `published_at` (crawler/store/searchkey.py)."""
    base = first_rowid(published_at)
    top = db.execute("select max(rowid) from articles where rowid between ? and ?",
                     [base, base + PER_MINUTE - 1]).fetchone()[0]
    if top is None:
        return base
    if top + 1 < base + PER_MINUTE:
        return top + 1
    return db.execute("select max(rowid) + 1 from articles").fetchone()[0]  # a full minute: any free key


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) an archive and bring its schema up to date."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    if str(path) != ":memory:":
        # WAL lets Datasette read while a crawl writes; a crash never leaves a torn file.
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=30000")
    # In WAL mode NORMAL survives any process crash (SIGKILL included) and spares an fsync
    # per commit; only a power cut could lose the last commits, never corrupt the file.
    db.execute("PRAGMA synchronous=NORMAL")
    migrations.apply(db)
    return db


def content_hash(article: Article) -> str:
    """What counts as a change: the text a reader sees, not our crawl bookkeeping."""
    payload = json.dumps([article.title, article.lead, article.body], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def article_row(article: Article) -> dict[str, Any]:
    row = asdict(article)
    row["tags"] = json.dumps(article.tags, ensure_ascii=False)
    row["images"] = json.dumps(row["images"], ensure_ascii=False)
    row.update(
        province=province_for(article.site, article.url, article.title, article.lead),
        published_month=(article.published_at or "")[:7] or None,
        title_folded=fold(article.title),
        lead_folded=fold(article.lead),
        body_folded=fold(article.body),
        content_hash=content_hash(article),
    )
    return row


def save_article(db: sqlite_utils.Database, article: Article, fetched_at: str, capture_id: int | None = None,
                 extractor_version: str | None = None, keep_version: bool = True) -> Outcome:
    """Upsert one article; say whether it was new, changed or the same as before.

    A change of title or text keeps the previous version in article_versions, with a diff,
    unless the page's payload is byte-identical to the one the stored row was read from
    (then our extractor changed, not the page), or `keep_version` is False (re-extraction).
    New and changed texts are checked for copies among the archive. One transaction: a
    crash leaves the article, its version and its duplicate links all or nothing."""
    row = {**article_row(article), "capture_id": capture_id, "extractor_version": extractor_version}
    # atomic(), not `with db.conn`: that opens no transaction, and sqlite-utils 4 commits each
    # write db.execute() runs outside one, so the article, its marks and its links were
    # committed separately (a kill in between kept an article without its duplicate marks).
    with db.atomic():
        existing = db.execute(f"select {', '.join(STORED_COLUMNS)} from articles where url = ?", [article.url]).fetchone()
        db.execute("delete from rejections where url = ?", [article.url])
        if existing is None:
            _write_row(db, "articles", {"rowid": next_rowid(db, row["published_at"]), **row, "first_seen_at": fetched_at,
                                        "last_seen_at": fetched_at, "fetched_at": fetched_at}, insert=True)
            _link_duplicates(db, article.url, row)
            return "new"
        old = dict(zip(STORED_COLUMNS, existing, strict=True))
        if all(old[name] == row[name] for name in ARTICLE_FIELDS):
            db.execute(
                "update articles set last_seen_at = ?, capture_id = coalesce(?, capture_id), "
                "extractor_version = coalesce(?, extractor_version) where url = ?",
                [fetched_at, capture_id, extractor_version, article.url])
            return "unchanged"
        text_changed = old["content_hash"] != row["content_hash"]
        if keep_version and text_changed and not _same_payload(db, old["capture_id"], capture_id):
            _keep_version(db, old, row, fetched_at)
        _write_row(db, "articles", {**row, "last_seen_at": fetched_at, "fetched_at": fetched_at}, insert=False)
        if old["published_at"] != row["published_at"]:  # keep rowids in publication order
            db.execute("update articles set rowid = ? where url = ?", [next_rowid(db, row["published_at"]), article.url])
        if text_changed:
            _link_duplicates(db, article.url, row)
        return "updated"


def _write_row(db: sqlite_utils.Database, table: str, row: dict[str, Any], insert: bool) -> None:
    """Plain SQL, inside the caller's transaction (sqlite-utils' insert would commit early)."""
    names = list(row)
    if insert:
        db.execute(f"insert into {table} ({', '.join(names)}) values ({', '.join('?' * len(names))})",
                   [row[n] for n in names])
    else:
        db.execute(f"update {table} set {', '.join(f'{n} = ?' for n in names if n != 'url')} where url = ?",
                   [row[n] for n in names if n != "url"] + [row["url"]])


def _same_payload(db: sqlite_utils.Database, old_capture: int | None, new_capture: int | None) -> bool:
    if old_capture is None or new_capture is None:
        return False
    digests = db.execute("select count(distinct sha256) from captures where id in (?, ?)",
                         [old_capture, new_capture]).fetchone()
    return digests == (1,)


# What the extractor produced: a difference in any of them is an update. Only a change of
# title or text (content_hash) keeps a version.
ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
VERSION_COLUMNS = ("url", "title", "lead", "body", "published_at", "updated_at", "content_hash",
                   "extractor_version", "capture_id", "fetched_at")
STORED_COLUMNS = tuple(sorted(set(VERSION_COLUMNS) | set(ARTICLE_FIELDS)))  # what save_article compares


def _keep_version(db: sqlite_utils.Database, old: dict[str, Any], new: dict[str, Any], now: str) -> None:
    def lines(row: dict[str, Any]) -> list[str]:
        return [row["title"] or "", "", *(row["lead"] or "").splitlines(), "", *(row["body"] or "").splitlines()]

    diff = difflib.unified_diff(lines(old), lines(new), fromfile=f"{old['url']} @ {old['fetched_at']}",
                                tofile=f"{new['url']} @ {now}", lineterm="")
    version = {k: old[k] for k in VERSION_COLUMNS if k != "fetched_at"}
    db.execute(
        """insert into article_versions (url, title, lead, body, published_at, updated_at, content_hash,
               extractor_version, capture_id, seen_at, superseded_at, diff)
           values (:url, :title, :lead, :body, :published_at, :updated_at, :content_hash,
               :extractor_version, :capture_id, :seen_at, :superseded_at, :diff)""",
        {**version, "seen_at": old["fetched_at"], "superseded_at": now, "diff": "\n".join(diff)})


MAX_CANDIDATES = 50  # near-duplicate candidates checked per article, most shared marks first
COMMON_MARK = 100  # a mark shared by more articles than this is boilerplate, not evidence
MIN_SHARED_MARKS = 4  # of 16: copies (resemblance ≥ 0.7 × containment ≥ 0.8) share about 9 or more


def _candidates(db: sqlite_utils.Database, url: str, sketch: list[int]) -> list[tuple[str, str]]:
    """(url, body) of articles sharing a rare mark with the sketch, most shared first. Each
    mark's posting list is read at most COMMON_MARK + 1 rows deep, so the cost stays flat
    as the archive grows."""
    shared: dict[str, int] = {}
    for mark in sketch:
        posting = [r[0] for r in db.execute(
            "select url from article_marks where mark = ? and url != ? limit ?", [mark, url, COMMON_MARK + 1])]
        if len(posting) <= COMMON_MARK:
            for other in posting:
                shared[other] = shared.get(other, 0) + 1
    # Texts this alike share most of their 16 smallest hashes; a few shared ones are chance.
    best = sorted((o for o in shared if shared[o] >= MIN_SHARED_MARKS), key=lambda other: -shared[other])[:MAX_CANDIDATES]
    if not best:
        return []
    return db.execute(f"select url, body from articles where url in ({', '.join('?' * len(best))})", best).fetchall()


def _original_of(db: sqlite_utils.Database, urls: list[str]) -> str:
    """The earliest of `urls`: by publication, then first sighting, then URL."""
    (original,) = db.execute(
        f"""select url from articles where url in ({', '.join('?' * len(urls))})
            order by coalesce(published_at, '9999'), first_seen_at, url limit 1""", urls).fetchone()
    return original


def _link_duplicates(db: sqlite_utils.Database, url: str, row: dict[str, Any]) -> None:
    """Point this article, and the group of copies it belongs to, at the group's earliest
    version. It joins one group only, the one of its closest match (an exact copy first),
    so a roundup quoting two stories never merges them; its own former copies that no
    longer match it are let go."""
    hashes = duplicates.shingle_hashes(row["body"] or "")  # once: the sketch and every comparison use them
    sketch = duplicates.sketch(hashes)
    db.execute("delete from article_marks where url = ?", [url])
    db.conn.executemany("insert into article_marks (url, mark) values (?, ?)", [(url, mark) for mark in sketch])
    # Copies that pointed here but no longer match the new text go free.
    for (copy, body) in db.execute("select url, body from articles where duplicate_of = ?", [url]).fetchall():
        if duplicates.similarity(hashes, duplicates.shingle_hashes(body or "")) == 0:
            db.execute("update articles set duplicate_of = null where url = ?", [copy])
    exact = db.execute("select url from articles where content_hash = ? and url != ? limit 1",
                       [row["content_hash"], url]).fetchone()
    match = exact[0] if exact else duplicates.closest_to(hashes, _candidates(db, url, sketch))
    if match is None:
        db.execute("update articles set duplicate_of = null where url = ?", [url])
        return
    (root,) = db.execute("select coalesce(duplicate_of, url) from articles where url = ?", [match]).fetchone()
    group = [url, root] + [r[0] for r in db.execute(
        "select url from articles where duplicate_of in (?, ?) and url != ?", [root, url, url])]
    original = _original_of(db, group)
    db.execute(
        f"update articles set duplicate_of = case when url = ? then null else ? end "
        f"where url in ({', '.join('?' * len(group))})", [original, original, *group])


def save_rejection(db: sqlite_utils.Database, rejection: Rejection, capture_id: int | None = None,
                   count_attempt: bool = True) -> None:
    """Record why a page was not archived; repeated rejections of a URL update one row.
    `count_attempt=False` re-reads a capture (re-extraction): no new attempt was made."""
    now = rejection.fetched_at
    db.execute(
        """
        insert into rejections (url, site, reason, detail, first_rejected_at, last_rejected_at, attempts, capture_id)
        values (?, ?, ?, ?, ?, ?, 1, ?)
        on conflict(url) do update set
            reason = excluded.reason, detail = excluded.detail, site = excluded.site,
            last_rejected_at = excluded.last_rejected_at, attempts = attempts + ?,
            capture_id = coalesce(excluded.capture_id, capture_id)
        """,
        [rejection.url, rejection.site, rejection.reason, rejection.detail, now, now, capture_id, int(count_attempt)],
    )


# --- Captures: one row per HTTP exchange, pointing into a WARC file -------------------------


def save_attachment(db: sqlite_utils.Database, attachment: Any, now: str) -> None:
    """Upsert an attachment; a fetched one keeps what the fetch learned over a mere link."""
    row = {k: getattr(attachment, k) for k in ("url", "site", "found_on", "status", "content_type", "size", "sha256",
                                               "link_text", "capture_id")}
    db.execute(
        """insert into attachments (url, site, found_on, status, content_type, size, sha256, link_text, capture_id,
                                    first_seen_at, last_seen_at)
           values (:url, :site, :found_on, :status, :content_type, :size, :sha256, :link_text, :capture_id, :now, :now)
           on conflict(url) do update set
               last_seen_at = :now,
               status = case when excluded.status = 'fetched' then 'fetched' else attachments.status end,
               content_type = coalesce(excluded.content_type, attachments.content_type),
               size = coalesce(excluded.size, attachments.size), sha256 = coalesce(excluded.sha256, attachments.sha256),
               capture_id = coalesce(excluded.capture_id, attachments.capture_id),
               link_text = coalesce(attachments.link_text, excluded.link_text),
               found_on = coalesce(attachments.found_on, excluded.found_on)""",
        {**row, "now": now})


def save_capture(db: sqlite_utils.Database, capture: dict[str, Any]) -> int:
    # Plain SQL: sqlite-utils' insert lists the tables and views first, on every capture.
    names = list(capture)
    cursor = db.execute(f"insert into captures ({', '.join(names)}) values ({', '.join('?' * len(names))})",
                        [capture[name] for name in names])
    return int(cursor.lastrowid or 0)


def set_capture_profile(db: sqlite_utils.Database, capture_id: int, profile: str | None) -> None:
    db.execute("update captures set profile = ? where id = ?", [profile, capture_id])


def earlier_capture(db: sqlite_utils.Database, url: str, sha256: str) -> tuple[int, str, str] | None:
    """(id, warc_file, fetched_at) of the latest full response for `url` with this payload:
    what a byte-identical re-fetch is recorded as a revisit of."""
    return db.execute(
        """select id, warc_file, fetched_at from captures
           where url = ? and sha256 = ? and record_type = 'response' order by id desc limit 1""",
        [url, sha256]).fetchone()


# A capture, with warc_file and warc_offset of the record holding its payload (the original
# response, for a revisit). Also run by Datasette's raw-capture page (plugins/journalist.py).
CAPTURE_PAYLOAD_SQL = """
    select c.id, c.url, c.site, c.status, c.fetched_at, c.record_type, c.profile,
           coalesce(o.warc_file, c.warc_file) as warc_file, coalesce(o.warc_offset, c.warc_offset) as warc_offset
    from captures c left join captures o on o.id = c.refers_to where c.id = ?"""
CAPTURE_PAYLOAD_KEYS = ("id", "url", "site", "status", "fetched_at", "record_type", "profile", "warc_file", "warc_offset")


def capture_payload_location(db: sqlite_utils.Database, capture_id: int) -> dict[str, Any] | None:
    row = db.execute(CAPTURE_PAYLOAD_SQL, [capture_id]).fetchone()
    return dict(zip(CAPTURE_PAYLOAD_KEYS, row, strict=True)) if row else None


def captured_pages(db: sqlite_utils.Database, site: str | None = None) -> list[tuple[str, str, str, int]]:
    """(table, url, site, capture_id) of every article and rejection that has a capture."""
    where = "and site = ?" if site else ""
    params = [site, site] if site else []
    sql = f"""select 'articles', url, site, capture_id from articles where capture_id is not null {where}
              union all
              select 'rejections', url, site, capture_id from rejections where capture_id is not null {where}
              order by 2"""
    return db.execute(sql, params).fetchall()


def archived_pages(db: sqlite_utils.Database) -> list[tuple[str, str, str]]:
    """(url, capture time, title) of every article with a capture: a WACZ's pages list."""
    return db.execute(
        """select a.url, c.fetched_at, a.title from articles a join captures c on c.id = a.capture_id
           order by c.fetched_at, a.url""").fetchall()


# Rejections worth retrying on the next run; every other rejected URL is settled like an article.
RETRYABLE_REJECTION = "(reason in ('interstitial', 'extract-error', 'http-429', 'http-408') or reason like 'http-5%')"


def known_urls(db: sqlite_utils.Database, site: str | None = None) -> dict[str, str]:
    """Canonical URLs the incremental crawl need not fetch again (archived articles, pages
    rejected for a lasting reason, fetched attachments), each with when it was first settled."""
    where, params = ("where site = ?", [site]) if site is not None else ("", [])
    also = "and" if where else "where"
    sql = f"""
        select url, first_seen_at from articles {where}
        union all select url, first_rejected_at from rejections {where} {also} not {RETRYABLE_REJECTION}
        union all select url, first_seen_at from attachments {where} {also} status = 'fetched'
    """
    known: dict[str, str] = {}
    for url, since in db.execute(sql, params * 3):
        known[url] = min(known.get(url) or since or "", since or "")
    return known


def count(db: sqlite_utils.Database, table: str) -> int:
    return db[table].count if db[table].exists() else 0


def search(db: sqlite_utils.Database, query: str, limit: int = 20, mode: str = "auto") -> list[dict[str, Any]]:
    """Articles matching `query`, best first. Unaccented words also match accented text;
    a syndicated story shows once: its original, or a copy when only the copy matches."""
    expression = match_expression(query, mode)  # normalized like the stored text, abbreviations expanded
    if not expression:
        return []
    sql = """
        with hits as (
            select articles.url, articles.site, articles.title, articles.published_at, articles.duplicate_of,
                   articles_fts.rank as score
            from articles_fts join articles on articles.rowid = articles_fts.rowid
            where articles_fts match :query),
        one_per_story as (  -- the original if it matches, else the best-ranked copy
            select *, row_number() over (partition by coalesce(duplicate_of, url)
                                         order by duplicate_of is not null, score) as pick
            from hits)
        select url, site, title, published_at from one_per_story where pick = 1 order by score limit :limit
    """
    keys = ("url", "site", "title", "published_at")
    return [dict(zip(keys, row, strict=True)) for row in db.execute(sql, {"query": expression, "limit": limit})]


@dataclass(frozen=True)
class Recheck:
    url: str
    etag: str | None
    last_modified: str | None


def recheck_due(path: str | Path | None, site: str, published_since: str, seen_before: str) -> list[Recheck]:
    """`site`'s archived articles published on or after `published_since` (YYYY-MM-DD) and
    last fetched no later than `seen_before`, with the validators their last capture got: the
    re-check asks the site whether they changed since (If-None-Match, If-Modified-Since)."""
    if not path or not Path(path).exists():
        return []
    db = open_db(path)
    try:
        rows = db.execute(
            """select a.url, c.etag, c.last_modified from articles a left join captures c on c.id = a.capture_id
               where a.site = ? and a.published_at >= ? and a.last_seen_at <= ?
               order by a.published_at desc""", [site, published_since, seen_before]).fetchall()
        return [Recheck(*row) for row in rows]
    finally:
        db.close()


def touch_article(db: sqlite_utils.Database, url: str, fetched_at: str) -> None:
    """A re-check found the article unchanged (HTTP 304): only its last sighting moves."""
    db.execute("update articles set last_seen_at = ? where url = ?", [fetched_at, url])


def snapshot(source: str | Path, target: str | Path) -> int:
    """Copy the archive to `target` as one consistent snapshot (VACUUM INTO reads a single
    transaction, so a crawl writing meanwhile is fine); the schema is brought up to date
    first. Written beside `target` and renamed, so readers never see half a file.
    Returns the number of articles in the snapshot."""
    target = Path(target)
    if target.resolve() == Path(source).resolve():
        raise ValueError(f"{target} is the archive itself: publish to another file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    db = open_db(source)
    try:
        db.execute("vacuum into ?", [str(partial)])
    finally:
        db.close()
    published = sqlite_utils.Database(partial)
    try:
        published.execute("pragma journal_mode=delete")  # one self-contained file to download
        articles = published["articles"].count
    finally:
        published.close()
    partial.replace(target)  # final before anyone can open it
    return articles


def record_crawl(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """Insert or complete the crawls row of (run_id, site)."""
    names = list(row)
    db.execute(
        f"""insert into crawls ({', '.join(names)}) values ({', '.join('?' * len(names))})
            on conflict(run_id, site) do update set {', '.join(f'{n} = excluded.{n}' for n in names)}""",
        [row[n] for n in names])


def newest_sighting(db: sqlite_utils.Database, site: str) -> str | None:
    """When the site last gave the archive a new article (its newest first_seen_at)."""
    return db.execute("select max(first_seen_at) from articles where site = ?", [site]).fetchone()[0]


def first_crawl(db: sqlite_utils.Database, site: str) -> str | None:
    """When the archive first crawled the site (its oldest crawls row)."""
    return db.execute("select min(started_at) from crawls where site = ?", [site]).fetchone()[0]


def last_crawls(db: sqlite_utils.Database, runs: int = 5) -> list[dict[str, Any]]:
    """The latest `runs` crawls of every site, newest first, with each site's newest article."""
    sql = """
        select c.*, (select max(first_seen_at) from articles a where a.site = c.site) as last_new_article
        from crawls c
        where c.id in (select id from crawls c2 where c2.site = c.site order by c2.started_at desc limit ?)
        order by c.site, c.started_at desc
    """
    cursor = db.execute(sql, [runs])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def remember_pending(db: sqlite_utils.Database, site: str, url: str, kind: str, chain: str | None, now: str) -> None:
    db.execute("insert or ignore into frontier (site, url, kind, chain, added_at) values (?, ?, ?, ?, ?)",
               [site, url, kind, chain, now])


def forget_pending(db: sqlite_utils.Database, site: str, url: str) -> None:
    db.execute("delete from frontier where site = ? and url = ?", [site, url])


def pending(db: sqlite_utils.Database, site: str) -> list[tuple[str, str, str | None, str]]:
    """(url, kind, chain, walk started) of what a killed run of `site` scheduled and never
    finished; for a listing, when the walk it belongs to began."""
    return db.execute("select url, kind, chain, added_at from frontier where site = ? order by added_at, rowid",
                      [site]).fetchall()


def known_urls_in(path: str | Path | None, site: str | None = None) -> dict[str, str]:
    """`known_urls` of the archive at `path`; an archive that does not exist yet knows nothing."""
    if not path or not Path(path).exists():
        return {}
    db = open_db(path)
    try:
        return known_urls(db, site)
    finally:
        db.close()
