"""Vietnamese search on the articles table: normalized like the stored text, abbreviations
expanded, and each story shown once.

Stored text is NFC with traditional tone-mark placement (hòa, thủy). A query typed as
"Hoà Bình", or pasted in NFD, would otherwise find nothing; every `_search` parameter is
rewritten before Datasette sees it.

On the articles table, `_search` is handed to crawler.publish.query instead of Datasette's own
FTS clause: the ASGI wrapper renames it `_vn_search`, and `filters_from_request` adds the
match (with "LĐLĐ" also finding "Liên đoàn Lao động") as a bound parameter, so no SQL ever
reaches the URL or the page. A copy of a syndicated story shows only when its original does
not match too, unless the request filters on duplicate_of itself (`duplicate_of__notnull=1`
lists the copies).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

from datasette.filters import FilterArguments

from crawler.publish.query import NEVER_MATCHES, match_expression
from crawler.text import clean_text
from datasette import hookimpl

ARTICLES_TABLE = re.compile(r"^/[^/]+/articles(\.\w+)?$")
SEARCH_PARAM = "_vn_search"
MATCHED = "select rowid from articles_fts where articles_fts match :vn_search"


def normalize_query_string(query_string: bytes, path: str = "") -> bytes:
    pairs = parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)
    if not any(key.startswith("_search") for key, _ in pairs):
        return query_string
    pairs = [(key, clean_text(value) if key.startswith("_search") else value) for key, value in pairs]
    if ARTICLES_TABLE.search(path):
        pairs = [(SEARCH_PARAM if key == "_search" else key, value) for key, value in pairs]
    return urlencode(pairs).encode("utf-8")


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def normalized(scope, receive, send):
            if scope.get("type") == "http" and scope.get("query_string"):
                scope = dict(scope, query_string=normalize_query_string(scope["query_string"], scope.get("path", "")))
            await app(scope, receive, send)

        return normalized

    return wrap


@hookimpl
def filters_from_request(request, database, table, datasette):
    query = request.args.get(SEARCH_PARAM)
    if table != "articles" or query is None or not query.strip():
        return None
    where = [f"rowid in ({MATCHED})"]
    if not any(key.startswith("duplicate_of") for key in request.args):
        where.append(
            f"(duplicate_of is null or duplicate_of not in (select url from articles where rowid in ({MATCHED})))"
        )
    return FilterArguments(
        where,
        params={"vn_search": match_expression(query) or NEVER_MATCHES},
        human_descriptions=[f'search matches "{query}"'],
        extra_context={"search": query},
    )
