"""The one-line-per-site run summary, from a crawl's stats. Pure."""

from __future__ import annotations

from typing import Any


def _sum_prefix(stats: dict[str, Any], prefix: str) -> int:
    return sum(v for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int))


def summarize(site: str, stats: dict[str, Any]) -> tuple[str, bool]:
    """(summary line, ok). A run that got no successful response at all has failed.

    >>> summarize("laodong", {"downloader/response_status_count/200": 5, "archive/articles/new": 3})
    ('laodong: ok: 3 new, 0 updated, 0 unchanged, 0 rejected; 0 requests, 5 responses, 0 errors', True)
    >>> summarize("laodong", {"downloader/request_count": 3, "archive/errors/dns": 3,
    ...                       "archive/last_error": "DNS lookup failed for laodong.vn"})[0]
    'laodong: FAILED: DNS lookup failed for laodong.vn (3 requests, 0 responses, 3 errors)'
    """
    ok_responses = _sum_prefix(stats, "downloader/response_status_count/2")
    requests = stats.get("downloader/request_count", 0)
    responses = stats.get("downloader/response_count", ok_responses)
    errors = _sum_prefix(stats, "archive/errors/")
    counts = f"{requests} requests, {responses} responses, {errors} errors"
    reason = stats.get("finish_reason", "finished")
    if ok_responses == 0 or reason not in ("finished", "closespider_itemcount", "closespider_pagecount"):
        cause = stats.get("archive/last_error") or f"no successful response (finish reason: {reason})"
        return f"{site}: FAILED: {cause} ({counts})", False
    if stats.get("archive/requests/entry") and not stats.get("archive/links/found"):
        # Pages came back, but not one article link: blocked, or the markup changed.
        unsolved = stats.get("archive/d1n/unsolved")
        cause = f"{unsolved} cookie challenges unsolved" if unsolved else "no article link on any listing page"
        return f"{site}: FAILED: {cause} (blocked, or the markup changed) ({counts})", False
    articles = ", ".join(f"{stats.get(f'archive/articles/{k}', 0)} {k}" for k in ("new", "updated", "unchanged"))
    rejected = _sum_prefix(stats, "archive/rejected/")
    extra = ""
    if stats.get("archive/d1n/answered"):
        extra = f", {stats['archive/d1n/answered']} cookie challenges answered"
    return f"{site}: ok: {articles}, {rejected} rejected; {counts}{extra}", True
