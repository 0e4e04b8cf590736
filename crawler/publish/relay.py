"""Hand one ASGI request to another local HTTP server over a Unix socket and pass its answer
back as it streams: the public server sends custom SQL and CSV exports to a process of their
own (the heavy lane, `congdoan serve`), so they never share a process, its GIL or its SQL
threads with readers' pages. Pure asyncio; HTTP/1.1 with chunked bodies, nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

Message = dict[str, Any]
Send = Callable[[Message], Awaitable[None]]
Receive = Callable[[], Awaitable[Message]]

CHUNK = 64 * 1024
MAX_HEAD = 64 * 1024  # bytes of status line and headers from the lane; more is a broken lane
_HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"transfer-encoding", b"te", b"trailer", b"upgrade"})


class LaneUnavailable(ConnectionError):
    """The lane's server is not there (starting, or gone)."""


async def relay(
    socket_path: str, method: str, target: bytes, headers: list[tuple[bytes, bytes]], receive: Receive, send: Send
) -> None:
    """Send `method target` (path and query, as sent on the wire) with `headers` to the
    server on `socket_path` and stream its answer to `send`. Stops reading when the client
    goes away (an abandoned export stops costing the lane). Raises LaneUnavailable when
    nothing answers, before anything was sent."""
    try:
        reader, writer = await asyncio.open_unix_connection(socket_path, limit=MAX_HEAD)
    except OSError as error:
        raise LaneUnavailable(str(error)) from None
    try:
        lines = [f"{method} ".encode() + target + b" HTTP/1.1", b"host: lane", b"connection: close"]
        lines += [name + b": " + value for name, value in headers if name.lower() not in _HOP_BY_HOP | {b"host"}]
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n")
        await writer.drain()
        status, answer, chunked = await _head(reader)
        await send({"type": "http.response.start", "status": status, "headers": answer})
        copying = asyncio.ensure_future(_copy(_body(reader, chunked), send))
        leaving = asyncio.ensure_future(_disconnected(receive))
        await asyncio.wait({copying, leaving}, return_when=asyncio.FIRST_COMPLETED)
        for task in (copying, leaving):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await copying  # its errors, if any, are the relay's
        await send({"type": "http.response.body", "body": b""})
    finally:
        writer.close()


async def _head(reader: asyncio.StreamReader) -> tuple[int, list[tuple[bytes, bytes]], bool]:
    status = int((await reader.readline()).split(b" ", 2)[1])
    headers, chunked = [], False
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip()
        chunked = chunked or (name == b"transfer-encoding" and b"chunked" in value.lower())
        if name not in _HOP_BY_HOP:
            headers.append((name, value))
    return status, headers, chunked


async def _body(reader: asyncio.StreamReader, chunked: bool) -> AsyncIterator[bytes]:
    if not chunked:  # connection: close ends it
        while data := await reader.read(CHUNK):
            yield data
        return
    while size := int((await reader.readline()).split(b";")[0].strip() or b"0", 16):
        yield await reader.readexactly(size)
        await reader.readexactly(2)  # the CRLF after each chunk


async def _copy(chunks: AsyncIterator[bytes], send: Send) -> None:
    async for data in chunks:
        await send({"type": "http.response.body", "body": data, "more_body": True})


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
