"""Peak memory of `congdoan wacz` as the archive grows (part of `make bench`): the same command
on about 100 MB and about 1 GB of generated WARC must take about the same memory, since WARCs
are copied into the zip in chunks and the index is sorted in runs on disk.

Each WARC holds response records of 24 kB of random bytes (what compressed photos and
pages look like to gzip), so the file's size is its payload's, and a 1 GB file holds about
43,000 records: enough for the index to be sorted in runs, not in memory. Prints one
Markdown table row per size.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project is the repository
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import measure  # noqa: E402  (peak RSS and wall time, in a process of its own)
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from crawler.store.database import open_db  # noqa: E402

PAYLOAD = 24 * 1024


def generated_warc(path: Path, megabytes: int) -> int:
    """A .warc.gz of about `megabytes` MB of responses; returns how many records it holds."""
    records = 0
    pool = [os.urandom(PAYLOAD) for _ in range(64)]  # random, so gzip cannot shrink them
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        while out.tell() < megabytes * 1024 * 1024:
            url = f"https://laodong.vn/cong-doan/bai-{records}.ldo"
            http = StatusAndHeaders("200 OK", [("Content-Type", "image/jpeg")], protocol="HTTP/1.1")
            payload = BytesIO(pool[records % len(pool)] + records.to_bytes(8, "big"))
            writer.write_record(writer.create_warc_record(url, "response", payload=payload, http_headers=http))
            records += 1
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="WARC sizes in MB")
    args = parser.parse_args()
    congdoan = str(Path(sys.executable).parent / "congdoan")
    print("| WARC | records | `congdoan wacz` peak RSS | wall |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="congdoan-wacz-") as work:
        for megabytes in args.sizes:
            folder = Path(work) / f"{megabytes}mb"
            (folder / "warc").mkdir(parents=True)
            warc = folder / "warc" / "run.warc.gz"
            started = time.perf_counter()
            records = generated_warc(warc, megabytes)
            built = time.perf_counter() - started
            db_path = folder / "archive.db"
            open_db(str(db_path)).close()
            result = measure(congdoan, "wacz", str(folder / "out.wacz"), "--db", str(db_path))
            if result["returncode"]:
                print(result["stderr_tail"], file=sys.stderr)
                return 1
            size = warc.stat().st_size / 1024 / 1024
            print(
                f"| {size:,.0f} MB | {records:,} | {result['max_rss_mb']:.0f} MB | {result['wall']:.1f} s |"
                f" <!-- generated in {built:.0f} s -->",
                flush=True,
            )
            for leftover in (warc, folder / "out.wacz"):
                leftover.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
