"""The spiders' errback: what a failed or dropped request becomes (a stat and a log line, and
for an article a rejection), so the summary names every failure and the next run skips it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.fetch.failures import FAILURE_TEXT, category_of
from crawler.fetch.frontier import now
from crawler.fetch.kinds import RequestKind
from crawler.fetch.middlewares import LeaseLost, RefusedRequest
from crawler.records import Page, Rejection
from crawler.sites import discover

logger = logging.getLogger(__name__)
UNREACHABLE = frozenset({"dns", "connection", "timeout", "tls"})


def describe_failure(failure: Failure) -> tuple[str, str]:
    """(category, one-line message) for a failed request, for stats and the run summary."""
    request = getattr(failure, "request", None)
    host = urlsplit(request.url).hostname if request is not None else "?"
    if failure.check(HttpError):
        status = failure.value.response.status
        return f"http-{status}", f"HTTP {status} from {host}"
    name = type(failure.value).__name__
    category = category_of(failure.value)
    detail = failure.getErrorMessage() or name
    return category, FAILURE_TEXT[category].format(host=host, name=name, detail=detail)


def ignored_reason(error: BaseException, reason: str) -> tuple[str, bool]:
    """(rejection slug, settled) for a request Scrapy or our guard dropped."""
    if isinstance(error, RefusedRequest):
        return ("url-trap" if "trap" in reason else "off-site"), True
    if "robots.txt" in reason:
        return "robots-disallowed", True
    if "redirections" in reason:
        return "redirect-loop", True
    if "DOWNLOAD_MAXSIZE" in reason:
        return "too-large", True
    return "ignored", False


class FailureHandling:
    """NewsSpider's errback, `on_error`. A dead article link becomes an http-NNN rejection via the
    article's `page`; a dead or dropped listing is forgotten by the frontier, with nothing to resume."""

    name: str
    crawler: Crawler

    def on_error(self, failure: Failure) -> Iterator[Page | Rejection]:
        stats = self.crawler.stats
        kind = failure.request.meta.get("archive_kind")
        is_article = kind in (RequestKind.ARTICLE.name, RequestKind.RECHECK.name)
        if failure.check(LeaseLost):  # the site's new worker makes it: nothing to record here
            stats.inc_value("archive/fleet/lease-lost")
            return
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            yield from self.ignored(failure, is_article)
            return
        category, message = describe_failure(failure)
        if category == "too-large" and is_article:
            yield Rejection(
                discover.canonical_url(failure.request.url),
                self.name,
                "too-large",
                message,
                now(),
                self.origin(failure.request),
            )
        if failure.check(HttpError) and not is_article:
            self.forget(failure.request.url)  # a dead listing: nothing to resume
        if kind == RequestKind.FEED.name and failure.check(HttpError):
            stats.inc_value("archive/feeds/missing")  # feeds are optional: logged, never fatal
            logger.info("no feed at %s (%s)", failure.request.url, message)
            return
        stats.inc_value(f"archive/errors/{category}")
        stats.set_value("archive/last_error", message)
        # No connection, no answer, or a server error: the site cannot be reached (an operator alert).
        unreachable = category in UNREACHABLE or category.startswith("http-5") or category == "http-429"
        alert = {"alert": "unreachable", "site": self.name, "alert_key": category} if unreachable else {}
        logger.warning("%s: %s", failure.request.url, message, extra=alert)
        if failure.check(HttpError) and is_article:
            # A dead article link is recorded, not forgotten: it becomes an http-NNN rejection.
            yield self.page(failure.value.response)

    def ignored(self, failure: Failure, is_article: bool) -> Iterator[Rejection]:
        """A request that was not sent or not followed through, and why: robots.txt, the host
        guard (another host, an IP address, a URL-space trap), a redirect loop, a body over
        DOWNLOAD_MAXSIZE once decompressed. An article is remembered as a rejection, so the
        next run does not take it for new; anything else is logged and let go."""
        request, reason = failure.request, str(failure.value) or type(failure.value).__name__
        origin, target = self.origin(request), request.url
        slug, settled = ignored_reason(failure.value, reason)
        self.crawler.stats.inc_value(f"archive/ignored/{slug}")
        log = logger.info if slug == "robots-disallowed" else logger.warning
        log("%s: %s: %s", slug, target if origin == target else f"{origin} -> {target}", reason)
        if not is_article:
            self.forget(origin)
        if not (is_article and settled):
            return
        if origin != target:  # the link is remembered under the URL the listing gave
            # The target's first: the rejection that names the request (its frontier URL)
            # marks it done, and nothing of it may come after (a worker killed in between).
            if slug != "redirect-loop":
                yield Rejection(discover.canonical_url(target), self.name, slug, reason, now())
            yield Rejection(
                discover.canonical_url(origin),
                self.name,
                "redirected",
                f"redirects to {target}, which was not fetched: {reason}",
                now(),
                origin,
            )
        else:
            yield Rejection(discover.canonical_url(target), self.name, slug, reason, now(), origin)
