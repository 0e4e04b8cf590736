"""Scheduled crawls operators can trust: incremental, resumable, locked and monitored,
with the real `congdoan crawl` against the laodong.vn replica."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.store.lock import ArchiveLock
from tests.conftest import FAST, TESTS, congdoan, run_log
from tests.mirror_site import MirrorSite
from tests.test_crawl import ARTICLES, B, rows

LISTINGS = re.compile(r"^https://laodong\.vn/(robots\.txt|rss/.*|[a-z-]+(\?page=\d+)?)$")


def crawl(site: MirrorSite, db_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return congdoan("crawl", "laodong", "--db", str(db_path), "--mirror", site.url, *FAST, *extra)


def archived(db_path: Path) -> tuple[list, list]:
    return (
        rows(db_path, "select url, title, body, published_at, author from articles order by url"),
        rows(db_path, "select url, reason from rejections order by url"),
    )


def test_a_second_run_makes_only_listing_requests(mirror_site, tmp_path):
    db_path = tmp_path / "archive.db"
    assert crawl(mirror_site, db_path).returncode == 0
    first_hits = len(mirror_site.hits)
    second = crawl(mirror_site, db_path)
    assert second.returncode == 0, second.stdout + second.stderr[-2000:]
    requested = [hit.url for hit in mirror_site.hits[first_hits:]]
    assert requested and all(LISTINGS.match(url) for url in requested), requested
    (first_row, second_row) = rows(
        db_path, "select listing_requests, article_requests, requests, new from crawls order by started_at"
    )
    assert second_row[1] == 0 and second_row[3] == 0  # no article request, nothing new
    assert second_row[2] == len(requested) == second_row[0] + 1  # listings and feeds, plus robots.txt
    assert first_row[1] > 0


def test_a_first_crawl_on_a_fresh_machine_contacts_only_the_sites(mirror_site, tmp_path, monkeypatch):
    # No public suffix list cached yet: tldextract (under Scrapy's cookie middleware) would
    # fetch one from publicsuffix.org, and print a traceback when it cannot.
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path / "empty-cache"))
    result = crawl(mirror_site, tmp_path / "archive.db")
    log = result.stdout + result.stderr + run_log(tmp_path / "archive.db")
    assert result.returncode == 0, log[-2000:]
    assert "publicsuffix" not in log and "Traceback" not in log, log[-3000:]


def test_the_crawls_table_records_each_run(mirror_site, tmp_path):
    db_path = tmp_path / "archive.db"
    assert crawl(mirror_site, db_path).returncode == 0
    ((site, started, finished, reason, by_status, new, rejected, errors, verdict, alerts),) = rows(
        db_path,
        "select site, started_at, finished_at, finish_reason, responses_by_status, new, rejected, errors, "
        "verdict, alerts from crawls",
    )
    assert (site, reason, new, verdict, json.loads(alerts)) == ("laodong", "finished", 4, "ok", [])
    assert started < finished and json.loads(by_status)["200"] >= 10 and json.loads(by_status)["404"] >= 1
    assert (
        rejected == 5 and errors == 0
    )  # the dead links are rejections, not crawl errors (a redirect to an article is its alias)


def test_an_overlapping_run_is_refused(mirror_site, tmp_path):
    db_path = tmp_path / "archive.db"
    with ArchiveLock(db_path):  # a run in progress holds the lock
        refused = crawl(mirror_site, db_path)
    assert refused.returncode == 75
    assert "another crawl is already writing archive.db" in refused.stderr and f"pid {os.getpid()}" in refused.stderr
    assert mirror_site.hits == [] and not db_path.exists()
    assert crawl(mirror_site, db_path).returncode == 0  # the lock went with its holder


@pytest.mark.parametrize("kill_after", [2, 7, 13, 19])
def test_a_killed_crawl_resumes_to_the_same_rows(tmp_path, kill_after):
    with MirrorSite() as reference_site:
        assert crawl(reference_site, tmp_path / "reference.db").returncode == 0
    db_path = tmp_path / "archive.db"
    with MirrorSite() as site:
        slow = (
            "-s",
            "DOWNLOAD_DELAY=0.15",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
            "-s",
            "CONCURRENT_REQUESTS_PER_DOMAIN=1",
            "-s",
            "RETRY_TIMES=0",
        )
        command = [
            str(Path(sys.executable).parent / "congdoan"),
            "crawl",
            "laodong",
            "--db",
            str(db_path),
            "--mirror",
            site.url,
            *slow,
        ]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(site.hits) < kill_after and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
        with sqlite3.connect(db_path) as connection:
            assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
        resumed = crawl(site, db_path)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr[-2000:]
    assert archived(db_path) == archived(tmp_path / "reference.db")
    assert rows(db_path, "select count(*) from frontier") == [(0,)]


def new_layout(html: bytes) -> bytes:
    """The same article after a redesign: every class name changed."""
    return re.sub(rb'class="([^"]*)"', lambda m: b'class="v2-' + m.group(1).replace(b" ", b" v2-") + b'"', html)


def test_a_site_whose_markup_changed_fails_its_monitor(tmp_path):
    db_path = tmp_path / "archive.db"
    routes = json.loads((TESTS / "site" / "laodong.vn" / "routes.json").read_text(encoding="utf-8"))
    redesigned = {}
    for url in ARTICLES:
        target = tmp_path / f"{len(redesigned)}.html"
        target.write_bytes(new_layout((TESTS / routes[url]["file"]).read_bytes()))
        redesigned[url] = {"file": str(target)}
    with MirrorSite(overrides=redesigned) as site:
        result = crawl(site, db_path)
    assert result.returncode == 1
    assert re.search(r"laodong: MONITOR FAILED: .*Markup/.*the markup has probably changed", result.stdout), (
        result.stdout
    )
    ((verdict, alerts),) = rows(db_path, "select verdict, alerts from crawls")
    assert verdict == "failed" and "the markup has probably changed" in alerts
    assert "Traceback" not in result.stdout + result.stderr + run_log(db_path)


def test_status_summarizes_the_last_runs(mirror_site, tmp_path):
    db_path = tmp_path / "archive.db"
    assert crawl(mirror_site, db_path).returncode == 0
    healthy = congdoan("status", "--db", str(db_path))
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    lines = [line.split() for line in healthy.stdout.splitlines() if line.strip()]
    assert lines[0][:3] == ["site", "health", "last"] and lines[0][-2:] == ["runs", "alerts"]
    assert lines[-1][:2] == ["laodong", "OK"] and lines[-1][-2:] == [".", "-"]
    unreachable = congdoan("crawl", "laodong", "--db", str(db_path), "--mirror", "http://127.0.0.1:9", *FAST)
    assert unreachable.returncode == 1
    failing = congdoan("status", "--db", str(db_path))
    assert failing.returncode == 1
    assert re.search(r"laodong +FAILED .* \.F +Site reachable", failing.stdout), failing.stdout
    monitored = congdoan("status", "--db", str(db_path), "--json")
    assert monitored.returncode == 1
    (site,) = json.loads(monitored.stdout)
    assert (site["site"], site["healthy"], site["runs"], site["new"]) == ("laodong", False, ["ok", "failed"], 0)
    assert site["alerts"][0].startswith("Site reachable") and site["last_new_article"].startswith("20")


def test_429_and_503_are_retried_after_the_wait_the_server_asks_for(tmp_path):
    db_path = tmp_path / "archive.db"
    listing = "https://laodong.vn/cong-doan"
    routes = json.loads((TESTS / "site" / "laodong.vn" / "routes.json").read_text(encoding="utf-8"))
    article = B  # fetched once in a run (A is fetched twice: an old slug redirects to it)
    slow_down = {
        listing: {**routes[listing], "fail_first": 1, "fail_status": 429, "retry_after": 2},
        article: {**routes[article], "fail_first": 2, "fail_status": 503},
    }
    with MirrorSite(overrides=slow_down) as site:
        started = time.monotonic()
        result = congdoan(
            "crawl",
            "laodong",
            "--db",
            str(db_path),
            "--mirror",
            site.url,
            "-s",
            "DOWNLOAD_DELAY=0",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
            "-s",
            "RETRY_TIMES=2",
            "-s",
            "ARCHIVE_RETRY_BACKOFF=0.5",
        )
        elapsed = time.monotonic() - started
        statuses = {url: [hit.status for hit in site.requested(url)] for url in (listing, article)}
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert statuses == {listing: [429, 200], article: [503, 503, 200]}
    assert elapsed >= 2  # Retry-After: 2 was honoured
    log = run_log(db_path)
    assert "retrying in 2 s" in log and "retrying in 1 s" in log  # 0.5 s, then 1 s
    assert article in {url for (url,) in rows(db_path, "select url from articles")}


def test_politeness_settings():
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.fetch.settings", priority="project")
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2 and settings.getfloat("DOWNLOAD_DELAY") >= 1
    assert settings.getint("DOWNLOAD_TIMEOUT") > 0 and {429, 503} <= set(map(int, settings.getlist("RETRY_HTTP_CODES")))
    assert "congdoan-archive" in settings.get("USER_AGENT") and "+http" in settings.get("USER_AGENT")
    legacy = subprocess.run(
        [sys.executable, "-c", "import crawler.fetch.settings as s; print(s.DOWNLOADER_CLIENT_TLS_CIPHERS)"],
        capture_output=True,
        text=True,
        env={**os.environ, "CONGDOAN_LEGACY_TLS": "1"},
    )
    assert legacy.stdout.strip() == "DEFAULT:@SECLEVEL=0"
