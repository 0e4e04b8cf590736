"""Raw captures: every exchange of a real crawl lands in a WARC that warcio reads and whose
digests check; re-fetches are revisits; a replay of the WARC gives the same rows; reextract
is idempotent; an edited article keeps its previous version."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from crawler.capture.warc import decoded_payload, read_record
from crawler.store.versions import ARTICLE_FIELDS
from tests.conftest import FAST, TESTS, congdoan
from tests.test_crawl import ARTICLES, A, rows

SITE = ["crawl", "laodong"]
# Re-check every archived article, however old and however recently fetched.
RECHECK_ALL = ("-s", "ARCHIVE_RECHECK_DAYS=100000", "-s", "ARCHIVE_RECHECK_AFTER_HOURS=0")


def crawl(mirror_site, db_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    result = congdoan(*SITE, "--db", str(db_path), "--mirror", mirror_site.url, *FAST, *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def records(path: Path) -> list:
    """(type, url, payload length, digest, offset) of every record, digests checked on the way;
    request records must carry a real request line and Host."""
    found = []
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream, check_digests="raise")
        for record in iterator:
            if record.rec_type == "request":
                http = record.http_headers
                assert http.protocol == "GET" and http.statusline.endswith(" HTTP/1.1"), http.statusline
                assert http.statusline.startswith("/")
                assert http.get_header("Host") == record.rec_headers.get_header("WARC-Target-URI").split("/")[2]
            payload = record.content_stream().read() if record.rec_type == "response" else b""
            found.append(
                (
                    record.rec_type,
                    record.rec_headers.get_header("WARC-Target-URI"),
                    len(payload),
                    record.rec_headers.get_header("WARC-Payload-Digest"),
                    iterator.get_record_offset(),
                )
            )
    return found


def content(db_path: Path) -> list[tuple]:
    """The rows a reader cares about, without crawl bookkeeping (times, capture ids)."""
    return rows(db_path, f"select {', '.join(ARTICLE_FIELDS)} from articles order by url")


def test_every_exchange_is_a_warc_record_that_reads_back_and_checks(mirror_site, tmp_path):
    db_path = tmp_path / "archive.db"
    crawl(mirror_site, db_path)
    (warc,) = (tmp_path / "warc").glob("*.warc.gz")  # one file for the run
    found = records(warc)
    assert found[0][0] == "warcinfo"
    responses = [r for r in found if r[0] in ("response", "revisit")]
    requests = [r for r in found if r[0] == "request"]
    # One response and one request record per exchange the server answered, robots.txt included,
    # and the D1N challenge as well as the page served after it. The article fetched twice
    # (once through an old slug that redirects to it) is a revisit the second time.
    assert sorted(r[1] for r in responses) == sorted(hit.url for hit in mirror_site.hits)
    assert [r[1] for r in found if r[0] == "revisit"] == [A]
    assert sorted(r[1] for r in requests) == sorted(r[1] for r in responses)
    assert "https://laodong.vn/robots.txt" in {r[1] for r in responses}
    # The real tool agrees.
    check = subprocess.run(
        [str(Path(sys.executable).parent / "warcio"), "check", "-v", str(warc)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout[-2000:]

    # The captures table points at each record; its sha256 is the payload's.
    captures = rows(db_path, "select id, url, status, sha256, warc_file, warc_offset, record_type from captures")
    assert len(captures) == len(responses)
    offsets = {r[4]: r[0] for r in responses}
    for _, url, status, sha256, warc_file, offset, record_type in captures:
        assert offsets[offset] == record_type
        capture = read_record(tmp_path / warc_file, offset)
        assert (capture.url, capture.status) == (url, status)
        if record_type == "response":
            assert hashlib.sha256(capture.payload).hexdigest() == sha256
    # Every article links to the capture it was read from: a 200 for its own URL, HTML inside.
    # (A's capture is the revisit; its payload is in the record the revisit refers to.)
    linked = rows(
        db_path,
        "select a.url, c.url, c.status, coalesce(o.warc_file, c.warc_file), "
        "coalesce(o.warc_offset, c.warc_offset) from articles a "
        "join captures c on c.id = a.capture_id left join captures o on o.id = c.refers_to",
    )
    assert {row[0] for row in linked} == ARTICLES
    for url, captured_url, status, warc_file, offset in linked:
        assert (captured_url, status) == (url, 200)
        assert b"</html>" in decoded_payload(read_record(tmp_path / warc_file, offset)).lower()
    assert rows(db_path, "select count(*) from articles where extractor_version like 'congdoan-%'") == [
        (len(ARTICLES),)
    ]
    # The profile the spider read each article with is kept for re-extraction.
    assert rows(db_path, "select distinct c.profile from articles a join captures c on c.id = a.capture_id") == [
        ("laodong",)
    ]


def test_an_unchanged_refetch_is_a_revisit_without_its_payload(mirror_site, tmp_path):
    db_path = tmp_path / "archive.db"
    crawl(mirror_site, db_path)
    second_run = crawl(mirror_site, db_path, *RECHECK_ALL)  # re-fetches the articles too
    first, second = sorted((tmp_path / "warc").glob("*.warc.gz"), key=lambda p: p.stat().st_mtime)
    revisits = [r for r in records(second) if r[0] == "revisit"]
    assert {r[1] for r in revisits} >= {"https://laodong.vn/robots.txt", "https://laodong.vn/cong-doan"}
    # The re-checked articles were asked conditionally: the site answered 304, recorded as such.
    not_modified = {url for (url,) in rows(db_path, "select url from captures where status = 304")}
    assert not_modified == ARTICLES, (  # (rarely failed in CI: say what happened to the missing ones)
        [hit for hit in mirror_site.hits if hit.url in ARTICLES - not_modified],
        rows(db_path, "select url, last_seen_at, fetched_at from articles"),
        second_run.stdout[-1500:],
    )
    # Payloads are stored once: the second file has no response for what the first one holds.
    first_digests = {(r[1], r[3]) for r in records(first) if r[0] == "response"}
    assert not [r for r in records(second) if r[0] == "response" and (r[1], r[3]) in first_digests]
    assert second.stat().st_size < first.stat().st_size / 2
    # Each revisit row refers to the original capture, whose record still holds the payload.
    pairs = rows(
        db_path,
        "select c.url, c.sha256, o.url, o.sha256, o.record_type from captures c "
        "join captures o on o.id = c.refers_to where c.record_type = 'revisit'",
    )
    assert len(pairs) == len(revisits) + 1  # and the in-run revisit of A in the first file
    # 304s are not edits: the rows stay as they were, seen again.
    assert rows(
        db_path,
        "select count(*) from articles a where last_seen_at = (select max(fetched_at) from captures c "
        "where c.url = a.url and c.status = 304)",
    ) == [(len(ARTICLES),)]
    assert rows(db_path, "select count(*) from article_versions") == [(0,)]
    assert all(url == o_url and sha == o_sha and kind == "response" for url, sha, o_url, o_sha, kind in pairs)
    assert rows(db_path, "select count(*) from article_versions") == [(0,)]


def without(source: Path, target: Path, url: str) -> None:
    """Copy a WARC, leaving out every record of one URL."""
    with open(source, "rb") as stream, open(target, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for record in ArchiveIterator(stream):
            if record.rec_headers.get_header("WARC-Target-URI") != url:
                writer.write_record(record)


def test_a_replay_of_the_capture_gives_the_same_rows_one_for_one(mirror_site, tmp_path):
    live = tmp_path / "live" / "archive.db"
    live.parent.mkdir()
    crawl(mirror_site, live)
    hits = len(mirror_site.hits)
    (warc,) = (live.parent / "warc").glob("*.warc.gz")

    replayed = tmp_path / "replay" / "archive.db"
    replayed.parent.mkdir()  # congdoan refuses a --db in a missing folder
    result = congdoan(*SITE, "--db", str(replayed), "--replay", str(warc))
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(mirror_site.hits) == hits  # nothing was fetched
    assert content(replayed) == content(live)
    assert rows(replayed, "select url, reason from rejections order by url") == rows(
        live, "select url, reason from rejections order by url"
    )
    # The replayed rows keep the time of the capture, and link to the record they came from.
    assert rows(replayed, "select url, first_seen_at from articles order by url") == rows(
        live, "select a.url, c.fetched_at from articles a join captures c on c.id = a.capture_id order by a.url"
    )
    assert not (replayed.parent / "warc").exists()
    assert rows(
        replayed,
        f"select count(*) from articles a join captures c on c.id = a.capture_id where c.warc_file like '%{warc.name}'",
    ) == [(len(ARTICLES),)]

    # A URL missing from the archive behaves like a 404.
    partial = tmp_path / "partial.warc.gz"
    without(warc, partial, A)
    holes = tmp_path / "holes" / "archive.db"
    holes.parent.mkdir()  # congdoan refuses a --db in a missing folder
    result = congdoan(*SITE, "--db", str(holes), "--replay", str(partial))
    assert result.returncode == 0, result.stderr[-3000:]
    # ... and its rejection links to no capture (not to the redirect that led there).
    assert rows(holes, f"select reason, capture_id from rejections where url = '{A}'") == [("http-404", None)]
    assert A not in {url for (url,) in rows(holes, "select url from articles")}


def test_reextract_rebuilds_rows_from_captures_and_is_idempotent(mirror_site, tmp_path):
    db_path = tmp_path / "archive.db"
    crawl(mirror_site, db_path)
    before = content(db_path)

    first = congdoan("reextract", "--db", str(db_path))
    assert first.returncode == 0, first.stderr[-3000:]
    assert re.search(r"\b0 changed\b", first.stdout) and re.search(r"\b0 captures missing", first.stdout)
    assert content(db_path) == before

    with sqlite3.connect(db_path) as connection:  # a row as an older extractor left it
        connection.execute(
            "update articles set body = 'cũ', author = null, extractor_version = 'old' where url = ?", [A]
        )
    fixed = congdoan("reextract", "--db", str(db_path), "--site", "laodong")
    assert re.search(r"\b1 changed\b", fixed.stdout), fixed.stdout + fixed.stderr[-2000:]
    assert content(db_path) == before
    assert rows(db_path, f"select extractor_version like 'congdoan-%' from articles where url = '{A}'") == [(1,)]
    again = congdoan("reextract", "--db", str(db_path))
    assert re.search(r"\b0 changed\b", again.stdout)
    attempts = rows(db_path, "select url, attempts from rejections order by url")
    congdoan("reextract", "--db", str(db_path))
    assert (
        rows(db_path, "select url, attempts from rejections order by url") == attempts
    )  # re-reading is no new attempt
    assert rows(db_path, "select count(*) from article_versions") == [(0,)]


def test_reextract_fills_the_body_as_printed_of_rows_archived_before_it(mirror_site, tmp_path):
    db_path = tmp_path / "archive.db"
    crawl(mirror_site, db_path)
    printed = dict(rows(db_path, "select url, body_html from articles"))
    assert printed and all(html and html.startswith("<") for html in printed.values())
    with sqlite3.connect(db_path) as connection:  # as m019 leaves an archive made before it
        connection.execute("update articles set body_html = null")
    result = congdoan("reextract", "--db", str(db_path))
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(rf"\b{len(printed)} changed\b", result.stdout), result.stdout
    assert dict(rows(db_path, "select url, body_html from articles")) == printed
    assert rows(db_path, "select count(*) from article_versions") == [(0,)]  # the text did not change


def test_an_edited_article_keeps_its_previous_version_with_a_diff(mirror_site, tmp_path):
    db_path = tmp_path / "archive.db"
    crawl(mirror_site, db_path)
    original = (TESTS / mirror_site.routes[A]["file"]).read_text(encoding="utf-8")
    assert "Hòa Bình" in original
    edited = tmp_path / "edited.html"
    assert "cùng các lãnh đạo thuộc công đoàn cơ sở trực thuộc." in original
    edited.write_text(
        original.replace("Công đoàn Hòa Bình đưa ra", "Công đoàn tỉnh Hòa Bình đề ra").replace(
            "cùng các lãnh đạo thuộc công đoàn cơ sở trực thuộc.",
            "cùng các lãnh đạo thuộc công đoàn cơ sở trực thuộc. (Cập nhật lúc 17h.)",
        ),
        encoding="utf-8",
    )
    mirror_site.routes[A] = {"file": str(edited)}

    second = crawl(mirror_site, db_path, *RECHECK_ALL)
    assert "1 updated" in second.stdout.strip().splitlines()[-1]
    ((title, diff, seen_at, superseded_at, old_capture, new_capture),) = rows(
        db_path,
        "select v.title, v.diff, v.seen_at, v.superseded_at, v.capture_id, a.capture_id "
        "from article_versions v join articles a on a.url = v.url",
    )
    assert "Công đoàn Hòa Bình đưa ra" in title
    assert "-Công đoàn Hòa Bình đưa ra" in diff and "+Công đoàn tỉnh Hòa Bình đề ra" in diff
    assert "(Cập nhật lúc 17h.)" in diff
    assert seen_at < superseded_at and old_capture != new_capture
    assert rows(db_path, f"select title like 'Công đoàn tỉnh Hòa Bình đề ra%' from articles where url = '{A}'") == [
        (1,)
    ]


def test_the_warcs_package_as_a_wacz_that_replays(mirror_site, tmp_path):
    import json
    import zipfile

    live = tmp_path / "live" / "archive.db"
    live.parent.mkdir()  # congdoan refuses a --db in a missing folder
    crawl(mirror_site, live)
    wacz = tmp_path / "laodong.wacz"
    packed = congdoan("wacz", str(wacz), "--db", str(live))
    assert packed.returncode == 0, packed.stderr[-2000:]
    with zipfile.ZipFile(wacz) as archive:
        package = json.loads(archive.read("datapackage.json"))
        for resource in package["resources"]:  # every file is listed with its true hash
            data = archive.read(resource["path"])
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest() and resource["bytes"] == len(data)
        (warc_name,) = [n for n in archive.namelist() if n.startswith("archive/")]
        assert archive.getinfo(warc_name).compress_type == zipfile.ZIP_STORED
        index = archive.read("indexes/index.cdx").decode().splitlines()
        pages = [json.loads(line) for line in archive.read("pages/pages.jsonl").decode().splitlines()]
        warc = archive.read(warc_name)
    assert index == sorted(index) and any(line.startswith("vn,laodong)/robots.txt ") for line in index)
    for line in index:  # each index entry points at its record
        entry = json.loads(line.split(" ", 2)[2])
        record = next(
            iter(ArchiveIterator(__import__("io").BytesIO(warc[entry["offset"] : entry["offset"] + entry["length"]])))
        )
        assert record.rec_headers.get_header("WARC-Target-URI") == entry["url"]
    assert pages[0]["format"] == "json-pages-1.0" and {p["url"] for p in pages[1:]} == ARTICLES

    replayed = tmp_path / "replay" / "archive.db"
    replayed.parent.mkdir()  # congdoan refuses a --db in a missing folder
    result = congdoan(*SITE, "--db", str(replayed), "--replay", str(wacz))
    assert result.returncode == 0, result.stderr[-3000:]
    assert content(replayed) == content(live)
