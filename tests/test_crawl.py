"""End to end: the real `congdoan crawl` (real Scrapy engine, real HTTP on loopback) against
the laodong.vn replica, into a real archive.db. The archive must keep the real URLs."""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import FAST, TESTS, congdoan, free_port, run_log
from tests.mirror_site import MirrorSite

A = "https://laodong.vn/cong-doan/cong-doan-hoa-binh-dua-ra-nhieu-muc-tieu-huong-den-loi-ich-nguoi-lao-dong-1069877.ldo"
B = "https://laodong.vn/ldld-cao-bang/ldld-tinh-cao-bang-so-ket-6-thang-dau-nam-2021-931877.ldo"
C = "https://laodong.vn/ldld-dak-lak/cong-doan-vien-chuc-tinh-dak-lak-tong-ket-cong-tac-nam-2020-859412.ldo"
D = "https://laodong.vn/cong-doan/ha-tinh-trao-12-mai-am-cong-doan-cho-doan-vien-kho-khan-631245.bld"
E_NO_DATE = "https://laodong.vn/ldld-hoa-binh/hoa-binh-cong-doan-nganh-giao-duc-tham-giao-vien-vung-cao-1105532.ldo"
F_GONE = "https://laodong.vn/cong-doan/bai-viet-da-go-1070001.ldo"
G_ROBOTS = "https://laodong.vn/cong-doan/bai-noi-bo-ban-bien-tap-1070002.ldo"
H_OLD_SLUG = "https://laodong.vn/cong-doan/cong-doan-hoa-binh-muc-tieu-loi-ich-nguoi-lao-dong-1069877.ldo"
I_TO_ENGLISH = "https://laodong.vn/ldld-hoa-binh/hoa-binh-civil-servants-union-1069880.ldo"
I_ENGLISH = "https://news.laodong.vn/trade-union/hoa-binh-civil-servants-union-1069880.ldo"
ARTICLES = {A, B, C, D}
ENTRY = {
    f"https://laodong.vn{p}"
    for p in (
        "/cong-doan",
        "/cong-doan-toan-quoc",
        "/ldld-ha-tinh",
        "/ldld-cao-bang",
        "/ldld-dak-lak",
        "/ldld-hoa-binh",
    )
}


def rows(db_path, sql: str) -> list[tuple]:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(sql).fetchall()


def crawl(site, db_path, *extra: str):
    return congdoan("crawl", "laodong", "--db", str(db_path), "--mirror", site.url, *FAST, *extra)


def test_first_crawl_archives_the_union_articles_under_their_real_urls(mirror_site, tmp_path):
    db_path = tmp_path / "archive.db"
    result = crawl(mirror_site, db_path)
    assert result.returncode == 0, result.stderr[-3000:]
    # A is fetched twice: from its listing, and through the old slug that redirects to it.
    assert result.stdout.strip().splitlines()[-1].startswith("laodong: ok: 4 new, 0 updated, 1 unchanged, 5 rejected")
    assert "1 cookie challenges answered" in result.stdout

    assert {url for (url,) in rows(db_path, "select url from articles")} == ARTICLES
    assert rows(
        db_path, "select count(*) from articles where site != 'laodong' or url not like 'https://laodong.vn/%'"
    ) == [(0,)]
    assert dict(rows(db_path, "select url, reason from rejections")) == {
        F_GONE: "http-404",
        E_NO_DATE: "no-date",
        G_ROBOTS: "robots-disallowed",
        I_TO_ENGLISH: "redirected",
        I_ENGLISH: "off-site",
    }
    # The old slug redirects to A: it is A's alias, so no later run takes it for a new link.
    assert rows(db_path, "select alias, url, reason from article_aliases") == [(H_OLD_SLUG, A, "redirect")]
    ((published, author),) = rows(db_path, f"select published_at, author from articles where url = '{A}'")
    assert (published, author) == ("2022-07-19T16:13:00+07:00", "Trần Trọng")

    # The D1N interstitial was answered once with its cookie, and never stored as an article.
    assert [hit.cookie for hit in mirror_site.requested(D)] == ["", "D1N=7f3c2a9e41b86d05c1e2f3a4b5c6d7e8"]
    # robots.txt was read first and obeyed; foreign subdomains and other sections were not followed.
    assert mirror_site.hits[0].url == "https://laodong.vn/robots.txt"
    requested = {hit.url for hit in mirror_site.hits}
    assert G_ROBOTS not in requested
    assert not any("/xa-hoi/" in url or "/the-gioi/" in url for url in requested)
    # The redirect to the English edition is not even followed: another host (crawler/fetch/guard.py).
    assert not {url for url in requested if "news.laodong.vn" in url}
    assert all("congdoan-archive" in hit.user_agent for hit in mirror_site.hits)


def test_second_crawl_fetches_listings_only_and_duplicates_nothing(mirror_site, tmp_path):
    db_path = tmp_path / "archive.db"
    assert crawl(mirror_site, db_path).returncode == 0
    first_count = len(mirror_site.hits)
    mirror_site.hits.clear()

    again = crawl(mirror_site, db_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "0 new, 0 updated" in again.stdout
    requested = [hit.url for hit in mirror_site.hits]
    assert set(requested) == ENTRY | {"https://laodong.vn/robots.txt", "https://laodong.vn/rss/cong-doan.rss"}, (
        "only entry listings and the feed: nothing new, no paging"
    )
    assert len(requested) < first_count
    assert rows(db_path, "select count(*) from articles") == [(4,)]


def test_since_stops_paging_and_skips_older_articles(mirror_site, tmp_path):
    db_path = tmp_path / "archive.db"
    assert crawl(mirror_site, db_path, "--since", "2021-01-01").returncode == 0
    requested = {hit.url for hit in mirror_site.hits}
    assert {A, B} <= requested
    assert C not in requested and D not in requested  # listed as 2020 and 2019
    assert {url for (url,) in rows(db_path, "select url from articles")} == {A, B}


def test_max_articles_caps_the_article_requests(mirror_site, tmp_path):
    db_path = tmp_path / "archive.db"
    assert crawl(mirror_site, db_path, "--max-articles", "1").returncode == 0
    articles = [hit for hit in mirror_site.hits if hit.url.endswith((".ldo", ".bld"))]
    assert len({hit.url for hit in articles}) == 1


def test_unreachable_site_fails_with_one_clear_line_and_leaves_the_archive_intact(mirror_site, tmp_path):
    db_path = tmp_path / "archive.db"
    assert crawl(mirror_site, db_path).returncode == 0
    archived = "select * from articles order by url", "select * from rejections order by url"
    before = [rows(db_path, sql) for sql in archived]

    result = congdoan("crawl", "--db", str(db_path), "--mirror", f"http://127.0.0.1:{free_port()}", *FAST)
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["baohatinh", "caobang", "daklak", "hoabinh", "laodong"]
    assert all(": FAILED: connection to " in line for line in lines), lines
    assert "Traceback" not in result.stdout + result.stderr + run_log(db_path)
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
    assert [rows(db_path, sql) for sql in archived] == before  # nothing archived was touched
    # ... and each site's failed run is on record, with its monitor's verdict.
    failed = rows(db_path, "select site, verdict, alerts from crawls where verdict = 'failed' order by site")
    assert [site for site, _, _ in failed] == ["baohatinh", "caobang", "daklak", "hoabinh", "laodong"]
    assert all("Site reachable" in alerts and "connection to" in alerts for _, _, alerts in failed)


@pytest.mark.parametrize("bad", [["nosuchsite"], ["laodong", "--since", "19/07/2022"]])
def test_bad_arguments_are_clear_errors(tmp_path, bad):
    result = congdoan("crawl", *bad, "--db", str(tmp_path / "a.db"))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr


def test_a_challenged_robots_txt_is_answered_and_still_obeyed(tmp_path):
    from tests.mirror_site import MirrorSite

    robots = {
        "file": "site/laodong.vn/robots.txt",
        "type": "text/plain",
        "challenge": "cases/laodong/d1n-challenge/page.html",
    }
    with MirrorSite(overrides={"https://laodong.vn/robots.txt": robots}) as site:
        result = crawl(site, tmp_path / "archive.db")
    assert result.returncode == 0, result.stderr[-3000:]
    assert [hit.cookie for hit in site.requested("https://laodong.vn/robots.txt")] == [
        "",
        "D1N=7f3c2a9e41b86d05c1e2f3a4b5c6d7e8",
    ]
    assert G_ROBOTS not in {hit.url for hit in site.hits}
    # The cookie jar keeps D1N: the article that challenges is fetched with it at once.
    assert [hit.cookie for hit in site.requested(D)] == ["D1N=7f3c2a9e41b86d05c1e2f3a4b5c6d7e8"]
    assert {url for (url,) in rows(tmp_path / "archive.db", "select url from articles")} == ARTICLES


def test_a_site_that_repeats_its_last_page_does_not_page_forever(tmp_path):
    from tests.mirror_site import MirrorSite

    same = {"file": "site/laodong.vn/ldld-dak-lak.html"}
    repeats = {f"https://laodong.vn/ldld-dak-lak?page={n}": same for n in range(2, 6)}
    with MirrorSite(overrides=repeats) as site:
        assert crawl(site, tmp_path / "archive.db").returncode == 0
    requested = {hit.url for hit in site.hits}
    assert "https://laodong.vn/ldld-dak-lak?page=2" in requested
    assert "https://laodong.vn/ldld-dak-lak?page=3" not in requested


def test_an_article_whose_path_has_vietnamese_letters_is_known_on_the_next_crawl(tmp_path):
    # The listing links the path as written (letters, a space); Scrapy requests it
    # percent-encoded. Both spellings must be one URL, or every run fetches it again.
    encoded = "https://baohatinh.vn/tin-t%E1%BB%A9c/c%C3%B4ng%20%C4%91o%C3%A0n-vi%C3%AAn-ch%E1%BB%A9c-post299001.html"
    listing = tmp_path / "listing.html"
    listing.write_text(
        '<html><body><div class="list-news"><article class="story">'
        '<h3 class="story__heading"><a href="/tin-tức/công đoàn-viên-chức-post299001.html">Công đoàn viên chức</a></h3>'
        "</article></div></body></html>",
        encoding="utf-8",
    )
    overrides = {
        "https://baohatinh.vn/quy-xa-hoi-cong-doan-tag145557.html": {"file": str(listing)},
        encoded: {"file": "cases/baohatinh/seed-000-cong-doan-vien-chuc/page.html"},
    }
    db_path = tmp_path / "archive.db"
    with MirrorSite(overrides=overrides) as site:
        first = congdoan("crawl", "baohatinh", "--db", str(db_path), "--mirror", site.url, *FAST)
        assert first.returncode == 0, first.stderr[-2000:]
        assert len(site.requested(encoded)) == 1
        assert rows(db_path, f"select count(*) from articles where url = '{encoded}'") == [(1,)]
        fetched = len(site.hits)
        second = congdoan(
            "crawl", "baohatinh", "--db", str(db_path), "--mirror", site.url, *FAST, "-s", "ARCHIVE_RECHECK_DAYS=0"
        )
        assert second.returncode == 0, second.stderr[-2000:]
        assert [hit.url for hit in site.hits[fetched:] if hit.url == encoded] == []


def furnished(page: str, teaser: str, views: int, most_read: str) -> str:
    """The daklak article with the parts that change from fetch to fetch on the live site:
    the "(Video) …" teaser after the comments, a view counter by the date, a most-read box."""
    page = page.replace(
        '<div id="top-view" class="list-top-view"></div>',
        f'<div id="top-view" class="list-top-view"><ul><li><a class="title5" href="/xa-hoi/202411/{most_read}/">{most_read}</a></li></ul></div>',
    )
    page = page.replace(
        '<i class="icon-clock"></i> 09:15, 16/11/2023</span>',
        f'<i class="icon-clock"></i> 09:15, 16/11/2023</span> <span class="post-view">Lượt xem: {views}</span>',
    )
    return page.replace(
        '<div class="list-comment" id="list-comment"></div>\n  </div>',
        '<div class="list-comment" id="list-comment"></div>\n  </div>\n'
        f'  <div class="box-video"><a href="/video/202411/{teaser}-e01/">(Video) {teaser}</a><p>{teaser}: tóm tắt.</p></div>',
    )


def test_a_refetch_that_differs_only_in_furniture_makes_no_revision(tmp_path):
    url = "https://baodaklak.vn/xa-hoi/202311/trao-5-mai-am-cong-doan-cho-doan-vien-co-hoan-canh-kho-khan-b3f07a2/"
    original = (TESTS / "cases/daklak/xa-hoi-mai-am-cong-doan-sapo/page.html").read_text(encoding="utf-8")
    page = tmp_path / "article.html"
    first = furnished(original, "TP. Buôn Ma Thuột tiên phong trong cải cách hành chính", 1204, "gia-ca-phe-b81d3e0")
    assert first.count("Lượt xem") == first.count("box-video") == 1 and "gia-ca-phe" in first
    page.write_text(first, encoding="utf-8")
    db_path = tmp_path / "archive.db"
    recheck = ("-s", "ARCHIVE_RECHECK_DAYS=100000", "-s", "ARCHIVE_RECHECK_AFTER_HOURS=0")
    with MirrorSite(overrides={url: {"file": str(page)}}) as site:
        assert congdoan("crawl", "daklak", "--db", str(db_path), "--mirror", site.url, *FAST).returncode == 0
        (before,) = rows(db_path, f"select content_hash, body from articles where url = '{url}'")
        page.write_text(furnished(original, "Lễ hội cà phê lần thứ 9", 1377, "mua-lon-c4e81f2"), encoding="utf-8")
        again = congdoan("crawl", "daklak", "--db", str(db_path), "--mirror", site.url, *FAST, *recheck)
        assert again.returncode == 0, again.stderr[-2000:]
        assert [hit.status for hit in site.requested(url)] == [200, 200]  # fetched again, and changed
    assert "Lễ hội" not in before[1] and "Lượt xem" not in before[1] and "gia-ca-phe" not in before[1]
    assert rows(db_path, f"select content_hash, body from articles where url = '{url}'") == [before]
    assert rows(db_path, "select count(*) from article_versions") == [(0,)]  # what the revisions feed lists
