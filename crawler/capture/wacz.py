"""Package WARC files as one WACZ (Web Archive Collection Zipped, 1.1.1). Pure.

A WACZ is what ReplayWeb.page opens directly: the WARC files, stored uncompressed in the
zip so their record offsets stay valid, a CDXJ index of every response, a pages list
(the archived articles, with titles) and a datapackage.json with each file's SHA-256.
`congdoan crawl --replay` reads WACZ files too.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

WACZ_VERSION = "1.1.1"


def surt(url: str) -> str:
    """The Sort-friendly URI Reordering Transform that CDX indexes sort by.

    >>> surt("https://www.laodong.vn/cong-doan?page=2")
    'vn,laodong)/cong-doan?page=2'
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{','.join(reversed(host.split('.')))}){path.lower()}"


def _timestamp(warc_date: str) -> str:
    """
    >>> _timestamp("2026-11-22T02:15:00Z")
    '20261122021500'
    """
    return "".join(ch for ch in warc_date if ch.isdigit())[:14]


@dataclass(frozen=True)
class Page:
    url: str
    ts: str  # ISO 8601
    title: str


def cdxj_lines(stream: io.BufferedIOBase, filename: str) -> list[str]:
    """One CDXJ line per response and revisit record of a WARC file."""
    lines = []
    iterator = ArchiveIterator(stream)
    for record in iterator:
        if record.rec_type not in ("response", "revisit"):
            continue
        headers = record.rec_headers
        http = record.http_headers
        entry = {
            "url": headers.get_header("WARC-Target-URI"),
            "mime": (http.get_header("Content-Type") or "").split(";")[0].strip() if http else "",
            "status": http.get_statuscode() if http else "",
            "digest": headers.get_header("WARC-Payload-Digest"),
        }
        if record.rec_type == "revisit":
            entry["mime"] = "warc/revisit"
        record.raw_stream.read()  # to the end, so the offset and length are known
        entry.update(offset=iterator.get_record_offset(), length=iterator.get_record_length(), filename=filename)
        lines.append(f"{surt(entry['url'])} {_timestamp(headers.get_header('WARC-Date'))} {json.dumps(entry)}")
    return lines


def write_wacz(target: Path, warcs: Iterable[Path], pages: Iterable[Page], title: str, software: str) -> int:
    """Write the WACZ; return how many records its index holds."""
    resources: list[tuple[str, bytes]] = []
    index: list[str] = []
    for warc in sorted(warcs):
        data = warc.read_bytes()
        index += cdxj_lines(io.BytesIO(data), warc.name)
        resources.append((f"archive/{warc.name}", data))
    page_lines = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": title})]
    page_lines += [json.dumps({"url": p.url, "ts": p.ts, "title": p.title}, ensure_ascii=False) for p in pages]
    resources.append(("indexes/index.cdx", ("\n".join(sorted(index)) + "\n").encode()))
    resources.append(("pages/pages.jsonl", ("\n".join(page_lines) + "\n").encode("utf-8")))
    package = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": title,
        "software": software,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "resources": [
            {
                "name": Path(name).name,
                "path": name,
                "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
            for name, data in resources
        ],
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w") as wacz:
        for name, data in resources:
            # WARCs are stored, not deflated: readers seek to record offsets inside them.
            compression = zipfile.ZIP_STORED if name.startswith("archive/") else zipfile.ZIP_DEFLATED
            wacz.writestr(name, data, compress_type=compression)
        wacz.writestr("datapackage.json", json.dumps(package, indent=2, ensure_ascii=False))
    partial.replace(target)  # never a half-written WACZ under the real name
    return len(index)
