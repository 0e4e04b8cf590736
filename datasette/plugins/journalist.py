"""Datasette for journalists: search functions, highlighted snippets, readable article pages,
raw captures, Atom feeds and the monthly chart. The logic is in crawler.present and
crawler.query; this file only wires it into Datasette's hooks.

- SQL functions: vn_match(q, mode) builds the FTS5 expression (folding, exact mode,
  abbreviations); vn_snippet(text, q) cuts a highlighted snippet.
- Cells holding snippet markers render as escaped text with <mark>; titles next to an
  article URL link to its article page.
- The articles row page gets `article` (templates/row-archive-articles.html).
- /-/capture/ID shows a raw capture as plain text (never as HTML: no source script runs).
- .atom renders any query with atom_id, atom_title and atom_updated columns.
- Custom pages get monthly_chart() (templates/pages/thong-ke.html).
"""

from __future__ import annotations

import os
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from crawler.present import MARK_START, article_view, marked_html, monthly_chart_svg, snippet, vn_datetime
from crawler.query import MODES, match_expression
from crawler.warc import decoded_payload, read_record

NEVER_MATCHES = '"\u2063"'  # an empty query matches nothing instead of failing


def vn_match(query: str | None, mode: str | None) -> str:
    mode = mode if mode in MODES else "auto"
    return match_expression(query or "", mode) or NEVER_MATCHES


@hookimpl
def prepare_connection(conn):
    conn.create_function("vn_match", 2, vn_match, deterministic=True)
    conn.create_function("vn_snippet", 2, lambda text, query: snippet(text, query or ""), deterministic=True)
    conn.create_function("vn_date", 1, vn_datetime, deterministic=True)


def _article_path(datasette, database: str, url: str) -> str:
    return datasette.urls.row(database, "articles", tilde_encode(url))


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if isinstance(value, str) and MARK_START in value:
        return Markup(marked_html(value))
    keys = row.keys() if hasattr(row, "keys") else []
    if column == "title" and "url" in keys and isinstance(value, str) and (table in (None, "articles")):
        href = _article_path(datasette, database, row["url"])
        return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')
    return None


async def _article(datasette, database: str, url: str):
    db = datasette.get_database(database)
    rows = (await db.execute("select * from articles where url = ?", [url])).rows
    if not rows:
        return None
    versions = (await db.execute(
        "select id, seen_at, superseded_at, diff from article_versions where url = ? order by id desc", [url])).rows
    return article_view(dict(rows[0]), [dict(v) for v in versions])


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    async def inner():
        found = {"vn_date": vn_datetime, "article_link": lambda url: _article_path(datasette, database, url)}
        if view_name == "row" and table == "articles" and request is not None:
            url = tilde_decode(request.url_vars.get("pks", ""))
            found["article"] = await _article(datasette, database, url)
        if template.startswith("pages/"):
            found["monthly_chart"] = lambda: _monthly_chart(datasette)
        return found

    return inner


async def _monthly_chart(datasette) -> Markup:
    db = datasette.get_database()
    rows = (await db.execute(
        "select published_month, site, count(*) from articles where duplicate_of is null "
        "group by published_month, site order by published_month")).rows
    return Markup(monthly_chart_svg([tuple(row) for row in rows]))


def _warc_root(datasette) -> Path:
    """WARC paths in `captures` are relative to the live archive's folder; `congdoan serve`
    passes it in CONGDOAN_WARC_ROOT when it serves a published snapshot from elsewhere."""
    configured = os.environ.get("CONGDOAN_WARC_ROOT")
    if configured:
        return Path(configured)
    return Path(datasette.get_database().path or ".").resolve().parent


async def capture(datasette, request):
    capture_id = int(request.url_vars["capture_id"])
    db = datasette.get_database()
    rows = (await db.execute(
        """select c.url, c.status, c.fetched_at, coalesce(o.warc_file, c.warc_file), coalesce(o.warc_offset, c.warc_offset)
           from captures c left join captures o on o.id = c.refers_to where c.id = ?""", [capture_id])).rows
    if not rows:
        raise NotFound(f"no capture {capture_id}")
    url, status, fetched_at, warc_file, offset = rows[0]
    try:
        record = read_record(_warc_root(datasette) / warc_file, offset)
        body = decoded_payload(record).decode("utf-8", "replace")
    except (OSError, ValueError, StopIteration) as error:
        return Response.text(f"capture {capture_id} of {url}: the WARC record cannot be read ({error})", status=404)
    head = [f"WARC-Target-URI: {url}", f"WARC-Date: {fetched_at}", f"WARC-File: {warc_file} @ {offset}", "",
            f"HTTP {status}", *(f"{k}: {v}" for k, v in record.headers), ""]
    response = Response.text("\n".join(head) + "\n" + body)
    # Shown as text, in a sandbox: nothing the source served can run or load here.
    response.headers.update({"Content-Security-Policy": "sandbox; default-src 'none'",
                             "X-Content-Type-Options": "nosniff"})
    return response


@hookimpl
def register_routes():
    return [(r"^/-/capture/(?P<capture_id>\d+)$", capture)]


def _atom(datasette, request, rows, columns, query_name, database):
    title = request.args.get("_feed_title") or query_name or "congdoan-archive"
    if query_name:
        title = ((datasette.metadata(database=database) or {}).get("queries", {}).get(query_name, {}) or {}).get("title", title)
    updated = max((str(row["atom_updated"]) for row in rows), default="1970-01-01T00:00:00+00:00")
    entries = []
    for row in rows:
        parts = [f"<id>{xml_escape(str(row['atom_id']))}</id>", f"<title>{xml_escape(str(row['atom_title']))}</title>",
                 f"<updated>{xml_escape(str(row['atom_updated']))}</updated>"]
        if "atom_link" in columns and row["atom_link"]:
            parts.append(f'<link href="{xml_escape(str(row["atom_link"]), {chr(34): "&quot;"})}"/>')
        if "atom_author_name" in columns and row["atom_author_name"]:
            parts.append(f"<author><name>{xml_escape(str(row['atom_author_name']))}</name></author>")
        if "atom_content" in columns and row["atom_content"]:
            parts.append(f'<content type="text">{xml_escape(str(row["atom_content"]))}</content>')
        entries.append("<entry>" + "".join(parts) + "</entry>")
    self_url = xml_escape(request.url, {chr(34): "&quot;"})
    feed = (f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<id>{self_url}</id><title>{xml_escape(str(title))}</title><updated>{xml_escape(updated)}</updated>"
            f'<link href="{self_url}" rel="self"/><generator>congdoan-archive</generator>{"".join(entries)}</feed>')
    return Response(feed, content_type="application/atom+xml; charset=utf-8")


@hookimpl
def register_output_renderer():
    required = {"atom_id", "atom_title", "atom_updated"}
    return {
        "extension": "atom",
        "render": lambda datasette, request, rows, columns, query_name, database: _atom(
            datasette, request, rows, columns, query_name, database),
        "can_render": lambda columns: required.issubset(columns),
    }
