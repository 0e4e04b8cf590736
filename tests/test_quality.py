"""The site path's quality floor (issue 4): on every site's cases, lead+body F1 of at least
0.99 with the benchmark metric, titles exact, and times exact wherever a page prints one.
The generic benchmarks are slower and live in `make eval`."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT, SITES

sys.path.insert(0, str(ROOT / "benchmarks"))
from eval import site_path

REPORT = site_path()


@pytest.mark.parametrize("site", SITES)
def test_site_path_quality(site: str):
    row = REPORT[site]
    assert row["f1"] >= 0.99, row
    assert row["title"] == 1.0 and row["published_at"] == 1.0, row
    assert row["author"] >= 0.95, row
