"""`make demo`: the recorded sample replays all five sites with no network, into the same
articles the live crawl of the replicas archives (tests/site/*/expect.json)."""

from __future__ import annotations

import re
import sqlite3

from tests.conftest import ROOT, congdoan
from tests.test_sites import EXPECT

SAMPLE = ROOT / "demo" / "sample.warc.gz"


def test_the_demo_sample_replays_every_site_offline(tmp_path):
    db_path = tmp_path / "archive.db"
    result = congdoan("crawl", "--replay", str(SAMPLE), "--db", str(db_path), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 5 and all(": ok: " in line for line in lines), lines
    with sqlite3.connect(db_path) as connection:
        archived = {(site, url) for site, url in connection.execute("select site, url from articles")}
        linked = connection.execute("select count(*) from articles where capture_id is null").fetchone()
        photos = dict(connection.execute("select status, count(*) from media group by status").fetchall())
    expected = {(expect["site"], url) for expect in EXPECT.values() for url in expect["articles"]}
    assert archived == expected
    assert linked == (0,)  # every demo article links to its record in the sample
    # The photos are in the sample too (one answered 404 when it was recorded).
    assert photos == {"archived": 46, "failed": 1}
    assert not (tmp_path / "warc").exists()  # a replay records nothing new


def test_reextract_of_a_replayed_archive_reads_the_sample_and_changes_nothing(tmp_path):
    db_path = tmp_path / "archive.db"
    assert congdoan("crawl", "hoabinh", "caobang", "--replay", str(SAMPLE), "--db", str(db_path)).returncode == 0
    result = congdoan("reextract", "--db", str(db_path))
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert re.search(r"\b0 changed,", result.stdout) and re.search(r"\b0 captures missing", result.stdout), (
        result.stdout
    )


def test_the_demo_packs_as_a_wacz_the_standard_tools_accept(tmp_path):
    # The WACZ of the demo passes the wacz package's validator (hashes, paths, datapackage),
    # and its index is the one the standard indexer (cdxj-indexer, which replay tools use)
    # builds from the same WARC: same keys, same records, same offsets.
    import json
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    db_path = tmp_path / "archive.db"
    assert congdoan("crawl", "--replay", str(SAMPLE), "--db", str(db_path), timeout=300).returncode == 0
    wacz = tmp_path / "demo.wacz"
    packed = congdoan("wacz", str(wacz), "--db", str(db_path), "--warc-dir", str(SAMPLE.parent))
    assert packed.returncode == 0, packed.stderr[-2000:]
    tools = Path(sys.executable).parent
    checked = subprocess.run([tools / "wacz", "validate", "-f", wacz], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0 and "Validation succeeded" in checked.stdout, checked.stdout + checked.stderr
    standard = subprocess.run([tools / "cdxj-indexer", SAMPLE], capture_output=True, text=True, timeout=120)

    def records(lines: list[str]) -> set[tuple[str, str, str, int, int]]:
        found = set()
        for line in lines:
            key, timestamp, block = line.split(" ", 2)
            entry = json.loads(block)
            found.add((key, timestamp, entry["url"], int(entry["offset"]), int(entry["length"])))
        return found

    with zipfile.ZipFile(wacz) as archive:
        ours = archive.read("indexes/index.cdx").decode().splitlines()
    assert records(ours) == records(standard.stdout.splitlines()) and len(ours) > 100
