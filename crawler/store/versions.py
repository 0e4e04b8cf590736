"""What counts as a change of an archived article, and what a replaced text leaves behind in
article_versions. Pure: save_article (crawler/store/archive.py) asks, articles.py writes."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any

from crawler.records import Article

# What the extract stage produced: a difference in any of them is an update. Only a change of
# title or text (content_hash) keeps a version.
ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
# The stored row's columns a version keeps (the row's fetched_at becomes the version's seen_at).
VERSION_COLUMNS = (
    "url",
    "title",
    "lead",
    "body",
    "published_at",
    "updated_at",
    "content_hash",
    "extractor_version",
    "capture_id",
    "fetched_at",
)


def content_hash(article: Article) -> str:
    """What counts as a change: the text a reader sees, not our crawl bookkeeping."""
    payload = json.dumps([article.title, article.lead, article.body], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def unchanged(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether a re-read article is the stored one: every field extraction gives is the same.

    >>> row = dict.fromkeys(ARTICLE_FIELDS, "x")
    >>> unchanged(row, {**row, "capture_id": 7}), unchanged(row, {**row, "author": "y"})
    (True, False)
    """
    return all(old[name] == new[name] for name in ARTICLE_FIELDS)


def text_changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether the title, lead or text changed (a corrected date or byline is no such change)."""
    return old["content_hash"] != new["content_hash"]


def keeps_version(
    old: Mapping[str, Any], new: Mapping[str, Any], keep_version: bool, same_payload: Callable[[], bool]
) -> bool:
    """Whether replacing `old` by `new` keeps `old` in article_versions: only a change of title or
    text does, unless the page's payload is byte-identical to the one `old` was read from (then
    our extractor changed, not the page), or `keep_version` is False (re-extraction).
    `same_payload` is asked last, only when the answer depends on it: it reads the captures.

    >>> old, new = {"content_hash": "a"}, {"content_hash": "b"}
    >>> keeps_version(old, new, True, lambda: False), keeps_version(old, new, True, lambda: True)
    (True, False)
    >>> keeps_version(old, old, True, lambda: False), keeps_version(old, new, False, lambda: False)
    (False, False)
    """
    return keep_version and text_changed(old, new) and not same_payload()


def version_row(old: Mapping[str, Any], new: Mapping[str, Any], now: str) -> dict[str, Any]:
    """The article_versions row `old` leaves when `new` replaces it at `now`: its text, when it
    was seen and superseded, and a unified diff from it to the new text.

    >>> old = {**dict.fromkeys(VERSION_COLUMNS), "url": "u", "title": "Họp", "body": "Một.", "fetched_at": "t1"}
    >>> version = version_row(old, {**old, "body": "Hai."}, "t2")
    >>> version["body"], version["seen_at"], version["superseded_at"], version["diff"].splitlines()[-2:]
    ('Một.', 't1', 't2', ['-Một.', '+Hai.'])
    >>> version["diff"].splitlines()[:2]
    ['--- u @ t1', '+++ u @ t2']
    """

    def lines(row: Mapping[str, Any]) -> list[str]:
        return [row["title"] or "", "", *(row["lead"] or "").splitlines(), "", *(row["body"] or "").splitlines()]

    diff = difflib.unified_diff(
        lines(old),
        lines(new),
        fromfile=f"{old['url']} @ {old['fetched_at']}",
        tofile=f"{new['url']} @ {now}",
        lineterm="",
    )
    version = {k: old[k] for k in VERSION_COLUMNS if k != "fetched_at"}
    return {**version, "seen_at": old["fetched_at"], "superseded_at": now, "diff": "\n".join(diff)}
