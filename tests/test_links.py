"""Listing cases: `congdoan links` gives exactly the article URLs and next page a spider follows."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawler.extract.article import extract
from crawler.ops.cli import main
from crawler.records import Rejected
from tests.conftest import Case, all_cases

LISTING_CASES = all_cases("listing")


@pytest.mark.parametrize("case", LISTING_CASES, ids=lambda c: c.name)
def test_links_command(case: Case):
    result = CliRunner().invoke(main, ["links", str(case.folder / "page.html"), "--url", case.meta["url"]])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == case.expected


@pytest.mark.parametrize("case", LISTING_CASES, ids=lambda c: c.name)
def test_a_listing_is_not_an_article(case: Case):
    with pytest.raises(Rejected) as raised:
        extract(case.html, case.meta["url"], "2026-11-20T00:00:00+00:00")
    assert raised.value.reason in {"not-an-article", "no-body", "no-date", "no-title"}


def test_links_outside_the_sites_is_a_clear_error(tmp_path):
    page = tmp_path / "x.html"
    page.write_text("<a href='/a-post1.html'>a</a>", encoding="utf-8")
    result = CliRunner().invoke(main, ["links", str(page), "--url", "https://example.com/"])
    assert result.exit_code == 1 and "not on any of the sites" in result.output


def test_an_article_linked_in_two_forms_is_one_link(tmp_path):
    # Stored copies of baodaklak show the photo link with the trailing slash and the heading
    # without; a shared link adds http://www. and a tracking parameter. One article, one URL.
    case = next(case for case in LISTING_CASES if case.name == "daklak/listing-xa-hoi")
    story = "/xa-hoi/202510/kien-toan-to-chuc-cong-doan-o-cac-xa-phuong-moi-2879114/"
    other = "/xa-hoi/202411/nhieu-tuyen-duong-o-tp-buon-ma-thuot-ngap-sau-sau-mua-lon-c4e81f2/"
    html = case.html.decode()
    assert html.count(f'href="{story}"') == 2 and html.count(f'href="{other}"') == 2
    html = html.replace(f'href="{story}"', f'href="{story.rstrip("/")}"', 1)
    html = html.replace(f'href="{other}"', f'href="http://www.baodaklak.vn{other.rstrip("/")}?utm_source=zalo"', 1)
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    result = CliRunner().invoke(main, ["links", str(page), "--url", case.meta["url"]])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == case.expected
