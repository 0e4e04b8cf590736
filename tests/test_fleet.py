"""More than one machine: `congdoan store --redis` and three `congdoan crawl --redis` workers,
each a real process, over one real redis-server on loopback, against the sites' replicas.
They must archive exactly what one process archives, whoever is killed and when."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from crawler.fetch.fleet import FleetRun, FleetSite, connect
from tests.conftest import FAST, ROOT, congdoan
from tests.mirror_site import MirrorSite
from tests.test_crawl import rows

CONGDOAN = str(Path(sys.executable).parent / "congdoan")
LEASE = ("-s", "ARCHIVE_FLEET_LEASE=2")  # a dead worker's sites pass on after 2 s
DELAY = 0.2  # the politeness tests' download delay: every site's requests this far apart
POLITE = ("-s", f"DOWNLOAD_DELAY={DELAY}", "-s", "DOWNLOAD_DELAY_JITTER=0")


def archived(db_path: Path) -> tuple[list, list, list]:
    """What the kill-9 tests compare: articles, rejections and attachments."""
    return (
        rows(db_path, "select url, title, body, published_at, author, section from articles order by url"),
        rows(db_path, "select url, reason from rejections order by url"),
        rows(db_path, "select url, status, found_on from attachments order by url, found_on"),
    )


def assert_same_archive(db_path: Path, expected: tuple[list, list, list]) -> None:
    """The fleet's rows are the single process's; on failure, which rows differ and how."""
    found = archived(db_path)
    for name, got, want in zip(("articles", "rejections", "attachments"), found, expected, strict=True):
        missing, extra = [row for row in want if row not in got], [row for row in got if row not in want]
        assert not missing and not extra, (
            f"{name} missing: {[str(row)[:200] for row in missing]}; extra: {[str(row)[:200] for row in extra]}"
        )


@pytest.fixture(scope="module")
def single_process(tmp_path_factory) -> tuple[list, list, list]:
    db_path = tmp_path_factory.mktemp("single") / "archive.db"
    with MirrorSite() as site:
        result = congdoan("crawl", "--db", str(db_path), "--mirror", site.url, *FAST)
    assert result.returncode == 0, result.stderr[-2000:]
    found = archived(db_path)
    assert found[0] and found[1], found  # the replicas link no document: attachments are compared empty
    return found


class Fleet:
    """A writer and workers as real processes; their output goes to files in `folder`."""

    def __init__(self, folder: Path, redis_url: str, site: MirrorSite, *settings: str) -> None:
        self.folder = folder
        self.db = folder / "archive.db"
        self.redis_url = redis_url
        self.site = site
        self.settings = settings
        self.processes: list[subprocess.Popen] = []

    def start(self, *args: str, name: str) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("a")
        process = subprocess.Popen([CONGDOAN, *args], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        self.processes.append(process)
        return process

    def writer(self) -> subprocess.Popen:
        return self.start("store", "--redis", self.redis_url, "--db", str(self.db), name="writer")

    def worker(self, number: int) -> subprocess.Popen:
        return self.start(
            "crawl", "--redis", self.redis_url, "--db", str(self.db), "--mirror", self.site.url,
            *FAST, *LEASE, *self.settings, name=f"worker{number}",
        )  # fmt: skip

    def wait(self, process: subprocess.Popen, timeout: float = 120) -> int:
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            for other in self.processes:
                other.kill()
            stuck = self.processes.index(process)
            raise AssertionError(f"process {stuck} ({process.args[1]}) did not end:\n{self.logs()[-9000:]}") from None

    def logs(self) -> str:
        return "".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in sorted(self.folder.glob("*.log"))
        )


def wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def assert_polite(site: MirrorSite, delay: float = DELAY) -> None:
    """Politeness across the fleet: each host's requests leave its delay apart, so any five in
    a row span four delays; two workers on one site would span two. The bound allows one
    request that reached the server late (a new connection, a busy machine) by up to a delay."""
    by_host: dict[str, list[float]] = defaultdict(list)
    for hit in site.hits:
        by_host[hit.url.split("/")[2]].append(hit.at)
    for host, times in by_host.items():
        length = min(5, len(times))  # photo hosts see a few requests only
        assert fastest_run(times, length) >= (length - 2) * delay * 0.9, (host, times)
    assert sum(len(times) >= 5 for times in by_host.values()) >= 5, by_host  # the sites' own


def fastest_run(times: list[float], length: int) -> float:
    """The shortest time in which `length` requests in a row arrived."""
    return min(times[at + length - 1] - times[at] for at in range(len(times) - length + 1))


def test_the_politeness_check_tells_one_late_request_from_a_doubled_rate():
    polite = [0.2 * n for n in range(20)]
    one_late = [*polite[:7], polite[7] + 0.18, *polite[8:]]  # gaps of 0.38 then 0.02
    doubled = sorted([*polite[:10], *(at + 0.02 for at in polite[:10])])  # two workers, one site
    assert fastest_run(one_late, 5) >= 3 * 0.2 * 0.9 > fastest_run(doubled, 5)


def test_three_workers_and_a_writer_archive_what_one_process_does(single_process, redis_url, tmp_path):
    with MirrorSite() as site:
        fleet = Fleet(tmp_path, redis_url, site, *POLITE)
        writer = fleet.writer()
        status: dict = {}

        def ready() -> bool:
            if not fleet.db.exists():  # the writer makes it first
                return False
            answer = congdoan("status", "--redis", redis_url, "--db", str(fleet.db), "--json")
            status.update(json.loads(answer.stdout.splitlines()[0]))
            return bool(status["fleet"] and status["fleet"]["ready"])

        wait_until(ready)
        assert set(status["fleet"]["sites"]) == {"baohatinh", "caobang", "daklak", "hoabinh", "laodong"}
        assert status["fleet"]["waiting"] == 0
        workers = [fleet.worker(number) for number in range(3)]
        assert [fleet.wait(worker) for worker in workers] == [0, 0, 0], fleet.logs()
        assert fleet.wait(writer) == 0, fleet.logs()
        first_hits = len(site.hits)

        assert_polite(site)

        assert_same_archive(fleet.db, single_process)
        crawls = rows(fleet.db, "select site, verdict, new, article_requests from crawls order by site")
        assert [(site_name, verdict) for site_name, verdict, _, _ in crawls] == [
            (name, "ok") for name in ("baohatinh", "caobang", "daklak", "hoabinh", "laodong")
        ]
        assert sum(new for _, _, new, _ in crawls) == len(single_process[0])
        warcs = {row[0] for row in rows(fleet.db, "select distinct warc_file from captures")}
        assert len(warcs) == 3 and all((tmp_path / warc).exists() for warc in warcs), warcs  # a WARC per worker

        # A second distributed run fetches no article again.
        writer = fleet.writer()
        workers = [fleet.worker(number) for number in range(3)]
        assert [fleet.wait(worker) for worker in [*workers, writer]] == [0, 0, 0, 0], fleet.logs()
    articles = {url for url, *_ in single_process[0]}
    again = [hit.url for hit in site.hits[first_hits:] if hit.url in articles]
    assert again == []
    second = rows(fleet.db, "select sum(new), sum(article_requests) from crawls group by run_id order by min(id)")
    assert second[-1] == (0, 0)
    assert_same_archive(fleet.db, single_process)


@pytest.mark.parametrize("attempt", range(5))
def test_a_killed_worker_and_a_killed_writer_lose_nothing(single_process, redis_url, tmp_path, attempt):
    chance = random.Random(attempt)
    slow = ("-s", "DOWNLOAD_DELAY=0.02", "-s", "DOWNLOAD_DELAY_JITTER=0")
    with MirrorSite() as site:
        fleet = Fleet(tmp_path, redis_url, site, *slow)
        writer = fleet.writer()
        workers = [fleet.worker(number) for number in range(3)]
        kill_worker_at, kill_writer_at = chance.randint(5, 120), chance.randint(5, 120)
        victim = chance.choice(workers)
        for moment in sorted([kill_worker_at, kill_writer_at]):
            wait_until(lambda moment=moment: len(site.hits) >= moment or victim.poll() is not None)
            if moment == kill_worker_at:
                victim.send_signal(signal.SIGKILL)
                victim.wait()
            else:
                writer.send_signal(signal.SIGKILL)
                writer.wait()
                with sqlite3.connect(fleet.db) as connection:
                    assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
                writer = fleet.writer()  # it carries on the same run
        results = [fleet.wait(worker) for worker in workers if worker is not victim]
        assert results == [0, 0], fleet.logs()
        assert fleet.wait(writer) == 0, fleet.logs()
    assert victim.returncode == -signal.SIGKILL  # killed mid-crawl, not after its work was done
    assert "carrying on run" in (tmp_path / "writer.log").read_text()
    assert_same_archive(fleet.db, single_process)


def test_a_worker_stalled_past_its_lease_never_crawls_beside_the_next(single_process, redis_url, tmp_path):
    # A stopped process (a loaded machine, a long pause) holds requests in its download slots.
    # When it wakes, the worker that took its sites over is crawling them: it must send nothing.
    with MirrorSite() as site:
        fleet = Fleet(tmp_path, redis_url, site, *POLITE)
        writer = fleet.writer()
        stalled, other = fleet.worker(0), fleet.worker(1)
        wait_until(lambda: len(site.hits) >= 20)
        stalled.send_signal(signal.SIGSTOP)
        time.sleep(4)  # twice the lease
        stalled.send_signal(signal.SIGCONT)
        codes = [fleet.wait(worker) for worker in (stalled, other, writer)]
        assert codes == [0, 0, 0], (codes, fleet.logs())
        assert_polite(site)
    assert "lease lapsed while it was busy" in (tmp_path / "worker0.log").read_text(), fleet.logs()
    assert_same_archive(fleet.db, single_process)


def in_flight(site: FleetSite) -> int:
    return site.run.redis.zcard(site.inflight_key)


def leased(run: FleetRun, site: str, worker: str = "worker") -> FleetSite:
    """The site, as the worker holding its lease sees it."""
    assert run.take_lease(site, worker, 10)
    return FleetSite(run, site, worker, lease=10)


@pytest.mark.parametrize("listing_ends_first", [True, False])
def test_a_listing_stays_in_flight_until_every_request_it_led_to_is_queued(redis_url, listing_ends_first):
    # Scrapy queues a callback's requests while the callback runs on: either may end first.
    site = leased(FleetRun(connect(redis_url), "run"), "caobang")
    site.run.redis.zadd(site.inflight_key, {b"listing": 1})
    site.taken("https://ldld.caobang.gov.vn/news/tin-tuc-su-kien/", b"listing")
    walked = []
    if listing_ends_first:
        site.expect("https://ldld.caobang.gov.vn/news/tin-tuc-su-kien/", 3, lambda: walked.append(True))
    for _ in range(2):
        site.queued("https://ldld.caobang.gov.vn/news/tin-tuc-su-kien/")
    if not listing_ends_first:
        site.expect("https://ldld.caobang.gov.vn/news/tin-tuc-su-kien/", 3, lambda: walked.append(True))
    assert walked == [] and in_flight(site) == 1  # a worker killed now redoes the listing
    site.queued("https://ldld.caobang.gov.vn/news/tin-tuc-su-kien/")
    site.done("https://ldld.caobang.gov.vn/news/tin-tuc-su-kien/")
    assert walked == [True] and in_flight(site) == 0


def test_a_page_is_sent_and_leaves_flight_in_one_step(redis_url):
    site = leased(FleetRun(connect(redis_url), "run"), "laodong")
    site.run.redis.zadd(site.inflight_key, {b"article": 1})
    site.taken("https://laodong.vn/cong-doan/a-1.ldo", b"article")
    site.send({"type": "capture", "row": {"id": site.next_capture_id()}})
    site.count({"downloader/request_count": 2})
    assert site.run.waiting() == 0 and in_flight(site) == 1  # nothing out before the page is done
    site.send({"type": "Page", "page": {"url": "https://laodong.vn/cong-doan/a-1.ldo"}})
    site.tally = lambda: {"item_scraped_count": 1}  # the crawler's counters, taken at the flush
    site.done("https://laodong.vn/cong-doan/a-1.ldo")
    assert site.run.waiting() == 2 and in_flight(site) == 0
    # A worker killed right after this page loses none of its counts (the writer's monitors
    # fail a site whose counters say it answered nothing).
    assert site.run.stats("laodong") == {"downloader/request_count": 2, "item_scraped_count": 1}
    site.tally = None
    site.flush()  # nothing left: no empty transaction
    assert site.run.waiting() == 2


def test_a_worker_that_stalled_past_its_lease_sends_nothing_more(redis_url):
    run = FleetRun(connect(redis_url), "run")
    site = leased(run, "hoabinh", "slow")
    site.run.redis.zadd(site.inflight_key, {b"article": 1})
    site.taken("https://baohoabinh.com.vn/274/1/a.htm", b"article")
    assert site.holds_lease()
    # The slow worker's lease lapses (its process stalled) and another takes the site over:
    # the article goes back to the queue, for the new holder to fetch.
    run.redis.delete(site.lease_key)
    assert run.take_lease("hoabinh", "quick", 10)
    site._vouched_at -= 10  # as after a stall of ten seconds
    site.send({"type": "Page", "page": {"url": "https://baohoabinh.com.vn/274/1/a.htm"}})
    site.done("https://baohoabinh.com.vn/274/1/a.htm")
    assert not site.holds_lease() and run.lease_holder("hoabinh") == "quick"
    assert run.waiting() == 0  # its record would repeat the new holder's
    assert run.redis.zcard(run.key("hoabinh", "requests")) == 1  # the request is the new holder's


def test_capture_ids_never_repeat_across_workers(redis_url):
    run = FleetRun(connect(redis_url), "run")
    run.set_capture_floor(41)  # the archive's highest capture id
    workers = [FleetSite(run, "daklak", f"worker{number}") for number in range(2)]
    ids = [workers[number % 2].next_capture_id() for number in range(3 * FleetSite.CAPTURE_IDS)]
    assert len(set(ids)) == len(ids) and min(ids) == 42


def test_a_worker_obeys_the_robots_txt_the_run_already_has(redis_url, tmp_path):
    # The worker that took the site first fetched and shared it; this one must not fetch it again.
    with MirrorSite() as site:
        fleet = Fleet(tmp_path, redis_url, site)
        writer = fleet.writer()
        client = connect(redis_url)
        wait_until(lambda: (run := FleetRun.current(client)) is not None and run.ready())
        run = FleetRun.current(client)
        assert run is not None
        run.keep_robots("ldld.caobang.gov.vn", b"User-agent: *\nDisallow: /news/tin-tuc-su-kien/\n")
        worker = fleet.start(
            "crawl", "caobang", "--redis", redis_url, "--db", str(fleet.db), "--mirror", site.url, *FAST, *LEASE,
            name="worker",
        )  # fmt: skip
        assert fleet.wait(worker) == 0, fleet.logs()
        writer.kill()
        writer.wait()
    caobang = [hit.url for hit in site.hits if hit.url.startswith("https://ldld.caobang.gov.vn/")]
    assert caobang, "the worker crawled nothing"
    assert "https://ldld.caobang.gov.vn/robots.txt" not in caobang
    assert not [url for url in caobang if "/news/tin-tuc-su-kien/" in url]  # the shared rules, not the site's
