"""Normalize search queries the way the archive normalizes its text, and show each story once.

Stored text is NFC with traditional tone-mark placement (hòa, thủy). A query typed as
"Hoà Bình", or pasted in NFD, would otherwise find nothing; this rewrites every `_search`
parameter before Datasette sees it.

A story syndicated to several sites is archived once per site, the copies pointing at the
original through `duplicate_of`. A search of the articles table shows a copy only when its
original does not match too (a copy's headline may name what the original's does not),
unless the request already filters on duplicate_of (`?duplicate_of__notnull=1` lists copies).
The clause reuses the `:search` parameter Datasette 0.65 binds for `_search`.
"""

import re
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

from crawler.text import clean_text


# Parenthesized: Datasette joins where clauses with a bare "and".
ONE_COPY = ("(duplicate_of is null or duplicate_of not in (select url from articles where rowid in "
            "(select rowid from articles_fts where articles_fts match {match})))")
ARTICLES_TABLE = re.compile(r"/[^/]+/articles(\.\w+)?$")


def normalize_query_string(query_string: bytes, path: str = "") -> bytes:
    pairs = parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)
    if not any(key.startswith("_search") for key, _ in pairs):
        return query_string
    pairs = [(key, clean_text(value) if key.startswith("_search") else value) for key, value in pairs]
    searched = any(key == "_search" for key, _ in pairs)
    if searched and ARTICLES_TABLE.search(path) and not any(key.startswith("duplicate_of") for key, _ in pairs):
        raw = ("_searchmode", "raw") in pairs  # the same match Datasette's own search clause uses
        pairs.append(("_where", ONE_COPY.format(match=":search" if raw else "escape_fts(:search)")))
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
