"""Synthetic archives for search at scale (tests/test_search_scale.py, benchmarks/bench.py):
articles written straight into a real archive file, the way save_article stores them,
without the cost of crawling or duplicate checks."""

from __future__ import annotations

import random
from pathlib import Path

from crawler.extract.article import locate
from crawler.records import Article
from crawler.store.database import open_db
from crawler.store.searchkey import first_rowid
from crawler.store.versions import content_hash
from crawler.text import fold

WORDS = (
    "công nhân",
    "đoàn viên",
    "người lao động",
    "doanh nghiệp",
    "hội nghị",
    "chăm lo",
    "tiền lương",
    "bảo hiểm xã hội",
    "an toàn lao động",
    "khu công nghiệp",
    "thỏa ước",
    "phúc lợi",
    "việc làm",
    "đối thoại",
    "nhà ở",
    "Tết Sum vầy",
    "Mái ấm công đoàn",
    "thi đua",
    "sáng kiến",
    "tuyên truyền",
)
PROVINCES = ("Hòa Bình", "Cao Bằng", "Hà Tĩnh", "Đắk Lắk", "Nghệ An", "Thanh Hóa", "Lào Cai", "Gia Lai")


SITES = ("baohatinh", "caobang", "daklak", "hoabinh", "laodong")
TEXT_POOL = 4096


def stored(article: Article, lead_folded: str, body_folded: str) -> dict:
    """article_row(article), with the lead and body already folded."""
    return {
        "url": article.url,
        "site": article.site,
        "title": article.title,
        "lead": article.lead,
        "body": article.body,
        "published_at": article.published_at,
        "updated_at": None,
        "author": article.author,
        "source": None,
        "section": article.section,
        "tags": "[]",
        "images": "[]",
        "language": "vi",
        "extraction_method": None,
        "province": article.province,
        "published_month": article.published_at[:7],
        "title_folded": fold(article.title),
        "lead_folded": lead_folded,
        "body_folded": body_folded,
        "author_folded": fold(article.author) or None,
        "content_hash": content_hash(article),
    }


def synthetic_archive(db_path: Path, rows: int, seed: int = 3, headline_every: int = 1) -> None:
    """`rows` articles whose text all mentions "công đoàn" (as in a union archive), written
    the way the pipeline writes them (article_row, rowids in publication order), in big
    transactions. One headline in `headline_every` starts with "Công đoàn"."""
    rng = random.Random(seed)
    db = open_db(db_path)
    # One big transaction into an empty file: a rollback journal holds almost nothing, where
    # WAL would write every page twice. The crawler's own settings return with the next open_db.
    db.execute("PRAGMA journal_mode=DELETE")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1000000")
    batch: list[dict] = []
    columns: list[str] = []
    taken: dict[int, int] = {}  # rowids used per publication minute (save_article asks the table)

    def flush() -> None:
        db.conn.executemany(
            f"insert into articles ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
            [[row[c] for c in columns] for row in batch],
        )
        batch.clear()

    # Leads and bodies come from a pool (folding a million distinct bodies would take
    # minutes); headlines, dates, sites and authors are drawn for every article.
    texts = []
    for _ in range(min(rows, TEXT_POOL)):
        words = " ".join(rng.choices(WORDS, k=30))
        texts.append(
            (f"{rng.choice(WORDS)} {words[:80]}", f"Công đoàn cơ sở {words}. Người lao động {rng.choice(WORDS)}.")
        )
    folded = [(fold(lead), fold(body)) for lead, body in texts]
    with db.conn:
        for i in range(rows):
            day = f"20{rng.randint(15, 26):02d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            site = rng.choice(SITES)
            pick = rng.randrange(len(texts))
            article = locate(
                Article(  # the province as extraction decides it
                    url=f"https://laodong.vn/cong-doan/synthetic-{i}.ldo",
                    site=site,
                    title=f"{'Công đoàn ' if i % headline_every == 0 else ''}{rng.choice(PROVINCES)} {rng.choice(WORDS)} số {i}",
                    lead=texts[pick][0],
                    body=texts[pick][1],
                    published_at=f"{day}T08:00:00+07:00",
                    updated_at=None,
                    author=f"Phóng viên {i % 300}",
                    source=None,
                    section=rng.choice(("Công đoàn", "Xã hội")),
                    tags=[],
                    images=[],
                    language="vi",
                )
            )
            minute = first_rowid(article.published_at)
            taken[minute] = taken.get(minute, -1) + 1
            row = {
                "rowid": minute + taken[minute],
                **stored(article, *folded[pick]),
                "first_seen_at": "2026-11-20T00:00:00+00:00",
                "last_seen_at": "2026-11-20T00:00:00+00:00",
                "fetched_at": "2026-11-20T00:00:00+00:00",
            }
            columns = columns or list(row)
            batch.append(row)
            if len(batch) == 5000:
                flush()
        if batch:
            flush()
    db.close()
