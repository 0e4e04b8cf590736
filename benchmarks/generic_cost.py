"""The generic path's CPU per page against bare trafilatura's, on the ScrapingHub pages (part
of `make bench`; the folder is DATA, never read from the network).

Both run in this one process, interleaved page by page and in alternating order, so a
machine that drifts in speed drifts for both. Bare trafilatura is what a user of the library
would call: `trafilatura.extract(html, url=url, with_metadata=True)`. The generic path is
`main_text(html, url, GENERIC)`, which also decodes the bytes and reads the metadata fields.
Prints one Markdown table row per measure.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project is the repository
sys.path.insert(0, str(ROOT / "benchmarks"))

import trafilatura  # noqa: E402
from eval import load  # noqa: E402

from crawler.extract.article import main_text  # noqa: E402
from crawler.sites.cms import GENERIC  # noqa: E402

TARGET = 1.5  # issue 21: the generic path at most 1.5 times bare trafilatura's CPU per page


def measure(folder: Path, rounds: int) -> tuple[int, float, float]:
    """(pages, generic CPU s, bare CPU s) over `rounds` passes, after one warm-up page."""
    pages = load(folder)
    main_text(pages[0].html, pages[0].url, GENERIC)
    trafilatura.extract(pages[0].html, url=pages[0].url, with_metadata=True)
    ours = bare = 0.0
    for turn in range(rounds):
        for number, page in enumerate(pages):
            runs = [("ours", lambda p=page: main_text(p.html, p.url, GENERIC))]
            runs.append(("bare", lambda p=page: trafilatura.extract(p.html, url=p.url, with_metadata=True)))
            if (number + turn) % 2:
                runs.reverse()
            for name, run in runs:
                start = time.process_time()
                run()
                spent = time.process_time() - start
                if name == "ours":
                    ours += spent
                else:
                    bare += spent
    return len(pages) * rounds, ours, bare


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the ScrapingHub benchmark folder")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    if not (args.data / "ground-truth.json").exists():
        print(f"generic path cost: skipped, no benchmark at {args.data} (make bench DATA=...)")
        return 0
    count, ours, bare = measure(args.data, args.rounds)
    ratio = ours / bare
    print("| pages | generic path CPU/page | bare trafilatura CPU/page | ratio | target |")
    print("|---|---|---|---|---|")
    verdict = "met" if ratio <= TARGET else "not met"
    print(
        f"| {count} | {1000 * ours / count:.1f} ms | {1000 * bare / count:.1f} ms | {ratio:.2f}× | ≤ {TARGET}×: {verdict} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
