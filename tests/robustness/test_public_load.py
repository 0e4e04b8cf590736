"""The public archive under abuse, on the real `congdoan serve` over loopback: custom SQL and
streamed CSV wait in a lane of their own and get 429 past it, each client has a budget for
them, readers' pages do not wait behind them, and every answer can be cached by its ETag.
(Throughput under load is measured by `make loadtest`, not here.)"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from datasette.utils import tilde_encode

from tests.conftest import FAST, congdoan, serving
from tests.mirror_site import MirrorSite
from tests.robustness.conftest import http_get

ENDLESS = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """One crawl of the laodong replica, shared: these tests only read it."""
    db_path = tmp_path_factory.mktemp("public") / "archive.db"
    with MirrorSite() as site:
        assert congdoan("crawl", "laodong", "--db", str(db_path), "--mirror", site.url, *FAST).returncode == 0
    return db_path


def test_custom_sql_waits_in_its_own_lane_while_readers_go_on(archive):
    options = ("--workers", "1", "--lane-slots", "1", "--sql-time-limit", "400", "--sql-per-minute", "600")
    with serving(archive, options=options) as base:
        answers: list[tuple[int, dict[str, str]]] = []

        def endless() -> None:
            status, headers, _ = http_get(f"{base}/archive.json?sql={quote(ENDLESS)}")
            answers.append((status, headers))

        clients = [threading.Thread(target=endless) for _ in range(3)]
        for client in clients:
            client.start()
        time.sleep(0.1)  # the lane is full now: a reader's search must not wait for it
        started = time.monotonic()
        status, _, page = http_get(f"{base}/archive/tim_kiem?q=cong+doan")
        reader_took = time.monotonic() - started
        for client in clients:
            client.join(timeout=30)
        statuses = sorted(status for status, _ in answers)
        assert statuses == [400, 429, 429]  # one ran into its time limit; two found the lane full
        assert all(headers["retry-after"] == "1" for status, headers in answers if status == 429)
        assert status == 200 and "công đoàn".encode() in page.lower() and reader_took < 2
        # The lane's own time limit, not the server's (readers keep settings.json's 1 s).
        _, _, body = http_get(f"{base}/archive.json?sql=select+1")
        assert json.loads(body)["query"]["params"]["_timelimit"] == "400"
        _, _, body = http_get(f"{base}/archive.json?sql=select+1&_timelimit=50")  # a client may ask for less
        assert json.loads(body)["query"]["params"]["_timelimit"] == "50"


def test_each_client_has_a_budget_of_custom_queries(archive):
    with serving(archive, options=("--workers", "1", "--sql-per-minute", "4")) as base:
        first = http_get(f"{base}/archive.json?sql=select+1")  # a burst of one (a quarter of 4)
        second = http_get(f"{base}/archive.csv?sql=select+2")
        assert first[0] == 200 and second[0] == 429
        assert 10 <= int(second[1]["retry-after"]) <= 15  # a token every 15 s
        assert http_get(f"{base}/archive/tim_kiem?q=lao+dong")[0] == 200  # readers have no such budget


def test_arbitrary_sql_can_be_turned_off_and_the_search_stays(archive):
    with serving(archive, options=("--workers", "1", "--no-sql")) as base:
        assert http_get(f"{base}/archive.json?sql=select+1")[0] == 403
        assert http_get(f"{base}/archive/tim_kiem?q=lao+dong")[0] == 200
        assert http_get(f"{base}/archive/theo_doi.atom?q=lao+dong")[0] == 200


def test_etags_follow_the_snapshot_and_a_conditional_request_gets_304(archive, tmp_path):
    live = tmp_path / "archive.db"
    live.write_bytes(archive.read_bytes())
    with sqlite3.connect(live) as connection:
        (url,) = connection.execute("select min(url) from articles").fetchone()
    page = f"/archive/articles/{tilde_encode(url)}"  # an article's page, as the search links it
    with serving(live) as base:
        status, article, _ = http_get(base + page)
        assert status == 200 and article["cache-control"] == "public, max-age=86400"
        tag = article["etag"]
        assert tag.startswith('W/"')
        status, search, _ = http_get(f"{base}/archive/tim_kiem?q=cong+doan")
        assert search["etag"] == tag and search["cache-control"] == "public, max-age=60"
        assert http_get(f"{base}/archive.db")[1]["cache-control"] == "public, max-age=86400"
        status, headers, body = http_get(base + page, {"If-None-Match": tag})
        assert (status, body, headers["etag"]) == (304, b"", tag)
        assert http_get(f"{base}/archive/tim_kiem?q=cong+doan", {"If-None-Match": 'W/"other"'})[0] == 200
    with sqlite3.connect(live) as connection:  # the archive changes; serving publishes it anew
        connection.execute("update articles set title = title || ' (cập nhật)' where url = ?", [url])
    with serving(live) as base:
        status, headers, body = http_get(base + page, {"If-None-Match": tag})
        assert status == 200 and headers["etag"] != tag and "(cập nhật)".encode() in body


def test_workers_are_processes_on_one_socket(archive):
    with serving(archive, options=("--workers", "2")) as base:
        port = base.rsplit(":", 1)[1]
        server = subprocess.run(["pgrep", "-f", f"uvicorn --factory .* --port {port} "], capture_output=True, text=True)
        (pid,) = server.stdout.split()
        # pgrep -f reads the whole command line (ps cuts it to the terminal's width).
        workers = subprocess.run(["pgrep", "-P", pid, "-f", "spawn_main"], capture_output=True, text=True).stdout
        assert len(workers.split()) == 2
        assert all(http_get(f"{base}/archive/tim_kiem?q=cong+doan")[0] == 200 for _ in range(6))
