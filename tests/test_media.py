"""Archived photos: what the bytes are (crawler/capture/media.py), and the real crawl fetching
them from the loopback replica through the guard, robots.txt and the WARC, failures included."""

from __future__ import annotations

import asyncio
import hashlib
import io
import sqlite3
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from crawler.capture.media import MAX_PIXELS, judge, worth_retrying
from tests.conftest import FAST, congdoan, datasette_for, datasette_get
from tests.mirror_site import MirrorSite

DAKLAK_PHOTOS = "https://baodaklak.vn/file/e7837c027f6ecd14017ffa4e5f2a0e34/"
AS_HTML = DAKLAK_PHOTOS + "old-data/dataimages/202012/original/images2633785_4234.jpg"
BUSY = DAKLAK_PHOTOS + "e7837c028bc5b0a0018bd5cb4f1a23e6/112023/trao-mai-am-cong-doan_20231116091208.jpg"
DISALLOWED = DAKLAK_PHOTOS + "e7837c028bc5b0a0018bd5cb4f1a23e6/112023/nha-mai-am-krong-pak_20231116091230.jpg"
OFF_SITE = DAKLAK_PHOTOS + "e7837c028cdb44e4018d4e51b07e1c53/012024/tet-sum-vay-1_20240128070105.jpg"
MOVED = DAKLAK_PHOTOS + "e7837c028cdb44e4018d4e51b07e1c53/012024/tet-sum-vay-2_20240128070133.jpg"
HUGE = DAKLAK_PHOTOS + "e7837c0299a1b7f20199fd63c4e08a17/102025/cong-doan-phuong-tuy-hoa_20251021163822.jpg"
BOMB = DAKLAK_PHOTOS + "e7837c02857c8ca30186b2d1a9a6142c/032023/tang-qua-giao-vien-ea-sup_20230305193215.jpg"


def encoded(kind: str, size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG that claims this size, as a decompression bomb does."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("GIF", "image/gif"), ("WEBP", "image/webp")],
)
def test_a_photo_is_known_by_its_bytes_with_its_size(kind: str, content_type: str):
    verdict = judge(200, "application/octet-stream", encoded(kind), 10**6)
    assert (verdict.archived, verdict.content_type, verdict.width, verdict.height) == (True, content_type, 40, 30)
    # A wrong label does not change what the bytes are.
    assert judge(200, "image/png", encoded(kind), 10**6).content_type == content_type


@pytest.mark.parametrize(
    ("status", "label", "payload", "reason"),
    [
        (200, "image/jpeg", b"<!DOCTYPE html><html><body>404</body></html>", "not-an-image"),
        (200, "text/html; charset=utf-8", encoded("JPEG"), "not-an-image"),
        (200, "image/jpeg", b"\xff\xd8\xff\xe0garbage", "not-an-image"),
        (200, "image/jpeg", b"", "empty"),
        (200, "image/png", png_header(100_000, 100_000), "too-large"),
        (200, "image/png", png_header(MAX_PIXELS // 1000 + 1, 1000), "too-large"),
        (200, "image/jpeg", encoded("JPEG") + b"\0" * 2000, "too-large"),
        (403, "image/jpeg", encoded("JPEG"), "http-403"),
    ],
)
def test_what_is_not_a_photo_is_refused_with_a_reason(status: int, label: str, payload: bytes, reason: str):
    verdict = judge(status, label, payload, 2000)
    assert not verdict.archived and verdict.reason == reason and verdict.detail


def test_retries_are_for_failures_that_may_pass():
    assert [worth_retrying(r, 1) for r in ("timeout", "dns", "http-503", "http-429")] == [True] * 4
    assert [worth_retrying(r, 1) for r in ("http-404", "not-an-image", "too-large", "robots-disallowed")] == [False] * 4
    assert not worth_retrying("timeout", 3)


def media(db_path: Path) -> dict[str, tuple]:
    with sqlite3.connect(db_path) as connection:
        return {
            url: (status, reason, retry)
            for url, status, reason, retry in connection.execute("select url, status, reason, retry from media")
        }


def test_photos_skipped_by_no_images_are_fetched_later_and_once(tmp_path: Path):
    db_path = tmp_path / "archive.db"
    with MirrorSite() as mirror:
        first = congdoan("crawl", "daklak", "--db", str(db_path), "--mirror", mirror.url, *FAST, "--no-images")
        assert first.returncode == 0 and "photos" not in first.stdout
        assert not [hit for hit in mirror.hits if "/file/" in hit.url]
        assert {status for status, _, _ in media(db_path).values()} == {"pending"}

        mirror.hits.clear()
        fetched = congdoan("fetch-media", "--db", str(db_path), "--mirror", mirror.url, *FAST)
        assert fetched.returncode == 0, fetched.stderr[-3000:]
        assert "daklak: ok: 10 photos archived" in fetched.stdout.splitlines()
        assert "laodong: ok: 0 photos archived" in fetched.stdout.splitlines()
        assert {hit.url.split("/")[3] for hit in mirror.hits if "baodaklak.vn" in hit.url} == {"robots.txt", "file"}
        assert {status for status, _, _ in media(db_path).values()} == {"archived"}

        mirror.hits.clear()
        crawled = congdoan("crawl", "daklak", "--db", str(db_path), "--mirror", mirror.url, *FAST)
        assert crawled.returncode == 0 and not [hit for hit in mirror.hits if "/file/" in hit.url]


TABLE_ARTICLE = "https://baodaklak.vn/xa-hoi/202510/kien-toan-to-chuc-cong-doan-o-cac-xa-phuong-moi-2879114/"
SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def crawl_with_photos(tmp_path: Path, overrides: dict | None = None) -> Path:
    """The daklak replica crawled with its photos; the file as Datasette serves it (immutable)."""
    db_path = tmp_path / "archive.db"
    with MirrorSite(overrides=overrides or {}) as mirror:
        result = congdoan("crawl", "daklak", "--db", str(db_path), "--mirror", mirror.url, *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    with sqlite3.connect(db_path) as connection:
        connection.execute("pragma journal_mode=delete")
    return db_path


@pytest.fixture(scope="module")
def photographed(tmp_path_factory) -> Path:
    return crawl_with_photos(tmp_path_factory.mktemp("photographed"))


def query(db_path: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(sql, params).fetchall()


def test_the_article_page_shows_photos_from_the_archive(photographed: Path):
    from datasette.utils import tilde_encode
    from lxml import html

    (page,) = datasette_get(photographed, f"/archive/articles/{tilde_encode(TABLE_ARTICLE)}")
    body = html.fromstring(page.text).xpath("//div[@class='body']")[0]
    ((digest,),) = query(
        photographed,
        "select sha256 from media join article_media on media_url = url where article_url = ?",
        TABLE_ARTICLE,
    )
    assert body.xpath(".//figure/img/@src") == [f"/-/media/{digest}"]
    assert [len(row.xpath("th|td")) for row in body.xpath(".//table//tr")] == [4, 4, 4, 4]


def test_an_archived_photo_is_served_from_the_warc_exactly_as_fetched(photographed: Path):
    ((sha256,),) = query(photographed, "select sha256 from media where content_type = 'image/jpeg' limit 1")
    (response,) = datasette_get(photographed, f"/-/media/{sha256}")
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(response.content).hexdigest() == sha256
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "immutable" in response.headers["cache-control"] and response.headers["etag"] == f'"{sha256}"'

    async def revalidate():
        return await datasette_for(photographed).client.get(
            f"/-/media/{sha256}", headers={"If-None-Match": f'"{sha256}"'}
        )

    unchanged = asyncio.run(revalidate())
    assert unchanged.status_code == 304 and not unchanged.content


def test_only_what_media_lists_is_served(photographed: Path):
    (page_digest,) = query(photographed, "select sha256 from captures where content_type like 'text/html%' limit 1")[0]
    responses = datasette_get(
        photographed, f"/-/media/{page_digest}", "/-/media/" + "0" * 64, "/-/media/../archive.db", "/-/media/ABC"
    )
    assert [r.status_code for r in responses] == [404, 404, 404, 404]


def test_the_schema_holds_media_rows_to_their_status():
    from crawler.extract.schema import media_errors

    kept = {"url": "https://baodaklak.vn/file/a.jpg", "status": "archived", "attempts": 1, "retry": 0}
    assert media_errors({**kept, "sha256": "0" * 64, "content_type": "image/jpeg", "bytes": 10, "capture_id": 3}) == []
    problems = " ".join(media_errors({**kept, "content_type": "text/html", "bytes": 0}))
    assert all(name in problems for name in ("content_type", "bytes", "'sha256' is a required", "'capture_id'"))
    assert media_errors({**kept, "status": "failed", "reason": "http-404"}) == []
    assert media_errors({**kept, "status": "failed", "reason": None})


def test_an_image_host_is_asked_for_its_robots_txt_and_obeyed(tmp_path: Path):
    robots = tmp_path / "robots.txt"
    robots.write_text("User-agent: *\nDisallow: /storage/\n")
    cdn_robots = {"https://media-cdn-v2.laodong.vn/robots.txt": {"file": str(robots), "type": "text/plain"}}
    db_path = tmp_path / "archive.db"
    with MirrorSite(overrides=cdn_robots) as mirror:
        result = congdoan("crawl", "laodong", "--db", str(db_path), "--mirror", mirror.url, *FAST)
        requested = [hit.url for hit in mirror.hits if "laodong.vn/" in hit.url and "media" in hit.url]
    assert result.returncode == 0, result.stderr[-3000:]
    found = media(db_path)
    on_cdn = {url: row for url, row in found.items() if url.startswith("https://media-cdn-v2.laodong.vn/")}
    assert on_cdn and set(on_cdn.values()) == {("failed", "robots-disallowed", 0)}
    assert {row for url, row in found.items() if url not in on_cdn} == {("archived", None, 0)}
    assert requested.count("https://media-cdn-v2.laodong.vn/robots.txt") == 1
    assert not [url for url in requested if url.startswith("https://media-cdn-v2.laodong.vn/storage/")]
