"""A fault site: the laodong.vn replica, with one entry listing replaced by pages that link
whatever a case needs, and URLs that misbehave on purpose (tests/mirror_site.py `faults`).
Every case runs the real `congdoan crawl` against it and checks two things: a clear log
line or rejection row for the fault, and that the four good articles are still archived."""

from __future__ import annotations

import gzip
import re
import socket
import sqlite3
import subprocess
import time
import unicodedata
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.conftest import FAST, REPLACED_TEXT, TESTS, congdoan, run_log
from tests.mirror_site import MirrorSite
from tests.test_crawl import ARTICLES
from tests.test_crawl import A as ARTICLE_A

LISTING = "https://laodong.vn/cong-doan-toan-quoc"  # one of the spider's entry listings
SEED = TESTS / "cases" / "laodong" / "seed-004-hoa-binh" / "page.html"
SEED_ID = "1069877"
SEED_TITLE = "Công đoàn Hòa Bình đưa ra nhiều mục tiêu hướng đến lợi ích người lao động"
Fault = Callable[[BaseHTTPRequestHandler], None]


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """(status, headers lower-cased, body) of a GET, error statuses included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def fault_url(number: int, slug: str = "bai-kiem-tra") -> str:
    return f"https://laodong.vn/cong-doan/{slug}-{2000000 + number}.ldo"


def article_text(url: str, title: str) -> str:
    """A real Lao Động article page, moved to `url` under a new headline (its rel=canonical
    and og:url too: they name the URL the page is stored under)."""
    new_id = url.rsplit("-", 1)[1].split(".")[0]
    text = SEED.read_text(encoding="utf-8").replace(ARTICLE_A, url)
    return text.replace(SEED_ID, new_id).replace(SEED_TITLE, title)


def listing_page(links: list[str], next_page: str | None = None) -> bytes:
    items = "".join(
        f'<article class="article-small"><a class="link-title" href="{url}"><h2>Bài {n}</h2></a>'
        f'<span class="time">19/07/2022 16:13</span></article>\n'
        for n, url in enumerate(links)
    )
    pager = f'<div class="pagination"><a href="{next_page}">Trang sau</a></div>' if next_page else ""
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Công đoàn toàn quốc</title></head>'
        f'<body><main class="list-main-content"><h1>Công đoàn toàn quốc</h1>{items}{pager}</main></body></html>'
    ).encode()


def respond(
    status: int = 200,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    content_length: int | None = None,
    delay: float = 0,
    cut_after: int | None = None,
) -> Fault:
    """A fault that answers exactly this (optionally late, or cut short mid-body)."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        if delay:
            time.sleep(delay)
        handler.send_response(status)
        for name, value in {"Content-Type": "text/html; charset=utf-8", **(headers or {})}.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(content_length if content_length is not None else len(body)))
        handler.end_headers()
        try:
            handler.wfile.write(body if cut_after is None else body[:cut_after])
            handler.wfile.flush()
            if cut_after is not None:  # the connection drops in the middle of the body
                handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # the client gave up first (a timeout case)

    return answer


def redirect(location: str, status: int = 302) -> Fault:
    return respond(status, headers={"Location": location})


def page(
    url: str,
    title: str,
    encoding: str = "utf-8",
    content_type: str | None = None,
    transform: Callable[[str], str] = lambda text: text,
    prefix: bytes = b"",
) -> Fault:
    text = transform(article_text(url, title))
    body = prefix + (to_cp1258(text) if encoding == "windows-1258" else text.encode(encoding))
    return respond(body=body, headers={"Content-Type": content_type or f"text/html; charset={encoding}"})


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Vietnamese as windows-1258 writes it: base letters precomposed (â, ê, ơ...), tone
    marks as combining characters after them."""
    out = []
    for cluster in re.findall(r".[\u0300-\u036f]*", unicodedata.normalize("NFD", text), re.S):
        base, marks = cluster[0], cluster[1:]
        tones = "".join(mark for mark in marks if mark in _TONES)
        others = "".join(mark for mark in marks if mark not in _TONES)
        out.append(unicodedata.normalize("NFC", base + others) + tones)
    return "".join(out).encode("cp1258")


def sitemap_bomb(path: Path, megabytes: int = 1100) -> Path:
    """A gzipped sitemap of about 1 MB that inflates to `megabytes` MB of XML (a <urlset>
    and then spaces, which deflate packs a thousand to one), made once per session."""
    if not path.exists():
        packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        with path.open("wb") as out:
            out.write(
                packer.compress(
                    b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                )
            )
            spaces = b" " * (1024 * 1024)
            for _ in range(megabytes):
                out.write(packer.compress(spaces))
            out.write(packer.compress(b"</urlset>\n") + packer.flush())
    return path


def gzip_bomb(megabytes: int) -> Fault:
    payload = gzip.compress(b" " * (megabytes * 1024 * 1024), compresslevel=9)
    return respond(body=payload, headers={"Content-Encoding": "gzip"})


@dataclass
class Outcome:
    result: subprocess.CompletedProcess[str]
    db_path: Path
    hits: list

    @property
    def log(self) -> str:
        """What the run printed, and its full log (logs/<run-id>.log beside the archive)."""
        return self.result.stdout + self.result.stderr + run_log(self.db_path)

    def rows(self, sql: str, *params: object) -> list[tuple]:
        with sqlite3.connect(self.db_path) as connection:
            return connection.execute(sql, params).fetchall()

    def rejection(self, url: str) -> str | None:
        found = self.rows("select reason from rejections where url = ?", url)
        return found[0][0] if found else None

    def requested(self, url: str) -> int:
        return sum(hit.url == url for hit in self.hits)

    def archived(self) -> set[str]:
        return {url for (url,) in self.rows("select url from articles")}

    def assert_crawl_went_on(self) -> None:
        assert self.archived() >= ARTICLES, self.log[-3000:]
        assert "Traceback" not in self.log, self.log[-3000:]
        # No page of these sources holds U+FFFD: one in the archive is text lost to a wrong charset.
        assert self.rows(REPLACED_TEXT) == [(0,)]


def crawl_faults(
    tmp_path: Path,
    links: list[str] | None = None,
    faults: dict[str, Fault] | None = None,
    routes: dict[str, dict] | None = None,
    settings: tuple[str, ...] = (),
    listing: bytes | None = None,
    db_path: Path | None = None,
) -> Outcome:
    """Crawl the laodong replica whose LISTING links `links`, with `faults` answering some URLs."""
    body = listing if listing is not None else listing_page(links or [])
    listing_file = tmp_path / "fault-listing.html"
    listing_file.write_bytes(body)
    db_path = db_path or tmp_path / "archive.db"
    with MirrorSite(overrides={LISTING: {"file": str(listing_file)}, **(routes or {})}, faults=faults or {}) as site:
        extra = [part for setting in settings for part in ("-s", setting)]
        result = congdoan("crawl", "laodong", "--db", str(db_path), "--mirror", site.url, *FAST, *extra, timeout=240)
        hits = list(site.hits)
    return Outcome(result, db_path, hits)
