"""The real seed texts (tests/seeds/) against their fixture pages: extraction keeps every
article paragraph of the seed, verbatim, and none of its boilerplate lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract.article import extract
from crawler.text import clean_text
from tests.conftest import CASES, TESTS

SEEDS = TESTS / "seeds"
# seed file -> (fixture case, 1-based line numbers that are article text, boilerplate lines)
# Line roles follow the keep/drop tables of the site notes (shared/sites.md §7).
SEED_CASES = {
    "000_27c87e7a21f18b74.txt": (
        "baohatinh/seed-000-cong-doan-vien-chuc",
        [5, 7, 13, 15, 21, 27, 29, 35, 37],
        [9, 11, 55, 57, 59],
    ),
    "001_8bf1c4242f03a4fe.txt": (
        "daklak/seed-001-cong-doan-vien-chuc-tong-ket-2020",
        [7, 9, 14, 19, 24],
        [1, 11, 12, 26, 37, 40, 41],
    ),
    "002_2ee7caa0754762cc.txt": ("hoabinh/seed-002-cdvc-tong-ket-2023", [2, 3, 5, 6], [4, 7]),
    "003_cba95b29117df467.txt": (
        "caobang/seed-003-so-ket-6-thang",
        [7, 9, 13, 16, 18],
        [5, 6, 11, 14, 20, 22, 24, 26, 28, 30, 32, 45, 52, 59],
    ),
    "004_bbe6c314ef4aea08.txt": (
        "laodong/seed-004-hoa-binh",
        [11, 13, 15, 19, 21, 23, 25, 29, 31, 33],
        [1, 2, 3, 17, 27, 35, 37],
    ),
}


def seed_lines(name: str) -> list[str]:
    return [clean_text(" ".join(line.split())) for line in (SEEDS / name).read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("seed", sorted(SEED_CASES))
def test_seed_body_is_exactly_its_article_paragraphs(seed: str):
    case, keep, drop = SEED_CASES[seed]
    folder = CASES / case
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    article = extract((folder / "page.html").read_bytes(), meta["url"], meta["fetched_at"])
    lines = seed_lines(seed)
    assert article.body.split("\n\n") == [lines[n - 1] for n in keep]
    for n in drop:
        assert lines[n - 1] not in article.body.split("\n\n"), f"seed line {n} is boilerplate"


def test_every_seed_has_a_fixture():
    assert sorted(SEED_CASES) == sorted(path.name for path in Path(SEEDS).glob("*.txt"))
