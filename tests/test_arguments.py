"""Bad arguments are refused before anything starts: exit code 2 and one line saying what is wrong."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import congdoan

TOMORROW = (date.today() + timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--mirror", "$MIRROR"], "expected a URL such as http://127.0.0.1:8000, got '$MIRROR'"),
        (["--mirror", "127.0.0.1:8000"], "expected a URL such as"),
        (["nosuchsite"], "unknown site(s) nosuchsite; choose from baohatinh, caobang, daklak, hoabinh, laodong"),
        (["--since", "20/11/2026"], "'20/11/2026' does not match the format '%Y-%m-%d'"),
        (["--since", TOMORROW], f"{TOMORROW} is in the future"),
        (["--replay", "no/such/file.warc.gz"], "does not exist"),
        (["--replay", "README.md"], "README.md is not a WARC or WACZ file"),
        (["--db", "no/such/folder/archive.db"], "no/such/folder does not exist"),
        (["-s", "DOWNLOAD_DELAYS=1"], "unknown setting DOWNLOAD_DELAYS; did you mean DOWNLOAD_DELAY?"),
        (["-s", "ARCHIVE_MEDIA_MAXSIZ=5"], "did you mean ARCHIVE_MEDIA_MAXSIZE?"),
        (["-s", "DOWNLOAD_DELAY"], "expected KEY=VALUE"),
    ],
    ids=[
        "mirror-unexpanded",
        "mirror-without-scheme",
        "unknown-site",
        "since-day-first",
        "since-in-the-future",  # named: a date in the id would differ across midnight between workers
        "replay-missing",
        "replay-not-warc",
        "db-folder-missing",
        "setting-typo",
        "archive-setting-typo",
        "setting-without-value",
    ],
)
def test_a_bad_argument_is_refused_with_exit_code_2(tmp_path: Path, arguments: list[str], said: str):
    database = [] if arguments[0] == "--db" else ["--db", str(tmp_path / "archive.db")]  # unless the case names it
    result = congdoan("crawl", *arguments, *database, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert said in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, "one line, not a usage block or a log"
    assert not (tmp_path / "archive.db").exists(), "nothing started"


def test_known_settings_and_spidermon_ones_are_accepted(tmp_path: Path):
    # Refused only for what follows the settings check: the mirror is not a URL.
    result = congdoan("crawl", "-s", "ARCHIVE_RECHECK_DAYS=0", "-s", "SPIDERMON_ENABLED=0", "--mirror", "x", timeout=60)
    assert result.returncode == 2 and "unknown setting" not in result.stderr, result.stderr


def test_fetch_media_refuses_the_same_way(tmp_path: Path):
    (tmp_path / "archive.db").touch()
    result = congdoan("fetch-media", "--db", str(tmp_path / "archive.db"), "--mirror", "$MIRROR", timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().endswith("got '$MIRROR' (see congdoan fetch-media --help)"), result.stderr


@pytest.mark.parametrize(
    ("override", "said"),
    [
        ("download_delay=1", "unknown setting download_delay; did you mean DOWNLOAD_DELAY?"),
        ("ARCHIVE_MAX_PAGES=abc", "ARCHIVE_MAX_PAGES=abc: expected a whole number"),
        ("DOWNLOAD_DELAY=soon", "DOWNLOAD_DELAY=soon: expected a number"),
        ("ARCHIVE_MEDIA=perhaps", "ARCHIVE_MEDIA=perhaps: expected true/false or 1/0"),
        ("ARCHIVE_HOSTS=baodaklak.vn", "ARCHIVE_HOSTS=baodaklak.vn: expected a JSON object"),
    ],
)
def test_a_setting_of_the_wrong_kind_is_refused_before_the_crawl(tmp_path: Path, override: str, said: str):
    result = congdoan("crawl", "-s", override, "--db", str(tmp_path / "archive.db"), timeout=60)
    assert result.returncode == 2 and said in result.stderr, result.stderr
    assert not (tmp_path / "archive.db").exists() and not (tmp_path / "logs").exists()
