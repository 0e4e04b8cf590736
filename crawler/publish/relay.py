"""Hand one ASGI request to another local HTTP server over a Unix socket and pass its answer
back as it streams: the public server sends custom SQL and CSV exports to a process of their
own (the heavy lane, `congdoan serve`), so they never share a process, its GIL or its SQL
threads with readers' pages. Pure asyncio; HTTP/1.1 with chunked bodies, nothing more.

Bounded in time: a client that stops reading is dropped after SEND_TIMEOUT_S, and a lane
answer is cut after `deadline` seconds, so a slow reader cannot hold a lane slot for ever.
A cut answer is cut visibly: the connection is aborted, never ended as if complete.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

Message = dict[str, Any]
Send = Callable[[Message], Awaitable[None]]
Receive = Callable[[], Awaitable[Message]]
Headers = list[tuple[bytes, bytes]]

CHUNK = 64 * 1024
MAX_HEAD = 64 * 1024  # bytes of status line and headers from the lane; more is a broken lane
SEND_TIMEOUT_S = 30  # a client that reads nothing for this long is gone
_HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"transfer-encoding", b"te", b"trailer", b"upgrade"})
_OUTER = frozenset({b"date", b"server"})  # the public server sends its own


class LaneUnavailable(ConnectionError):
    """The lane's server did not answer (starting, gone, or broken) before anything was sent."""


async def relay(
    socket_path: str, request: tuple[str, bytes, Headers], receive: Receive, send: Send, deadline: float
) -> None:
    """Send `request` (method, path and query as on the wire, headers) to the server on
    `socket_path` and stream its answer to `send`, for at most `deadline` seconds. Stops
    reading when the client goes away (an abandoned export stops costing the lane)."""
    async with asyncio.timeout(deadline):
        reader, writer, (status, headers, chunked) = await _ask(socket_path, request)
        try:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            copying = asyncio.ensure_future(_copy(_body(reader, chunked), send))
            leaving = asyncio.ensure_future(_disconnected(receive))
            await asyncio.wait({copying, leaving}, return_when=asyncio.FIRST_COMPLETED)
            leaving.cancel()
            if not copying.done():  # the client left: stop reading the lane
                copying.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await copying
                return
            copying.result()  # a lane that broke off mid-answer raises here: the client sees a cut
            await send({"type": "http.response.body", "body": b""})
        finally:
            writer.close()


async def _ask(socket_path: str, request: tuple[str, bytes, Headers]) -> tuple[Any, Any, tuple[int, Headers, bool]]:
    method, target, headers = request
    try:
        reader, writer = await asyncio.open_unix_connection(socket_path, limit=MAX_HEAD)
    except OSError as error:
        raise LaneUnavailable(str(error)) from None
    try:
        lines = [f"{method} ".encode() + target + b" HTTP/1.1", b"connection: close"]
        lines += [name + b": " + value for name, value in headers if name.lower() not in _HOP_BY_HOP]
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n")
        await writer.drain()
        return reader, writer, await _head(reader)
    except (OSError, ValueError, IndexError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
        writer.close()
        raise LaneUnavailable(f"the lane answered no HTTP: {error!r}") from None


async def _head(reader: asyncio.StreamReader) -> tuple[int, Headers, bool]:
    status = int((await reader.readline()).split(b" ", 2)[1])
    headers, chunked = [], False
    while (line := await reader.readline()) not in (b"\r\n", b"\n"):
        if not line:
            raise asyncio.IncompleteReadError(b"", None)
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip()
        chunked = chunked or (name == b"transfer-encoding" and b"chunked" in value.lower())
        if name not in _HOP_BY_HOP | _OUTER | {b"cache-control"}:
            headers.append((name, value))
    return status, [*headers, (b"cache-control", b"no-store")], chunked


async def _body(reader: asyncio.StreamReader, chunked: bool) -> AsyncIterator[bytes]:
    if not chunked:  # connection: close ends it
        while data := await reader.read(CHUNK):
            yield data
        return
    while True:
        line = await reader.readline()
        if not line:
            raise asyncio.IncompleteReadError(b"", None)  # the lane went away mid-answer
        size = int(line.split(b";")[0].strip(), 16)
        if not size:
            return
        yield await reader.readexactly(size)
        await reader.readexactly(2)  # the CRLF after each chunk


async def _copy(chunks: AsyncIterator[bytes], send: Send) -> None:
    async for data in chunks:
        async with asyncio.timeout(SEND_TIMEOUT_S):  # a client that stopped reading
            await send({"type": "http.response.body", "body": data, "more_body": True})


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
