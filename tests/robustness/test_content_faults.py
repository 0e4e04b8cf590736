"""Content faults: documents instead of pages, wrong charsets, NFD, broken or empty HTML,
pages over the size limit, gzip bombs."""

from __future__ import annotations

import gzip
import random
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.robustness.conftest import crawl_faults, fault_url, gzip_bomb, page, respond, sitemap_bomb

TITLE = "Công đoàn tỉnh Hòa Bình chăm lo đời sống đoàn viên, người lao động"


@pytest.mark.parametrize(
    ("suffix", "content_type", "magic"),
    [
        (".pdf", "application/pdf", b"%PDF-1.4\n% Ke hoach\n"),
        (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04docx"),
    ],
)
def test_documents_are_attachments_of_the_page_that_linked_them(tmp_path, suffix, content_type, magic):
    # A listing links a document as if it were an article (NukeViet portals do), and an
    # article links a document in its text: both are attachments, never articles.
    linked_like_article = fault_url(1)
    host_page = fault_url(2)
    document = f"https://laodong.vn/uploads/ke-hoach-2024{suffix}"

    def with_link(text: str) -> str:
        return text.replace("</article>", f'<p><a href="{document}">Tải kế hoạch</a></p></article>', 1)

    outcome = crawl_faults(
        tmp_path,
        [linked_like_article, host_page],
        {
            linked_like_article: respond(body=magic + b"\0" * 200, headers={"Content-Type": content_type}),
            host_page: page(host_page, TITLE, transform=with_link),
        },
    )
    attachments = {
        row[0]: row[1:] for row in outcome.rows("select url, found_on, status, content_type, size from attachments")
    }
    assert attachments[linked_like_article] == (
        "https://laodong.vn/cong-doan-toan-quoc",
        "fetched",
        content_type,
        len(magic) + 200,
    )
    assert attachments[document] == (host_page, "linked", None, None)
    assert linked_like_article not in outcome.archived() and outcome.rejection(linked_like_article) is None
    assert host_page in outcome.archived()
    outcome.assert_crawl_went_on()


def _label_as(encoding: str) -> Callable[[str], str]:
    def relabel(text: str) -> str:
        return text.replace('charset="utf-8"', f'charset="{encoding}"').replace("charset=utf-8", f"charset={encoding}")

    return relabel


def _without_meta_charset(text: str) -> str:
    return re.sub(r"<meta charset=[^>]*>", "", text)


@pytest.mark.parametrize(
    ("name", "encoding", "content_type", "relabel", "prefix"),
    [
        ("windows-1258", "windows-1258", "text/html; charset=windows-1258", _label_as("windows-1258"), b""),
        # The hostile page: windows-1258 bytes, and both the server and <meta> say UTF-8.
        ("windows-1258 labelled utf-8 twice", "windows-1258", "text/html; charset=utf-8", None, b""),
        ("windows-1258 with no label at all", "windows-1258", "text/html", _without_meta_charset, b""),
        ("utf-8 labelled latin-1", "utf-8", "text/html; charset=iso-8859-1", _label_as("iso-8859-1"), b""),
        ("utf-8 with a BOM and no charset", "utf-8", "text/html", _without_meta_charset, b"\xef\xbb\xbf"),
    ],
)
def test_wrong_or_missing_charsets_still_give_exact_vietnamese(tmp_path, name, encoding, content_type, relabel, prefix):
    url = fault_url(1)
    outcome = crawl_faults(
        tmp_path, [url], {url: page(url, TITLE, encoding, content_type, relabel or (lambda text: text), prefix)}
    )
    ((title, body),) = outcome.rows("select title, body from articles where url = ?", url)
    assert title == TITLE, name
    assert "Nguyễn Mạng Cương" in body and unicodedata.is_normalized("NFC", body)
    outcome.assert_crawl_went_on()


def test_a_page_no_charset_reads_is_rejected_as_bad_encoding(tmp_path):
    # Random bytes labelled UTF-8: no charset, declared or detected, gives clean text. Storing
    # them as text would be U+FFFD or mojibake: the page is a rejection with its reason.
    url = fault_url(1)
    noise = random.Random(1258).randbytes(20_000)
    outcome = crawl_faults(
        tmp_path, [url], {url: respond(body=noise, headers={"Content-Type": "text/html; charset=utf-8"})}
    )
    assert outcome.rejection(url) == "bad-encoding"
    assert url not in outcome.archived()
    outcome.assert_crawl_went_on()


def test_nfd_text_is_stored_nfc(tmp_path):
    url = fault_url(1)
    outcome = crawl_faults(
        tmp_path, [url], {url: page(url, TITLE, transform=lambda t: unicodedata.normalize("NFD", t))}
    )
    ((title, body),) = outcome.rows("select title, body from articles where url = ?", url)
    assert title == TITLE and unicodedata.is_normalized("NFC", body) and "người lao động" in body
    outcome.assert_crawl_went_on()


def test_malformed_html_is_read_or_rejected_clearly(tmp_path):
    broken, truncated = fault_url(1), fault_url(2)

    def garble(text: str) -> str:
        return text.replace("<p>", "<p><b><i><div>", 3).replace("</h1>", "</h2></table></span>", 1)

    outcome = crawl_faults(
        tmp_path,
        [broken, truncated],
        {
            broken: page(broken, TITLE, transform=garble),
            truncated: page(truncated, TITLE + " (bản lỗi)", transform=lambda text: text[: len(text) * 2 // 3]),
        },
    )
    ((title,),) = outcome.rows("select title from articles where url = ?", broken)
    assert title == TITLE
    assert truncated in outcome.archived() or outcome.rejection(truncated) in ("no-body", "no-date", "not-an-article")
    outcome.assert_crawl_went_on()


def test_an_empty_page_is_a_rejection(tmp_path):
    empty, blank = fault_url(1), fault_url(2)
    outcome = crawl_faults(
        tmp_path,
        [empty, blank],
        {empty: respond(body=b""), blank: respond(body=b"<html><head></head><body>   </body></html>")},
    )
    assert outcome.rejection(empty) == "empty" and outcome.rejection(blank) == "no-title"
    outcome.assert_crawl_went_on()


def test_a_page_over_the_size_limit_is_a_rejection(tmp_path):
    huge = fault_url(1)

    def padding(text: str) -> str:
        return text.replace("</body>", "<!--" + "x" * 600_000 + "--></body>")

    outcome = crawl_faults(
        tmp_path,
        [huge],
        {huge: page(huge, TITLE, transform=padding)},
        settings=("DOWNLOAD_MAXSIZE=500000", "DOWNLOAD_WARNSIZE=0"),
    )
    assert outcome.rejection(huge) == "too-large"
    assert "larger than DOWNLOAD_MAXSIZE" in outcome.log or "exceeded DOWNLOAD_MAXSIZE" in outcome.log
    outcome.assert_crawl_went_on()


def test_a_gzip_bomb_is_stopped_and_rejected(tmp_path):
    bomb = fault_url(1)
    outcome = crawl_faults(tmp_path, [bomb], {bomb: gzip_bomb(64)}, settings=("DOWNLOAD_MAXSIZE=8000000",))
    assert outcome.rejection(bomb) == "too-large"
    assert "DOWNLOAD_MAXSIZE" in outcome.log
    # The raw capture keeps the compressed bytes as sent, never the 64 MB they expand to.
    sizes = outcome.rows("select length(sha256), status from captures where url = ?", bomb)
    assert sizes and all(status == 200 for _, status in sizes)
    outcome.assert_crawl_went_on()


@pytest.fixture(scope="session")
def bomb_file(tmp_path_factory) -> Path:
    return sitemap_bomb(tmp_path_factory.mktemp("bomb") / "news.xml.gz")


_GROWTH = """
import resource, sys
from crawler.sites.feeds import FeedTooLarge, parse_feed
body = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    entries = parse_feed(body, "https://laodong.vn/sitemaps/news.xml.gz")
    print("read", len(entries.links))
except FeedTooLarge as error:
    print("refused", error)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def _parse_in_a_fresh_process(path: Path) -> tuple[str, int]:
    """(what parse_feed said, how many kB the process grew by), measured in a process of its
    own: the test worker's peak RSS may already stand above anything the parse reaches."""
    result = subprocess.run([sys.executable, "-c", _GROWTH, str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    said, grown = result.stdout.strip().splitlines()
    return said, int(grown)


def test_a_sitemap_bomb_is_refused_in_bounded_memory(bomb_file):
    # About 1 MB of gzip that inflates to over 1 GB of sitemap XML, served as a plain file.
    assert bomb_file.stat().st_size < 2 * 1024 * 1024
    said, grown_kb = _parse_in_a_fresh_process(bomb_file)
    assert said.startswith("refused") and "more than 52428800 bytes" in said
    assert grown_kb < 100 * 1024


def test_a_large_legal_sitemap_is_read_as_a_stream(tmp_path):
    # 50,000 URLs, each with a long image caption: 40 MB of XML, under the protocol's 50 MB.
    # Read whole into a tree it would take several times that; streamed, the links alone.
    caption = "Ảnh minh họa " * 50
    entries = "".join(
        f"<url><loc>https://laodong.vn/cong-doan/bai-{n}.ldo</loc><lastmod>2026-11-01</lastmod>"
        f"<image:image><image:caption>{caption}</image:caption></image:image></url>\n"
        for n in range(50_000)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">\n' + entries + "</urlset>\n"
    ).encode()
    assert 35 * 1024 * 1024 < len(xml) < 50 * 1024 * 1024
    path = tmp_path / "sitemap.xml.gz"
    path.write_bytes(gzip.compress(xml, compresslevel=1))
    said, grown_kb = _parse_in_a_fresh_process(path)
    assert said == "read 50000"
    assert grown_kb < 100 * 1024


def test_a_sitemap_of_empty_elements_is_read_in_bounded_memory(tmp_path):
    # 12 MB of "<x/>" (12 kB gzipped): held in libxml2's tree, each element costs about 30
    # times its bytes, some 360 MB in all (1.5 GB at the 50 MB bound). Dropped as they end, nothing.
    path = tmp_path / "junk.xml.gz"
    junk = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + b"<x/>" * 3_000_000 + b"</urlset>"
    path.write_bytes(gzip.compress(junk, compresslevel=6))
    said, grown_kb = _parse_in_a_fresh_process(path)
    assert said == "read 0"
    assert grown_kb < 100 * 1024


def test_a_crawl_whose_sitemap_is_a_bomb_refuses_it_and_reads_the_rest(tmp_path, bomb_file):
    # The feed is a sitemap index of two news sitemaps: a good one, and a bomb served as a
    # plain .xml.gz (no Content-Encoding, so no HTTP layer bounds it).
    today = datetime.now(UTC).date().isoformat()
    good, bomb = "https://laodong.vn/sitemaps/news-good.xml", "https://laodong.vn/sitemaps/news-bomb.xml.gz"
    index = tmp_path / "sitemap-index.xml"
    index.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{good}</loc><lastmod>{today}</lastmod></sitemap>"
        f"<sitemap><loc>{bomb}</loc><lastmod>{today}</lastmod></sitemap></sitemapindex>",
        encoding="utf-8",
    )
    news = tmp_path / "news-good.xml"
    news.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{fault_url(1)}</loc><lastmod>{today}</lastmod></url></urlset>",
        encoding="utf-8",
    )
    outcome = crawl_faults(
        tmp_path,
        [],
        {
            bomb: respond(body=bomb_file.read_bytes(), headers={"Content-Type": "application/x-gzip"}),
            fault_url(1): page(fault_url(1), TITLE),
        },
        routes={
            "https://laodong.vn/rss/cong-doan.rss": {"file": str(index), "type": "application/xml"},
            good: {"file": str(news), "type": "application/xml"},
        },
    )
    assert outcome.rejection(bomb) == "feed-too-large"
    assert fault_url(1) in outcome.archived()  # the good sitemap's article
    assert "feeds refused as too large (feed-too-large)" in outcome.result.stdout + outcome.result.stderr
    assert f"{bomb} decodes to more than" in outcome.log and "(feed-too-large); its links are not read" in outcome.log
    outcome.assert_crawl_went_on()
