"""Shared fixtures: extraction cases, the loopback replica, the CLI in a real subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.mirror_site import MirrorSite

TESTS = Path(__file__).resolve().parent
CASES = TESTS / "cases"
ROOT = TESTS.parent
# Replay indexes the crawls keep (crawler/capture/index_cache.py) go to a folder of this
# session's, not the user's cache. Set before the crawler's settings are first imported.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="congdoan-test-cache-")
# Tests crawl the loopback replica as fast as it answers; politeness is tested as settings.
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0")


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path

    @property
    def meta(self) -> dict[str, Any]:
        return json.loads((self.folder / "meta.json").read_text(encoding="utf-8"))

    @property
    def expected(self) -> dict[str, Any]:
        return json.loads((self.folder / "expected.json").read_text(encoding="utf-8"))

    @property
    def html(self) -> bytes:
        return (self.folder / "page.html").read_bytes()

    @property
    def rejected(self) -> str | None:
        return self.expected.get("rejected")

    @property
    def kind(self) -> str:
        """ "article" (expected: an Article or a rejection) or "listing" (expected: links)."""
        return self.meta.get("kind", "article")

    @property
    def site(self) -> str:
        return self.folder.parent.name


def all_cases(kind: str | None = None) -> list[Case]:
    cases = [Case(f"{p.parent.name}/{p.name}", p) for p in sorted(CASES.glob("*/*")) if (p / "page.html").exists()]
    return [case for case in cases if kind is None or case.kind == kind]


SITES = ("baohatinh", "caobang", "daklak", "hoabinh", "laodong")

# Articles holding U+FFFD, the mark of bytes a wrong charset could not read: none of the
# sources' pages holds one, so every test archive must count none.
REPLACED_TEXT = (
    "select count(*) from articles where instr(title || coalesce(lead, '') || body || coalesce(author, ''), "
    "char(65533)) > 0"
)


@pytest.fixture
def mirror_site():
    with MirrorSite() as site:
        yield site


def congdoan(*args: str, cwd: Path | None = None, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    """Run the real `congdoan` console script in its own process (a fresh Twisted reactor each time)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [str(Path(sys.executable).parent / "congdoan"), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd or ROOT, env=env, timeout=timeout)


def run_log(db_path: Path) -> str:
    """The full Scrapy log of every run on this archive (logs/<run-id>.log beside it), oldest first."""
    return "".join(log.read_text(encoding="utf-8") for log in sorted((db_path.parent / "logs").glob("*.log")))


def datasette_for(db_path: Path):
    """Datasette configured as `congdoan serve` configures it (datasette/plugins/factory.py:
    metadata, settings, plugins, templates), for Datasette's own client."""
    if str(ROOT / "datasette") not in sys.path:  # where uvicorn finds the factory (--app-dir)
        sys.path.insert(0, str(ROOT / "datasette"))
    from plugins.factory import archive_datasette

    return archive_datasette(str(db_path))


def datasette_get(db_path: Path, *paths: str, follow_redirects: bool = False) -> list:
    """GET each path, in order, from one Datasette over `db_path` configured as `congdoan
    serve` configures it."""

    async def fetch() -> list:
        datasette = datasette_for(db_path)
        return [await datasette.client.get(path, follow_redirects=follow_redirects) for path in paths]

    return asyncio.run(fetch())


def free_port() -> int:
    """A loopback port nothing listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(
    db_path: Path, timeout: float = 60, log: Path | None = None, options: tuple[str, ...] = ("--workers", "1")
) -> Iterator[str]:
    """The real `congdoan serve --db DB_PATH` on a free loopback port, for the block; yields its
    base URL. Its output goes to `log` (a temporary file by default). One worker unless
    `options` say otherwise: the suite runs many servers side by side on two cores."""
    port = free_port()
    # A file, not a pipe: an undrained pipe fills (64 KB) and blocks the server.
    with log.open("w+", encoding="utf-8") if log else tempfile.TemporaryFile("w+", encoding="utf-8") as output:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "congdoan"),
                "serve",
                "--db",
                str(db_path),
                "--port",
                str(port),
                *options,
            ],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if process.poll() is not None:
                        output.seek(0)
                        raise RuntimeError(f"congdoan serve exited: {output.read()}") from None
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"congdoan serve did not start in {timeout:.0f} s") from None
                    time.sleep(0.1)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=10)


@contextmanager
def redis_server() -> Iterator[str]:
    """A real redis-server (Debian's package, installed by `make test`) on a free loopback port,
    with nothing saved to disk; yields its redis:// URL."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                folder,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError("redis-server did not start") from None
                    time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(10)


@pytest.fixture
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url
