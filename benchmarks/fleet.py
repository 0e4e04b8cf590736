"""The fleet's throughput (`make bench-fleet`): one process against three workers and a writer.

Replays generated sites at real size (benchmarks/realsize.py), so the politeness delay is zero
and the network is out of the way: what remains is the CPU the crawl costs, which is what more
workers share out. Prints articles per second for each, and the writer's records per second
and CPU time (the writer only stores; the workers read the pages).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
SITES = ("baohatinh", "caobang", "daklak", "hoabinh", "laodong")


def crawl_settings(start_urls: dict[str, list[str]], index_cache: Path) -> list[str]:
    return [
        "-s", f"ARCHIVE_START_URLS={json.dumps(start_urls)}",
        "-s", f"ARCHIVE_REPLAY_INDEX_CACHE={index_cache}",
        "-s", "ARCHIVE_MAX_PAGES=100000",
        "-s", "ARCHIVE_RECHECK_DAYS=0",
        "-s", "LOG_LEVEL=WARNING",
    ]  # fmt: skip


def articles(db_path: Path) -> int:
    import sqlite3

    with sqlite3.connect(db_path) as connection:
        return connection.execute("select count(*) from articles").fetchone()[0]


def finished(process: subprocess.Popen) -> tuple[int, float]:
    """(exit status, CPU seconds) of a child, from the kernel's accounting."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_utime + usage.ru_stime


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=300, help="articles per site")
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    from bench import build_archive
    from realsize import start_url

    from crawler.capture.warc import index_archives

    work = Path(tempfile.mkdtemp(prefix="fleet-bench-"))
    try:
        warcs = []
        for site in SITES:
            warcs += ["--replay", str(work / f"{site}.warc.gz")]
            build_archive(work / f"{site}.warc.gz", site, args.articles, keep=False)
        # The replay indexes are built before the clock starts, as a second replay of the same
        # archives finds them: what is timed is crawling, which a fleet on the network does too.
        index_archives([work / f"{site}.warc.gz" for site in SITES], work / "index")
        settings = crawl_settings({site: [start_url(site)] for site in SITES}, work / "index")
        congdoan = str(BIN / "congdoan")

        started = time.monotonic()
        single = subprocess.Popen([congdoan, "crawl", "--db", str(work / "single.db"), *warcs, *settings])
        _, single_cpu = finished(single)
        single_wall = time.monotonic() - started
        single_articles = articles(work / "single.db")

        port = free_port()
        redis = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(0.5)
        url = f"redis://127.0.0.1:{port}/0"
        fleet_db = work / "fleet" / "archive.db"
        fleet_db.parent.mkdir()
        started = time.monotonic()
        writer = subprocess.Popen([congdoan, "store", "--redis", url, "--db", str(fleet_db), "-s", "LOG_LEVEL=WARNING"])
        workers = [
            subprocess.Popen([congdoan, "crawl", "--redis", url, "--db", str(fleet_db), *warcs, *settings])
            for _ in range(args.workers)
        ]
        worker_cpu = sum(finished(worker)[1] for worker in workers)
        workers_done = time.monotonic() - started
        _, writer_cpu = finished(writer)
        fleet_wall = time.monotonic() - started
        redis.terminate()
        fleet_articles = articles(fleet_db)
        import sqlite3

        with sqlite3.connect(fleet_db) as connection:
            records = connection.execute("select count(*) from captures").fetchone()[0] + fleet_articles
        single_rate, fleet_rate = single_articles / single_wall, fleet_articles / fleet_wall
        print(f"| one process | {single_articles} | {single_wall:.1f} s | {single_rate:.1f} | CPU {single_cpu:.1f} s |")
        print(
            f"| {args.workers} workers + writer | {fleet_articles} | {fleet_wall:.1f} s | {fleet_rate:.1f} | "
            f"workers' CPU {worker_cpu:.1f} s, writer's CPU {writer_cpu:.1f} s |"
        )
        print(f"speed-up {fleet_rate / single_rate:.2f}x; workers done after {workers_done:.1f} s")
        print(
            f"writer: about {records} records (captures and articles) in {writer_cpu:.1f} CPU s: "
            f"{records / max(writer_cpu, 0.001):.0f} records per CPU second"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
