"""Datasette for journalists: search functions, highlighting, readable article pages, raw
captures, Atom feeds and the monthly chart. The logic is in crawler.publish.present and
crawler.publish.query; this file only wires it into Datasette's hooks.

- SQL functions: vn_match(q, mode) builds the FTS5 expression (folding, exact mode,
  abbreviations); vn_match_headline and vn_match_beyond_headline, the same matched in the
  headline only or only elsewhere; vn_snippet(text, q, mode) cuts a plain-text snippet
  around the match; vn_day(value) reads a date typed as YYYY-MM-DD or DD/MM/YYYY;
  vn_rowid_from(since) and vn_rowid_until(until) turn the search's dates into a rowid
  range (crawler/store/searchkey.py); vn_offset(page) gives the rows before a result page.
- Templates get highlight(text) (what the current search matched, in <mark>), vn_number(n)
  ("5.000"), the article view on article pages, the site and province lists, and
  monthly_chart() on pages.
- Titles next to an article URL link to its article page.
- /-/capture/ID shows a raw capture as plain text (never as HTML: no source script runs).
- .atom renders any query with atom_id, atom_title and atom_updated columns.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlencode
from xml.sax.saxutils import escape as xml_escape

from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import Forbidden, NotFound, Response
from markupsafe import Markup, escape

from crawler.publish.captures import UnreadableCapture, capture_text, photo_bytes
from crawler.publish.present import (
    SITE_NAMES,
    article_view,
    highlight_html,
    monthly_chart_svg,
    snippet,
    vn_datetime,
    vn_number,
)
from crawler.publish.query import (
    MODES,
    NEVER_MATCHES,
    beyond_headline,
    compile_query,
    in_headline,
    match_expression,
)
from crawler.store.captures import CAPTURE_PAYLOAD_KEYS, CAPTURE_PAYLOAD_SQL
from crawler.store.media import ARTICLE_MEDIA_SQL, MEDIA_PAYLOAD_SQL
from crawler.store.searchkey import rowid_range
from datasette import hookimpl

PAGE_SIZE = 20  # results per search page; the SQL in metadata.yml says 20 too
MAX_PAGE = 500  # deep pages of a common word cost a walk of the index, so they end here
_DAY = re.compile(r"^\s*(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4}))\s*$")


def _mode(mode: str | None) -> str:
    return mode if mode in MODES else "auto"


def vn_match(query: str | None, mode: str | None) -> str:
    return match_expression(query or "", _mode(mode)) or NEVER_MATCHES


def vn_match_headline(query: str | None, mode: str | None) -> str:
    return in_headline(vn_match(query, mode))


def vn_match_beyond_headline(query: str | None, mode: str | None) -> str:
    return beyond_headline(vn_match(query, mode))


def vn_day(value: str | None) -> str:
    """'' (no limit) for an empty value; YYYY-MM-DD for a date; 'invalid' otherwise, which
    the search page reports."""
    if not value or not value.strip():
        return ""
    found = _DAY.match(value)
    if not found:
        return "invalid"
    y, m, d = (
        (found.group(1), found.group(2), found.group(3))
        if found.group(1)
        else (found.group(6), found.group(5), found.group(4))
    )
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def vn_day_shown(value: str | None) -> str:
    """A date filter as the form shows it, day first (dd/mm/yyyy); what could not be read
    is shown as typed, beside the warning about it."""
    day = vn_day(value)
    if day in ("", "invalid"):
        return (value or "").strip() if day else ""
    return f"{day[8:10]}/{day[5:7]}/{day[:4]}"


def vn_rowid_from(since: str | None) -> int:
    """The first rowid of a search's date range (rowids follow publication time)."""
    day = vn_day(since)
    return rowid_range(day if day != "invalid" else "", "")[0]


def vn_rowid_until(until: str | None) -> int:
    day = vn_day(until)
    return rowid_range("", day if day != "invalid" else "")[1]


def vn_offset(page: str | None) -> int:
    """Rows before page `page` (1-based) of the search results; nonsense is page 1."""
    try:
        number = int(page or 1)
    except ValueError:
        number = 1
    return (min(max(number, 1), MAX_PAGE) - 1) * PAGE_SIZE


@hookimpl
def prepare_connection(conn):
    conn.create_function("vn_match", 2, vn_match, deterministic=True)
    conn.create_function("vn_match_headline", 2, vn_match_headline, deterministic=True)
    conn.create_function("vn_match_beyond_headline", 2, vn_match_beyond_headline, deterministic=True)
    conn.create_function("vn_snippet", 3, lambda text, q, mode: snippet(text, q or "", _mode(mode)), deterministic=True)
    conn.create_function("vn_day", 1, vn_day, deterministic=True)
    conn.create_function("vn_rowid_from", 1, vn_rowid_from, deterministic=True)
    conn.create_function("vn_rowid_until", 1, vn_rowid_until, deterministic=True)
    conn.create_function("vn_offset", 1, vn_offset, deterministic=True)
    conn.create_function("vn_date", 1, vn_datetime, deterministic=True)


def _article_path(datasette, database: str, url: str) -> str:
    return datasette.urls.row(database, "articles", tilde_encode(url))


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    keys = row.keys() if hasattr(row, "keys") else []
    if column == "title" and "url" in keys and isinstance(value, str) and table in (None, "articles"):
        href = _article_path(datasette, database, row["url"])
        return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')
    return None


async def _article(datasette, database: str, url: str):
    db = datasette.get_database(database)
    rows = (await db.execute("select * from articles where url = ?", [url])).rows
    if not rows:
        return None
    versions = (
        await db.execute(
            "select id, seen_at, superseded_at, capture_id, diff from article_versions where url = ? order by id desc",
            [url],
        )
    ).rows
    photos = (await db.execute(ARTICLE_MEDIA_SQL, [url])).rows
    archived = {source: datasette.urls.path(f"/-/media/{sha256}") for source, sha256 in photos}
    return article_view(dict(rows[0]), [dict(v) for v in versions], archived)


async def _provinces(datasette, database: str) -> list[str]:
    # One index seek per province (a skip-scan), not a pass over every article.
    rows = (
        await datasette.get_database(database).execute(
            "with recursive found(name) as (select min(province) from articles union all "
            "select (select min(province) from articles where province > found.name) from found where name is not null) "
            "select name from found where name is not null"
        )
    ).rows
    return [row[0] for row in rows]


def _query_with(args, changes: dict) -> str:
    """The current search's query string with some parameters changed ('' drops one)."""
    params = {key: args.get(key) for key in args}
    params.update({key: str(value) for key, value in changes.items()})
    return urlencode({key: value for key, value in params.items() if value})


FACET_WINDOW = 1000  # the search page's facets count the newest this many results


async def _search_facets(datasette, database: str, args) -> dict:
    """Results per site and per province for the search page, over its newest
    FACET_WINDOW results (all of them when there are fewer): cheap whatever the words."""
    q, mode = args.get("q") or "", _mode(args.get("mode"))
    site, province = args.get("site") or "", args.get("province") or ""
    bounds = [vn_rowid_from(args.get("since")), vn_rowid_until(args.get("until"))]
    filters = "(:site = '' or a.site = :site) and (:province = '' or a.province = :province)"
    if q:
        sql = (
            f"select a.site, a.province from (select rowid from articles_fts where articles_fts match :expr "
            f"and rowid between :lo and :hi order by rowid desc limit {FACET_WINDOW}) m "
            f"join articles a on a.rowid = m.rowid where {filters}"
        )
    else:
        sql = (
            f"select a.site, a.province from articles a where a.rowid between :lo and :hi and {filters} "
            f"and a.duplicate_of is null order by a.rowid desc limit {FACET_WINDOW}"
        )
    rows = (
        await datasette.get_database(database).execute(
            sql, {"expr": vn_match(q, mode), "lo": bounds[0], "hi": bounds[1], "site": site, "province": province}
        )
    ).rows
    sites: dict[str, int] = {}
    provinces: dict[str, int] = {}
    for row in rows:
        if row[0]:
            sites[row[0]] = sites.get(row[0], 0) + 1
        if row[1]:
            provinces[row[1]] = provinces.get(row[1], 0) + 1
    by_count = lambda counts: sorted(counts.items(), key=lambda item: (-item[1], item[0]))  # noqa: E731
    return {
        "sites": by_count(sites),
        "provinces": by_count(provinces),
        "window": len(rows),
        "partial": len(rows) == FACET_WINDOW,
    }


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    async def inner():
        args = request.args if request is not None else {}
        query, mode = args.get("q") or args.get("_search") or "", _mode(args.get("mode"))
        found = {
            "vn_date": vn_datetime,
            "site_names": SITE_NAMES,
            "article_link": lambda url: _article_path(datasette, database, url),
            "highlight": lambda text: Markup(highlight_html(text, query, mode)),
            "vn_day": vn_day,
            "vn_day_shown": vn_day_shown,
            "query_notes": compile_query(query, mode)[1] if query else "",
            "vn_number": vn_number,
        }
        if view_name == "row" and table == "articles" and request is not None:
            found["article"] = await _article(datasette, database, tilde_decode(request.url_vars.get("pks", "")))
        if database:
            found["provinces"] = await _provinces(datasette, database)
        if template == "query-archive-tim_kiem.html" and database and request is not None:
            found["facets"] = await _search_facets(datasette, database, args)
            found["page_number"] = vn_offset(args.get("page")) // PAGE_SIZE + 1
            found["page_size"] = PAGE_SIZE
            found["query_with"] = lambda **changes: _query_with(args, changes)
        if template.startswith("pages/"):
            found["monthly_chart"] = lambda: _monthly_chart(datasette)
        return found

    return inner


async def _monthly_chart(datasette) -> Markup:
    db = datasette.get_database()
    rows = (
        await db.execute(
            "select published_month, site, count(*) from articles where duplicate_of is null "
            "group by published_month, site order by published_month"
        )
    ).rows
    return Markup(monthly_chart_svg([tuple(row) for row in rows], datasette.urls.table(db.name, "articles")))


def _warc_root(datasette) -> Path:
    """WARC paths in `captures` are relative to the live archive's folder; `congdoan serve`
    passes it in CONGDOAN_WARC_ROOT when it serves a published snapshot from elsewhere."""
    configured = os.environ.get("CONGDOAN_WARC_ROOT")
    if configured:
        return Path(configured)
    return Path(datasette.get_database().path or ".").resolve().parent


async def capture(datasette, request):
    db = datasette.get_database()
    if not await datasette.permission_allowed(request.actor, "view-database", resource=db.name, default=True):
        raise Forbidden("view-database")
    capture_id = int(request.url_vars["capture_id"])
    rows = (await db.execute(CAPTURE_PAYLOAD_SQL, [capture_id])).rows
    if not rows:
        raise NotFound(f"no capture {capture_id}")
    try:
        text = capture_text(dict(zip(CAPTURE_PAYLOAD_KEYS, rows[0], strict=True)), _warc_root(datasette))
    except UnreadableCapture as unreadable:
        return Response.text(str(unreadable), status=404)
    response = Response.text(text)
    # Shown as text, in a sandbox: nothing the source served can run or load here.
    response.headers.update(
        {"Content-Security-Policy": "sandbox; default-src 'none'", "X-Content-Type-Options": "nosniff"}
    )
    return response


async def media(datasette, request):
    """An archived photo, from the WARC: only what the media table lists as kept, under the
    type its bytes were judged to be, never sniffed, never running script (an SVG's)."""
    db = datasette.get_database()
    if not await datasette.permission_allowed(request.actor, "view-database", resource=db.name, default=True):
        raise Forbidden("view-database")
    sha256 = request.url_vars["sha256"]
    rows = (await db.execute(MEDIA_PAYLOAD_SQL, [sha256])).rows
    if not rows:
        raise NotFound(f"no archived photo {sha256}")
    content_type, _, warc_file, offset = rows[0]
    etag = f'"{sha256}"'
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable",  # the sha256 is the content
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    }
    if request.headers.get("if-none-match") == etag:
        return Response("", status=304, headers=headers)
    try:
        payload = photo_bytes(content_type, sha256, warc_file, offset, _warc_root(datasette))
    except UnreadableCapture as unreadable:
        return Response.text(str(unreadable), status=404)
    return Response(payload, headers=headers, content_type=content_type)


@hookimpl
def startup(datasette):
    # Where rich is installed (the test extras bring it), Datasette prints every handled error,
    # a visitor's SQL that ran out of time included, as a traceback with its locals: about
    # 70 KB of log per bad query, which any stranger could repeat. Served without rich it logs
    # none of them, and uvicorn still logs each request with its status.
    try:
        import rich
    except ImportError:
        return
    rich.get_console().quiet = True


@hookimpl
def register_routes():
    return [(r"^/-/capture/(?P<capture_id>\d+)$", capture), (r"^/-/media/(?P<sha256>[0-9a-f]{64})$", media)]


FEED_FILTERS = ("q", "mode", "site", "province", "since", "until")


def _atom(datasette, request, rows, columns, query_name, database):
    meta = (datasette.metadata(database=database) or {}).get("queries", {}).get(query_name or "", {}) or {}
    chosen = [(key, request.args.get(key)) for key in FEED_FILTERS if request.args.get(key)]
    # One id per subscription, whatever the parameter order or host it was fetched with.
    feed_id = f"tag:congdoan-archive,2026:{request.path}?{urlencode(sorted(chosen))}"
    about = " · ".join(value for key, value in chosen if key in ("q", "province", "site"))
    title = f"{meta.get('title', query_name or 'congdoan-archive')}: {about}" if about else meta.get("title", "")
    updated = max((str(row["atom_updated"]) for row in rows), default="1970-01-01T00:00:00+00:00")
    entries = []
    for row in rows:
        parts = [
            f"<id>{xml_escape(str(row['atom_id']))}</id>",
            f"<title>{xml_escape(str(row['atom_title']))}</title>",
            f"<updated>{xml_escape(str(row['atom_updated']))}</updated>",
        ]
        if "atom_link" in columns and row["atom_link"]:
            parts.append(f'<link href="{xml_escape(str(row["atom_link"]), {chr(34): "&quot;"})}"/>')
        if "atom_author_name" in columns and row["atom_author_name"]:
            parts.append(f"<author><name>{xml_escape(str(row['atom_author_name']))}</name></author>")
        if "atom_content" in columns and row["atom_content"]:
            parts.append(f'<content type="text">{xml_escape(str(row["atom_content"]))}</content>')
        entries.append("<entry>" + "".join(parts) + "</entry>")
    self_url = xml_escape(
        datasette.absolute_url(request, f"{request.path}?{urlencode(sorted(chosen))}"), {chr(34): "&quot;"}
    )
    feed = (
        f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{xml_escape(feed_id)}</id><title>{xml_escape(title)}</title><updated>{xml_escape(updated)}</updated>"
        f"<author><name>congdoan-archive</name></author>"
        f'<link href="{self_url}" rel="self"/><generator>congdoan-archive</generator>{"".join(entries)}</feed>'
    )
    return Response(feed, content_type="application/atom+xml; charset=utf-8")


@hookimpl
def register_output_renderer():
    required = {"atom_id", "atom_title", "atom_updated"}
    return {
        "extension": "atom",
        "render": lambda datasette, request, rows, columns, query_name, database: _atom(
            datasette, request, rows, columns, query_name, database
        ),
        "can_render": lambda columns: required.issubset(columns),
    }
