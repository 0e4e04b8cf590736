"""`congdoan reextract`: rebuild rows from the stored raw captures with the current extractor.

Offline: every article and rejection that links to a capture is read again from its WARC
record. An article the current extractor would reject is kept as it is and counted, never
deleted: a lost row is worse than a stale one. Re-extraction changes our reading of a
page, not the page, so it records no article version. Running it twice changes nothing
the second time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from crawler.capture.warc import decoded_payload, read_record
from crawler.extract.page import read_page
from crawler.extract.version import extractor_version
from crawler.records import Page, Rejected
from crawler.sites.cms import PROFILES_BY_NAME
from crawler.sites.discover import site_for_url
from crawler.sites.topic import parse_terms
from crawler.store.archive import save_article, store_page
from crawler.store.captures import capture_payload_location, captured_pages

logger = logging.getLogger(__name__)


@dataclass
class Reextracted:
    pages: int = 0
    changed: int = 0  # articles whose stored text or fields changed, and rejections now articles
    unchanged: int = 0
    still_rejected: int = 0
    now_rejected: int = 0  # articles the current extractor rejects; kept as they were
    missing: list[str] = field(default_factory=list)  # URLs whose capture could not be read

    def summary(self) -> str:
        return (
            f"{self.pages} captured pages re-extracted: {self.changed} changed, {self.unchanged} unchanged, "
            f"{self.still_rejected} still rejected, {self.now_rejected} articles now rejected (kept), "
            f"{len(self.missing)} captures missing"
        )


def _page(db: sqlite_utils.Database, root: Path, url: str, site: str, capture_id: int) -> Page:
    location = capture_payload_location(db, capture_id)
    if location is None:
        raise LookupError(f"capture {capture_id} is not in the captures table")
    capture = read_record(root / location["warc_file"], location["warc_offset"])
    # Captures from before m011 lack the profile: the site's own, on one of its hosts.
    profile = location["profile"] or (site if site_for_url(location["url"]) == site else None)
    return Page(
        url=location["url"],
        site=site,
        status=location["status"],
        body=decoded_payload(capture),
        fetched_at=location["fetched_at"],
        headers=dict(capture.headers),
        profile=profile,
        capture_id=capture_id,
    )


def _terms(site: str) -> tuple[str, ...] | None:
    profile = PROFILES_BY_NAME.get(site)
    return parse_terms(None) if profile is not None and profile.topic_filter else None


def reextract(db: sqlite_utils.Database, root: Path, site: str | None = None) -> Reextracted:
    """Re-extract every captured page of the archive (of one site). `root` is the folder
    that captures' warc_file paths are relative to: the archive's own folder."""
    result = Reextracted()
    for table, url, row_site, capture_id in captured_pages(db, site):
        result.pages += 1
        try:
            page = _page(db, root, url, row_site, capture_id)
        except Exception as error:  # a missing file, a corrupt record: counted, and the run goes on
            logger.warning("reextract: cannot read the capture of %s: %s", url, error)
            result.missing.append(url)
            continue
        if table == "articles":
            try:
                article = read_page(page, _terms(row_site))
            except Rejected as rejected:
                logger.warning("reextract: %s is now rejected (%s); the stored article is kept", url, rejected)
                result.now_rejected += 1
                continue
            except Exception:  # an extractor bug: the stored article stays
                logger.exception("reextract: extraction failed for %s; the stored article is kept", url)
                result.now_rejected += 1
                continue
            outcome = save_article(db, article, page.fetched_at, capture_id, extractor_version(), keep_version=False)
        else:
            outcome = store_page(db, page, _terms(row_site), keep_version=False, count_attempt=False).outcome
        if outcome in ("new", "updated"):
            result.changed += 1
        elif outcome == "unchanged":
            result.unchanged += 1
        else:
            result.still_rejected += 1
    return result
