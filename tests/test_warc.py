"""The WARC layer on its own: decoding what servers send (and refusing what they should
not), and a write/read round trip with Vietnamese header values."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from crawler.capture.warc import DecodeError, Exchange, WarcFile, as_stored, decode, index_archives, read_record

HTML = "<html><body><p>Công đoàn cơ sở</p></body></html>".encode()


def test_gzip_members_are_all_decoded():
    assert decode("gzip", gzip.compress(HTML[:10]) + gzip.compress(HTML[10:])) == HTML


@pytest.mark.parametrize(
    ("encoding", "payload", "problem"),
    [
        ("gzip", gzip.compress(HTML)[:-12], "truncated"),
        ("gzip", gzip.compress(b"\0" * (80 * 1024 * 1024)), "more than"),
        ("br", brotli.compress(b"\0" * (80 * 1024 * 1024)), "more than"),
        ("gzip", b"not gzip at all", "corrupt"),
        ("zstd-unknown", HTML, "unknown"),
    ],
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
