"""docs/reliability.md lists every robustness test, and only tests that exist."""

from __future__ import annotations

import ast
import re

from tests.conftest import ROOT

DOC = ROOT / "docs" / "reliability.md"
HERE = ROOT / "tests" / "robustness"


def robustness_tests() -> set[str]:
    found = set()
    for path in HERE.glob("test_*.py"):
        if path.name == "test_reliability_doc.py":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                found.add(f"{path.name}::{node.name}")
    return found


def test_the_reliability_report_names_every_case_and_no_other():
    named = set(re.findall(r"`(test_\w+\.py::test_\w+)`", DOC.read_text(encoding="utf-8")))
    assert named == robustness_tests()
    total = re.search(r"Totals: (\d+) test functions", DOC.read_text(encoding="utf-8"))
    assert total and int(total.group(1)) == len(robustness_tests())
