"""scrapy-redis's scheduler, queue and dupefilter for a fleet run (crawler/fetch/fleet.py), made
safe for workers that die: a request taken from the queue is moved to the site's in-flight set
in the same step, and only leaves it once its page or listing is done, so a `kill -9` loses
nothing; queueing a request and marking it seen are one step too.

Settings (set by `congdoan crawl --redis`): REDIS_URL, ARCHIVE_RUN_ID, and the key patterns
below. scrapy-redis builds its parts with `from_settings`; these classes build them from the
crawler instead.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object
from scrapy_redis import picklecompat
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.fetch.fleet import PARENT, ROOT

# Set on a request the spider makes once (an article): the queue marks it seen, although
# dont_filter lets its redirects and retries through. Dropped when queued, so those do not inherit it.
CLAIM = "fleet_claim"


def fleet_settings(run_id: str, redis_url: str) -> dict[str, Any]:
    """The Scrapy settings that put a crawler's queue and dupefilter in the run's Redis keys."""
    return {
        "REDIS_URL": redis_url,
        "SCHEDULER": "crawler.fetch.redis_scheduler.FleetScheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.fetch.redis_scheduler.FleetQueue",
        "DUPEFILTER_CLASS": "crawler.fetch.redis_scheduler.FleetDupeFilter",
        "SCHEDULER_QUEUE_KEY": f"{ROOT}:{run_id}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{ROOT}:{run_id}:%(spider)s:dupefilter",
        "SCHEDULER_PERSIST": True,  # the queue outlives any one worker; the writer deletes it at the end
    }


class FleetDupeFilter(RFPDupeFilter):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FleetDupeFilter:
        settings = crawler.settings
        spider = crawler.spider
        name = spider.name if spider is not None else "unknown"
        key = settings.get("SCHEDULER_DUPEFILTER_KEY") % {"spider": name}
        return cls(get_redis_from_settings(settings), key=key, debug=settings.getbool("DUPEFILTER_DEBUG"))

    @classmethod
    def from_spider(cls, spider: Any) -> FleetDupeFilter:
        return cls.from_crawler(spider.crawler)


class FleetQueue(PriorityQueue):
    """The site's priority queue. `pop` moves the request to the in-flight set, and only while
    this worker holds the site's lease; `push_unseen` marks and queues in one step."""

    def pop(self, timeout: int = 0) -> Request | None:
        fleet = self.spider.fleet
        data = self.server.eval(_POP, 3, self.key, fleet.inflight_key, fleet.lease_key, fleet.worker)
        if not data:
            return None
        request = self._decode_request(data)
        fleet.taken((request.meta.get("redirect_urls") or [request.url])[0], data)
        return request

    def push_unseen(self, request: Request, fingerprint: str | None, seen_key: str) -> bool:
        data = self._encode_request(request)
        return bool(self.server.eval(_PUSH, 2, self.key, seen_key, -request.priority, data, fingerprint or ""))


class FleetScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FleetScheduler:
        settings = crawler.settings
        server = get_redis_from_settings(settings)
        server.ping()
        scheduler = cls(
            server=server,
            persist=True,
            queue_key=settings.get("SCHEDULER_QUEUE_KEY"),
            queue_cls=settings.get("SCHEDULER_QUEUE_CLASS"),
            dupefilter_key=settings.get("SCHEDULER_DUPEFILTER_KEY"),
            dupefilter_cls=settings.get("DUPEFILTER_CLASS"),
            serializer=picklecompat,
        )
        scheduler.stats = crawler.stats
        return scheduler

    def open(self, spider: Any) -> None:
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key % {"spider": spider.name}, serializer=self.serializer
        )
        self.df = FleetDupeFilter.from_crawler(spider.crawler)
        if len(self.queue):
            spider.logger.info("carrying on the run: %d requests queued", len(self.queue))

    def close(self, reason: str) -> None:
        pass  # the queue and the dupefilter belong to the run, not to this worker

    def enqueue_request(self, request: Request) -> bool:
        claim = request.meta.pop(CLAIM, False)
        parent = request.meta.pop(PARENT, None)
        fingerprint = self.df.request_fingerprint(request) if claim or not request.dont_filter else None
        queued = self.queue.push_unseen(request, fingerprint, self.df.key)
        if parent is not None:
            self.spider.fleet.queued(parent)
        if not queued:
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        request = self.queue.pop()
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


# Take the first request into the in-flight set, if this worker still holds the lease.
_POP = """
if redis.call('get', KEYS[3]) ~= ARGV[1] then return false end
local first = redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')
if #first == 0 then return false end
redis.call('zrem', KEYS[1], first[1])
redis.call('zadd', KEYS[2], first[2], first[1])
return first[1]
"""
# Queue a request unless its fingerprint was seen this run; an empty fingerprint always queues.
_PUSH = """
if ARGV[3] ~= '' and redis.call('sadd', KEYS[2], ARGV[3]) == 0 then return 0 end
redis.call('zadd', KEYS[1], ARGV[1], ARGV[2])
return 1
"""
