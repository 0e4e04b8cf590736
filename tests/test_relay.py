"""The heavy lane's relay (crawler/publish/relay.py) against a real server on a Unix socket:
an answer streams through whole, and one the lane breaks off is never passed on as whole."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from crawler.publish.relay import LaneUnavailable, relay

HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\ndate: x\r\nserver: lane\r\ntransfer-encoding: chunked\r\n\r\n"


async def _through(socket: Path, answer: bytes) -> tuple[list[dict], BaseException | None, bytes]:
    """Serve `answer` once on `socket`, relay a request to it; (messages sent, error, request seen)."""
    seen = bytearray()

    async def lane(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.extend(await reader.readuntil(b"\r\n\r\n"))
        writer.write(answer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_unix_server(lane, path=str(socket))
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    async def receive() -> dict:
        await asyncio.sleep(3600)  # the client stays
        return {"type": "http.disconnect"}

    error = None
    try:
        request = ("GET", b"/archive.csv?sql=select+1", [(b"host", b"archive.example")])
        await relay(str(socket), request, receive, send, deadline=10)
    except Exception as caught:  # what the ASGI server would see
        error = caught
    finally:
        server.close()
    return sent, error, bytes(seen)


def test_a_whole_answer_streams_through_with_the_visitors_host(tmp_path):
    body = b"5\r\nurl\r\n\r\n3\r\na,b\r\n0\r\n\r\n"
    sent, error, seen = asyncio.run(_through(tmp_path / "lane.sock", HEAD + body))
    assert error is None
    start, *chunks, end = sent
    assert start["status"] == 200 and (b"cache-control", b"no-store") in start["headers"]
    assert not {name for name, _ in start["headers"]} & {b"date", b"server", b"transfer-encoding"}
    assert b"".join(chunk["body"] for chunk in chunks) == b"url\r\na,b" and end == {
        "type": "http.response.body",
        "body": b"",
    }
    assert b"host: archive.example" in seen and b"connection: close" in seen


def test_an_answer_the_lane_breaks_off_is_not_passed_on_as_whole(tmp_path):
    sent, error, _ = asyncio.run(_through(tmp_path / "lane.sock", HEAD + b"5\r\nurl\r\n\r\n"))  # then the lane dies
    assert isinstance(error, asyncio.IncompleteReadError)
    assert sent[-1].get("more_body") is True  # no closing message: the server aborts the connection


def test_a_lane_that_answers_no_http_is_unavailable_before_anything_is_sent(tmp_path):
    sent, error, _ = asyncio.run(_through(tmp_path / "lane.sock", b"garbage"))
    assert isinstance(error, LaneUnavailable) and sent == []
    with pytest.raises(LaneUnavailable):
        asyncio.run(relay(str(tmp_path / "none.sock"), ("GET", b"/", []), None, None, deadline=1))  # type: ignore[arg-type]
