"""Synthetic archives for search at scale (tests/test_search_scale.py, benchmarks/bench.py):
articles written straight into a real archive file, the way save_article stores them,
without the cost of crawling or duplicate checks."""

from __future__ import annotations

import random
from pathlib import Path

from crawler.db import article_row, open_db
from crawler.records import Article
from crawler.searchkey import first_rowid

WORDS = ("công nhân", "đoàn viên", "người lao động", "doanh nghiệp", "hội nghị", "chăm lo", "tiền lương",
         "bảo hiểm xã hội", "an toàn lao động", "khu công nghiệp", "thỏa ước", "phúc lợi", "việc làm",
         "đối thoại", "nhà ở", "Tết Sum vầy", "Mái ấm công đoàn", "thi đua", "sáng kiến", "tuyên truyền")
PROVINCES = ("Hòa Bình", "Cao Bằng", "Hà Tĩnh", "Đắk Lắk", "Nghệ An", "Thanh Hóa", "Lào Cai", "Gia Lai")


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
    sites = ("baohatinh", "caobang", "daklak", "hoabinh", "laodong")
    batch: list[dict] = []
    columns: list[str] = []
    taken: dict[int, int] = {}  # rowids used per publication minute (save_article asks the table)

    def flush() -> None:
        db.conn.executemany(f"insert into articles ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
                            [[row[c] for c in columns] for row in batch])
        batch.clear()

    with db.conn:
        for i in range(rows):
            words = " ".join(rng.choice(WORDS) for _ in range(30))
            day = f"20{rng.randint(15, 26):02d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            site = rng.choice(sites)
            article = Article(
                url=f"https://laodong.vn/cong-doan/synthetic-{i}.ldo", site=site,
                title=f"{'Công đoàn ' if i % headline_every == 0 else ''}{rng.choice(PROVINCES)} {rng.choice(WORDS)} số {i}", lead=f"{rng.choice(WORDS)} {words[:80]}",
                body=f"Công đoàn cơ sở {words}. Người lao động {rng.choice(WORDS)}.", published_at=f"{day}T08:00:00+07:00",
                updated_at=None, author=f"Phóng viên {i % 300}", source=None, section=rng.choice(("Công đoàn", "Xã hội")),
                tags=[], images=[], language="vi")
            minute = first_rowid(article.published_at)
            taken[minute] = taken.get(minute, -1) + 1
            row = {"rowid": minute + taken[minute], **article_row(article), "first_seen_at": "2026-11-20T00:00:00+00:00",
                   "last_seen_at": "2026-11-20T00:00:00+00:00", "fetched_at": "2026-11-20T00:00:00+00:00"}
            columns = columns or list(row)
            batch.append(row)
            if len(batch) == 5000:
                flush()
        if batch:
            flush()
    db.close()
