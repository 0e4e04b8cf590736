"""The WARC layer on its own: decoding what servers send (and refusing what they should
not), and a write/read round trip with Vietnamese header values."""

from __future__ import annotations

import dataclasses
import gzip
import zlib

import brotli
import pytest

from crawler.capture.wacz import surt
from crawler.capture.warc import Exchange, WarcFile, as_stored, index_archives, read_record
from crawler.compression import DecodeError, decode
from tests.conftest import ROOT

HTML = "<html><body><p>Công đoàn cơ sở</p></body></html>".encode()


def test_gzip_members_are_all_decoded():
    assert decode("gzip", gzip.compress(HTML[:10]) + gzip.compress(HTML[10:])) == HTML


@pytest.mark.parametrize(
    ("encoding", "payload", "problem"),
    [
        ("gzip", gzip.compress(HTML, mtime=0)[:-12], "truncated"),
        ("gzip", gzip.compress(b"\0" * (80 * 1024 * 1024), mtime=0), "more than"),
        ("br", brotli.compress(b"\0" * (80 * 1024 * 1024)), "more than"),
        ("gzip", b"not gzip at all", "corrupt"),
        ("zstd-unknown", HTML, "unknown"),
    ],
    # Named, not derived from the bytes: pytest-xdist refuses ids that differ between its
    # workers, and a gzip header holds the second it was made.
    ids=["truncated-gzip", "gzip-bomb", "brotli-bomb", "not-gzip", "unknown-encoding"],
)
def test_bad_payloads_raise_and_are_stored_as_sent(encoding, payload, problem):
    with pytest.raises(DecodeError, match=problem):
        decode(encoding, payload)
    headers = [("Content-Encoding", encoding), ("Content-Length", str(len(payload)))]
    assert as_stored(headers, payload) == (headers, payload)  # evidence kept byte for byte


def test_stacked_encodings_decode_in_reverse_order():
    assert decode("deflate, br", brotli.compress(zlib.compress(HTML))) == HTML
    headers, stored = as_stored([("Content-Encoding", "gzip"), ("Content-Length", "9")], gzip.compress(HTML))
    assert stored == HTML and ("X-Archive-Orig-Content-Encoding", "gzip") in headers


def test_round_trip_keeps_vietnamese_header_values(tmp_path):
    location = "https://baohatinh.vn/tin-tức/công-đoàn-post1.html"
    warc = WarcFile(tmp_path / "run.warc.gz", "test")
    exchange = Exchange(
        "https://baohatinh.vn/a",
        "GET",
        [("User-Agent", "t")],
        301,
        [("Location", location), ("Content-Type", "text/html")],
        b"",
        "2026-11-22T02:15:00+00:00",
    )
    where = warc.write(exchange)
    warc.close()
    # Stored as the ASCII URI a browser would follow, not percent-encoded whole.
    ascii_location = "https://baohatinh.vn/tin-t%E1%BB%A9c/c%C3%B4ng-%C4%91o%C3%A0n-post1.html"
    assert ("Location", ascii_location) in read_record(tmp_path / "run.warc.gz", where.offset).headers
    (recorded,) = index_archives([tmp_path]).values()
    assert ("Location", ascii_location) in recorded.headers and recorded.status == 301


def test_a_kept_replay_index_is_read_back_until_the_archive_changes(tmp_path, caplog):
    folder, cache = tmp_path / "warcs", tmp_path / "cache"
    folder.mkdir()
    page = Exchange(
        "https://baohatinh.vn/cong-doan-post1.html",
        "GET",
        [],
        200,
        [("Content-Type", "text/html; charset=utf-8")],
        HTML,
        "2026-11-22T02:15:00+00:00",
    )
    warc = WarcFile(folder / "run.warc.gz", "test")
    warc.write(page)
    warc.write(
        dataclasses.replace(page, fetched_at="2026-11-23T02:15:00+00:00"), revisit_of=(page.url, page.fetched_at)
    )
    warc.close()
    fresh = index_archives([folder])
    assert fresh[page.url].fetched_at == "2026-11-23T02:15:00+00:00"  # the revisit, replaying the first payload
    assert index_archives([folder], cache) == fresh
    (kept,) = cache.glob("*.jsonl")

    # Read back, not parsed again: an entry changed in the cache shows.
    kept.write_text(kept.read_text().replace('"2026-11-23T02:15:00+00:00"', '"2026-11-24T02:15:00+00:00"'))
    assert index_archives([folder], cache)[page.url].fetched_at == "2026-11-24T02:15:00+00:00"

    # A torn cache is read through instead, loudly.
    kept.write_text('["response", "https://baohatinh.vn/x"')
    assert index_archives([folder], cache) == fresh
    assert "unreadable" in caplog.text

    # A grown archive is indexed again.
    more = WarcFile(folder / "run.warc.gz", "test")  # appends a gzip member
    more.write(dataclasses.replace(page, url="https://baohatinh.vn/cong-doan-post2.html"))
    more.close()
    assert set(index_archives([folder], cache)) == {page.url, "https://baohatinh.vn/cong-doan-post2.html"}


@pytest.mark.parametrize(
    "url",
    [
        "https://www.laodong.vn/cong-doan?page=2",
        "https://laodong.vn/cong-doan/a-1069877.ldo?utm_source=rss&b=2&a=1",
        "http://127.0.0.1:8080/Tin-Tuc/X.html?Z=1&a=2",
        "https://WWW2.Example.com:443/a%20b?x=1#frag",
        "https://baodaklak.vn/chinh-sach-xa-hoi/",
        "https://ldld.caobang.gov.vn/news/rss/",
        "https://laodong.vn/a?",
        "https://laodong.vn",
        "https://baohatinh.vn:8443/tim-kiem?q=c%C3%B4ng+%C4%91o%C3%A0n&page=3",
    ],
)
def test_the_wacz_index_key_is_the_standard_surt(url):
    # The key replay tools look pages up by (the surt package, which cdxj-indexer uses).
    import surt as standard

    assert surt(url) == standard.surt(url)


def test_a_wacz_index_sorted_in_runs_on_disk_is_the_one_sorted_in_memory(tmp_path, monkeypatch):
    # A large archive's index is sorted in runs of INDEX_RUN lines, then merged: the result
    # must not differ from the small archive's in-memory sort, line for line.
    import zipfile

    from crawler.capture import wacz

    sample = ROOT / "demo" / "sample.warc.gz"
    in_memory = wacz.write_wacz(tmp_path / "memory.wacz", [sample], [], "t", "t")
    monkeypatch.setattr(wacz, "INDEX_RUN", 7)
    in_runs = wacz.write_wacz(tmp_path / "runs.wacz", [sample], [], "t", "t")
    assert in_memory == in_runs > 7 * 10  # more than ten runs
    with zipfile.ZipFile(tmp_path / "memory.wacz") as a, zipfile.ZipFile(tmp_path / "runs.wacz") as b:
        index = a.read("indexes/index.cdx")
        assert index == b.read("indexes/index.cdx") and index.decode().splitlines() == sorted(
            index.decode().splitlines()
        )
        assert a.read(f"archive/{sample.name}") == sample.read_bytes()
