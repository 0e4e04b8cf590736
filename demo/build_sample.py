"""Rebuild demo/sample.warc.gz: a real crawl of the loopback replicas of all five sites
(tests/site/, built from the real pages in tests/cases), recorded as WARC.

    .venv/bin/python demo/build_sample.py

`make demo` replays the result with no network. The replicas are served on 127.0.0.1
under their real URLs, so the WARC records carry https://laodong.vn/... and so on.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mirror_site import MirrorSite  # noqa: E402

SAMPLE = ROOT / "demo" / "sample.warc.gz"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0"]


def main() -> None:
    with tempfile.TemporaryDirectory() as work, MirrorSite() as mirror:
        congdoan = Path(sys.executable).parent / "congdoan"
        subprocess.run(
            [str(congdoan), "crawl", "--db", f"{work}/archive.db", "--mirror", mirror.url, *FAST], check=True
        )
        # One WARC per run already; gzip members concatenate should a run ever leave more.
        parts = sorted(Path(work, "warc").glob("*.warc.gz"))
        SAMPLE.write_bytes(b"".join(part.read_bytes() for part in parts))
    print(f"wrote {SAMPLE.relative_to(ROOT)}: {SAMPLE.stat().st_size} bytes from {len(parts)} WARC file(s)")


if __name__ == "__main__":
    main()
