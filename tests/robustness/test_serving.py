"""Serving safely: `congdoan serve` keeps answering while a crawl writes, refuses every SQL
write, and stops runaway SQL. (XSS payloads: tests/browser/test_journalist_browser.py.)"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import FAST, congdoan, serving
from tests.mirror_site import MirrorSite
from tests.robustness.conftest import http_get

SLOW = ("-s", "DOWNLOAD_DELAY=0.1", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")


def get(url: str) -> tuple[int, str]:
    status, _, body = http_get(url)
    return status, body.decode("utf-8", "replace")


@pytest.fixture
def served(tmp_path):
    """An archive with one site in it, served by `congdoan serve` on loopback."""
    db_path = tmp_path / "archive.db"
    with MirrorSite() as site:
        assert congdoan("crawl", "laodong", "--db", str(db_path), "--mirror", site.url, *FAST).returncode == 0
    with serving(db_path, log=tmp_path / "serve.log") as base:
        yield base, db_path


def test_serve_answers_while_a_crawl_writes(served):
    base, db_path = served
    with MirrorSite() as site:
        crawl = subprocess.Popen(
            [str(Path(sys.executable).parent / "congdoan"), "crawl", "--db", str(db_path), "--mirror", site.url, *SLOW],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        answers = []
        while crawl.poll() is None and len(answers) < 40:
            answers.append(get(f"{base}/archive/articles.json?_shape=objects&_search=cong+doan")[0])
            answers.append(get(f"{base}/archive/tim_kiem?q=lao+dong")[0])
            time.sleep(0.05)
        assert crawl.wait(timeout=240) == 0
    assert len(answers) >= 10 and set(answers) == {200}
    # Meanwhile the live archive kept growing; a new snapshot carries it.
    assert congdoan("publish", str(db_path.parent / "snap.db"), "--db", str(db_path)).returncode == 0


@pytest.mark.parametrize(
    "sql",
    [
        "insert into articles (url) values ('x')",
        "delete from articles",
        "update articles set title = 'x'",
        "drop table articles",
        "attach database '/tmp/x.db' as x",
        "pragma writable_schema = 1",
    ],
)
def test_sql_writes_are_refused(served, sql):
    base, _ = served
    status, body = get(f"{base}/archive.json?sql={quote(sql)}")
    assert status >= 400 and json.loads(body)["ok"] is False
    assert get(f"{base}/archive/articles.json?_shape=array&_size=1")[0] == 200


def test_runaway_sql_is_stopped_by_the_time_limit(served):
    base, db_path = served
    endless = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"
    started = time.monotonic()
    status, body = get(f"{base}/archive.json?sql={quote(endless)}")
    assert time.monotonic() - started < 10
    assert status >= 400 and "took too long" in json.loads(body)["error"].lower()
    # One log line per bad query, not a traceback with its locals (Datasette's, where rich is
    # installed): a stranger repeating it must not fill the operator's disk.
    log = db_path.parent / "serve.log"
    before = log.stat().st_size
    assert get(f"{base}/archive.json?sql={quote(endless)}")[0] >= 400
    assert log.stat().st_size - before < 1_000
