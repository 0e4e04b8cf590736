"""Which URLs a spider may request at all. Pure.

Scrapy's offsite filter lets through any request marked dont_filter (our article and
re-check requests are), and a redirect inherits that mark; so a site, or someone who
controls a redirect on it, could send the crawler to 127.0.0.1, a cloud metadata
address or any other host. Every request, redirects included, passes this check instead.
It also refuses URL-space traps: endless nested paths and absurdly long URLs.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

MAX_URL_LENGTH = 1000
MAX_PATH_SEGMENTS = 12
MAX_SEGMENT_REPEATS = 3


def refusal(url: str, allowed_hosts: frozenset[str], subdomains: bool = False) -> str | None:
    """Why `url` must not be requested, or None when it may be. With `subdomains` (photos),
    a subdomain of an allowed host is the same site's (ims.baohoabinh.com.vn, cdn.baophutho.vn).

    >>> hosts = frozenset({"laodong.vn"})
    >>> refusal("https://laodong.vn/cong-doan", hosts) is None
    True
    >>> refusal("http://169.254.169.254/latest/meta-data/", hosts)
    'an IP address, not a site (169.254.169.254)'
    >>> refusal("https://evil.example/x", hosts)
    "host evil.example is not one of this site's hosts"
    >>> refusal("https://laodong.vn/a/b/a/b/a/b/a/b/x-1.ldo", hosts)
    'a URL-space trap (path segment "a" repeated 4 times)'
    >>> refusal("https://media-cdn-v2.laodong.vn/a.jpg", hosts, subdomains=True) is None
    True
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme or '(none)'} is not http(s)"
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
        return f"an IP address, not a site ({host})"
    except ValueError:
        pass
    bare = {h.removeprefix("www.") for h in allowed_hosts}
    inside = host.removeprefix("www.") in bare or (subdomains and any(host.endswith("." + h) for h in bare))
    if host == "localhost" or host.endswith(".localhost") or not inside:
        return f"host {host or '(none)'} is not one of this site's hosts"
    if len(url) > MAX_URL_LENGTH:
        return f"a URL-space trap ({len(url)} characters long)"
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) > MAX_PATH_SEGMENTS:
        return f"a URL-space trap ({len(segments)} path segments)"
    for segment in dict.fromkeys(segments):  # in path order, for a stable message
        if segments.count(segment) > MAX_SEGMENT_REPEATS:
            return f'a URL-space trap (path segment "{segment}" repeated {segments.count(segment)} times)'
    return None
