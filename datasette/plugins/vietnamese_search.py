"""Normalize search queries the way the archive normalizes its text.

Stored text is NFC with traditional tone-mark placement (hòa, thủy). A query typed as
"Hoà Bình", or pasted in NFD, would otherwise find nothing; this rewrites every `_search`
parameter before Datasette sees it.
"""

from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

from crawler.text import clean_text


def normalize_query_string(query_string: bytes) -> bytes:
    pairs = parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)
    if not any(key.startswith("_search") for key, _ in pairs):
        return query_string
    pairs = [(key, clean_text(value) if key.startswith("_search") else value) for key, value in pairs]
    return urlencode(pairs).encode("utf-8")


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def normalized(scope, receive, send):
            if scope.get("type") == "http" and scope.get("query_string"):
                scope = dict(scope, query_string=normalize_query_string(scope["query_string"]))
            await app(scope, receive, send)

        return normalized

    return wrap
