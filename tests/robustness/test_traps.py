"""Crawler traps: endless pagination, calendars and URL-space traps, one article under many
tracking parameters, a cookie challenge that never clears."""

from __future__ import annotations

import json

from tests.conftest import TESTS
from tests.robustness.conftest import LISTING, crawl_faults, fault_url, listing_page, page, respond
from tests.test_crawl import D

PAGES = 1000


def test_endless_pagination_stops_at_the_page_cap(tmp_path):
    # Every page offers ten links nobody has seen and a next page: paging "never runs out".
    def listing(n: int) -> bytes:
        links = [fault_url(n * 10 + i) for i in range(10)]
        return listing_page(links, next_page=f"{LISTING}?page={n + 1}")

    faults = {f"{LISTING}?page={n}": respond(body=listing(n)) for n in range(2, PAGES)}
    outcome = crawl_faults(tmp_path, listing=listing(1), faults=faults, settings=("ARCHIVE_MAX_PAGES=6",))
    pages = [hit.url for hit in outcome.hits if hit.url.startswith(f"{LISTING}?page=")]
    assert pages == [f"{LISTING}?page={n}" for n in range(2, 7)]
    assert f"stopped paging {LISTING} after 6 pages (ARCHIVE_MAX_PAGES)" in outcome.log
    outcome.assert_crawl_went_on()


def test_calendar_and_url_space_traps_are_not_followed(tmp_path):
    calendar = [f"https://laodong.vn/lich?ngay=2024-01-{day:02d}" for day in range(1, 29)]
    nested = "https://laodong.vn/cong-doan/" + "cong-doan/" * 5 + "bai-lap-2000001.ldo"
    long_url = "https://laodong.vn/cong-doan/" + "a" * 1200 + "-2000002.ldo"
    outcome = crawl_faults(tmp_path, [*calendar, nested, long_url])
    requested = {hit.url for hit in outcome.hits}
    assert not requested & {*calendar, nested, long_url}
    assert outcome.rejection(nested) == "url-trap" and outcome.rejection(long_url) == "url-trap"
    assert "a URL-space trap" in outcome.log
    outcome.assert_crawl_went_on()


def test_one_article_under_tracking_parameters_is_fetched_and_stored_once(tmp_path):
    url = fault_url(1)
    variants = [
        f"{url}?utm_source=facebook&utm_medium=social",
        f"{url}?fbclid=IwAR0abc",
        f"{url}#comments",
        f"{url}?utm_campaign=x#top",
        url,
    ]
    outcome = crawl_faults(tmp_path, variants, {url: page(url, "Công đoàn kiểm tra tham số theo dõi")})
    assert outcome.requested(url) == 1
    assert outcome.rows("select count(*) from articles where url like ?", url + "%") == [(1,)]
    outcome.assert_crawl_went_on()


def test_a_cookie_challenge_that_never_clears_is_a_rejection(tmp_path):
    routes = json.loads((TESTS / "site" / "laodong.vn" / "routes.json").read_text(encoding="utf-8"))
    challenge_route = dict(routes[D], challenge_always=True)
    outcome = crawl_faults(tmp_path, routes={D: challenge_route})
    assert outcome.rejection(D) == "interstitial"
    assert "D1N challenge came back after answering it" in outcome.log
    assert outcome.requested(D) == 2  # asked once more with the cookie, then given up
    archived = outcome.archived()
    assert D not in archived and len(archived) >= 3  # the other articles are in
    assert "Traceback" not in outcome.log
