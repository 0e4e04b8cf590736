"""One fetched page through the flow: extract, validate, store. No Scrapy here.

The pipeline calls `store_page` for every Page; later, re-extraction will call it on
stored captures. It never raises for bad input: a page it cannot use becomes a rejection.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlite_utils

from crawler import db as archive_db
from crawler.discover import canonical_url, site_for_url
from crawler.extract import extract
from crawler.records import Page, Rejected, Rejection

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stored:
    outcome: str  # new | updated | unchanged | rejected
    reason: str | None = None


def store_page(db: sqlite_utils.Database, page: Page) -> Stored:
    try:
        if page.status >= 400:
            raise Rejected(f"http-{page.status}", f"the site answered HTTP {page.status}")
        if page.site is not None and site_for_url(page.url) != page.site:
            # Redirected off the site, e.g. to a translated subdomain: not this archive's page.
            raise Rejected("off-site", f"{page.url} is not on the {page.site} site")
        content_type = next((v for k, v in page.headers.items() if k.lower() == "content-type"), None)
        article = extract(page.body, page.url, page.fetched_at, content_type)
    except Rejected as rejected:
        archive_db.save_rejection(
            db, Rejection(canonical_url(page.url), page.site, rejected.reason, rejected.detail, page.fetched_at)
        )
        logger.info("rejected %s: %s", page.url, rejected)
        return Stored("rejected", rejected.reason)
    except Exception as error:  # an extractor bug must not stop the crawl or lose the URL
        logger.exception("extraction failed for %s", page.url)
        archive_db.save_rejection(
            db, Rejection(canonical_url(page.url), page.site, "extract-error", repr(error), page.fetched_at)
        )
        return Stored("rejected", "extract-error")
    return Stored(archive_db.save_article(db, article, page.fetched_at))
