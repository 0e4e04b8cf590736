"""Raw captures in WARC: write every HTTP exchange, read it back, index archives for replay. Pure.

One `.warc.gz` per crawl run and site, one gzip member per record, so any record can be
read from its offset alone. Each exchange is a `request` record and a `response` record;
a re-fetch whose payload is byte-identical to an earlier capture of the same URL is a
`revisit` (profile identical-payload-digest) that points at it and stores no payload.

Payloads are stored decoded, as pywb and browser-based crawlers do: a server that
compresses on the fly sends different bytes for the same page each time (gzip stamps the
time), which would defeat revisits. The original Content-Encoding is kept as
X-Archive-Orig-Content-Encoding. A payload that will not decode, or decodes past the
size limit (a gzip bomb), is stored as it came, its encoding header untouched.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import responses as REASONS  # noqa: N812 (a constant table, named as one)
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from w3lib.url import safe_url_string
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.capture import index_cache
from crawler.compression import MAX_DECODED, DecodeError, decode

Headers = list[tuple[str, str]]

# Headers that describe how the bytes travelled, not what they are: the body we hold is
# already de-chunked, so keeping Transfer-Encoding would make readers de-chunk it again.
_HOP_BY_HOP = {"transfer-encoding", "connection", "keep-alive"}
# WARC header blocks are ASCII: warcio percent-encodes any other value whole ("https%3A//..."),
# which breaks a redirect. A URI header is made an ASCII URI the way browsers do instead.
_URI_HEADERS = {"location", "content-location"}


def _ascii_uri(value: str) -> str:
    """
    >>> _ascii_uri("https://baohatinh.vn/tin-tức")
    'https://baohatinh.vn/tin-t%E1%BB%A9c'
    """
    return safe_url_string(value)


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and the response it got, as the crawler saw them."""

    url: str
    method: str
    request_headers: Headers
    status: int
    response_headers: Headers
    payload: bytes  # the entity body as sent, content-encoding included
    fetched_at: str  # ISO 8601, UTC


@dataclass(frozen=True)
class Location:
    """Where a response (or revisit) record sits: the WARC file's name and byte offset."""

    warc_file: str
    offset: int
    length: int


@dataclass(frozen=True)
class Capture:
    """A response read back from a WARC file."""

    url: str
    status: int
    headers: Headers
    payload: bytes
    fetched_at: str

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def warc_dir_for(configured: str | None, db_path: str) -> Path:
    """ARCHIVE_WARC_DIR (or --warc-dir), else `warc/` beside the archive."""
    return Path(configured) if configured else Path(db_path).resolve().parent / "warc"


def sha256_hex(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def warc_digest(sha256: str) -> str:
    """The WARC spelling of a sha256 digest: `sha256:` and base32, as warcio checks it.

    >>> warc_digest(sha256_hex(b""))[:20]
    'sha256:4OYMIQUY7QOBJ'
    """
    return "sha256:" + base64.b32encode(bytes.fromhex(sha256)).decode("ascii")


def warc_date(iso: str) -> str:
    """WARC-Date: UTC, second precision, Z suffix.

    >>> warc_date("2026-11-22T09:15:00.123456+07:00")
    '2026-11-22T02:15:00Z'
    """
    moment = datetime.fromisoformat(iso).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_from_warc_date(value: str) -> str:
    """
    >>> iso_from_warc_date("2026-11-22T02:15:00Z")
    '2026-11-22T02:15:00+00:00'
    """
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).isoformat()


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class WarcFile:
    """Appends exchanges to one `.warc.gz`. Created lazily on the first exchange, so a
    run that fetches nothing leaves no empty file."""

    def __init__(self, path: Path, software: str) -> None:
        self.path = path
        self.software = software
        self._out: IO[bytes] | None = None
        self._writer: WARCWriter | None = None

    def _open(self) -> WARCWriter:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._out = open(self.path, "ab")  # noqa: SIM115 (kept open across records; close() shuts it)
            self._writer = WARCWriter(self._out, gzip=True, warc_version="1.1")
            if self._out.tell() == 0:
                info = {"software": self.software, "format": "WARC File Format 1.1"}
                self._writer.write_record(self._writer.create_warcinfo_record(self.path.name, info))
        return self._writer

    def write(self, exchange: Exchange, revisit_of: tuple[str, str] | None = None) -> Location:
        """Write the request and the response; `revisit_of` = (URL, ISO date) of an earlier
        capture with the same payload makes the response a payload-less revisit."""
        writer = self._open()
        assert self._out is not None
        date = warc_date(exchange.fetched_at)
        digest = warc_digest(sha256_hex(exchange.payload))
        headers = [
            (k, _ascii_uri(v) if k.lower() in _URI_HEADERS else v)
            for k, v in exchange.response_headers
            if k.lower() not in _HOP_BY_HOP
        ]
        if revisit_of is None:
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(exchange.payload))))
        status_line = f"{exchange.status} {REASONS.get(exchange.status, 'Unknown')}"
        http_headers = StatusAndHeaders(status_line, headers, protocol="HTTP/1.1")
        warc_headers = {"WARC-Date": date, "WARC-Payload-Digest": digest}
        if revisit_of is None:
            response = writer.create_warc_record(
                exchange.url,
                "response",
                payload=io.BytesIO(exchange.payload),
                length=len(exchange.payload),
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
        else:
            response = writer.create_revisit_record(
                exchange.url,
                digest,
                revisit_of[0],
                warc_date(revisit_of[1]),
                http_headers=http_headers,
                warc_headers_dict={"WARC-Date": date},
            )
        request_headers = exchange.request_headers
        if not any(k.lower() == "host" for k, _ in request_headers):
            request_headers = [("Host", urlsplit(exchange.url).netloc), *request_headers]
        # warcio writes "<protocol> <statusline>": for a request, "GET /path HTTP/1.1".
        request_line = StatusAndHeaders(
            f"{_request_target(exchange.url)} HTTP/1.1", request_headers, protocol=exchange.method
        )
        request = writer.create_warc_record(
            exchange.url,
            "request",
            http_headers=request_line,
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        offset = self._out.tell()
        writer.write_record(response)
        length = self._out.tell() - offset
        writer.write_record(request)
        self._out.flush()  # a killed crawl keeps every record written so far
        return Location(self.path.name, offset, length)

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = self._writer = None


def _capture(record) -> Capture:  # record: warcio ArcWarcRecord
    http = record.http_headers
    headers = list(http.headers) if http else []
    if any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in headers):
        # A WARC from another crawler that kept the chunked framing: warcio undoes it (and
        # any content-encoding), so both headers go.
        body = record.content_stream().read()
        headers = [(k, v) for k, v in headers if k.lower() not in ("transfer-encoding", "content-encoding")]
    else:
        body = record.raw_stream.read()
    return Capture(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        status=int(http.get_statuscode() or 0) if http else 0,
        headers=headers,
        payload=body,
        fetched_at=iso_from_warc_date(record.rec_headers.get_header("WARC-Date")),
    )


def read_record(path: Path, offset: int) -> Capture:
    """The response (or revisit, with an empty payload) record at `offset` in `path`;
    `path` may name a WARC inside a WACZ as `FILE.wacz#archive/NAME.warc.gz`."""
    file, _, member = str(path).partition("#")
    if member:
        with zipfile.ZipFile(file) as wacz, wacz.open(member) as stream:
            stream.seek(offset)
            return _capture(next(iter(ArchiveIterator(stream))))
    with open(file, "rb") as stream:
        stream.seek(offset)
        return _capture(next(iter(ArchiveIterator(stream))))


def as_stored(headers: Headers, payload: bytes, limit: int = MAX_DECODED) -> tuple[Headers, bytes]:
    """The headers and payload to archive: decoded, the encoding headers renamed. A payload
    that does not decode cleanly is kept exactly as sent, its headers untouched."""
    encoding = next((v for k, v in headers if k.lower() == "content-encoding"), None)
    if not encoding:
        return headers, payload
    try:
        decoded = decode(encoding, payload, limit)
    except DecodeError:
        return headers, payload  # evidence first
    renamed = [
        ("X-Archive-Orig-" + k if k.lower() in ("content-encoding", "content-length") else k, v) for k, v in headers
    ]
    return renamed, decoded


def decoded_payload(capture: Capture) -> bytes:
    """The payload with any Content-Encoding still on it undone."""
    return decode(capture.header("Content-Encoding"), capture.payload)


# --- Archives: every .warc.gz under a folder, or inside a WACZ ------------------------------


def warc_files(paths: Iterable[Path]) -> list[Path]:
    """The WARC and WACZ files named by `paths`, folders expanded, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.name.endswith((".warc.gz", ".warc", ".wacz")))
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"no archive at {path}")
    return found


def _streams(path: Path) -> Iterator[tuple[str, IO[bytes]]]:
    if path.name.endswith(".wacz"):
        with zipfile.ZipFile(path) as wacz:
            for name in sorted(n for n in wacz.namelist() if n.startswith("archive/")):
                with wacz.open(name) as member:  # streamed, never read whole
                    yield f"{path}#{name}", member
    else:
        with open(path, "rb") as stream:
            yield str(path), stream


@dataclass(frozen=True, slots=True)  # one per replayable URL: a large archive holds millions
class Recorded:
    """One replayable response: its status line and headers, and where its payload is.
    The payload is read on demand, so replaying a large archive does not hold it in memory."""

    url: str
    status: int
    headers: Headers
    fetched_at: str
    source: str  # file (or file.wacz#member) of the record holding the payload
    offset: int

    def payload(self) -> bytes:
        return read_record(Path(self.source), self.offset).payload


def index_archives(paths: Iterable[Path], cache: Path | None = None) -> dict[str, Recorded]:
    """URL → its latest recorded response. A revisit replays the payload of the response it
    refers to, wherever that is among the archives given. With `cache`, each archive file's
    entries are kept there and read back while the file is unchanged (capture/index_cache.py)."""
    latest: dict[str, Recorded] = {}
    originals: dict[tuple[str, str], tuple[str, int]] = {}
    revisits: list[tuple[Recorded, str, str]] = []
    for path in warc_files(paths):
        entries = index_cache.load(cache, path) if cache else None
        if entries is None:
            entries = list(_index_entries(path))
            if cache:
                index_cache.save(cache, path, entries)
        for entry in entries:
            source = f"{path}#{entry.member}" if entry.member else str(path)
            recorded = Recorded(entry.url, entry.status, entry.headers, entry.fetched_at, source, entry.offset)
            if entry.rec_type == "response":
                originals[(entry.url, entry.digest)] = (source, entry.offset)
                _keep_latest(latest, recorded)
            else:
                revisits.append((recorded, entry.refers_to or entry.url, entry.digest))
    for recorded, target, digest in revisits:
        original = originals.get((target, digest))
        if original is None:
            continue  # the original is in an archive we were not given
        _keep_latest(latest, dataclasses.replace(recorded, source=original[0], offset=original[1]))
    return latest


def _index_entries(path: Path) -> Iterator[index_cache.IndexEntry]:
    """The response and revisit records of one WARC or WACZ file, read through."""
    for source, stream in _streams(path):
        member = source.partition("#")[2]
        iterator = ArchiveIterator(stream)
        for record in iterator:
            if record.rec_type not in ("response", "revisit"):
                continue
            headers, http = record.rec_headers, record.http_headers
            record.raw_stream.read()  # to the end, so the offset is known
            yield index_cache.IndexEntry(
                record.rec_type,
                headers.get_header("WARC-Target-URI"),
                headers.get_header("WARC-Payload-Digest") or "",
                headers.get_header("WARC-Refers-To-Target-URI") or "",
                int(http.get_statuscode() or 0) if http else 0,
                # Interned: the same few names and values recur in every record of a crawl.
                [(sys.intern(k), sys.intern(v)) for k, v in http.headers] if http else [],
                sys.intern(iso_from_warc_date(headers.get_header("WARC-Date"))),
                member,
                iterator.get_record_offset(),
            )


def _keep_latest(latest: dict[str, Recorded], recorded: Recorded) -> None:
    previous = latest.get(recorded.url)
    if previous is None or previous.fetched_at <= recorded.fetched_at:
        latest[recorded.url] = recorded
