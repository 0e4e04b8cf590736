"""Datasette for journalists, through Datasette's own client, on an archive replayed from the
demo sample (real pages of all five sites, with their raw captures) plus the XSS fixture."""

from __future__ import annotations

import re
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode

import lxml.html
import pytest
from datasette.utils import tilde_encode

from crawler.extract.article import extract
from crawler.store.archive import save_article
from crawler.store.database import open_db, snapshot
from crawler.text import fold
from tests.conftest import ROOT, TESTS, congdoan, datasette_get

SAMPLE = ROOT / "demo" / "sample.warc.gz"
XSS_URL = "https://tin-congdoan.example/cong-doan/kiem-tra-an-toan-123.html"
HOA_BINH = (
    "https://laodong.vn/cong-doan/cong-doan-hoa-binh-dua-ra-nhieu-muc-tieu-huong-den-loi-ich-nguoi-lao-dong-1069877.ldo"
)


def build_archive(folder: Path) -> Path:
    """The demo archive (replayed offline) plus the XSS fixture article, published as a snapshot."""
    live = folder / "archive.db"
    result = congdoan("crawl", "--replay", str(SAMPLE), "--db", str(live), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    db = open_db(live)
    page = (TESTS / "fixtures" / "xss-article.html").read_bytes()
    save_article(db, extract(page, XSS_URL, "2026-11-20T00:00:00+00:00"), "2026-11-20T00:00:00+00:00")
    db.close()
    return live


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    live = build_archive(tmp_path_factory.mktemp("journalist"))
    published = live.parent / "published" / "archive.db"
    snapshot(live, published)
    return published


def search(archive: Path, **params: str) -> list[dict]:
    """Every result of a search, page after page (20 to a page)."""
    rows: list[dict] = []
    for page in range(1, 100):
        query = {
            "q": "",
            "mode": "",
            "site": "",
            "province": "",
            "since": "",
            "until": "",
            "order": "",
            "page": str(page),
            **params,
        }
        (response,) = datasette_get(archive, f"/archive/tim_kiem.json?{urlencode(query)}&_shape=objects")
        assert response.status_code == 200, response.text
        rows += response.json()["rows"]
        if len(response.json()["rows"]) < 20 or "page" in params:
            return rows
    raise AssertionError("more than 99 pages")


def test_search_ranks_folds_and_highlights(archive):
    plain, accented = search(archive, q="cong doan"), search(archive, q="công đoàn")
    assert len(plain) >= 20 and {r["url"] for r in plain} == {r["url"] for r in accented}
    for row in plain:  # cut around the match: both words are in the snippet
        words = {fold(word) for word in re.findall(r"\w+", row["snippet"])}
        assert {"cong", "doan"} <= words, row["snippet"]
    page, csv = datasette_get(
        archive,
        "/archive/tim_kiem?" + urlencode({"q": "cong doan hoa binh"}),
        "/archive/tim_kiem.csv?"
        + urlencode(
            {"q": "cong doan hoa binh", "mode": "", "site": "", "province": "", "since": "", "until": "", "order": ""}
        ),
    )
    assert (
        re.search(r"<mark>[Cc]ông</mark> <mark>đoàn</mark>", page.text)
        and "<mark>Hòa</mark> <mark>Bình</mark>" in page.text
    )
    assert "<mark>" not in csv.text and "\ue000" not in csv.text  # exports stay clean text
    # Best match first: the article about Hòa Bình's union ranks above the others.
    assert search(archive, q="cong doan hoa binh muc tieu")[0]["url"] == HOA_BINH


def test_modes_fold_or_keep_accents(archive):
    # "tình" (feeling) is rarer than "tỉnh" (province): exact keeps them apart, fold does not.
    exact = {r["url"] for r in search(archive, q="tình", mode="exact")}
    folded = {r["url"] for r in search(archive, q="tình", mode="fold")}
    assert exact and exact < folded
    assert folded == {r["url"] for r in search(archive, q="tinh", mode="fold")}
    assert {r["url"] for r in search(archive, q="tỉnh", mode="exact")} < folded
    # Left blank, the mode is automatic: unaccented words fold, accented words stay exact.
    assert {r["url"] for r in search(archive, q="tình")} == exact
    assert {r["url"] for r in search(archive, q="tinh")} == folded


def test_abbreviations_find_the_same_articles_as_their_expansion(archive):
    short, long = search(archive, q="LĐLĐ"), search(archive, q="Liên đoàn Lao động")
    assert short and {r["url"] for r in short} == {r["url"] for r in long}
    assert {r["url"] for r in search(archive, q="ldld")} == {r["url"] for r in search(archive, q="lien doan lao dong")}
    (glossary,) = datasette_get(archive, "/archive/glossary.json?_shape=objects&abbreviation=LĐLĐ")
    assert glossary.json()["rows"][0]["expansion"] == "Liên đoàn Lao động"


def test_search_filters_by_site_province_and_dates(archive):
    everything = search(archive, q="cong doan")
    caobang = search(archive, q="cong doan", site="caobang")
    assert caobang and {r["site"] for r in caobang} == {"caobang"} and len(caobang) < len(everything)
    assert {r["province"] for r in search(archive, q="cong doan", province="Cao Bằng")} == {"Cao Bằng"}
    window = search(archive, q="cong doan", since="2022-01-01", until="2022-12-31")
    assert window and all("2022-01-01" <= r["published_at"][:10] <= "2022-12-31" for r in window)
    by_date = [r["published_at"] for r in search(archive, q="cong doan", order="date")]
    assert by_date == sorted(by_date, reverse=True)


def test_a_saved_search_is_an_atom_feed(archive):
    feed, empty, page = datasette_get(
        archive,
        "/archive/theo_doi.atom?"
        + urlencode({"q": "LĐLĐ", "province": "Cao Bằng", "mode": "", "site": "", "since": "", "until": ""}),
        "/archive/theo_doi.atom?"
        + urlencode({"q": "khongcotu", "mode": "", "site": "", "province": "", "since": "", "until": ""}),
        "/archive/tim_kiem?" + urlencode({"q": "LĐLĐ", "province": "Cao Bằng"}),
    )
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert entries and all(e.find("a:link", ns).get("href").startswith("https://") for e in entries)
    assert ET.fromstring(empty.content).findall("a:entry", ns) == []
    assert "theo_doi.atom?" in page.text  # the search page offers its feed


def test_the_article_page_reads_like_an_article(archive):
    (page,) = datasette_get(archive, f"/archive/articles/{tilde_encode(HOA_BINH)}")
    html = page.text
    assert '<h1 class="headline">Công đoàn Hòa Bình đưa ra nhiều mục tiêu hướng đến lợi ích người lao động</h1>' in html
    assert "Thứ Ba, 19/07/2022, 16:13 (GMT+7)" in html
    assert '<span class="author">Trần Trọng</span>' in html
    assert html.count("<p>") >= 5 and "<figure>" in html and "<figcaption>" in html
    assert 'class="original" href="' + HOA_BINH in html and 'href="/-/capture/' in html
    assert "Phiên bản · Versions" in html


def test_the_raw_capture_is_plain_text_in_a_sandbox(archive):
    with sqlite3.connect(archive) as connection:
        (capture_id,) = connection.execute("select capture_id from articles where url = ?", [HOA_BINH]).fetchone()
    (raw,) = datasette_get(archive, f"/-/capture/{capture_id}")
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("text/plain")
    assert "sandbox" in raw.headers["content-security-policy"]
    assert f"WARC-Target-URI: {HOA_BINH}" in raw.text and "<html" in raw.text.lower()


def test_source_markup_is_escaped_on_every_page(archive):
    pages = datasette_get(
        archive,
        f"/archive/articles/{tilde_encode(XSS_URL)}",
        "/archive/articles?" + urlencode({"_search": "kiem tra an toan"}),
        "/archive/tim_kiem?" + urlencode({"q": "kiem tra an toan"}),
    )
    for page in pages:
        tree = lxml.html.fromstring(page.text)
        # No element from the source: no script with the payload, no event handler, no javascript: link.
        assert not [s for s in tree.xpath("//script") if "__xss" in (s.text or "")]
        assert not [a for a in tree.xpath("//@*") if a.attrname.startswith("on") and "__xss" in a]
        assert not [a for a in tree.xpath("//@href | //@src") if a.strip().lower().startswith("javascript:")]
        assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page.text
    assert 'href="javascript:' not in pages[0].text


def test_facets_sorting_chart_and_download(archive):
    listing, chart, download, database = datasette_get(
        archive, "/archive/articles.json?_shape=objects&_col=published_at", "/thong-ke", "/archive.db", "/archive"
    )
    data = listing.json()
    assert {"site", "province", "section", "published_month", "author"} <= set(data["facet_results"])
    dates = [row["published_at"] for row in data["rows"]]
    assert dates == sorted(dates, reverse=True)
    assert "<svg" in chart.text and "laodong" in chart.text
    assert download.content[:16] == b"SQLite format 3\x00"
    assert 'href="/archive.db"' in database.text


def test_publish_snapshots_while_a_crawl_holds_a_write(tmp_path):
    live = tmp_path / "archive.db"
    db = open_db(live)
    save_article(
        db, extract((TESTS / "fixtures" / "xss-article.html").read_bytes(), XSS_URL, None), "2026-11-20T00:00:00+00:00"
    )
    db.close()
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("begin immediate")
    writer.execute("update articles set title = 'half-written' where url = ?", [XSS_URL])
    result = congdoan("publish", str(tmp_path / "out" / "archive.db"), "--db", str(live))
    writer.execute("rollback")
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(tmp_path / "out" / "archive.db") as copy:
        assert copy.execute("pragma integrity_check").fetchone() == ("ok",)
        assert copy.execute("select title from articles").fetchone()[0].startswith("Công đoàn <script>")
