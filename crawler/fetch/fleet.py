"""The fleet: workers on any machines share one crawl run through Redis, and one writer owns
archive.db. scrapy-redis holds each site's request queue and dupefilter
(crawler/fetch/redis_scheduler.py); this module holds the rest of the run's shared state.

Every key of a run starts with `congdoan:<run>:`, so a run is deleted in one sweep:
- `sites` (JSON list) and `ready`: written by the writer once it has seeded the run;
- `<site>:known` (hash URL -> first settled), `<site>:recheck` (JSON): the incremental state
  the writer read from archive.db;
- `<site>:requests`, `<site>:dupefilter`: scrapy-redis's queue and dupefilter;
- `<site>:inflight`: requests a worker has taken and not finished (a sorted set, scored by
  priority like the queue), put back when their worker's lease lapses;
- `<site>:lease`: the worker crawling the site, with a time to live its heartbeat renews.
  One worker per site at a time keeps the site's delay, concurrency and Retry-After
  backoff exactly what a single machine would use;
- `<site>:started`: the site's entry pages, feeds and re-checks are queued;
- `<site>:chain:<section>`: article links seen along a section's listing pages;
- `<site>:stats`: counters the workers add up (hash);
- `done`: the sites finished; `workers`: worker -> last heartbeat; `alive:<worker>`;
- `captures`: the capture id counter; `media:settled`, `media:claimed`: photos not to fetch;
- `robots:<host>`: a robots.txt body, fetched once per run;
- `stream`: the records the writer stores (a Redis stream, consumer group `writer`).
`congdoan:run` names the current run. No Scrapy here.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import redis

logger = logging.getLogger(__name__)

ROOT = "congdoan"
GROUP = "writer"
# A worker's heartbeat renews its leases every HEARTBEAT seconds; a lease outlives a missed
# beat or two (a long extraction, a loaded machine) and then passes to another worker.
HEARTBEAT = 1.0
DEFAULT_LEASE = 10.0
# Set on the requests a listing or feed led to: the page they came from, done once they are queued.
PARENT = "fleet_parent"


def site_of(spider: object) -> FleetSite | None:
    """The fleet site a spider crawls as a worker, or None on a single machine."""
    return getattr(spider, "fleet", None)


def connect(url: str) -> redis.Redis:
    """A client for redis://HOST:PORT/DB; fails at once when nothing answers there."""
    client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=60, health_check_interval=30)
    client.ping()
    return client


class FleetRun:
    """One distributed run's keys and the operations on them."""

    def __init__(self, client: redis.Redis, run_id: str) -> None:
        self.redis = client
        self.id = run_id

    def key(self, *parts: str) -> str:
        return ":".join((ROOT, self.id, *parts))

    # The run: made by the writer, found by workers and `status`.

    @classmethod
    def current(cls, client: redis.Redis) -> FleetRun | None:
        run_id = client.get(f"{ROOT}:run")
        return cls(client, run_id.decode()) if run_id else None

    @classmethod
    def begin(cls, client: redis.Redis, run_id: str) -> FleetRun:
        """The current run, or a new one named `run_id` (a restarted writer carries on its run)."""
        client.set(f"{ROOT}:run", run_id, nx=True)
        return cls.current(client) or cls(client, run_id)

    def ready(self) -> bool:
        return bool(self.redis.exists(self.key("ready")))

    def sites(self) -> list[str]:
        return json.loads(self.redis.get(self.key("sites")) or b"[]")

    def seed(self, sites: Iterable[str], known: dict[str, dict[str, str]], recheck: dict[str, list]) -> None:
        """What the workers need from archive.db, written once per run."""
        pipe = self.redis.pipeline()
        for site, urls in known.items():
            for chunk in _chunks(list(urls.items()), 10_000):
                pipe.hset(self.key(site, "known"), mapping=dict(chunk))
        for site, due in recheck.items():
            pipe.set(self.key(site, "recheck"), json.dumps(due))
        pipe.set(self.key("sites"), json.dumps(list(sites)))
        pipe.execute()

    def settle_media(self, urls: Iterable[str]) -> None:
        for chunk in _chunks(list(urls), 10_000):
            self.redis.sadd(self.key("media", "settled"), *chunk)

    def mark_ready(self) -> None:
        self.redis.set(self.key("ready"), "1")

    def known(self, site: str) -> dict[str, str]:
        return {url.decode(): since.decode() for url, since in self.redis.hgetall(self.key(site, "known")).items()}

    def recheck(self, site: str) -> list[list[Any]]:
        return json.loads(self.redis.get(self.key(site, "recheck")) or b"[]")

    def finished(self) -> set[str]:
        return {site.decode() for site in self.redis.smembers(self.key("done"))}

    def finish_site(self, site: str) -> None:
        pipe = self.redis.pipeline()
        pipe.sadd(self.key("done"), site)
        pipe.delete(self.key(site, "inflight"), self.key(site, "lease"))
        pipe.execute()

    def end(self) -> None:
        """Delete every key of the run (the writer, once all is stored)."""
        for keys in _chunks(list(self.redis.scan_iter(match=self.key("*"), count=1000)), 500):
            self.redis.delete(*keys)
        if self.redis.get(f"{ROOT}:run") == self.id.encode():
            self.redis.delete(f"{ROOT}:run")

    # Workers and leases.

    def heartbeat(self, worker: str, ttl: float) -> None:
        pipe = self.redis.pipeline()
        pipe.set(self.key("alive", worker), "1", px=int(ttl * 1000))
        pipe.hset(self.key("workers"), worker, f"{time.time():.3f}")
        pipe.execute()

    def alive_workers(self) -> list[str]:
        workers = [name.decode() for name in self.redis.hkeys(self.key("workers"))]
        pipe = self.redis.pipeline()
        for worker in workers:
            pipe.exists(self.key("alive", worker))
        return [worker for worker, alive in zip(workers, pipe.execute(), strict=True) if alive]

    def fair_share(self, unfinished: int) -> int:
        """How many sites one worker crawls at once: the unfinished sites over the live workers."""
        return max(1, math.ceil(unfinished / max(1, len(self.alive_workers()))))

    def lease_holder(self, site: str) -> str | None:
        holder = self.redis.get(self.key(site, "lease"))
        return holder.decode() if holder else None

    def take_lease(self, site: str, worker: str, ttl: float) -> bool:
        """The site is this worker's, if nobody holds it. Requests its last holder had taken
        and not finished (a worker killed or stalled) go back to the queue."""
        if not self.redis.set(self.key(site, "lease"), worker, nx=True, px=int(ttl * 1000)):
            return False
        requeued = self.redis.eval(_REQUEUE, 2, self.key(site, "inflight"), self.key(site, "requests"))
        if requeued:
            logger.warning("%s: %d requests of the site's last worker put back in the queue", site, requeued)
        return True

    def renew_lease(self, site: str, worker: str, ttl: float) -> bool:
        """False when the lease is gone or another worker's: stop crawling the site."""
        return bool(self.redis.eval(_RENEW, 1, self.key(site, "lease"), worker, int(ttl * 1000)))

    def release_lease(self, site: str, worker: str) -> None:
        self.redis.eval(_RELEASE, 1, self.key(site, "lease"), worker)

    # Shared walk state.

    def start_queued(self, site: str) -> bool:
        return bool(self.redis.exists(self.key(site, "started")))

    def mark_start_queued(self, site: str) -> None:
        self.redis.set(self.key(site, "started"), "1")

    def add_stats(self, site: str, deltas: dict[str, int]) -> None:
        if deltas:
            pipe = self.redis.pipeline()
            _add_stats(pipe, self.key(site, "stats"), deltas)
            pipe.execute()

    def stats(self, site: str) -> dict[str, int]:
        return {k.decode(): int(v) for k, v in self.redis.hgetall(self.key(site, "stats")).items()}

    def capture_ids(self, count: int) -> range:
        """`count` capture ids no other worker will use."""
        end = int(self.redis.incrby(self.key("captures"), count))
        return range(end - count + 1, end + 1)

    def set_capture_floor(self, floor: int) -> None:
        """Capture ids the workers hand out start above the archive's highest."""
        current = int(self.redis.get(self.key("captures")) or 0)
        if floor > current:
            self.redis.set(self.key("captures"), floor)

    def claim_media(self, urls: Iterable[str]) -> list[str]:
        """Those of `urls` no earlier run settled and no worker of this run has taken, in order."""
        urls = list(dict.fromkeys(urls))
        if not urls:
            return []
        pipe = self.redis.pipeline()
        for url in urls:
            pipe.sismember(self.key("media", "settled"), url)
            pipe.sadd(self.key("media", "claimed"), url)
        answers = pipe.execute()
        return [
            url
            for url, settled, claimed in zip(urls, answers[::2], answers[1::2], strict=True)
            if not settled and claimed
        ]

    def robots(self, host: str) -> bytes | None:
        return self.redis.get(self.key("robots", host))

    def keep_robots(self, host: str, body: bytes) -> None:
        self.redis.set(self.key("robots", host), body, nx=True)

    # The records stream.

    def ensure_group(self) -> None:
        try:
            self.redis.xgroup_create(self.key("stream"), GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def read(self, consumer: str, count: int, block_ms: int, pending: bool) -> list[tuple[bytes, dict[str, Any]]]:
        """Records for the writer: first those it read and never acknowledged (it died before
        committing them), then new ones."""
        answer = self.redis.xreadgroup(
            GROUP,
            consumer,
            {self.key("stream"): "0" if pending else ">"},
            count=count,
            block=None if pending else block_ms,
        )
        return [
            (entry_id, json.loads(fields[b"r"]))
            for _, entries in answer or []
            for entry_id, fields in entries
            if fields
        ]

    def acknowledge(self, entry_ids: list[bytes]) -> None:
        if entry_ids:
            pipe = self.redis.pipeline()
            pipe.xack(self.key("stream"), GROUP, *entry_ids)
            pipe.xdel(self.key("stream"), *entry_ids)
            pipe.execute()

    def waiting(self) -> int:
        """Records not yet stored: in the stream, read or not."""
        return int(self.redis.xlen(self.key("stream")))

    def queue_sizes(self) -> dict[str, tuple[int, int]]:
        """site -> (requests queued, requests in flight)."""
        sites = self.sites()
        pipe = self.redis.pipeline()
        for site in sites:
            pipe.zcard(self.key(site, "requests"))
            pipe.zcard(self.key(site, "inflight"))
        answers = pipe.execute()
        return {site: (answers[2 * i], answers[2 * i + 1]) for i, site in enumerate(sites)}


class FleetSite:
    """One site of the run, as the worker crawling it sees it: what it has taken from the
    queue, and its outbox. Records for the writer (captures, pages, photos) and stats wait in
    the outbox until a request is done, then go out with its removal from the in-flight set
    in one transaction: a worker killed before it redoes the request, one killed after
    repeats nothing, and a page costs one round trip to Redis instead of four."""

    CAPTURE_IDS = 100  # taken from the run's counter at a time

    def __init__(self, run: FleetRun, site: str, worker: str, lease: float = DEFAULT_LEASE) -> None:
        self.run = run
        self.site = site
        self.worker = worker
        self.lease = lease
        self._vouched_at = -math.inf  # when a renewal last proved the lease this worker's
        self.lost = False
        self.inflight_key = run.key(site, "inflight")
        self.lease_key = run.key(site, "lease")
        self._taken: dict[str, list[bytes]] = {}  # first URL requested -> its encoded requests
        self._outbox: list[str] = []
        self._stats: dict[str, int] = {}
        # The crawler's counters since they were last taken (worker.FleetStats): they go out
        # with every flush, so the counts of pages stored are never lost with their worker.
        self.tally: Callable[[], dict[str, int]] | None = None
        self._capture_ids: Iterator[int] = iter(())
        self._queued: dict[str, int] = {}  # page -> how many of the requests it led to are queued
        self._awaited: dict[str, tuple[int, Callable[[], None]]] = {}  # page -> (how many, then)

    def holds_lease(self) -> bool:
        """Whether this worker still holds the site: proved by a renewal less than half a lease
        ago, or by one now. A worker whose process stalled past its lease (a loaded machine)
        finds that another has taken the site over and redoes what it had in hand: it must send
        neither a request nor a record after that, or the site sees two crawlers at once."""
        if self.lost:
            return False
        moment = time.monotonic()
        if moment - self._vouched_at < self.lease / 2:
            return True
        if self.run.renew_lease(self.site, self.worker, self.lease):
            self._vouched_at = moment
            return True
        self.lost = True
        logger.warning(
            "%s: this worker's lease lapsed while it was busy; it sends nothing more for the site", self.site
        )
        return False

    def taken(self, origin: str, data: bytes) -> None:
        self._taken.setdefault(origin, []).append(data)

    def expect(self, parent: str, count: int, then: Callable[[], None]) -> None:
        """Run `then` once `count` requests that `parent` led to are queued (some may be already)."""
        self._awaited[parent] = (count, then)
        self.queued(parent, 0)

    def queued(self, parent: str, count: int = 1) -> None:
        """A request `parent` led to is queued (or was a duplicate)."""
        queued = self._queued[parent] = self._queued.get(parent, 0) + count
        awaited = self._awaited.get(parent)
        if awaited is not None and queued >= awaited[0]:
            del self._awaited[parent], self._queued[parent]
            awaited[1]()

    def done(self, origin: str) -> None:
        """Nothing left to redo for `origin`: its page is read or its listing walked."""
        self.flush(self._taken.pop(origin, None) or [])

    def send(self, record: dict[str, Any]) -> None:
        """A record for the writer, sent with the next flush."""
        self._outbox.append(json.dumps(record, ensure_ascii=False))

    def count(self, deltas: dict[str, int]) -> None:
        """Stats to add to the run's, sent with the next flush."""
        for name, value in deltas.items():
            self._stats[name] = self._stats.get(name, 0) + value

    def flush(self, finished: list[bytes] | None = None) -> None:
        """Send the outbox and the stats, and take `finished` off the in-flight set, in one
        transaction; kept for the next flush if Redis does not answer."""
        if self.tally is not None:
            self.count(self.tally())
        if not (self._outbox or self._stats or finished):
            return
        if not self.holds_lease():  # the site's next worker redoes all this one had not finished
            self._outbox.clear()
            self._stats.clear()
            return
        pipe = self.run.redis.pipeline(transaction=True)
        for data in self._outbox:
            pipe.xadd(self.run.key("stream"), {"r": data})
        _add_stats(pipe, self.run.key(self.site, "stats"), self._stats)
        if finished:
            pipe.zrem(self.inflight_key, *finished)
        pipe.execute()
        self._outbox.clear()
        self._stats.clear()

    def next_capture_id(self) -> int:
        for capture_id in self._capture_ids:
            return capture_id
        self._capture_ids = iter(self.run.capture_ids(self.CAPTURE_IDS))
        return next(self._capture_ids)


class SharedSet:
    """A set one lease holder at a time reads and grows: read from Redis once, then written
    through, so the next holder of the site starts where this one stopped."""

    def __init__(self, client: redis.Redis, key: str) -> None:
        self.redis = client
        self.key = key
        self.members = {member.decode() for member in client.smembers(key)}

    def __contains__(self, value: object) -> bool:
        return value in self.members

    def __iter__(self) -> Iterator[str]:
        return iter(self.members)

    def __len__(self) -> int:
        return len(self.members)

    def update(self, values: Iterable[str]) -> None:
        new = [value for value in values if value not in self.members]
        if new:
            self.members.update(new)
            self.redis.sadd(self.key, *new)


class SharedChains(dict):
    """NewsSpider.chains in a fleet: each section's seen links, a SharedSet per section."""

    def __init__(self, run: FleetRun, site: str) -> None:
        super().__init__()
        self.run = run
        self.site = site

    def setdefault(self, chain: str, default: Any = None) -> SharedSet:  # type: ignore[override]
        if chain not in self:
            self[chain] = SharedSet(self.run.redis, self.run.key(self.site, "chain", chain))
        return self[chain]


def fleet_status(url: str) -> dict[str, Any] | None:
    """The run in progress at `url`, for `congdoan status --redis`; None when there is none."""
    run = FleetRun.current(connect(url))
    if run is None:
        return None
    finished = run.finished()
    return {
        "run": run.id,
        "ready": run.ready(),
        "workers": run.alive_workers(),
        "waiting": run.waiting(),
        "sites": {
            site: {"queued": queued, "in_flight": in_flight, "done": site in finished, "worker": run.lease_holder(site)}
            for site, (queued, in_flight) in run.queue_sizes().items()
        },
    }


def _add_stats(pipe: Any, key: str, deltas: dict[str, int]) -> None:
    for name, value in deltas.items():
        pipe.hincrby(key, name, value)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Back to the queue: every request the site's last worker took and did not finish.
_REQUEUE = """
local items = redis.call('zrange', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #items, 2 do redis.call('zadd', KEYS[2], items[i + 1], items[i]) end
redis.call('del', KEYS[1])
return #items / 2
"""
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
