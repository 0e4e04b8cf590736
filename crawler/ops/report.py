"""The one-line-per-site run summary and the `crawls` row, from a crawl's stats. Pure."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

# Dead links (404, 410) are facts about the site, not failures of the crawl.
_NOT_ERRORS = ("archive/errors/http-404", "archive/errors/http-410")


def sum_prefix(stats: dict[str, Any], prefix: str) -> int:
    return sum(v for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int))


def error_count(stats: dict[str, Any]) -> int:
    """Requests that failed: network errors, 5xx, 429 and the like; dead links excluded.

    >>> error_count({"archive/errors/timeout": 2, "archive/errors/http-404": 5, "archive/errors/http-503": 1})
    3
    """
    return sum_prefix(stats, "archive/errors/") - sum(stats.get(k, 0) for k in _NOT_ERRORS)


def failure_cause(stats: dict[str, Any]) -> str | None:
    """Why the crawl of a site failed outright, or None: no successful response at all,
    or listings that came back without a single article link."""
    ok_responses = sum_prefix(stats, "downloader/response_status_count/2")
    reason = stats.get("finish_reason", "finished")
    if ok_responses == 0 or reason not in ("finished", "closespider_itemcount", "closespider_pagecount"):
        return stats.get("archive/last_error") or f"no successful response (finish reason: {reason})"
    if stats.get("archive/requests/entry") and not stats.get("archive/links/found"):
        unsolved = stats.get("archive/d1n/unsolved")
        cause = f"{unsolved} cookie challenges unsolved" if unsolved else "no article link on any listing page"
        return f"{cause} (blocked, or the markup changed)"
    return None


def photo_counts(stats: dict[str, Any]) -> str:
    """
    >>> photo_counts({"archive/media/archived": 4, "archive/media/failed": 1, "archive/media/failed/http-404": 1})
    '4 photos archived, 1 not (1 http-404)'
    >>> photo_counts({})
    '0 photos archived'
    """
    line = f"{stats.get('archive/media/archived', 0)} photos archived"
    failed = stats.get("archive/media/failed", 0)
    if failed:
        reasons = ", ".join(
            f"{v} {k.rsplit('/', 1)[1]}" for k, v in sorted(stats.items()) if k.startswith("archive/media/failed/")
        )
        line += f", {failed} not ({reasons})"
    return line


def summarize(site: str, stats: dict[str, Any]) -> tuple[str, bool]:
    """(summary line, ok). A run that got no successful response at all has failed, and so
    has one whose monitors failed.

    >>> summarize("laodong", {"downloader/response_status_count/200": 5, "archive/articles/new": 3})
    ('laodong: ok: 3 new, 0 updated, 0 unchanged, 0 rejected; 0 requests, 5 responses, 0 errors', True)
    >>> summarize("laodong", {"downloader/request_count": 3, "archive/errors/dns": 3,
    ...                       "archive/last_error": "DNS lookup failed for laodong.vn"})[0]
    'laodong: FAILED: DNS lookup failed for laodong.vn (3 requests, 0 responses, 3 errors)'
    >>> summarize("laodong", {"downloader/response_status_count/200": 5, "spider_exceptions/KeyError": 2})[0]
    'laodong: ok: 0 new, 0 updated, 0 unchanged, 0 rejected; 0 requests, 5 responses, 0 errors; 2 spider exceptions (see the log)'
    """
    if stats.get("archive/media/only"):  # congdoan fetch-media: photos and nothing else
        finished = stats.get("finish_reason", "finished") == "finished"
        return f"{site}: {'ok' if finished else 'FAILED'}: {photo_counts(stats)}", finished
    ok_responses = sum_prefix(stats, "downloader/response_status_count/2")
    requests = stats.get("downloader/request_count", 0)
    responses = stats.get("downloader/response_count", ok_responses)
    counts = f"{requests} requests, {responses} responses, {sum_prefix(stats, 'archive/errors/')} errors"
    cause = failure_cause(stats)
    if cause is not None:
        return f"{site}: FAILED: {cause} ({counts})", False
    articles = ", ".join(f"{stats.get(f'archive/articles/{k}', 0)} {k}" for k in ("new", "updated", "unchanged"))
    rejected = sum_prefix(stats, "archive/rejected/")
    extra = ""
    if stats.get("archive/d1n/answered"):
        extra = f", {stats['archive/d1n/answered']} cookie challenges answered"
    if stats.get("archive/feeds/too-large"):  # a bomb, or a sitemap past DOWNLOAD_MAXSIZE
        extra += f", {stats['archive/feeds/too-large']} feeds refused as too large (feed-too-large)"
    if stats.get("archive/requests/media"):
        extra += f"; {photo_counts(stats)}"
    exceptions = sum_prefix(stats, "spider_exceptions/")
    if exceptions:  # a bug met on some pages: they are in the log, not in the archive
        extra += f"; {exceptions} spider exceptions (see the log)"
    line = f"{site}: ok: {articles}, {rejected} rejected; {counts}{extra}"
    failures = stats.get("archive/monitors/failures") or []
    if failures:
        return f"{line}\n{site}: MONITOR FAILED: " + "; ".join(failures), False
    return line, True


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def crawl_row(run_id: str, site: str, stats: dict[str, Any]) -> dict[str, Any]:
    """The `crawls` row of one site's run."""
    by_status = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("downloader/response_status_count/")}
    listing_kinds = ("entry", "next-page", "category", "feed")
    return {
        "run_id": run_id,
        "site": site,
        "started_at": _iso(stats.get("start_time")),
        "finished_at": _iso(stats.get("finish_time")),
        "finish_reason": stats.get("finish_reason"),
        "requests": stats.get("downloader/request_count", 0),
        "responses": stats.get("downloader/response_count", 0),
        "responses_by_status": json.dumps(by_status, sort_keys=True),
        **{k: stats.get(f"archive/articles/{k}", 0) for k in ("new", "updated", "unchanged")},
        "rejected": sum_prefix(stats, "archive/rejected/"),
        "errors": error_count(stats),
        "listing_requests": sum(stats.get(f"archive/requests/{kind}", 0) for kind in listing_kinds),
        "article_requests": stats.get("archive/requests/article", 0) + stats.get("archive/requests/recheck", 0),
        "stats": json.dumps({k: _iso(v) for k, v in stats.items()}, ensure_ascii=False, sort_keys=True, default=str),
    }


def site_health(crawls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per site, for `congdoan status` (a table, or --json for monitoring): its last run and
    the verdicts of the runs before. `crawls` are store.crawls.last_crawls rows, newest first
    within each site.

    >>> run = {"site": "laodong", "verdict": "ok", "alerts": "[]", "started_at": "2026-11-22T06:00:00+00:00",
    ...        "finished_at": None, "new": 4, "updated": 0, "rejected": 6, "errors": 0, "last_new_article": None}
    >>> [(h["site"], h["healthy"], h["runs"]) for h in site_health([run, {**run, "verdict": "failed"}])]
    [('laodong', True, ['failed', 'ok'])]
    """
    by_site: dict[str, list[dict[str, Any]]] = {}
    for row in crawls:
        by_site.setdefault(row["site"], []).append(row)
    health = []
    for site, runs in sorted(by_site.items()):
        last = runs[0]
        health.append(
            {
                "site": site,
                "healthy": last["verdict"] == "ok",
                "last_run_started_at": last["started_at"],
                "last_run_finished_at": last["finished_at"],
                **{key: last[key] for key in ("new", "updated", "rejected", "errors")},
                "last_new_article": last["last_new_article"],
                "alerts": json.loads(last["alerts"] or "[]"),
                "runs": [run["verdict"] for run in reversed(runs)],  # oldest first
            }
        )
    return health
