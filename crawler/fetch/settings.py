"""Scrapy settings: polite by default. `scrapy crawl <site>` and `congdoan crawl` both use them.

Project settings carry the ARCHIVE_ prefix:
- ARCHIVE_DB: the SQLite archive (default ./archive.db).
- ARCHIVE_MIRROR: fetch https://HOST/PATH from MIRROR/HOST/PATH instead (tests, replicas).
- ARCHIVE_CONTACT: the contact put in the User-Agent.
- ARCHIVE_CAPTURE, ARCHIVE_WARC_DIR: raw WARC captures of every exchange (crawler/fetch/capture.py).
- ARCHIVE_REPLAY: archives to replay instead of fetching (set by `congdoan crawl --replay`);
  ARCHIVE_REPLAY_INDEX_CACHE: where their indexes are kept between runs.
- ARCHIVE_MEDIA, ARCHIVE_MEDIA_MAXSIZE, ARCHIVE_MEDIA_BACKLOG: the articles' photos (crawler/fetch/media.py).
"""

import os

from crawler.capture import index_cache

# Scrapy's cookie middleware asks tldextract for the public suffix list, which downloads
# it from publicsuffix.org on a machine's first crawl (and prints a traceback when offline).
# The list tldextract ships is enough to scope cookies; a crawl contacts only the sites.
# Set TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS to fetch a fresh list instead.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

BOT_NAME = "congdoan"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

ARCHIVE_DB = os.environ.get("CONGDOAN_DB", "archive.db")
ARCHIVE_MIRROR = os.environ.get("CONGDOAN_MIRROR") or None
ARCHIVE_CONTACT = os.environ.get("CONGDOAN_CONTACT", "https://github.com/congdoan-archive/congdoan-archive")
USER_AGENT = os.environ.get(
    "CONGDOAN_USER_AGENT",
    f"congdoan-archive/0.1 (Vietnamese trade-union news archive; +{ARCHIVE_CONTACT})",
)

# Politeness: robots.txt, two requests at a time per site, a base delay that AutoThrottle
# stretches when a server slows down, and generous timeouts for slow provincial servers.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy starts this many tasks for every response's output; a page yields one item or a
# few dozen links, and 100 (the default) cost about 2 ms of CPU per article in the bench.
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
COOKIES_ENABLED = True  # Lao Động's D1N challenge is answered with a cookie
TELNETCONSOLE_ENABLED = False  # no control ports on operator machines
REMOTE_CONTROL_ENABLED = False

# Articles are stored first; the photos the store finds missing are fetched after them.
ITEM_PIPELINES = {"crawler.store.pipeline.ArchivePipeline": 300, "crawler.fetch.media.MediaArchivePipeline": 400}
ARCHIVE_MEDIA = True  # archive every photo of a stored article (--no-images turns it off)
ARCHIVE_MEDIA_MAXSIZE = 10 * 1024 * 1024
ARCHIVE_MEDIA_BACKLOG = 200  # articles whose missing photos a crawl fetches besides its own
# Below HttpCompressionMiddleware (590): responses pass middlewares from high to low numbers,
# so the challenge check must come after decompression to see the real body.
# CaptureMiddleware next to the downloader (950): it records what the server really sent,
# still compressed, before any other middleware reads or replaces the response.
DOWNLOADER_MIDDLEWARES = {
    "crawler.fetch.middlewares.D1NChallengeMiddleware": 580,
    "crawler.fetch.capture.CaptureMiddleware": 950,
    # Retries that wait (Retry-After, or exponential backoff) in place of Scrapy's own.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.fetch.middlewares.BackoffRetryMiddleware": 550,
    # First of all, for every request and every redirect: only the site's own hosts.
    "crawler.fetch.middlewares.HostGuardMiddleware": 40,
    # Scrapy's own, mended: requests that waited for robots.txt were let through unchecked.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.fetch.middlewares.RobotsTxtMiddleware": 100,
}
# Nothing larger than this is downloaded or decompressed (a gzip bomb stops here too).
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
ARCHIVE_MAX_PAGES = 200  # listing pages followed along one section in one run (infinite paging)
ARCHIVE_RETRY_BACKOFF = 5.0
ARCHIVE_MAX_RETRY_AFTER = 300.0

# Old .gov.vn servers that only speak TLS 1.0/1.1 or use SHA-1 certificates: set
# CONGDOAN_LEGACY_TLS=1 (or `congdoan crawl --legacy-tls`) to lower OpenSSL's security level.
if os.environ.get("CONGDOAN_LEGACY_TLS"):
    DOWNLOADER_CLIENT_TLS_METHOD = "TLS"
    DOWNLOADER_CLIENT_TLS_CIPHERS = "DEFAULT:@SECLEVEL=0"
ARCHIVE_CAPTURE = True
ARCHIVE_WARC_DIR = os.environ.get("CONGDOAN_WARC_DIR") or None  # default: warc/ beside ARCHIVE_DB

# Monitoring: Spidermon runs crawler/ops/monitors.py when each site's crawl closes.
EXTENSIONS = {"spidermon.contrib.scrapy.extensions.Spidermon": 500}
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ("crawler.ops.monitors.CloseMonitorSuite",)
ARCHIVE_STALE_DAYS = 7  # no new article for this long: the site has probably changed
ARCHIVE_MAX_ERROR_RATIO = 0.2

LOG_LEVEL = os.environ.get("CONGDOAN_LOG_LEVEL", "INFO")
FEED_EXPORT_ENCODING = "utf-8"

# Read elsewhere with these same defaults; declared here so that `-s` can tell a real
# setting from a typo (crawler.ops.cli refuses names Scrapy and this file do not know).
ARCHIVE_D1N_ENABLED = True  # answer Lao Động's cookie interstitial (fetch/middlewares.py)
ARCHIVE_HOSTS: dict[str, str] = {}  # {spider: host} for a site that moved (fetch/spider.py)
ARCHIVE_START_URLS: dict[str, list[str]] = {}  # {spider: [listing URL]}: --start-url per site
ARCHIVE_RECHECK_DAYS = 3  # re-check articles published this recently for edits
ARCHIVE_RECHECK_AFTER_HOURS = 12.0
ARCHIVE_TOPIC_TERMS = None  # the general papers' union terms (sites/topic.py's list by default)
ARCHIVE_MIN_PROFILE_SHARE = 0.5  # monitors (ops/monitors.py)
ARCHIVE_MIN_AUTHOR_COVERAGE = 0.8
ARCHIVE_REPLAY: list[str] = []  # set by `congdoan crawl --replay`
# Where replay indexes are kept between runs (capture/index_cache.py); empty: not kept.
ARCHIVE_REPLAY_INDEX_CACHE = index_cache.default_folder()
ARCHIVE_RUN_ID = None  # set by `congdoan crawl`: one name for the sites of a run
ARCHIVE_PROGRESS_INTERVAL = 1.0  # seconds between refreshes of the live display on a terminal
# A fleet (`congdoan crawl --redis`, crawler/fetch/fleet.py and worker.py): set by the command.
REDIS_URL = None  # the run's Redis; none: a single-machine crawl
ARCHIVE_FLEET_WORKER = None  # this worker's name (host and process id)
ARCHIVE_FLEET_LEASE = 10.0  # seconds a site's lease outlives its worker's last heartbeat
ARCHIVE_FLEET_WAIT = 300.0  # seconds a worker waits for the writer's run to be ready
