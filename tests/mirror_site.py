"""A loopback replica of the sites, served as MIRROR/HOST/PATH?QUERY (see `congdoan crawl --mirror`).

Routes come from tests/site/<host>/routes.json (real URL -> file under tests/). The server records every request it answers,
so tests can assert what the crawler asked for, in which order and with which cookie.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TESTS = Path(__file__).resolve().parent
NOT_FOUND = b"<html><body><h1>404</h1><p>Trang kh\xc3\xb4ng t\xe1\xbb\x93n t\xe1\xba\xa1i</p></body></html>"


@dataclass
class Hit:
    url: str  # the real URL the mirror path stands for
    cookie: str
    user_agent: str
    status: int
    at: float = field(default_factory=time.monotonic)  # when the request arrived


@dataclass
class MirrorSite:
    routes_files: tuple[Path, ...] = tuple(sorted((TESTS / "site").glob("*/routes.json")))
    overrides: dict[str, dict[str, str | int]] = field(default_factory=dict)  # real URL -> route
    hits: list[Hit] = field(default_factory=list)
    failures_served: dict[str, int] = field(default_factory=dict)
    # real URL -> a function that writes the whole answer itself (tests/robustness: faults)
    faults: dict[str, Callable[[BaseHTTPRequestHandler], None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        routes: dict[str, dict[str, str | int]] = {}
        for routes_file in self.routes_files:
            routes.update(json.loads(routes_file.read_text(encoding="utf-8")))
        self.routes = {k: v for k, v in {**routes, **self.overrides}.items() if not k.startswith("_")}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                arrived = time.monotonic()  # before the body is read: less skew between hits
                real = "https://" + self.path.lstrip("/")
                if real in site.faults:
                    site.hits.append(
                        Hit(real, self.headers.get("Cookie", ""), self.headers.get("User-Agent", ""), 0, arrived)
                    )
                    site.faults[real](self)
                    return
                route = site.routes.get(real)
                cookie = self.headers.get("Cookie", "")
                status, body, kind = 404, NOT_FOUND, "text/html; charset=utf-8"
                failures = site.failures_served.get(real, 0)
                if route is not None and failures < route.get("fail_first", 0):
                    # A server that says "not now" a few times before it answers.
                    site.failures_served[real] = failures + 1
                    site.hits.append(
                        Hit(real, cookie, self.headers.get("User-Agent", ""), route["fail_status"], arrived)
                    )
                    self.send_response(route["fail_status"])
                    if route.get("retry_after") is not None:
                        self.send_header("Retry-After", str(route["retry_after"]))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route is not None:
                    source = route.get("file")
                    if route.get("challenge") and ("D1N=" not in cookie or route.get("challenge_always")):
                        source = route["challenge"]
                    status = route.get("status", 200)
                    body = (TESTS / source).read_bytes() if source else b""
                    kind = route.get("type", "text/html; charset=utf-8")
                # Validators, as real servers send them: a matching If-None-Match gets a bare 304.
                etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    status, body = 304, b""
                site.hits.append(Hit(real, cookie, self.headers.get("User-Agent", ""), status, arrived))
                self.send_response(status)
                if status in (200, 304):
                    self.send_header("ETag", etag)
                # As real servers do; a 304 has no body at all (20 bytes of empty gzip after one
                # stayed on the kept-alive connection and broke the next response on it).
                if "gzip" in self.headers.get("Accept-Encoding", "") and status != 304:
                    body = gzip.compress(body)
                    self.send_header("Content-Encoding", "gzip")
                if route is not None and route.get("redirect"):
                    self.send_header("Location", route["redirect"])
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> MirrorSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def requested(self, url: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.url == url]
