"""Package WARC files as one WACZ (Web Archive Collection Zipped, 1.1.1). Pure.

A WACZ is what ReplayWeb.page opens directly: the WARC files, stored uncompressed in the
zip so their record offsets stay valid, a CDXJ index of every response, a pages list
(the archived articles, with titles) and a datapackage.json with each file's SHA-256.
`congdoan crawl --replay` reads WACZ files too.

Everything streams, so packaging a backfill of tens of GB takes the memory of a small one:
WARCs are copied into the zip a chunk at a time and hashed on the way; the index is read
record by record and sorted in runs on disk, then merged; the pages are written as the
caller's iterator yields them.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

WACZ_VERSION = "1.1.1"
CHUNK = 1024 * 1024  # bytes copied per step
INDEX_RUN = 10_000  # index lines sorted in memory at a time (about 3 MB)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_WWW = re.compile(r"^www\d*\.")


def surt(url: str) -> str:
    """The Sort-friendly URI Reordering Transform of the CDXJ key, as replay tools build it:
    lower-cased, the host reversed without its www., a port kept unless it is the scheme's
    default, the query's arguments sorted, no fragment, no trailing slash but the root's.

    >>> surt("https://www.laodong.vn/cong-doan?page=2")
    'vn,laodong)/cong-doan?page=2'
    >>> surt("http://127.0.0.1:8080/Tin/?b=2&a=1#top")
    '1,0,0,127:8080)/tin?a=1&b=2'
    """
    parts = urlsplit(url.strip().lower())
    host = _WWW.sub("", (parts.hostname or "").strip("."))
    port = parts.port if parts.port not in (None, _DEFAULT_PORTS.get(parts.scheme)) else None
    authority = ",".join(reversed(host.split("."))) + (f":{port}" if port else "")
    path = parts.path.rstrip("/") or "/"
    query = "&".join(sorted(argument for argument in parts.query.split("&") if argument))
    return f"{authority}){path}" + (f"?{query}" if query else "")


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


def cdxj_lines(stream: IO[bytes], filename: str) -> Iterator[str]:
    """One CDXJ line per response and revisit record of a WARC file, record by record."""
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
        while record.raw_stream.read(CHUNK):  # to the end, a chunk at a time, so the offset and length are known
            pass
        entry.update(offset=iterator.get_record_offset(), length=iterator.get_record_length(), filename=filename)
        yield f"{surt(entry['url'])} {_timestamp(headers.get_header('WARC-Date'))} {json.dumps(entry)}"


def _index(warcs: list[Path]) -> Iterator[str]:
    for warc in warcs:
        with warc.open("rb") as stream:
            yield from cdxj_lines(stream, warc.name)


def _sorted(lines: Iterable[str], scratch: Path) -> Iterator[str]:
    """`lines` in order, holding at most INDEX_RUN of them: sorted runs on disk, merged."""
    runs: list[Path] = []
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == INDEX_RUN:
            runs.append(_write_run(sorted(batch), scratch / f"run-{len(runs)}"))
            batch = []
    if not runs:  # a small archive: one run, never on disk
        yield from sorted(batch)
        return
    runs.append(_write_run(sorted(batch), scratch / f"run-{len(runs)}"))
    files = [run.open(encoding="utf-8") for run in runs]
    try:
        for line in heapq.merge(*files):
            yield line.rstrip("\n")
    finally:
        for file in files:
            file.close()


def _write_run(lines: list[str], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.writelines(f"{line}\n" for line in lines)
    return path


def _text_chunks(lines: Iterable[str]) -> Iterator[bytes]:
    """Lines as UTF-8, one per row, gathered into chunks: the zip takes few large writes."""
    batch: list[bytes] = []
    size = 0
    for line in lines:
        data = f"{line}\n".encode()
        batch.append(data)
        size += len(data)
        if size >= CHUNK:
            yield b"".join(batch)
            batch, size = [], 0
    if batch:
        yield b"".join(batch)


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


class _Package:
    """The zip being written, and the datapackage resource of each member written so far."""

    def __init__(self, wacz: zipfile.ZipFile, large: bool) -> None:
        self.wacz = wacz
        self.large = large  # members may pass 2 GiB: each gets ZIP64 sizes from the start
        self.resources: list[dict[str, object]] = []
        self.stamp = datetime.now(UTC).timetuple()[:6]

    def add(self, name: str, chunks: Iterable[bytes], stored: bool = False) -> None:
        info = zipfile.ZipInfo(name, date_time=self.stamp)
        # WARCs are stored, not deflated: readers seek to record offsets inside them.
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        digest, size = hashlib.sha256(), 0
        with self.wacz.open(info, "w", force_zip64=self.large) as member:
            for chunk in chunks:
                member.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        self.resources.append(
            {"name": Path(name).name, "path": name, "hash": f"sha256:{digest.hexdigest()}", "bytes": size}
        )


def write_wacz(target: Path, warcs: Iterable[Path], pages: Iterable[Page], title: str, software: str) -> int:
    """Write the WACZ, streaming every part; return how many records its index holds."""
    warcs = sorted(warcs)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    large = sum(warc.stat().st_size for warc in warcs) >= zipfile.ZIP64_LIMIT
    count = 0

    def counted(lines: Iterable[str]) -> Iterator[str]:
        nonlocal count
        for line in lines:
            count += 1
            yield line

    header = json.dumps({"format": "json-pages-1.0", "id": "pages", "title": title})
    page_lines = (json.dumps({"url": p.url, "ts": p.ts, "title": p.title}, ensure_ascii=False) for p in pages)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch, zipfile.ZipFile(partial, "w") as wacz:
        package = _Package(wacz, large)
        for warc in warcs:
            package.add(f"archive/{warc.name}", _file_chunks(warc), stored=True)
        package.add("indexes/index.cdx", _text_chunks(counted(_sorted(_index(warcs), Path(scratch)))))
        package.add("pages/pages.jsonl", _text_chunks(chain([header], page_lines)))
        description = {
            "profile": "data-package",
            "wacz_version": WACZ_VERSION,
            "title": title,
            "software": software,
            "created": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "resources": package.resources,
        }
        wacz.writestr("datapackage.json", json.dumps(description, indent=2, ensure_ascii=False))
    partial.replace(target)  # never a half-written WACZ under the real name
    return count
