"""Crashes: SIGKILL the crawler at random points, 20 times over, restarting it each time.
After every kill the database passes integrity_check; at the end the archive holds exactly
what an uninterrupted crawl gives, with no loss and no duplicate."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from crawler.store.crawls import remember_pending
from crawler.store.database import open_db
from tests.conftest import FAST, TESTS, congdoan
from tests.mirror_site import MirrorSite
from tests.robustness.conftest import crawl_faults, fault_url, respond

KILLS = 20
SLOW = (
    "-s",
    "DOWNLOAD_DELAY=0.05",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=1",
    "-s",
    "RETRY_TIMES=0",
)


def contents(db_path: Path) -> dict[str, list]:
    with sqlite3.connect(db_path) as connection:
        return {
            "articles": connection.execute(
                "select url, site, title, lead, body, published_at, author, section from articles order by url"
            ).fetchall(),
            "rejections": connection.execute("select url, reason from rejections order by url").fetchall(),
            "attachments": connection.execute("select url, status from attachments order by url").fetchall(),
            "media": connection.execute("select url, status, reason, sha256 from media order by url").fetchall(),
            "article_media": connection.execute("select * from article_media order by 1, 2").fetchall(),
        }


def test_twenty_random_kills_lose_nothing_and_duplicate_nothing(tmp_path):
    reference = tmp_path / "reference.db"
    with MirrorSite() as site:  # all five sites: enough requests to kill a run anywhere
        assert congdoan("crawl", "--db", str(reference), "--mirror", site.url, *FAST, timeout=300).returncode == 0
    db_path = tmp_path / "archive.db"
    chance = random.Random(20261122)  # reproducible kill points
    kills = runs = 0
    with MirrorSite() as site:
        while kills < KILLS and runs < 2 * KILLS:
            runs += 1
            command = [
                str(Path(sys.executable).parent / "congdoan"),
                "crawl",
                "--db",
                str(db_path),
                "--mirror",
                site.url,
                *SLOW,
            ]
            before = len(site.hits)
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # Kill at a random moment: during start-up, mid-crawl, or while it writes.
            wait_for = chance.randrange(0, 30)
            deadline = time.monotonic() + 60
            while len(site.hits) - before < wait_for and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(chance.random() * 0.05)
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            process.wait()
            if db_path.exists():
                with sqlite3.connect(db_path) as connection:
                    assert connection.execute("pragma integrity_check").fetchone() == ("ok",), f"after run {runs}"
        finished = congdoan("crawl", "--db", str(db_path), "--mirror", site.url, *FAST, timeout=300)
        assert finished.returncode == 0, finished.stdout + finished.stderr[-2000:]
    assert kills == KILLS, f"only {kills} of {runs} runs were still running when killed"
    found, expected = contents(db_path), contents(reference)
    for table, rows in expected.items():  # on failure, which rows and how, not a truncated repr
        missing = [row for row in rows if row not in found[table]]
        extra = [row for row in found[table] if row not in rows]
        assert not missing and not extra, f"{table}: missing {missing[:5]}; extra {extra[:5]}"
    assert found == expected  # and no row twice
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("select count(*) from frontier").fetchone() == (0,)
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)


def test_links_resumed_after_a_kill_still_obey_robots_txt(tmp_path):
    # A killed run left disallowed links in the frontier (they are remembered when scheduled,
    # before robots.txt is consulted). On restart they all wait at once for a slow robots.txt;
    # Scrapy's own middleware let every waiter after the first through unchecked.
    db_path = tmp_path / "archive.db"
    disallowed = [fault_url(n, slug="bai-noi-bo") for n in range(1, 6)]
    db = open_db(db_path)
    for url in disallowed:
        remember_pending(db, "laodong", url, "ARTICLE", None, "2026-01-01T00:00:00+00:00")
    db.close()
    robots = (TESTS / "site" / "laodong.vn" / "robots.txt").read_bytes()
    slow_robots = respond(body=robots, headers={"Content-Type": "text/plain"}, delay=1.0)
    outcome = crawl_faults(tmp_path, faults={"https://laodong.vn/robots.txt": slow_robots}, db_path=db_path)
    assert [url for url in disallowed if outcome.requested(url)] == []
    assert {url: outcome.rejection(url) for url in disallowed} == dict.fromkeys(disallowed, "robots-disallowed")
    outcome.assert_crawl_went_on()
