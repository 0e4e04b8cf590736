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


def from_mirror(mirror: str, url: str, scheme: str = "https") -> str:
    """The real URL behind a mirror URL (absolute, or a path on the mirror); others unchanged.

    >>> from_mirror("http://127.0.0.1:8000", "http://127.0.0.1:8000/laodong.vn/a-1.ldo")
    'https://laodong.vn/a-1.ldo'
    >>> from_mirror("http://127.0.0.1:8000", "/laodong.vn/a-1.ldo?x=1")
    'https://laodong.vn/a-1.ldo?x=1'
    """
    prefix = mirror.rstrip("/")
    if url.startswith(prefix + "/"):
        rest = url[len(prefix) + 1:]
    elif url.startswith("/") and not url.startswith("//"):
        rest = url[1:]
    else:
        return url
    return f"{scheme}://{rest}"
