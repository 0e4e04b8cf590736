"""What a journalist does, in a real browser: search, read, filter, stay safe, download."""

from __future__ import annotations

import re
import sqlite3

import pytest
from datasette.utils import tilde_encode
from playwright.sync_api import Browser, Page, expect

from crawler.text import fold
from tests.browser.conftest import ARTIFACTS
from tests.conftest import serving
from tests.test_journalist import XSS_URL
from tests.test_media import TABLE_ARTICLE, crawl_with_photos


def test_a_search_for_cong_doan_shows_highlighted_results(server: str, page: Page):
    page.goto(server)  # from the front page, as a person would
    page.get_by_role("link", name="🔎 Tìm kiếm · Search").click()
    page.fill('input[name="q"]', "cong doan")
    page.get_by_role("button", name="Tìm · Search").click()
    page.wait_for_url("**q=cong+doan**")
    results = page.locator("ol.vn-results > li")
    expect(results.first).to_be_visible()
    assert results.count() >= 20
    marks = page.locator("ol.vn-results mark")
    assert marks.count() >= 40
    # Unaccented words match any accents ("đoạn" too): exactly what the search matched is marked.
    assert {fold(text) for text in marks.all_inner_texts()} == {"cong", "doan"}
    expect(page.locator("a.atom")).to_be_visible()  # the search can be followed as a feed
    # Filters are choices, not SQL: pick a province and search again.
    page.select_option("select#province", "Cao Bằng")
    page.get_by_role("button", name="Tìm · Search").click()
    page.wait_for_url("**province=Cao**")
    provinces = page.locator("ol.vn-results .meta").all_inner_texts()
    assert provinces and all("Cao Bằng" in meta for meta in provinces)


def test_an_article_page_shows_title_date_body_and_images(server: str, page: Page):
    page.goto(f"{server}/archive/tim_kiem?q=cong+doan+hoa+binh+muc+tieu")
    page.locator("ol.vn-results a.headline").filter(has_text="Hòa Bình").first.click()
    headline = page.locator("h1.headline")
    expect(headline).to_have_text("Công đoàn Hòa Bình đưa ra nhiều mục tiêu hướng đến lợi ích người lao động")
    expect(page.locator("time.published")).to_have_text("Thứ Ba, 19/07/2022, 16:13 (GMT+7)")
    assert page.locator(".body p").count() >= 4
    assert "người lao động" in page.locator(".body").inner_text()
    # The photos replayed from the demo sample are served by the archive, and they load.
    figure = page.locator(".images figure").first
    expect(figure.locator("img")).to_have_attribute("src", re.compile(r"^/-/media/[0-9a-f]{64}$"))
    expect(figure.locator("figcaption")).to_be_visible()
    expect(figure.locator("a.photo-source")).to_have_attribute(
        "href", re.compile(r"^https://media-cdn-v2\.laodong\.vn/")
    )
    figure.locator("img").scroll_into_view_if_needed()
    page.wait_for_function("[...document.images].every(img => img.complete)")
    assert figure.locator("img").evaluate("img => img.naturalWidth") > 0
    expect(page.locator("a.capture")).to_be_visible()


def test_clicking_a_facet_filters_the_articles(server: str, page: Page):
    page.goto(f"{server}/archive/articles")
    total = int(page.locator("h3").filter(has_text="rows").first.inner_text().split()[0].replace(",", ""))
    page.locator(".facet-info").filter(has_text="site").locator("a", has_text="caobang").first.click()
    page.wait_for_url("**site=caobang**")
    sites = page.locator("ol.vn-articles .col-site").all_inner_texts()
    assert sites and set(sites) == {"caobang"} and len(sites) < total


def test_source_scripts_and_handlers_never_run(server: str, page: Page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in (
        f"/archive/articles/{tilde_encode(XSS_URL)}",
        "/archive/tim_kiem?q=kiem+tra+an+toan",
        "/archive/articles?_search=kiem+tra+an+toan",
    ):
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__xss") is None, path
    page.goto(f"{server}/archive/articles/{tilde_encode(XSS_URL)}")
    expect(page.locator("h1.headline")).to_have_text("Công đoàn <script>window.__xss=1</script> kiểm tra an toàn")
    expect(page.locator(".author")).to_have_text('<img src=x onerror="window.__xss=2">')
    page.locator(".images img").first.dispatch_event("error")  # even a failed image load runs nothing
    page.locator("figcaption").first.hover()
    assert page.evaluate("window.__xss") is None and dialogs == []


def test_the_download_link_returns_a_sqlite_file(server: str, page: Page, tmp_path):
    page.goto(f"{server}/archive")
    with page.expect_download() as download_info:
        page.locator('a[href$="/archive.db"]').first.click()
    target = tmp_path / "downloaded.db"
    download_info.value.save_as(target)
    with sqlite3.connect(target) as connection:
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
        assert connection.execute("select count(*) from articles").fetchone()[0] >= 20


def test_an_archived_article_shows_its_table_and_photos_with_the_sources_offline(page: Page, tmp_path):
    """The Đắk Lắk replica crawled, then stopped: the article page still shows every photo,
    served from the archive's WARC, and its table as printed."""
    db_path = crawl_with_photos(tmp_path)  # the replica server is stopped when this returns
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    with serving(db_path) as base:
        page.goto(f"{base}/archive/articles/{tilde_encode(TABLE_ARTICLE)}")
        expect(page.locator("div.body table")).to_be_visible()
        cells = page.locator("div.body table tr").evaluate_all("rows => rows.map(r => r.cells.length)")
        assert cells == [4, 4, 4, 4]
        photos = page.locator("article img")
        expect(photos.first).to_be_visible()
        page.wait_for_function("[...document.images].every(img => img.complete)")
        loaded = photos.evaluate_all("imgs => imgs.map(img => [img.getAttribute('src'), img.naturalWidth])")
        assert loaded and all(src.startswith("/-/media/") and width > 0 for src, width in loaded), loaded
    assert all(url.startswith(base) for url in requested), "nothing is fetched from the sources"


@pytest.mark.parametrize("width", [1280, 390])
def test_the_search_form_fits_a_desktop_and_a_phone(server: str, browser: Browser, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(f"{server}/archive/tim_kiem?q=cong+doan&since=2020-01-31&province=Cao+B%E1%BA%B1ng")
        form = page.locator("form.vn-search")
        expect(form).to_be_visible()
        clipped = form.locator("label").evaluate_all(
            "labels => labels.filter(l => l.scrollWidth > l.clientWidth).map(l => l.textContent)"
        )
        assert clipped == [], f"labels cut off at {width} px: {clipped}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
        # The lines the fields sit on: fields centred within 10 px of each other share one.
        centres = form.locator(".field").evaluate_all(
            "fields => fields.map(f => { const r = f.getBoundingClientRect(); return r.top + r.height / 2; })"
        )
        rows = [c for i, c in enumerate(sorted(centres)) if i == 0 or c - sorted(centres)[i - 1] > 10]
        if width == 1280:
            assert len(rows) <= 2, f"the form takes {len(rows)} lines"
        else:  # stacked: one field a line, none wider than the screen
            assert len(rows) == form.locator(".field").count()
            rights = form.locator(".field").evaluate_all("fields => fields.map(f => f.getBoundingClientRect().right)")
            assert max(rights) <= width
        # Dates are shown day first, as they are entered.
        expect(page.locator("input#since")).to_have_value("31/01/2020")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"search-form-{width}px.png"), full_page=True)
    finally:
        context.close()
