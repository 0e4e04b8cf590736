"""Shared fixtures: extraction cases, the loopback replica, the CLI in a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.mirror_site import MirrorSite

TESTS = Path(__file__).resolve().parent
CASES = TESTS / "cases"
ROOT = TESTS.parent
# Tests crawl the loopback replica as fast as it answers; politeness is tested as settings.
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0")


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path

    @property
    def meta(self) -> dict[str, Any]:
        return json.loads((self.folder / "meta.json").read_text(encoding="utf-8"))

    @property
    def expected(self) -> dict[str, Any]:
        return json.loads((self.folder / "expected.json").read_text(encoding="utf-8"))

    @property
    def html(self) -> bytes:
        return (self.folder / "page.html").read_bytes()

    @property
    def rejected(self) -> str | None:
        return self.expected.get("rejected")


def all_cases() -> list[Case]:
    return [Case(f"{p.parent.name}/{p.name}", p) for p in sorted(CASES.glob("*/*")) if (p / "page.html").exists()]


@pytest.fixture
def mirror_site():
    with MirrorSite() as site:
        yield site


def congdoan(*args: str, cwd: Path | None = None, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    """Run the real `congdoan` console script in its own process (a fresh Twisted reactor each time)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [str(Path(sys.executable).parent / "congdoan"), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd or ROOT, env=env, timeout=timeout)
