"""What a fetched photo is, and whether the archive keeps it. Pure: the media pipeline
(crawler/fetch/media.py) asks, the store (crawler/store/media.py) writes the answer.

The bytes decide, not the server's label: an "image/jpeg" that is an HTML error page is
refused, and a photo served as application/octet-stream is kept under its real type.
Only the header is read (Pillow opens lazily), so a hostile file costs no decoding here.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

# Pillow format name -> the content type it is served with. Formats browsers show.
RASTER_TYPES: dict[str, str] = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "AVIF": "image/avif",
    "BMP": "image/bmp",
    "ICO": "image/x-icon",
}
SVG_TYPE = "image/svg+xml"
# Labels that say nothing about the bytes: the sniffed type stands.
VAGUE_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/binary"})
# Beyond this a browser spends seconds and gigabytes decoding it: a decompression bomb.
MAX_PIXELS = 60_000_000
MAX_ATTEMPTS = 3  # a transient failure is tried again by this many runs, then left
_SVG_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]", re.S | re.I)
_TRANSIENT = re.compile(r"^(?:dns|connection|timeout|tls|ignored|http-(?:408|429|5\d\d))$")


@dataclass(frozen=True)
class Verdict:
    """`reason` (a slug, None when kept) and `detail` say why a photo was not kept."""

    archived: bool
    content_type: str | None = None
    width: int | None = None
    height: int | None = None
    reason: str | None = None
    detail: str = ""


def refused(reason: str, detail: str = "") -> Verdict:
    return Verdict(False, reason=reason, detail=detail)


def judge(status: int, declared_type: str | None, payload: bytes, max_bytes: int) -> Verdict:
    """Whether this answer is a photo the archive keeps, and what it is.

    >>> judge(200, "image/jpeg", b"<html>Not found</html>", 1000).reason
    'not-an-image'
    >>> judge(404, "image/jpeg", b"", 1000).reason
    'http-404'
    >>> svg = judge(200, "image/svg+xml", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', 1000)
    >>> svg.archived, svg.content_type
    (True, 'image/svg+xml')
    """
    if status != 200:
        return refused(f"http-{status}", f"HTTP {status}")
    if not payload:
        return refused("empty", "an empty answer")
    if len(payload) > max_bytes:
        return refused("too-large", f"{len(payload)} bytes, over the limit of {max_bytes}")
    label = (declared_type or "").split(";")[0].strip().lower()
    if label not in VAGUE_TYPES and not label.startswith("image/"):
        return refused("not-an-image", f"served as {label}")
    if _SVG_START.match(payload[:4096]):
        return Verdict(True, SVG_TYPE)
    return _raster(payload)


def _raster(payload: bytes) -> Verdict:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(payload), formats=tuple(RASTER_TYPES)) as image:
                kind, (width, height) = image.format or "", image.size
    except Image.DecompressionBombError as error:
        return refused("too-large", str(error))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        detail = "the bytes are in no image format the archive keeps"
        return refused("not-an-image", detail if isinstance(error, UnidentifiedImageError) else f"{detail} ({error})")
    if width * height > MAX_PIXELS:
        return refused("too-large", f"{width}×{height} pixels, over {MAX_PIXELS}")
    return Verdict(True, RASTER_TYPES.get(kind), width, height)


def worth_retrying(reason: str | None, attempts: int) -> bool:
    """Whether a later run should fetch a photo again: only failures that may pass (the
    network, a busy server), and only MAX_ATTEMPTS times. A 404 or a refusal stays.

    >>> worth_retrying("http-503", 1), worth_retrying("http-404", 1), worth_retrying("timeout", 3)
    (True, False, False)
    """
    return bool(reason) and attempts < MAX_ATTEMPTS and bool(_TRANSIENT.match(reason or ""))


def servable_type(content_type: str | None) -> bool:
    """Whether the archive may serve bytes under this type (only what judge() keeps).

    >>> servable_type("image/png"), servable_type("text/html"), servable_type(None)
    (True, False, False)
    """
    return content_type in set(RASTER_TYPES.values()) | {SVG_TYPE}
