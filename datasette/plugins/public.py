"""The public archive under load and abuse: readers first, caches welcome.

An ASGI wrapper (Datasette's `asgi_wrapper` hook) in front of every request:

- **The heavy lane.** Arbitrary SQL (`?sql=`) and streamed CSV (`.csv?_stream=on`) may each
  hold one of Datasette's few SQL threads for their whole time; four of them used to stall
  every reader. They now pass through a lane of LANE_SLOTS concurrent requests per server
  process, and run in a process of their own (`congdoan serve` starts it, at a lower CPU
  priority, and names its socket in CONGDOAN_LANE_SOCKET), so they share neither the GIL
  nor the SQL threads of readers' pages. A request that finds the lane full waits at most
  LANE_WAIT_MS, then gets `429 Too Many Requests` with `Retry-After`; it never queues
  without bound. Each client
  (by address) also has a token bucket for the lane (SQL_PER_MINUTE), and its custom SQL
  stops after SQL_TIME_LIMIT_MS (Datasette's `_timelimit`, the lower of it and the
  server's own limit), where readers' pages keep the server's limit.
- **Caches.** The snapshot is immutable, so each answer says how long it stays true:
  an `ETag` made of the snapshot's SHA-256 and the publishing code's, and a
  `Cache-Control` that is long for article pages, archived photos and the file itself,
  short for searches and feeds. A conditional request (`If-None-Match`) that matches is
  answered `304 Not Modified` without running anything; a new snapshot changes every tag.

Settings come from the environment (`congdoan serve` sets them from its options) over the
defaults below; docs/deploy.md explains them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import os
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from crawler.publish.relay import LaneUnavailable, Message, Receive, Send, relay
from crawler.store.database import snapshot_digest
from datasette import hookimpl

Scope = dict[str, Any]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULTS = {
    "CONGDOAN_SQL_TIME_LIMIT_MS": 500,  # custom SQL; readers' pages keep settings.json's sql_time_limit_ms
    "CONGDOAN_LANE_SLOTS": 1,  # concurrent custom SQL and CSV streams per server process
    "CONGDOAN_LANE_WAIT_MS": 250,  # how long one waits for a slot before its 429
    "CONGDOAN_SQL_PER_MINUTE": 30,  # lane requests per client per minute (a burst of a quarter of it)
}
LANE_DEADLINE_S = 600  # a lane answer (an export) is cut after this: a slow reader must not keep a slot
_FORWARDED = frozenset({b"host", b"accept", b"user-agent"})
_DIGITS = re.compile(r"[0-9]{1,9}")
MAX_CLIENTS = 10_000  # token buckets kept; a flood of addresses cannot grow memory past this

LONG = "public, max-age=86400"  # an article, a photo, the file: true for the snapshot's life
SHORT = "public, max-age=60"  # a search or a feed: a proxy absorbs repeats, alerts stay fresh
DEFAULT = "public, max-age=300"
_LONG_PATHS = re.compile(r"^/archive/articles/[^/]+$|^/-/(capture|media)/|^/archive\.db$")
_SHORT_PATHS = re.compile(r"^/archive/(tim_kiem|theo_doi)(\.\w+)?$")
_DATASETTE_DIR = Path(__file__).resolve().parent.parent


def setting(name: str) -> int:
    return int(os.environ.get(name) or DEFAULTS[name])


def lane_of(path: str, params: list[tuple[str, str]]) -> str | None:
    """ "sql" for arbitrary SQL, "export" for a streamed CSV, None for a reader's request.

    >>> lane_of("/archive", [("sql", "select 1")]), lane_of("/archive/articles.csv", [("_stream", "on")])
    ('sql', 'export')
    >>> lane_of("/archive/articles", [("_where", "length(body) > 5")])
    'sql'
    >>> lane_of("/archive/tim_kiem", [("q", "công đoàn")]) is None
    True
    """
    names = {name for name, _ in params}
    if names & {"sql", "_where"}:  # a table's _where= is SQL of the visitor's too
        return "sql"
    if path.endswith(".csv") and "_stream" in names:
        return "export"
    return None


def cache_control(path: str) -> str:
    """
    >>> cache_control("/archive/articles/123"), cache_control("/archive/tim_kiem"), cache_control("/archive")
    ('public, max-age=86400', 'public, max-age=60', 'public, max-age=300')
    """
    if _LONG_PATHS.search(path):
        return LONG
    return SHORT if _SHORT_PATHS.search(path) else DEFAULT


def etag_matches(header: str, tag: str) -> bool:
    """If-None-Match against our weak tag, compared weakly (RFC 9110: W/ aside).

    >>> etag_matches('W/"a1", "b2"', 'W/"b2"'), etag_matches("*", 'W/"a1"'), etag_matches('"a2"', 'W/"a1"')
    (True, True, False)
    """
    wanted = tag.removeprefix("W/")
    return any(part.strip() in ("*", wanted) or part.strip().removeprefix("W/") == wanted for part in header.split(","))


class Buckets:
    """A token bucket per client: `rate` requests a second, bursts of `size`."""

    def __init__(self, per_minute: int) -> None:
        self.rate = per_minute / 60
        self.size = max(1.0, per_minute / 4)
        self.state: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)

    def wait(self, client: str, now: float) -> float:
        """0 when the client may go now (a token is spent), else the seconds until it may.

        >>> buckets = Buckets(per_minute=8)  # a burst of 2, then one every 7.5 s
        >>> [round(buckets.wait("10.0.0.1", 0.0), 1) for _ in range(3)], buckets.wait("10.0.0.2", 0.0)
        ([0.0, 0.0, 7.5], 0.0)
        >>> buckets.wait("10.0.0.1", 7.5)
        0.0
        """
        tokens, since = self.state.pop(client, (self.size, now))
        tokens = min(self.size, tokens + (now - since) * self.rate)
        allowed = tokens >= 1
        self.state[client] = (tokens - 1 if allowed else tokens, now)  # popped and put back: oldest first
        if len(self.state) > MAX_CLIENTS:  # the longest idle is the one nearest a full bucket
            del self.state[next(iter(self.state))]
        return 0.0 if allowed else (1 - tokens) / self.rate


async def too_many(send: Send, path: str, retry_after: float, why: str) -> None:
    seconds = str(max(1, math.ceil(retry_after)))
    if path.endswith(".json"):  # an ASGI path holds no query
        body, kind = json.dumps({"ok": False, "error": why, "status": 429}).encode(), b"application/json"
    else:
        body, kind = f"429 Too Many Requests: {why}\n".encode(), b"text/plain; charset=utf-8"
    headers = [(b"content-type", kind), (b"retry-after", seconds.encode()), (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Lane:
    """The heavy lane of one server process (see the module's docstring)."""

    def __init__(self) -> None:
        self.slots = asyncio.Semaphore(setting("CONGDOAN_LANE_SLOTS"))
        self.wait_s = setting("CONGDOAN_LANE_WAIT_MS") / 1000
        self.time_limit = setting("CONGDOAN_SQL_TIME_LIMIT_MS")
        self.buckets = Buckets(setting("CONGDOAN_SQL_PER_MINUTE"))
        self.socket = os.environ.get("CONGDOAN_LANE_SOCKET")  # the lane's own process, if any

    async def __call__(self, app: App, scope: Scope, receive: Receive, send: Send, params: list, kind: str) -> None:
        client = (scope.get("client") or ("?",))[0]
        path = scope.get("path", "")
        retry = self.buckets.wait(client, time.monotonic())
        if retry:
            await too_many(send, path, retry, "too many custom queries or exports from this address")
            return
        try:
            async with asyncio.timeout(self.wait_s):  # a cancelled acquire gives its turn back
                await self.slots.acquire()
        except TimeoutError:
            await too_many(send, path, 1, "the server is busy with other custom queries or exports")
            return
        try:
            if kind == "sql":  # an export's pages keep the lane server's own limit
                scope = dict(scope, query_string=self.limited(params))
            if self.socket:
                await self.relayed(scope, receive, send)
            else:  # no lane process (the datasette publish route): here, bounded all the same
                await app(scope, receive, send)
        finally:
            self.slots.release()

    async def relayed(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = (scope.get("raw_path") or scope.get("path", "").encode()) + b"?" + scope["query_string"]
        # The visitor's host and scheme, so the links Datasette writes (next pages) are theirs.
        headers = [(name, value) for name, value in scope.get("headers", []) if name in _FORWARDED]
        headers += [(b"x-forwarded-proto", scope.get("scheme", "http").encode())]
        headers += [(b"x-forwarded-for", (scope.get("client") or ("",))[0].encode())]
        try:
            await relay(self.socket, (scope.get("method", "GET"), target, headers), receive, send, LANE_DEADLINE_S)
        except LaneUnavailable:
            await too_many(send, scope.get("path", ""), 1, "custom queries and exports are not available just now")

    def limited(self, params: list[tuple[str, str]]) -> bytes:
        """The query with the lane's time limit, or the client's own if lower.

        >>> lane = Lane()
        >>> lane.limited([("sql", "select 1"), ("_timelimit", "50")]), lane.limited([("_timelimit", "0")])
        (b'sql=select+1&_timelimit=50', b'_timelimit=1')
        >>> lane.limited([("_timelimit", "²")]), lane.limited([("_timelimit", "99999")])
        (b'_timelimit=500', b'_timelimit=500')
        """
        # ASCII digits only ("²" passes isdigit), and never 0, which Datasette reads as no limit.
        asked = [int(value) for name, value in params if name == "_timelimit" and _DIGITS.fullmatch(value)]
        limit = max(1, min([self.time_limit, *asked]))
        kept = [(name, value) for name, value in params if name != "_timelimit"]
        return urlencode([*kept, ("_timelimit", str(limit))]).encode()


class Tags:
    """The ETag of every answer: the snapshot's SHA-256 (read once, off the event loop)
    and a digest of the publishing code (datasette/), so new templates change it too."""

    def __init__(self, datasette: Any) -> None:
        self.datasette = datasette
        self.tag: str | None = None
        self.lock = asyncio.Lock()

    async def current(self) -> str:
        if self.tag is None:
            async with self.lock:
                if self.tag is None:
                    snapshot = os.environ.get("CONGDOAN_SNAPSHOT_SHA256") or await asyncio.to_thread(self._digest)
                    self.tag = f'W/"{snapshot[:20]}-{_code_digest()[:8]}"'
        return self.tag

    def _digest(self) -> str:
        files = [db.path for db in self.datasette.databases.values() if db.path]
        return hashlib.sha256("".join(snapshot_digest(path) for path in sorted(files)).encode()).hexdigest()


def _code_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(_DATASETTE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_DATASETTE_DIR).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def cache_headers(headers: list[tuple[bytes, bytes]], tag: str, policy: str) -> list[tuple[bytes, bytes]]:
    """A 200's headers with ours: a cookie makes an answer private (left alone); an answer
    with an ETag of its own (an archived photo's SHA-256, content-addressed and immutable)
    keeps it, and its Cache-Control too if it has one.

    >>> cache_headers([(b"cache-control", b"max-age=5")], 'W/"s"', "public, max-age=60")
    [(b'cache-control', b'public, max-age=60'), (b'etag', b'W/"s"')]
    >>> cache_headers([(b"etag", b'"f00"')], 'W/"s"', "public, max-age=60")
    [(b'etag', b'"f00"'), (b'cache-control', b'public, max-age=60')]
    """
    names = {name.lower() for name, _ in headers}
    if b"set-cookie" in names:
        return headers
    if b"etag" in names:
        return headers if b"cache-control" in names else [*headers, (b"cache-control", policy.encode())]
    kept = [(name, value) for name, value in headers if name.lower() != b"cache-control"]
    return [*kept, (b"cache-control", policy.encode()), (b"etag", tag.encode())]


def with_cache_headers(send: Send, tag: str, policy: str) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and message.get("status") == 200:
            message = dict(message, headers=cache_headers(list(message.get("headers", [])), tag, policy))
        await send(message)

    return sending


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[App], App]:
    def wrap(app: App) -> App:
        lane: Lane | None = None  # made on the first request, inside the server's event loop
        tags = Tags(datasette)
        in_the_lane = os.environ.get("CONGDOAN_ROLE") == "lane"  # the lane's own process serves as is

        async def public(scope: Scope, receive: Receive, send: Send) -> None:
            nonlocal lane
            if scope.get("type") != "http" or in_the_lane:
                await app(scope, receive, send)
                return
            path = scope.get("path", "")
            params = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)
            if kind := lane_of(path, params):
                lane = lane or Lane()
                await lane(app, scope, receive, send, params, kind)
                return
            if scope.get("method") not in ("GET", "HEAD"):
                await app(scope, receive, send)
                return
            tag, policy = await tags.current(), cache_control(path)
            asked = next(
                (value.decode("latin-1") for name, value in scope.get("headers", []) if name == b"if-none-match"), None
            )
            if asked and etag_matches(asked, tag):
                headers = [(b"etag", tag.encode()), (b"cache-control", policy.encode())]
                await send({"type": "http.response.start", "status": 304, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
            await app(scope, receive, with_cache_headers(send, tag, policy))

        return public

    return wrap
