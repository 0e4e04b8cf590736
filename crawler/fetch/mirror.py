"""Map site URLs onto a mirror that serves https://HOST/PATH?Q as MIRROR/HOST/PATH?Q. Pure.

Tests crawl loopback replicas of the sites this way while the archive keeps real URLs.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def to_mirror(mirror: str, url: str) -> str:
    """
    >>> to_mirror("http://127.0.0.1:8000", "https://laodong.vn/cong-doan?page=2")
    'http://127.0.0.1:8000/laodong.vn/cong-doan?page=2'
    """
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{mirror.rstrip('/')}/{parts.netloc}{parts.path or '/'}{query}"


def from_mirror(mirror: str, url: str, request_url: str) -> str:
    """The real URL behind a redirect target the mirror sent while answering `request_url`.

    The mirror may answer with its own absolute URL, a mirror path (/HOST/PATH) or a
    root-relative path of the real site (/PATH); anything else is already real.

    >>> from_mirror("http://127.0.0.1:8000", "http://127.0.0.1:8000/laodong.vn/a-1.ldo", "https://laodong.vn/x")
    'https://laodong.vn/a-1.ldo'
    >>> from_mirror("http://127.0.0.1:8000", "/laodong.vn/a-1.ldo?x=1", "https://laodong.vn/x")
    'https://laodong.vn/a-1.ldo?x=1'
    >>> from_mirror("http://127.0.0.1:8000", "/cong-doan/a-1.ldo", "https://laodong.vn/x")
    'https://laodong.vn/cong-doan/a-1.ldo'
    """
    real = urlsplit(request_url)
    prefix = mirror.rstrip("/")
    if url.startswith(prefix + "/"):
        url = url[len(prefix) :]
    if not url.startswith("/") or url.startswith("//"):
        return url
    first, _, rest = url[1:].partition("/")
    if "." in first and "/" in url[1:]:  # /HOST/PATH: host names have dots, first path segments rarely do
        return f"{real.scheme}://{first}/{rest}"
    return f"{real.scheme}://{real.netloc}{url}"
