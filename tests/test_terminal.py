"""The operator's terminal: `congdoan crawl` under a pseudo-terminal shows a live display that
updates and ends with the summary table; under a pipe it prints the summary lines only; the
full log is always in logs/<run-id>.log beside the archive."""

from __future__ import annotations

import logging
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

from crawler.ops.alerts import OperatorAlerts
from crawler.ops.progress import Board
from tests.conftest import FAST, ROOT, SITES, congdoan
from tests.mirror_site import MirrorSite

CONGDOAN = str(Path(sys.executable).parent / "congdoan")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def under_a_terminal(*args: str, timeout: float = 120) -> tuple[int, str]:
    """Run congdoan with stdout and stderr on a pseudo-terminal 160 columns wide; (exit code,
    everything it wrote, escape sequences removed)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "160", "LINES": "40", "TERM": "xterm-256color"}
    env.pop("CI", None)  # rich treats CI as "not interactive"; this is a terminal
    process = subprocess.Popen(
        [CONGDOAN, *args], stdin=follower, stdout=follower, stderr=follower, cwd=ROOT, env=env, close_fds=True
    )
    os.close(follower)
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if ready:
                try:
                    data = os.read(leader, 65536)
                except OSError:  # the terminal closed: the process has exited
                    break
                if not data:
                    break
                chunks.append(data)
            elif process.poll() is not None:
                break
    finally:
        os.close(leader)
        if process.poll() is None:  # past the deadline: no crawl left behind
            process.kill()
    code = process.wait(timeout=30)
    return code, ANSI.sub("", b"".join(chunks).decode("utf-8", "replace"))


def site_rows(output: str, site: str) -> list[list[str]]:
    """Every rendering of the site's live line (site, pages, new, upd, rej, err, queue, req/s,
    last new, listing page, reached): the lines before the summary table that start with it."""
    live = output[: output.rindex(" result")]
    return [cells for cells in (line.split() for line in live.replace("\r", "\n").splitlines()) if cells[:1] == [site]]


def test_a_crawl_on_a_terminal_shows_live_progress_then_the_summary_table(tmp_path: Path):
    db_path = tmp_path / "archive.db"
    with MirrorSite() as mirror:
        code, output = under_a_terminal(
            "crawl", "--db", str(db_path), "--mirror", mirror.url, *FAST,
            "-s", "ARCHIVE_PROGRESS_INTERVAL=0.05", "-s", "DOWNLOAD_DELAY=0.02",
        )  # fmt: skip
    assert code == 0, output[-3000:]
    header = next(line for line in output.splitlines() if "req/s" in line)
    assert header.split()[:9] == ["site", "pages", "new", "upd", "rej", "err", "queue", "req/s", "last"]
    assert "listing page" in header and "last new" in header
    for site in SITES:
        rows = site_rows(output, site)
        pages = [int(row[1]) for row in rows]
        assert len(set(pages)) >= 3, f"{site}'s line never updated: {pages}"
        assert pages == sorted(pages), "pages fetched only grow"
        if site != "hoabinh":  # its listings print no dates (sites.md)
            assert any(re.fullmatch(r"20\d\d-\d\d-\d\d", row[-1]) for row in rows), f"{site}: no date reached"
    # The end: one summary row per site with its result, then where the full log is.
    summary = output[output.rindex(" result") :].replace("\r", "")
    for site in SITES:
        assert re.search(rf"^{site} +(\d+ +){{6}}\d+.* ok *$", summary, re.M), summary
    (log,) = (tmp_path / "logs").glob("*.log")
    assert f"full log: {log}" in summary.replace("\n", "")
    assert "Spider closed (finished)" in log.read_text(encoding="utf-8")
    assert "[scrapy.core.engine] INFO" not in output, "Scrapy's log stays in the file without -v"


def test_under_a_pipe_only_the_summary_lines_are_printed(mirror_site, tmp_path: Path):
    db_path = tmp_path / "archive.db"
    result = congdoan("crawl", "laodong", "caobang", "--db", str(db_path), "--mirror", mirror_site.url, *FAST)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["laodong", "caobang"]
    assert all(": ok: " in line for line in lines)
    assert result.stderr == ""
    (log,) = (tmp_path / "logs").glob("*.log")
    text = log.read_text(encoding="utf-8")
    assert "Scrapy" in text and "Spider closed (finished)" in text and "INFO: Spider opened" in text
    assert re.fullmatch(r"\d{8}T\d{6}Z-\d+\.log", log.name)


def test_verbose_streams_the_full_log_to_stderr_too(mirror_site, tmp_path: Path):
    result = congdoan(
        "crawl", "laodong", "-v", "--db", str(tmp_path / "archive.db"), "--mirror", mirror_site.url, *FAST
    )
    assert result.returncode == 0
    assert "Spider closed (finished)" in result.stderr and "Spider opened" in result.stderr
    assert result.stdout.startswith("laodong: ok: ")
    (log,) = (tmp_path / "logs").glob("*.log")
    assert "Spider closed (finished)" in log.read_text(encoding="utf-8")


def test_an_unreachable_site_is_one_alert_line_above_the_display(tmp_path: Path):
    code, output = under_a_terminal(
        "crawl", "laodong", "--db", str(tmp_path / "archive.db"), "--mirror", "http://127.0.0.1:9", *FAST,
        "-s", "ARCHIVE_PROGRESS_INTERVAL=0.05",
    )  # fmt: skip
    assert code == 1
    alerts = [line.strip() for line in output.replace("\r", "\n").splitlines() if line.strip().startswith("! ")]
    assert alerts[0].startswith("! laodong: cannot reach it https://laodong.vn/"), alerts
    assert len([a for a in alerts if "cannot reach it" in a]) == 1, "one line per site and kind, not per request"
    assert any("monitor failed" in a and "Site reachable" in a for a in alerts), alerts
    assert re.search(r"^laodong +(\d+ +){6}- +FAILED: connection to laodong.vn failed", output, re.M), output[-2000:]


def test_alerts_show_once_per_site_and_kind():
    shown: list[str] = []
    logger = logging.getLogger("tests.alerts")
    handler = OperatorAlerts(shown.append)
    logger.addHandler(handler)
    try:
        for n in range(3):
            logger.warning("title for %s came from og:title", f"https://x/{n}", extra={"alert": "markup", "site": "a"})
        logger.warning("author for %s", "https://x/9", extra={"alert": "markup", "site": "a", "alert_key": "author"})
        logger.warning("title for %s came from og:title", "https://y/1", extra={"alert": "markup", "site": "b"})
        logger.warning("an ordinary warning")
    finally:
        logger.removeHandler(handler)
    assert shown == [
        "a: markup changed? title for https://x/0 came from og:title",
        "a: markup changed? author for https://x/9",
        "b: markup changed? title for https://y/1 came from og:title",
    ]


def test_the_board_measures_rate_and_time_since_the_last_new_article():
    now = [100.0]
    board = Board(clock=lambda: now[0])
    board.observe("laodong", {"downloader/request_count": 0}, queue=3, closed=False)
    now[0] = 110.0
    line = board.observe("laodong", {"downloader/request_count": 20, "archive/articles/new": 2}, queue=5, closed=False)
    assert (line.rate, line.since_new, line.state, line.queue) == (2.0, 0.0, "crawling", 5)
    now[0] = 125.0
    line = board.observe("laodong", {"downloader/request_count": 50, "archive/articles/new": 2}, 1, closed=False)
    assert line.since_new == 15.0 and line.rate == 2.0  # 50 requests over 25 s
    now[0] = 200.0  # the window keeps the last 30 s (and at least two polls)
    line = board.observe("laodong", {"downloader/request_count": 50, "finish_reason": "finished"}, None, closed=True)
    assert (line.state, line.queue, line.rate) == ("done", None, 0.0)
