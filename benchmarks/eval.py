"""`make eval`: score main-text extraction and write benchmarks/extraction.md.

Generic path and baselines on the ScrapingHub and fundus benchmarks (folders given on
the command line, never read from the network), and the site path on tests/cases.
The metric is crawler.extract.evaluate's (4-token shingles, F1 of mean precision and recall).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project is the repository

from crawler.extract.article import main_text  # noqa: E402
from crawler.extract.evaluate import CorpusScore, DocScore, score_corpus, score_document  # noqa: E402
from crawler.sites.cms import GENERIC  # noqa: E402


@dataclass(frozen=True)
class Page:
    id: str
    url: str
    html: bytes
    gold: str


def load(folder: Path, exclude: str | None = None) -> list[Page]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, item in sorted(truth.items()):
        if exclude and re.search(exclude, page_id):
            continue
        path = folder / "html" / f"{page_id}.html.gz"
        if path.exists():
            pages.append(Page(page_id, item.get("url", ""), gzip.decompress(path.read_bytes()), item["articleBody"]))
    return pages


def congdoan_generic(page: Page) -> str:
    return main_text(page.html, page.url, GENERIC)


def trafilatura_defaults(page: Page) -> str:
    import trafilatura

    return trafilatura.extract(page.html, url=page.url) or ""


def trafilatura_precision(page: Page) -> str:
    import trafilatura

    return trafilatura.extract(page.html, url=page.url, favor_precision=True, include_comments=False) or ""


EXTRACTORS: dict[str, Callable[[Page], str]] = {
    "congdoan generic path": congdoan_generic,
    "trafilatura 2.x, defaults": trafilatura_defaults,
    "trafilatura, favor_precision, no comments": trafilatura_precision,
}


def _run_one(args: tuple[str, Page]) -> tuple[DocScore, float]:
    name, page = args
    start = time.perf_counter()
    try:
        text = EXTRACTORS[name](page)
    except Exception:  # a baseline that crashes on a page scores it as empty
        text = ""
    elapsed = (time.perf_counter() - start) * 1000
    return score_document(page.gold, text), elapsed


def evaluate(name: str, pages: list[Page], workers: int) -> tuple[CorpusScore, float]:
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(_run_one, [(name, page) for page in pages], chunksize=8))
    return score_corpus(score for score, _ in results), statistics.median(ms for _, ms in results)


def _share(rows: list[tuple], index: int) -> float:
    """The share of rows right at `index`, among the rows where it applies (not None)."""
    values = [row[index] for row in rows if row[index] is not None]
    return sum(values) / len(values) if values else 1.0


def site_path() -> dict[str, dict[str, float]]:
    """Per site: F1 of lead+body, and the share of exact titles, dates and authors."""
    from crawler.extract.article import extract

    by_site: dict[str, list[tuple[DocScore, bool, bool | None, bool | None]]] = {}
    for folder in sorted((ROOT / "tests" / "cases").glob("*/*")):
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        if meta.get("kind", "article") != "article" or "rejected" in expected:
            continue
        article = extract((folder / "page.html").read_bytes(), meta["url"], meta.get("fetched_at"))
        gold = "\n\n".join(p for p in (expected["lead"], expected["body"]) if p)
        got = "\n\n".join(p for p in (article.lead, article.body) if p)
        timed = expected["published_at"] and "T" in expected["published_at"]
        by_site.setdefault(folder.parent.name, []).append(
            (
                score_document(gold, got),
                article.title == expected["title"],
                article.published_at == expected["published_at"] if timed else None,
                article.author == expected["author"] if expected["author"] else None,
            )
        )
    report = {}
    for site, rows in by_site.items():
        corpus = score_corpus(row[0] for row in rows)
        report[site] = {
            "cases": len(rows),
            "f1": corpus.f1,
            "precision": corpus.precision,
            "recall": corpus.recall,
            "title": _share(rows, 1),
            "published_at": _share(rows, 2),
            "author": _share(rows, 3),
        }
    return report


NOTES = Path(__file__).with_name("extraction-notes.md")


def markdown(results: dict[str, dict[str, tuple[CorpusScore, float]]], sites: dict[str, dict[str, float]]) -> str:
    lines = [
        "# Extraction quality",
        "",
        "Written by `make eval` (benchmarks/eval.py). Metric: 4-token shingles, F1 of the mean document",
        "precision and recall (the ScrapingHub benchmark's evaluate.py). Median milliseconds per page on",
        "this machine, all extractors run the same way (2 worker processes).",
        "",
    ]
    for dataset, rows in results.items():
        lines += [f"## {dataset}", "", "| extractor | F1 | precision | recall | ms/page |", "|---|---|---|---|---|"]
        for name, (score, ms) in rows.items():
            lines.append(f"| {name} | {score.f1:.3f} | {score.precision:.3f} | {score.recall:.3f} | {ms:.0f} |")
        lines.append("")
    lines += [
        "## Site path (tests/cases)",
        "",
        "| site | cases | F1 | precision | recall | title exact | published_at exact | author right |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for site, row in sorted(sites.items()):
        lines.append(
            f"| {site} | {row['cases']:.0f} | {row['f1']:.3f} | {row['precision']:.3f} | {row['recall']:.3f} | "
            f"{row['title']:.0%} | {row['published_at']:.0%} | {row['author']:.0%} |"
        )
    if NOTES.exists():  # targets, what was tried: written by people, kept beside the numbers
        lines += ["", NOTES.read_text(encoding="utf-8").strip()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, help="the ScrapingHub benchmark folder")
    parser.add_argument("--fundus", type=Path, help="the fundus benchmark folder")
    parser.add_argument("--vi", type=Path, help="the Vietnamese smoke-test folder (one VnExpress page)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "extraction.md")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    datasets = {}
    if args.data and (args.data / "ground-truth.json").exists():
        datasets[f"ScrapingHub article-extraction benchmark ({args.data.name})"] = load(args.data)
    if args.fundus and (args.fundus / "ground-truth.json").exists():
        datasets[f"fundus news pages, jp/cn/tw excluded ({args.fundus.name})"] = load(args.fundus, r"^(jp|cn|tw)__")
    if args.vi and (args.vi / "ground-truth.json").exists():
        datasets[f"Vietnamese smoke test ({args.vi.name})"] = load(args.vi)
    results: dict[str, dict[str, tuple[CorpusScore, float]]] = {}
    for dataset, pages in datasets.items():
        results[f"{dataset}, {len(pages)} pages"] = {}
        for name in EXTRACTORS:
            score = evaluate(name, pages, args.workers)
            results[f"{dataset}, {len(pages)} pages"][name] = score
            print(
                f"{dataset}: {name}: F1 {score[0].f1:.3f} P {score[0].precision:.3f} R {score[0].recall:.3f} {score[1]:.0f} ms"
            )
    sites = site_path()
    for site, row in sorted(sites.items()):
        print(
            f"site {site}: F1 {row['f1']:.3f}, title {row['title']:.0%}, date {row['published_at']:.0%}, author {row['author']:.0%}"
        )
    args.out.write_text(markdown(results, sites), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
