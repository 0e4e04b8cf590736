"""A raw capture as a reader sees it: the WARC record behind a captures row, as plain text
(Datasette's /-/capture/ID page), and an archived photo's bytes (/-/media/SHA256). Pure: the
caller looked the row up and checks permissions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawler.capture.media import servable_type
from crawler.capture.warc import decoded_payload, read_record, sha256_hex


class UnreadableCapture(Exception):
    """The capture's WARC file is gone or damaged; the message is safe to show."""


def capture_text(location: dict[str, Any], warc_root: Path) -> str:
    """WARC and HTTP headers, a blank line, then the payload decoded as UTF-8 (lossy: this
    is for reading, the archive keeps the bytes). `location` is a captures row with the
    warc_file and warc_offset of the record holding its payload (store's CAPTURE_PAYLOAD_SQL)."""
    url, status, fetched_at = location["url"], location["status"], location["fetched_at"]
    warc_file, offset = location["warc_file"], location["warc_offset"]
    shown = Path(warc_file.partition("#")[0]).name  # never the server's own paths
    try:
        record = read_record(warc_root / warc_file, offset)
        body = decoded_payload(record).decode("utf-8", "replace")
    except Exception as error:  # a moved or damaged WARC file: say so, the page must not fail
        raise UnreadableCapture(
            f"capture {location['id']} of {url}: its WARC record ({shown}) cannot be read"
        ) from error
    head = [
        f"WARC-Target-URI: {url}",
        f"WARC-Date: {fetched_at}",
        f"WARC-File: {shown} @ {offset}",
        "",
        f"HTTP {status}",
        *(f"{k}: {v}" for k, v in record.headers),
        "",
    ]
    return "\n".join(head) + "\n" + body


def photo_bytes(content_type: str | None, sha256: str, warc_file: str, offset: int, warc_root: Path) -> bytes:
    """The bytes of an archived photo, read from its WARC record and checked against its
    sha256: only a photo the archive judged one, exactly as it was fetched."""
    if not servable_type(content_type):
        raise UnreadableCapture(f"{sha256} is not kept as a photo")
    try:
        payload = decoded_payload(read_record(warc_root / warc_file, offset))
    except Exception as error:  # a moved or damaged WARC file: say so, the page must not fail
        raise UnreadableCapture(f"the WARC record of photo {sha256} cannot be read") from error
    if sha256_hex(payload) != sha256:
        raise UnreadableCapture(f"the WARC record of photo {sha256} holds other bytes")
    return payload
