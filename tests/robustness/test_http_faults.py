"""HTTP faults: dead links, overloaded servers, timeouts, broken connections, bad redirects."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.robustness.conftest import crawl_faults, fault_url, page, redirect, respond


@pytest.mark.parametrize("status", [404, 410])
def test_dead_links_become_rejections(tmp_path, status):
    dead = fault_url(1)
    outcome = crawl_faults(tmp_path, [dead], {dead: respond(status, b"<html><body>Not here</body></html>")})
    assert outcome.result.returncode == 0
    assert outcome.rejection(dead) == f"http-{status}"
    outcome.assert_crawl_went_on()


def test_429_500_503_are_retried_and_retry_after_is_honoured(tmp_path):
    busy, broken = fault_url(1), fault_url(2)
    answers = {
        busy: iter(
            [
                respond(429, headers={"Retry-After": "1"}),
                respond(503, headers={"Retry-After": "1"}),
                page(busy, "Công đoàn kiểm tra thử lại"),
            ]
        ),
        broken: iter([respond(500)] * 10),
    }
    faults = {url: (lambda handler, url=url: next(answers[url])(handler)) for url in answers}
    outcome = crawl_faults(tmp_path, [busy, broken], faults, settings=("RETRY_TIMES=2", "ARCHIVE_RETRY_BACKOFF=0.2"))
    assert outcome.requested(busy) == 3 and busy in outcome.archived()
    assert outcome.requested(broken) == 3  # the first try and two retries
    assert outcome.rejection(broken) == "http-500"  # kept for a retry on the next run (retryable reason)
    assert "retrying in 1 s" in outcome.log and "answered 500: retrying" in outcome.log
    outcome.assert_crawl_went_on()


def test_a_timeout_is_logged_and_the_url_kept_for_the_next_run(tmp_path):
    slow = fault_url(1)
    outcome = crawl_faults(
        tmp_path, [slow], {slow: respond(body=b"<html></html>", delay=6)}, settings=("DOWNLOAD_TIMEOUT=2",)
    )
    assert f"{slow}: no answer from laodong.vn in time" in outcome.log
    pending = outcome.rows("select url, kind from frontier")
    assert (slow, "ARTICLE") in pending
    # On a loaded machine another page may time out too: then it is pending for the same reason.
    assert all(f"{url}: no answer from laodong.vn in time" in outcome.log for url, _ in pending)
    outcome.assert_crawl_went_on()


def test_a_connection_reset_mid_body_is_logged_and_kept_for_the_next_run(tmp_path):
    cut = fault_url(1)
    body = page(cut, "Công đoàn kiểm tra đứt kết nối")
    outcome = crawl_faults(
        tmp_path, [cut], {cut: respond(body=b"<html>" + b"x" * 5000, content_length=50000, cut_after=3000)}
    )
    assert f"{cut}: connection to laodong.vn failed" in outcome.log
    assert cut not in outcome.archived() and outcome.rows("select url from frontier") == [(cut,)]
    assert body  # the page it would have been
    outcome.assert_crawl_went_on()


def test_a_redirect_loop_is_a_rejection(tmp_path):
    a, b = fault_url(1), fault_url(2)
    outcome = crawl_faults(tmp_path, [a], {a: redirect(b), b: redirect(a)})
    assert outcome.rejection(a) == "redirect-loop"
    assert "redirect-loop" in outcome.log and outcome.requested(a) <= 11
    outcome.assert_crawl_went_on()


def test_a_redirect_off_the_site_is_refused_not_followed(tmp_path):
    away = fault_url(1)
    outcome = crawl_faults(tmp_path, [away], {away: redirect("https://evil.example/steal?x=1")})
    assert outcome.rejection(away) == "redirected"
    assert outcome.rejection("https://evil.example/steal?x=1") == "off-site"
    assert not [hit for hit in outcome.hits if "evil.example" in hit.url]
    assert "host evil.example is not one of this site's hosts" in outcome.log
    outcome.assert_crawl_went_on()


def test_a_redirect_to_a_login_page_is_a_rejection(tmp_path):
    private = fault_url(1)
    login = "https://laodong.vn/dang-nhap?returnUrl=%2Fcong-doan"
    form = b'<html><body><form action="/dang-nhap"><input name="user"><input type="password"></form></body></html>'
    outcome = crawl_faults(tmp_path, [private], {private: redirect(login), login: respond(body=form)})
    assert outcome.rejection(private) == "login-required"
    assert login not in outcome.archived()
    outcome.assert_crawl_went_on()


class _Canary:
    """A server on loopback that must never be asked anything."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                canary.asked.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:{port}/",
        "http://[::1]:{port}/",
    ],
)
def test_a_redirect_to_an_internal_address_is_refused(tmp_path, target):
    canary = _Canary()
    try:
        location = target.format(port=canary.port)
        trap = fault_url(1)
        outcome = crawl_faults(tmp_path, [trap], {trap: redirect(location)})
    finally:
        canary.server.shutdown()
    assert canary.asked == []
    assert outcome.rejection(trap) == "redirected" and outcome.rejection(location) == "off-site"
    assert f"refused {location}" in outcome.log
    outcome.assert_crawl_went_on()
