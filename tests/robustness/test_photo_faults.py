"""Photo faults: photos that are HTML, busy, disallowed, off the site, redirected, too large,
decompression bombs or SVG with script. Each is a media row with its reason; no article fails
for its photos, and the archive never serves what it did not judge a photo."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import FAST, TESTS, congdoan, datasette_get
from tests.mirror_site import MirrorSite
from tests.test_media import (
    AS_HTML,
    BOMB,
    BUSY,
    DISALLOWED,
    HUGE,
    MOVED,
    OFF_SITE,
    SVG_WITH_SCRIPT,
    crawl_with_photos,
    encoded,
    media,
    png_header,
    query,
)


def test_failed_photos_are_rows_with_reasons_and_never_fail_their_article(tmp_path: Path):
    huge = tmp_path / "huge.jpg"
    huge.write_bytes(encoded("JPEG", (1200, 900)) + b"\0" * 60_000)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header(50_000, 50_000))
    robots = tmp_path / "robots.txt"
    replica_robots = (TESTS / "site" / "baodaklak.vn" / "robots.txt").read_text()
    robots.write_text(replica_robots + "Disallow: /file/" + DISALLOWED.split("/file/")[1] + "\n")
    faults = {
        AS_HTML: {"file": "site/baodaklak.vn/chinh-tri@paged=2.html"},  # an error page sent as 200
        BUSY: {"file": "site/baodaklak.vn/robots.txt", "fail_first": 9, "fail_status": 503},
        "https://baodaklak.vn/robots.txt": {"file": str(robots), "type": "text/plain"},
        OFF_SITE: {"status": 302, "redirect": "https://evil.example/x.jpg"},
        MOVED: {"status": 301, "redirect": "https://cdn.baodaklak.vn/moved.jpg"},
        "https://cdn.baodaklak.vn/moved.jpg": {
            "file": "site/baodaklak.vn/photos/" + _photo_file("tet-sum-vay-2"),
            "type": "image/jpeg",
        },
        HUGE: {"file": str(huge), "type": "image/jpeg"},
        BOMB: {"file": str(bomb), "type": "image/png"},
    }
    db_path = tmp_path / "archive.db"
    with MirrorSite(overrides=faults) as mirror:
        result = congdoan(
            "crawl", "daklak", "--db", str(db_path), "--mirror", mirror.url, *FAST, "-s", "ARCHIVE_MEDIA_MAXSIZE=50000"
        )
        requested = [hit.url for hit in mirror.hits]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "daklak: ok: 5 new" in result.stdout and "4 photos archived, 6 not" in result.stdout, result.stdout
    found = media(db_path)
    assert {url: found[url] for url in faults if url in found} == {
        AS_HTML: ("failed", "not-an-image", 0),
        BUSY: ("failed", "http-503", 1),  # a later run tries again
        OFF_SITE: ("failed", "off-site", 0),
        MOVED: ("archived", None, 0),  # a subdomain of the site is the site's
        HUGE: ("failed", "too-large", 0),
        BOMB: ("failed", "too-large", 0),
    }
    assert found[DISALLOWED] == ("failed", "robots-disallowed", 0)
    assert DISALLOWED not in requested and "https://evil.example/x.jpg" not in requested

    # The next run (no fault now) fetches the photo that may pass, and only that one.
    with MirrorSite() as mirror:
        again = congdoan("fetch-media", "daklak", "--db", str(db_path), "--mirror", mirror.url, *FAST)
        photos = [hit.url for hit in mirror.hits if "/file/" in hit.url]
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.strip() == "daklak: ok: 1 photos archived"
    assert photos == [BUSY] and media(db_path)[BUSY] == ("archived", None, 0)


def _photo_file(name: str) -> str:
    folder = TESTS / "site" / "baodaklak.vn" / "photos"
    return next(path.name for path in folder.iterdir() if name in path.name)


def test_an_svg_photo_with_script_is_served_where_no_script_runs(tmp_path: Path):
    (tmp_path / "hostile.svg").write_bytes(SVG_WITH_SCRIPT)
    photographed = crawl_with_photos(tmp_path, {BOMB: {"file": str(tmp_path / "hostile.svg"), "type": "image/svg+xml"}})
    ((sha256, content_type),) = query(photographed, "select sha256, content_type from media where url = ?", BOMB)
    (response,) = datasette_get(photographed, f"/-/media/{sha256}")
    assert content_type == response.headers["content-type"] == "image/svg+xml"
    policy = response.headers["content-security-policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy and "script-src" not in policy
