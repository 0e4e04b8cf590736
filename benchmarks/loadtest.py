"""How the public archive server holds under load: readers' throughput and latency while
abusive clients run next to them (not part of `make bench`; `make loadtest`).

Each scenario starts the real server (`congdoan serve --snapshot ... --workers N`) on a free
loopback port, over a synthetic archive (tests/synthetic.py; 1,000,000 articles by default,
built once in about 5 minutes and kept for later runs), warms it up, then for --duration
seconds runs:

- readers: concurrent clients, one request at a time each, picking at random (seeded) a
  search page (55%), a later result page (15%), an article page (20%) or a search's Atom
  feed (10%), with union words and places with and without diacritics. Each keeps its
  connection alive for --requests-per-connection requests (10), then opens another, as a
  new visitor would: with several server processes on one socket, a connection stays with
  the process that accepted it, and 16 connections kept for ever all landed on one;
- abusers, in some scenarios: slow-SQL clients sending a query that runs far past the time
  limit, again and again, or CSV streamers downloading the whole articles table (cut at
  200 MB or 60 s, then again). After a 429 they wait what Retry-After asks, up to 1 s. They
  all come from 127.0.0.1, so the server is started with a per-address budget too large to
  matter (`--sql-per-minute 1000000`, unless --one-address): the rows show what the lane's
  own bound does against abusers from many addresses, the worst case.

It prints one Markdown table row per scenario: readers' requests per second (answered 200
within the window), their latency percentiles (nearest rank, every reader request, from
sending it to its last body byte; a timeout counts at its timeout), readers' errors (any
other status, a timeout or a dropped connection), the abusers' answers by status, and the
load client's own CPU (user + sys over wall time, % of one core: the machine's cores are
shared by the client and the server). Then a summary against the readers-only rows, the
readers' latency by page kind with each server process's CPU, and what the server told
the abusers.

Only 127.0.0.1 is ever contacted. The HTTP client is a small asyncio HTTP/1.1 client
(keep-alive, Content-Length, chunked or read-to-close bodies), so no dependency is added.

    make loadtest
    make loadtest LOADTEST_ARGS="--articles 20000 --duration 5"   # a quick run
    .venv/bin/python benchmarks/loadtest.py --scenarios r16,sql4 --duration 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import itertools
import math
import os
import random
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project is the repository

from datasette.utils import tilde_encode  # noqa: E402

HOST = "127.0.0.1"  # loopback only, on purpose: there is no option to aim this elsewhere
CONGDOAN = Path(sys.executable).parent / "congdoan"
WORK = Path("/tmp/congdoan-loadtest")

READER_TIMEOUT = 30.0
ABUSER_TIMEOUT = 60.0
READY_TIMEOUT = 120.0
# One CSV download is cut at 200 MB or 60 s (a stalled one times out at 90 s), then starts again.
CSV_CAP = 200 * 1024 * 1024
CSV_CAP_SECONDS = 60.0
CSV_TIMEOUT = 90.0
RETRY_AFTER_CAP = 1.0
SAMPLE_ARTICLES = 2000

# Words the synthetic articles hold (tests/synthetic.py), as visitors type them: with and without diacritics.
TERMS = (
    "công đoàn",
    "cong doan",
    "người lao động",
    "nguoi lao dong",
    "đoàn viên",
    "doan vien",
    "Hòa Bình",
    "hoa binh",
    "Cao Bằng",
    "Hà Tĩnh",
    "tiền lương",
    "tien luong",
)
# What readers ask for, and how often.
KINDS = ("search", "page 2–5", "article", "feed")
WEIGHTS = (55, 15, 20, 10)
# Far past any time limit on a large archive: a self-join counting about n²/2 pairs.
SLOW_SQL = "select count(*) from articles a join articles b on a.rowid > b.rowid"
CSV_PATH = "/archive/articles.csv?_stream=on&_size=max"  # the articles table's order: newest first


def loopback_only(host: str) -> str:
    if host != HOST:
        raise SystemExit(f"refusing {host}: the load test only ever talks to {HOST}")
    return host


# --- The HTTP client -------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    size: int  # body bytes read
    head: bytes  # the body's first bytes, to show what an error said
    elapsed: float  # seconds from sending the request to its last body byte
    capped: bool = False  # we hung up before the end of the body


class Http:
    """One keep-alive HTTP/1.1 connection to the server on loopback, one request at a time."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, cap: int | None = None, cap_seconds: float | None = None) -> Answer:
        """GET `path`; read the body to its end (or `cap` bytes, or for `cap_seconds`, then hang up)."""
        for _ in range(2):
            reused = self.writer is not None
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(loopback_only(HOST), self.port)
            assert self.reader is not None
            started = time.perf_counter()
            request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nConnection: keep-alive\r\n\r\n"
            try:
                self.writer.write(request.encode("ascii"))
                await self.writer.drain()
                head = await self.reader.readuntil(b"\r\n\r\n")
                break
            except (asyncio.IncompleteReadError, ConnectionError) as error:
                # A kept-alive connection the server closed meanwhile: once more on a new one.
                self.close()
                if not reused or (isinstance(error, asyncio.IncompleteReadError) and error.partial):
                    raise
        status, headers = parse_head(head)
        until = started + cap_seconds if cap_seconds is not None else math.inf
        size, first, capped = await self.body(headers, status, cap, until)
        if capped or headers.get("connection", "").lower() == "close":
            self.close()
        return Answer(status, headers, size, first, time.perf_counter() - started, capped)

    async def body(
        self, headers: dict[str, str], status: int, cap: int | None, until: float
    ) -> tuple[int, bytes, bool]:
        """(bytes read, the first of them, whether we stopped at `cap` bytes or at `until`)."""
        assert self.reader is not None
        limit = cap if cap is not None else math.inf
        size, first = 0, b""
        async for data in body_chunks(self.reader, headers, status):
            if len(first) < 512:
                first += data[: 512 - len(first)]
            size += len(data)
            if size >= limit or time.perf_counter() >= until:
                return size, first, True
        return size, first, False

    def close(self) -> None:
        if self.writer is not None:
            self.writer.transport.abort()  # drop what is buffered: no point reading the rest
        self.reader = self.writer = None


async def body_chunks(reader: asyncio.StreamReader, headers: dict[str, str], status: int) -> AsyncIterator[bytes]:
    """The body's bytes as they come: by Content-Length, chunked, or until the server closes."""
    if status in (204, 304) or 100 <= status < 200:
        return
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, then the blank line
                    pass
                return
            async for data in exactly(reader, size):
                yield data
            await reader.readexactly(2)  # the CRLF after each chunk
    elif "content-length" in headers:
        async for data in exactly(reader, int(headers["content-length"])):
            yield data
    else:
        while data := await reader.read(1 << 16):
            yield data


async def exactly(reader: asyncio.StreamReader, size: int) -> AsyncIterator[bytes]:
    """`size` bytes, as they come, in pieces of at most 64 kB."""
    while size:
        data = await reader.read(min(size, 1 << 16))
        if not data:
            raise asyncio.IncompleteReadError(b"", size)
        size -= len(data)
        yield data


def parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    return status, headers


async def attempt(
    http: Http, path: str, timeout: float, cap: int | None = None, cap_seconds: float | None = None
) -> tuple[int | str, Answer | None]:
    """(status, answer); the status is "timeout" or "error" (a dropped connection) when none came."""
    try:
        async with asyncio.timeout(timeout):
            answer = await http.get(path, cap, cap_seconds)
        return answer.status, answer
    except TimeoutError:
        http.close()  # mid-answer: the connection cannot be reused
        return "timeout", None
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError):
        http.close()
        return "error", None


# --- The archive and what readers ask for ------------------------------------------------------


def build_archive(path: Path, articles: int) -> None:
    """The synthetic archive, written beside `path` and renamed, so a build cut short is never reused."""
    from tests.synthetic import synthetic_archive

    partial = path.with_name(path.name + ".part")
    for leftover in (partial, *(partial.with_name(partial.name + end) for end in ("-journal", "-wal", "-shm"))):
        leftover.unlink(missing_ok=True)
    print(f"building {path} ({articles:,} synthetic articles; about 5 minutes for 1,000,000)", flush=True)
    started = time.perf_counter()
    done = threading.Event()

    def progress() -> None:  # synthetic_archive reports nothing: show the file growing
        while not done.wait(15):
            size = partial.stat().st_size if partial.exists() else 0
            print(f"  ... {time.perf_counter() - started:.0f} s, {size / 1e6:,.0f} MB written", flush=True)

    watcher = threading.Thread(target=progress, daemon=True)
    watcher.start()
    try:
        synthetic_archive(partial, articles)
    finally:
        done.set()
        watcher.join()
    partial.replace(path)
    print(f"built in {time.perf_counter() - started:.0f} s: {path.stat().st_size / 1e6:,.0f} MB", flush=True)


def sample_articles(db: Path, count: int, rng: random.Random) -> list[str]:
    """Article page paths of `count` articles spread over the whole archive. Every 97th rowid
    is read from an index (no full-table sort), then sampled: rowids follow publication time
    in blocks per minute, so probing random rowids would mostly find each day's first article."""
    connection = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    try:
        rowids = [row[0] for row in connection.execute("select rowid from articles where rowid % 97 = 0")]
        if len(rowids) < count:  # a small archive: every article is a candidate
            rowids = [row[0] for row in connection.execute("select rowid from articles")]
        picked = rng.sample(rowids, min(count, len(rowids)))
        urls = [
            connection.execute("select url from articles where rowid = ?", [rowid]).fetchone()[0] for rowid in picked
        ]
    finally:
        connection.close()
    return [f"/archive/articles/{tilde_encode(url)}" for url in urls]


def reader_path(kind: str, rng: random.Random, articles: list[str]) -> str:
    term = rng.choice(TERMS)
    if kind == "search":
        return "/archive/tim_kiem?" + urlencode({"q": term})
    if kind == "page 2–5":
        return "/archive/tim_kiem?" + urlencode({"q": term, "page": rng.randint(2, 5)})
    if kind == "article":
        return rng.choice(articles)
    return "/archive/theo_doi.atom?" + urlencode({"q": term})


# --- The server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((loopback_only(HOST), 0))
        return probe.getsockname()[1]


SERVE_OPTIONS: list[str] = []  # set from the command line in main()


def start_server(db: Path, port: int, workers: int, log: Path) -> subprocess.Popen:
    # --db too: it must name an existing file even when --snapshot is served as it is.
    command = [str(CONGDOAN), "serve", "--db", str(db), "--snapshot", str(db)]
    command += ["--host", loopback_only(HOST), "--port", str(port), "--workers", str(workers), *SERVE_OPTIONS]
    with log.open("wb") as out:  # the child keeps its own descriptor
        # A session of its own: the server's worker processes are stopped with it, as a group.
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)


def stop_server(server: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(server.pid, sig)
        try:
            server.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def server_processes(leader: int) -> list[int]:
    """The server's processes: the session it leads (start_new_session) holds its workers too."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int(proc_stat(entry)[3]) == leader:  # the session id
                    found.append(int(entry.name))
    return found


def proc_stat(entry: Path) -> list[str]:
    """/proc/PID/stat's fields after the command name (which may hold spaces): state first."""
    return (entry / "stat").read_text().rsplit(")", 1)[1].split()


def cpu_by_process(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + sys) each process has used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    spent = {}
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = proc_stat(Path(f"/proc/{pid}"))
            spent[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return spent


def blocking_get(port: int, path: str, timeout: float = 60) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(loopback_only(HOST), port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_ready(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited ({server.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if blocking_get(port, "/-/versions.json", timeout=5)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer /-/versions.json within {READY_TIMEOUT:.0f} s")


def warm_up(port: int, articles: list[str], rng: random.Random) -> None:
    """Datasette's startup work and the first queries' caches, before anything is timed."""
    for kind in KINDS:
        for _ in range(3):
            path = reader_path(kind, rng, articles)
            status, body = blocking_get(port, path)
            if status != 200:
                print(f"  warning: warm-up {path} answered {status}: {excerpt(body)}", flush=True)


# --- Load ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    readers: int
    workers: int
    slow_sql: int = 0
    csv: int = 0

    @property
    def load(self) -> str:
        extra = [f"{self.slow_sql} slow-SQL clients"] if self.slow_sql else []
        extra += [f"{self.csv} CSV streamers"] if self.csv else []
        return " + ".join([f"{self.readers} readers", *extra])


@dataclass
class Result:
    scenario: Scenario
    window: float = 0.0  # seconds the readers' throughput is counted over
    ok_in_window: int = 0
    latencies: list[float] = field(default_factory=list)  # ms, every reader request
    by_kind: dict[str, list[float]] = field(default_factory=dict)  # ms of 200 answers
    errors: Counter = field(default_factory=Counter)
    abusers: Counter = field(default_factory=Counter)
    told: Counter = field(default_factory=Counter)  # ("who status", the body's start) -> answers
    waited: float = 0.0  # seconds abusers waited after a 429
    cut: int = 0  # abusers' downloads we hung up on (CSV_CAP, CSV_CAP_SECONDS)
    abuser_bytes: Counter = field(default_factory=Counter)  # body bytes read, by kind of abuser
    cpu: float = 0.0  # % of one core
    server_cpu: list[float] = field(default_factory=list)  # % of one core for each server process, most first
    budget_hit: bool = False

    @property
    def rate(self) -> float:
        return self.ok_in_window / self.window if self.window else 0.0


def excerpt(body: bytes, length: int = 160) -> str:
    return " ".join(body.decode("utf-8", "replace").split())[:length]


class Budget:
    """The cap on reader requests in one scenario."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


async def reader(
    number: int,
    port: int,
    articles: list[str],
    stop_at: float,
    budget: Budget,
    result: Result,
    args: argparse.Namespace,
) -> None:
    rng = random.Random(args.seed * 100_003 + number)  # each reader its own sequence, whatever the scheduling
    client = Http(port)
    try:
        for sent_here in itertools.count(1):
            if time.perf_counter() >= stop_at or not budget.take():
                break
            kind = rng.choices(KINDS, WEIGHTS)[0]
            sent = time.perf_counter()
            status, answer = await attempt(client, reader_path(kind, rng, articles), READER_TIMEOUT)
            done = time.perf_counter()
            milliseconds = 1000 * (answer.elapsed if answer else done - sent)
            result.latencies.append(milliseconds)
            if status == 200:
                result.by_kind.setdefault(kind, []).append(milliseconds)
                result.ok_in_window += done <= stop_at
            else:
                result.errors[status] += 1
                if answer:
                    result.told[f"reader {kind} {status}", excerpt(answer.head)] += 1
            if args.requests_per_connection and sent_here % args.requests_per_connection == 0:
                # A visitor leaves and another comes: a new connection goes to whichever server
                # process accepts it, where one kept for ever stays on the process it first met.
                client.close()
    finally:
        client.close()


async def slow_sql_client(port: int, result: Result) -> None:
    path = "/archive.json?" + urlencode({"sql": SLOW_SQL, "_shape": "array"})
    await abuse(port, "slow-SQL", path, result, ABUSER_TIMEOUT)


async def csv_streamer(port: int, path: str, result: Result) -> None:
    await abuse(port, "CSV", path, result, CSV_TIMEOUT, CSV_CAP, CSV_CAP_SECONDS)


async def abuse(
    port: int,
    who: str,
    path: str,
    result: Result,
    timeout: float,
    cap: int | None = None,
    cap_seconds: float | None = None,
) -> None:
    """Ask for `path` again and again, one request at a time, counting the answers."""
    client = Http(port)
    try:
        while True:
            status, answer = await attempt(client, path, timeout, cap, cap_seconds)
            result.abusers[status] += 1
            if answer is None:
                await asyncio.sleep(0.05)  # a refused connection must not spin the client
                continue
            result.abuser_bytes[who] += answer.size
            result.cut += answer.capped
            if status != 200:
                result.told[f"{who} {status}", excerpt(answer.head)] += 1
            if status == 429:
                # A polite client waits what the server asks, at most a second; one that
                # retried at once would turn into a flood of requests, another load altogether.
                wait = min(retry_after(answer.headers), RETRY_AFTER_CAP)
                result.waited += wait
                await asyncio.sleep(wait)
    finally:
        client.close()


def retry_after(headers: dict[str, str]) -> float:
    try:
        return max(float(headers.get("retry-after", RETRY_AFTER_CAP)), 0.0)
    except ValueError:  # an HTTP date: more than we wait anyway
        return RETRY_AFTER_CAP


async def run_load(
    scenario: Scenario, server_pid: int, port: int, articles: list[str], args: argparse.Namespace, result: Result
) -> None:
    abusers = [asyncio.create_task(slow_sql_client(port, result)) for _ in range(scenario.slow_sql)]
    abusers += [asyncio.create_task(csv_streamer(port, args.csv_path, result)) for _ in range(scenario.csv)]
    if abusers:
        await asyncio.sleep(2)  # let them take hold before the readers are timed
    budget = Budget(args.max_requests)
    server_before = cpu_by_process(server_processes(server_pid))
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    stop_at = started + args.duration
    # Readers finish the request in hand at the deadline (its latency counts, its throughput
    # only if it ended in time); the abusers go on meanwhile, so those last requests are fair.
    await asyncio.gather(*(reader(n, port, articles, stop_at, budget, result, args) for n in range(scenario.readers)))
    ended = time.perf_counter()
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    server_after = cpu_by_process(server_processes(server_pid))
    for task in abusers:
        task.cancel()
    await asyncio.gather(*abusers, return_exceptions=True)
    result.budget_hit = budget.left < 0
    result.window = min(ended, stop_at) - started
    spent = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    result.cpu = 100 * spent / (ended - started)
    result.server_cpu = sorted(
        (100 * (server_after[pid] - server_before.get(pid, 0.0)) / (ended - started) for pid in server_after),
        reverse=True,
    )


def run_scenario(scenario: Scenario, db: Path, articles: list[str], args: argparse.Namespace) -> Result:
    port = free_port()
    log = WORK / f"server-{scenario.name}.log"
    print(f"{scenario.name}: {scenario.load}, workers {scenario.workers}, port {port}", flush=True)
    server = start_server(db, port, scenario.workers, log)
    try:
        wait_ready(server, port, log)
        warm_up(port, articles, random.Random(args.seed))
        result = Result(scenario)
        asyncio.run(run_load(scenario, server.pid, port, articles, args, result))
    finally:
        stop_server(server)
    print(f"  {result.rate:.1f} requests/s, p95 {fmt_ms(percentile(result.latencies, 95))} ms", flush=True)
    return result


# --- Reporting -----------------------------------------------------------------------------------


def percentile(samples: list[float], p: float) -> float | None:
    """Nearest rank: the smallest sample with at least p% of the samples at or below it."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[max(math.ceil(p / 100 * len(ordered)), 1) - 1]


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def counts(counter: Counter) -> str:
    return ", ".join(f"{status}×{n}" for status, n in sorted(counter.items(), key=lambda item: str(item[0])))


def table_row(result: Result) -> str:
    s = result.scenario
    workers = f"{s.workers}"
    errors = sum(result.errors.values())
    errors_cell = f"{errors} ({counts(result.errors)})" if errors else "0"
    answers = counts(result.abusers) if s.slow_sql or s.csv else "—"
    if s.csv:
        answers += f"; {result.abuser_bytes['CSV'] / 1e6:,.0f} MB of CSV read, {result.cut} downloads cut"
    if result.waited:
        answers += f"; waited {result.waited:.1f} s on Retry-After"
    rate = f"{result.rate:,.1f}" + (" (cap)" if result.budget_hit else "")
    cells = [s.load, workers, rate, *(fmt_ms(percentile(result.latencies, p)) for p in (50, 95, 99))]
    cells += [errors_cell, answers or "none", f"{result.cpu:.0f}%"]
    return "| " + " | ".join(cells) + " |"


def table(results: list[Result]) -> Iterator[str]:
    yield "| load | workers | requests/s | p50 | p95 | p99 | readers' errors | abusers' answers | client CPU |"
    yield "|---|---|---|---|---|---|---|---|---|"
    yield from (table_row(result) for result in results)


def kinds_table(results: list[Result]) -> Iterator[str]:
    yield "Readers' latency by page, p50 / p95 ms (200 answers), and the server's CPU by process (% of one core):"
    yield ""
    yield "| load | workers | " + " | ".join(KINDS) + " | server CPU |"
    yield "|---|---|" + "---|" * (len(KINDS) + 1)
    for result in results:
        cells = []
        for kind in KINDS:
            samples = result.by_kind.get(kind, [])
            cells.append(f"{fmt_ms(percentile(samples, 50))} / {fmt_ms(percentile(samples, 95))}")
        # The uvicorn parent of several workers idles: only processes that worked are shown.
        cells.append(" + ".join(f"{cpu:.0f}%" for cpu in result.server_cpu if cpu >= 1) or "0%")
        yield f"| {result.scenario.load} | {result.scenario.workers} | " + " | ".join(cells) + " |"


def summary(results: list[Result]) -> Iterator[str]:
    """Abused rows against the readers-only row of the same worker count, and workers against one."""
    plain = {
        r.scenario.workers: r
        for r in results
        if r.scenario.readers == 16 and not (r.scenario.slow_sql or r.scenario.csv)
    }
    for result in results:
        s = result.scenario
        base = plain.get(s.workers)
        if not (s.slow_sql or s.csv) or base is None or not base.rate:
            continue
        p95, base_p95 = percentile(result.latencies, 95), percentile(base.latencies, 95)
        slower = f"{p95 / base_p95:.1f}×" if p95 and base_p95 else "—"
        yield (
            f"- {s.load}, workers {s.workers}: readers get {100 * result.rate / base.rate:.0f}% of the "
            f"readers-only throughput, p95 {slower} theirs"
        )
    one = plain.get(1)
    for workers, result in sorted(plain.items()):
        if workers != 1 and one is not None and one.rate:
            yield f"- 16 readers at {workers} workers: {result.rate / one.rate:.2f}× the throughput of 1 worker"


def report(results: list[Result]) -> str:
    lines = ["", *table(results)]
    if notes := list(summary(results)):
        lines += ["", *notes]
    lines += ["", *kinds_table(results)]
    told: dict[tuple[str, str], list[str]] = {}  # (who and status, what it said) -> "scenario×answers"
    for result in results:
        for (key, text), answers in result.told.items():
            told.setdefault((key, text), []).append(f"{result.scenario.name}×{answers}")
    if told:
        lines += [
            "",
            "What the server answered besides 200 (each distinct body start, and how often in each scenario):",
            "",
        ]
        lines += [f"- {key} ({', '.join(names)}): {text}" for (key, text), names in told.items()]
    return "\n".join(lines)


# --- Main ----------------------------------------------------------------------------------------


def scenarios(default_workers: int) -> dict[str, Scenario]:
    cores = os.cpu_count() or 1
    chosen = [
        Scenario("r16", 16, 1),
        Scenario("r64", 64, 1),
        Scenario("sql2", 16, 1, slow_sql=2),
        Scenario("sql4", 16, 1, slow_sql=4),
        Scenario("csv4", 16, 1, csv=4),
    ]
    # Readers alone at 2 workers, at every core, and at the default (the abused rows' baseline).
    chosen += [Scenario(f"r16-w{n}", 16, n) for n in dict.fromkeys((2, cores, default_workers)) if n != 1]
    if default_workers != 1:
        chosen.append(Scenario(f"sql4-w{default_workers}", 16, default_workers, slow_sql=4))
        chosen.append(Scenario(f"csv4-w{default_workers}", 16, default_workers, csv=4))
    return {scenario.name: scenario for scenario in chosen}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000, help="articles in the synthetic archive")
    parser.add_argument("--db", type=Path, help=f"the archive (default {WORK}/archive-<articles>.db, built if missing)")
    parser.add_argument("--duration", type=float, default=30, help="seconds of load per scenario, after warm-up")
    parser.add_argument("--max-requests", type=int, default=100_000, help="cap on reader requests per scenario")
    parser.add_argument("--workers-default", type=int, default=os.cpu_count() or 1, help="workers of the default rows")
    parser.add_argument("--scenarios", help="comma-separated short names (default: all); see --list")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument(
        "--requests-per-connection",
        type=int,
        default=10,
        help="a reader opens a new connection after this many requests, as a new visitor would (0: never)",
    )
    parser.add_argument("--csv-path", default=CSV_PATH, help=f"what CSV streamers download (default {CSV_PATH})")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--one-address",
        action="store_true",
        help="keep the server's per-address budget for custom SQL: the abusers, all on 127.0.0.1, then share one",
    )
    args = parser.parse_args()
    available = scenarios(args.workers_default)
    if args.list:
        for name, scenario in available.items():
            print(f"{name:10} {scenario.load}, workers {scenario.workers}")
        return 0
    if not args.csv_path.startswith("/"):
        parser.error("--csv-path is a path on the server, such as /archive/articles.csv?_stream=on&_sort=url")
    names = args.scenarios.split(",") if args.scenarios else list(available)
    if unknown := [name for name in names if name not in available]:
        parser.error(f"unknown scenario {', '.join(unknown)}; choose from {', '.join(available)}")
    db = args.db or WORK / f"archive-{args.articles}.db"
    WORK.mkdir(parents=True, exist_ok=True)
    if not db.exists():
        build_archive(db, args.articles)
    started = time.perf_counter()
    articles = sample_articles(db, SAMPLE_ARTICLES, random.Random(args.seed))
    print(f"{len(articles):,} article pages sampled in {time.perf_counter() - started:.1f} s", flush=True)
    if not args.one_address:
        SERVE_OPTIONS.extend(["--sql-per-minute", "1000000"])
    results = [run_scenario(available[name], db, articles, args) for name in names]
    print(report(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
