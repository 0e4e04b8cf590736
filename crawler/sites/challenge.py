"""Recognise anti-bot interstitials that answer HTTP 200 instead of the page. Pure.

Lao Động sometimes serves a tiny page whose script sets a `D1N` cookie and reloads.
Answering it needs no browser: read the cookie value and ask again with it.
"""

from __future__ import annotations

import re

# Real challenge pages are under 2 kB; the margin allows for whitespace and a longer script.
MAX_CHALLENGE_BYTES = 8 * 1024
# document.cookie="D1N=<hex>", also written with spaces or as a concatenation ("D1N="+"<hex>").
_D1N = re.compile(rb"""D1N\s*=\s*(?:["']\s*\+\s*["'])?([0-9A-Za-z]{16,128})""")


def d1n_cookie(body: bytes) -> str | None:
    """The D1N cookie value a challenge page asks for, or None for an ordinary page.

    >>> d1n_cookie(b'<script>document.cookie="D1N=0123456789abcdef0123456789abcdef"+"; path=/";'
    ...            b'window.location.reload(true);</script>')
    '0123456789abcdef0123456789abcdef'
    >>> d1n_cookie(b"<script>document.cookie = 'D1N=' + 'fedcba9876543210fedcba9876543210';location.reload()</script>")
    'fedcba9876543210fedcba9876543210'
    >>> d1n_cookie(b"<html><article>document.cookie='D1N=0123456789abcdef'</article></html>") is None
    True
    """
    if len(body) > MAX_CHALLENGE_BYTES or b"<article" in body.lower() or b"document.cookie" not in body:
        return None
    match = _D1N.search(body)
    return match.group(1).decode("ascii") if match else None
