"""Bounded decompression: every compressed body a stranger can send (a Content-Encoding, a
`.xml.gz` sitemap served as a plain file) is undone here, never past a size limit, so a
small bomb cannot grow the process. Pure; the base of the stages, beside `text`.

`inflated` streams, chunk by chunk, for readers that can parse as they go (the sitemap
parser); `decode` returns the whole payload, for the WARC writer, which must hold it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

MAX_DECODED = 64 * 1024 * 1024
CHUNK = 1024 * 1024  # bytes of output per step: the most one step holds beside the input
GZIP_MAGIC = b"\x1f\x8b"
GZIP_WBITS = 16 + zlib.MAX_WBITS
INPUT_STEP = 64 * 1024  # compressed bytes handed to zlib per step
MAX_MEMBERS = 1_000  # gzip members in one body: an HTTP body or a sitemap has one, rarely a few


class DecodeError(ValueError):
    """A payload that does not decode cleanly: too large, truncated, corrupt or unknown."""


class TooLarge(DecodeError):
    """A payload that decodes to more than the limit: a bomb, or a file past our bounds."""


def inflated(data: bytes, wbits: int = GZIP_WBITS, limit: int = MAX_DECODED, chunk: int = CHUNK) -> Iterator[bytes]:
    """The decompressed bytes of every member of a (possibly multi-member) gzip or zlib
    stream, `chunk` bytes at most at a time; raises TooLarge once past `limit` bytes, before
    holding them, and DecodeError for a corrupt or truncated stream, or for more than
    MAX_MEMBERS members. Zero bytes after the last member are padding, as gzip allows.

    Input goes in INPUT_STEP slices: zlib copies what it leaves unread, and a stream of
    thousands of empty members must not cost a copy of the rest of the input each.

    >>> import gzip
    >>> b"".join(inflated(gzip.compress(b"xin ") + gzip.compress(b"chao") + bytes(8)))
    b'xin chao'
    >>> list(inflated(gzip.compress(b"0" * 100), limit=99))
    Traceback (most recent call last):
    ...
    crawler.compression.TooLarge: decodes to more than 99 bytes
    """
    view, at, total = memoryview(data), 0, 0
    for member in range(MAX_MEMBERS + 1):
        if at >= len(view) or _padding(view[at:]):
            return
        if member == MAX_MEMBERS:
            raise DecodeError(f"more than {MAX_MEMBERS} compressed members")
        inflater = zlib.decompressobj(wbits)
        while not inflater.eof:
            piece = view[at : at + INPUT_STEP]
            try:
                out = inflater.decompress(piece, min(chunk, limit - total + 1))
            except zlib.error as error:
                raise DecodeError(f"corrupt stream: {error}") from None
            used = len(piece) - len(inflater.unconsumed_tail) - len(inflater.unused_data)
            at += used
            total += len(out)
            if total > limit:
                raise TooLarge(f"decodes to more than {limit} bytes")
            if out:
                yield out
            elif not used and not inflater.eof:
                raise DecodeError("truncated stream")  # no input left, no output pending


def _padding(rest: memoryview) -> bool:
    """Only zero bytes left, as gzip allows after its last member (read past the first
    byte only when that is zero: a member starts with 0x1f, a zlib stream with 0x78)."""
    return rest[0] == 0 and not rest.tobytes().strip(b"\0")


def _inflate(data: bytes, wbits: int, limit: int) -> bytes:
    return b"".join(inflated(data, wbits, limit))


def _unbrotli(data: bytes, limit: int) -> bytes:
    try:
        import brotli  # type: ignore[import-not-found]
    except ImportError:
        raise DecodeError("brotli is not installed") from None
    decompressor = brotli.Decompressor()
    try:
        out = bytearray(decompressor.process(data, output_buffer_limit=limit + 1))
        while len(out) <= limit and not decompressor.can_accept_more_data():
            out += decompressor.process(b"", output_buffer_limit=limit + 1 - len(out))
    except brotli.error as error:
        raise DecodeError(f"corrupt brotli stream: {error}") from None
    if len(out) > limit:
        raise TooLarge(f"decodes to more than {limit} bytes")
    if not decompressor.is_finished():
        raise DecodeError("truncated brotli stream")
    return bytes(out)


def decode(encoding: str | None, data: bytes, limit: int = MAX_DECODED) -> bytes:
    """Undo a Content-Encoding, stacked ones included ("gzip, br" was gzipped first), never
    past `limit` bytes; raises DecodeError for anything that does not decode cleanly.

    >>> import gzip
    >>> decode("gzip", gzip.compress(b"xin ") + gzip.compress(b"chao"))
    b'xin chao'
    """
    for layer in reversed([part.strip().lower() for part in (encoding or "").split(",") if part.strip()]):
        if layer in ("gzip", "x-gzip"):
            data = _inflate(data, GZIP_WBITS, limit)
        elif layer == "deflate":
            try:
                data = _inflate(data, zlib.MAX_WBITS, limit)
            except TooLarge:
                raise
            except DecodeError:  # raw deflate, as some servers send it
                data = _inflate(data, -zlib.MAX_WBITS, limit)
        elif layer == "br":
            data = _unbrotli(data, limit)
        elif layer != "identity":
            raise DecodeError(f"unknown content-encoding {layer!r}")
    return data
