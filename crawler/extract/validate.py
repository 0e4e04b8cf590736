"""validate(draft, profile) -> Article, or raise Rejected(reason). Pure.

Reasons are stable slugs: they key the `rejections` table and the
`archive/rejected/<reason>` stats, so operators can count them over time.
"""

from __future__ import annotations

import re

from crawler.records import Article, Rejected
from crawler.sites.cms import GENERIC, CmsProfile
from crawler.sites.topic import UNION_TERMS, union_terms_in

MIN_BODY_CHARS = 200  # shorter "bodies" are teasers, galleries or error pages

NOT_AN_ARTICLE = "not-an-article"
ID_MISMATCH = "id-mismatch"
NO_TITLE = "no-title"
NO_BODY = "no-body"
NO_DATE = "no-date"
OFF_TOPIC = "off-topic"


def validate(
    draft: Article, profile: CmsProfile, wrapper_id: str | None = None, topic_terms: tuple[str, ...] | None = None
) -> Article:
    """Accept a draft only if it is a dated article with a title and a real body, and, from
    a general newspaper (or whenever `topic_terms` are given), union news."""
    path = re.sub(r"^[a-z]+://[^/]+", "", draft.url).split("?")[0]
    if profile is not GENERIC and not re.search(profile.article_pattern, path):
        raise Rejected(NOT_AN_ARTICLE, f"{draft.url} is not an article URL of {profile.name}")
    url_id = profile.article_id(path)
    if wrapper_id and url_id and wrapper_id != url_id:
        # The site served another article than the one asked for (a redirect, a layout change).
        raise Rejected(ID_MISMATCH, f"page carries article id {wrapper_id}, URL says {url_id}")
    if not draft.title:
        raise Rejected(NO_TITLE, "no title in markup, JSON-LD, OpenGraph or <title>")
    if len(draft.body) < MIN_BODY_CHARS:
        raise Rejected(NO_BODY, f"body has {len(draft.body)} characters, fewer than {MIN_BODY_CHARS}")
    if not draft.published_at:
        # Never filled in with the crawl time: a missing date is an outcome of its own.
        raise Rejected(NO_DATE, "no publication date in markup, JSON-LD, meta tags or trafilatura")
    if (profile.topic_filter or topic_terms is not None) and not union_terms_in(draft, topic_terms or UNION_TERMS):
        raise Rejected(OFF_TOPIC, "title, lead and body name no union term")
    return draft
