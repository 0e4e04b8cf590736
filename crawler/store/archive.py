"""One fetched page through the flow: extract, validate, store. No Scrapy here.

The pipeline calls `store_page` for every Page; later, re-extraction will call it on
stored captures. It never raises for bad input: a page it cannot use becomes a rejection.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlite_utils

from crawler.store import db as archive_db
from crawler.sites.cms import GENERIC, PROFILES_BY_NAME, CmsProfile
from crawler.sites.discover import canonical_url, profile_for_url
from crawler.extract.article import extract
from crawler.records import Article, Page, Rejected, Rejection
from crawler.extract.version import extractor_version

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stored:
    outcome: str  # new | updated | unchanged | rejected
    reason: str | None = None
    article: Article | None = None


def profile_for_page(page: Page) -> CmsProfile:
    """The profile of the page's host; a spider's own profile when its site moved host."""
    profile = profile_for_url(page.url)
    if profile is GENERIC and page.profile in PROFILES_BY_NAME:
        host = urlsplit(page.url).hostname or ""
        return dataclasses.replace(PROFILES_BY_NAME[page.profile], host=host, host_aliases=())
    return profile


def store_page(db: sqlite_utils.Database, page: Page, topic_terms: tuple[str, ...] | None = None,
               keep_version: bool = True, count_attempt: bool = True) -> Stored:
    """Extract, validate and store one page. With `topic_terms` (a general newspaper's
    spider), a story that names none of them is rejected as off-topic. `keep_version`:
    see db.save_article."""
    try:
        article = read_page(page, topic_terms)
    except Rejected as rejected:
        logger.info("rejected %s: %s", page.url, rejected)
        return _reject(db, page, rejected, count_attempt)
    except Exception as error:  # an extractor bug must not stop the crawl or lose the URL
        logger.exception("extraction failed for %s", page.url)
        return _reject(db, page, Rejected("extract-error", repr(error)), count_attempt)
    outcome = archive_db.save_article(db, article, page.fetched_at, page.capture_id, extractor_version(), keep_version)
    return Stored(outcome, article=article)


def read_page(page: Page, topic_terms: tuple[str, ...] | None = None) -> Article:
    """The page's Article; raises Rejected when it is not one."""
    if page.status >= 400:
        raise Rejected(f"http-{page.status}", f"the site answered HTTP {page.status}")
    article = extract(page.body, page.url, page.fetched_at, page.content_type, profile_for_page(page), topic_terms)
    return dataclasses.replace(article, site=page.site) if page.site else article


def _reject(db: sqlite_utils.Database, page: Page, rejected: Rejected, count_attempt: bool = True) -> Stored:
    archive_db.save_rejection(
        db, Rejection(canonical_url(page.url), page.site, rejected.reason, rejected.detail, page.fetched_at),
        page.capture_id, count_attempt,
    )
    return Stored("rejected", rejected.reason)
