"""The `congdoan` command line, as users and later checks call it."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.extract.article import extract
from crawler.extract.structure import body_text
from crawler.ops.cli import main
from crawler.store.archive import save_article
from crawler.store.database import open_db
from tests.conftest import ROOT, all_cases, congdoan, serving

ARTICLE_CASES = [c for c in all_cases("article") if not c.rejected]


@pytest.mark.parametrize("case", ARTICLE_CASES, ids=lambda c: c.name)
def test_extract_prints_the_expected_json(case):
    result = CliRunner().invoke(
        main,
        ["extract", str(case.folder / "page.html"), "--url", case.meta["url"], "--fetched-at", case.meta["fetched_at"]],
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    # body_html is checked for structure in tests/test_structure.py; here, that it is the body.
    assert body_text(printed.pop("body_html")) == printed["body"]
    assert printed == case.expected


def test_extract_of_a_rejected_page_exits_1_with_the_reason_on_stderr():
    case = next(c for c in all_cases("article") if c.rejected == "interstitial")
    result = congdoan("extract", str(case.folder / "page.html"), "--url", case.meta["url"])
    assert result.returncode == 1
    assert result.stdout == ""
    assert "interstitial" in result.stderr


def test_extract_rejects_a_bad_fetched_at():
    case = ARTICLE_CASES[0]
    result = CliRunner().invoke(
        main, ["extract", str(case.folder / "page.html"), "--url", case.meta["url"], "--fetched-at", "yesterday"]
    )
    assert result.exit_code == 1 and "ISO 8601" in result.output


def test_sites_lists_spiders_with_their_entry_urls():
    result = CliRunner().invoke(main, ["sites"])
    assert result.exit_code == 0
    assert "laodong\n" in result.output
    for path in (
        "/cong-doan",
        "/cong-doan-toan-quoc",
        "/ldld-ha-tinh",
        "/ldld-cao-bang",
        "/ldld-dak-lak",
        "/ldld-hoa-binh",
    ):
        assert f"  https://laodong.vn{path}\n" in result.output


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert main.commands[command].help and "Example:" in result.output


def test_search_command(tmp_path):
    db = open_db(tmp_path / "archive.db")
    case = ARTICLE_CASES[0]
    save_article(db, extract(case.html, case.meta["url"], case.meta["fetched_at"]), "t")
    db.close()
    result = CliRunner().invoke(main, ["search", "cong doan", "--db", str(tmp_path / "archive.db")])
    assert result.exit_code == 0 and case.expected["title"] in result.output


def test_scrapy_finds_the_project_from_the_repository_root():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "scrapy"), "list"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["baohatinh", "caobang", "daklak", "hoabinh", "laodong"]


def test_serve_runs_datasette_with_working_unaccented_search(tmp_path):
    db = open_db(tmp_path / "archive.db")
    for case in ARTICLE_CASES:
        save_article(db, extract(case.html, case.meta["url"], case.meta["fetched_at"]), "t")
    db.close()
    with serving(tmp_path / "archive.db") as base:
        with urllib.request.urlopen(
            f"{base}/archive/articles.json?_search=cong+doan+hoa+binh&_shape=objects", timeout=30
        ) as response:
            data = json.load(response)
        titles = [row["title"] for row in data["rows"]]
        assert "Công đoàn Hòa Bình đưa ra nhiều mục tiêu hướng đến lợi ích người lao động" in titles
        with urllib.request.urlopen(f"{base}/archive/articles", timeout=30) as response:
            page = response.read().decode("utf-8")
        assert "Bài báo · Articles" in page and "Công đoàn Hòa Bình" in page  # metadata applied
