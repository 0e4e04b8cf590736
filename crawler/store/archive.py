"""One extracted Article, or one fetched page, into archive.db: what storing it decides, in
order and in one transaction (new, changed or the same; a version; a rowid; its copies).

The pipeline calls `store_page` for every Page; re-extraction calls it on stored captures.
It never raises for bad input: a page it cannot use becomes a rejection. No Scrapy here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import sqlite_utils

from crawler.extract.page import read_page
from crawler.extract.version import extractor_version
from crawler.records import Article, Page, Rejected, Rejection
from crawler.sites.discover import canonical_url
from crawler.store import articles, copies, media, versions
from crawler.store.aliases import Alias, record_aliases
from crawler.store.captures import same_payload

logger = logging.getLogger(__name__)

Outcome = Literal["new", "updated", "unchanged"]


@dataclass(frozen=True)
class Stored:
    outcome: str  # new | updated | unchanged | rejected
    reason: str | None = None
    article: Article | None = None


def save_article(
    db: sqlite_utils.Database,
    article: Article,
    fetched_at: str,
    capture_id: int | None = None,
    extractor_version: str | None = None,
    keep_version: bool = True,
    aliases: Sequence[Alias] = (),
) -> Outcome:
    """Upsert one article; say whether it was new, changed or the same as before. Its photos
    are linked to it, as pending where the archive has not kept them yet. `aliases` are the
    other URLs it was reached under (crawler/store/aliases.py): a row stored under one of them
    is merged into this one first.

    A change of title or text keeps the previous version in article_versions, with a diff
    (crawler/store/versions.py says when). New and changed texts are checked for copies
    among the archive (crawler/store/copies.py). One transaction: a crash leaves the
    article, its version and its duplicate links all or nothing."""
    row = {**articles.article_row(article), "capture_id": capture_id, "extractor_version": extractor_version}
    # atomic(), not `with db.conn`: that opens no transaction, and sqlite-utils 4 commits each
    # write db.execute() runs outside one, so the article, its marks and its links were
    # committed separately (a kill in between kept an article without its duplicate marks).
    with db.atomic():
        record_aliases(db, article.url, aliases, fetched_at)
        old = articles.stored_article(db, article.url)
        articles.clear_rejection(db, article.url)
        media.link_media(db, article.url, article.site, (image.url for image in article.images), fetched_at)
        if old is None:
            rowid = articles.free_rowid(db, row["published_at"])
            articles.insert_article(
                db,
                {
                    "rowid": rowid,
                    **row,
                    "first_seen_at": fetched_at,
                    "last_seen_at": fetched_at,
                    "fetched_at": fetched_at,
                },
            )
            copies.link_copies(db, article.url, row["body"], row["content_hash"])
            return "new"
        if versions.unchanged(old, row):
            articles.note_sighting(db, article.url, fetched_at, capture_id, extractor_version)
            return "unchanged"
        if versions.keeps_version(old, row, keep_version, lambda: same_payload(db, old["capture_id"], capture_id)):
            articles.insert_version(db, versions.version_row(old, row, fetched_at))
        articles.update_article(db, {**row, "last_seen_at": fetched_at, "fetched_at": fetched_at})
        if old["published_at"] != row["published_at"]:  # keep rowids in publication order
            articles.move_article(db, article.url, articles.free_rowid(db, row["published_at"]))
        if versions.text_changed(old, row):
            copies.link_copies(db, article.url, row["body"], row["content_hash"])
        return "updated"


def store_page(
    db: sqlite_utils.Database,
    page: Page,
    topic_terms: tuple[str, ...] | None = None,
    keep_version: bool = True,
    count_attempt: bool = True,
) -> Stored:
    """Extract, validate and store one page. With `topic_terms` (a general newspaper's
    spider), a story that names none of them is rejected as off-topic. `keep_version`:
    see save_article."""
    return store_read(db, page, read_or_reject(page, topic_terms), keep_version, count_attempt)


def read_or_reject(page: Page, topic_terms: tuple[str, ...] | None = None) -> Article | Rejected:
    """The page's article, or why it is none. A fleet worker reads; the writer stores."""
    try:
        return read_page(page, topic_terms)
    except Rejected as rejected:
        logger.info("rejected %s: %s", page.url, rejected)
        return rejected
    except Exception as error:  # an extractor bug must not stop the crawl or lose the URL
        logger.exception("extraction failed for %s", page.url)
        return Rejected("extract-error", repr(error))


def store_read(
    db: sqlite_utils.Database,
    page: Page,
    result: Article | Rejected,
    keep_version: bool = True,
    count_attempt: bool = True,
) -> Stored:
    """Store what reading `page` gave (its body is not needed any more)."""
    if isinstance(result, Rejected):
        return _reject(db, page, result, count_attempt)
    outcome = save_article(
        db, result, page.fetched_at, page.capture_id, extractor_version(), keep_version, aliases_of(page, result)
    )
    return Stored(outcome, article=result)


def aliases_of(page: Page, article: Article) -> list[Alias]:
    """The URLs the page was reached under that are not the article's own: the URL fetched,
    when the page's rel=canonical named another, and the links that redirected to it."""
    fetched = canonical_url(page.url)
    found = [(fetched, "rel-canonical")] if fetched != article.url else []
    return found + [(source, "redirect") for source in page.redirects if source not in (article.url, fetched)]


def _reject(db: sqlite_utils.Database, page: Page, rejected: Rejected, count_attempt: bool = True) -> Stored:
    for source in page.redirects:  # known, so the next run does not take them for new links
        articles.save_rejection(
            db, Rejection(source, page.site, "redirected", f"redirects to {page.url}", page.fetched_at)
        )
    articles.save_rejection(
        db,
        Rejection(canonical_url(page.url), page.site, rejected.reason, rejected.detail, page.fetched_at),
        page.capture_id,
        count_attempt,
    )
    return Stored("rejected", rejected.reason)
