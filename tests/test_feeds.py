"""Feeds and sitemaps to links (crawler/sites/feeds.py): each format read as a stream, gzipped
or not, and bounded."""

from __future__ import annotations

import gzip

import pytest

from crawler.sites.feeds import FeedTooLarge, parse_feed

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Công đoàn</title><link>https://laodong.vn/cong-doan</link>
<item><title>Một</title><link>https://laodong.vn/cong-doan/mot-1069877.ldo?utm_source=rss</link>
<pubDate>Tue, 19 Jul 2022 09:13:00 GMT</pubDate></item>
<item><title>Hai</title><link>/cong-doan/hai-1069878.ldo</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Tin</title><link href="https://baodaklak.vn/"/>
<entry><title>Ba</title><link href="https://baodaklak.vn/xa-hoi/ba-123.html"/><updated>2026-11-30T08:00:00+07:00</updated></entry>
</feed>"""

INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://baohatinh.vn/sitemaps/news-2026-11.xml</loc><lastmod>2026-11-30</lastmod></sitemap>
<sitemap><loc>/sitemaps/news-2026-10.xml</loc></sitemap>
</sitemapindex>"""

NEWS = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://baohatinh.vn/bon-post123456.html</loc><lastmod>2026-11-01</lastmod>
<news:news><news:publication_date>2026-11-30T07:15:00+07:00</news:publication_date></news:news></url>
</urlset>"""


def test_rss_items_become_canonical_links_with_their_dates():
    entries = parse_feed(RSS.encode(), "https://laodong.vn/rss/cong-doan.rss")
    assert [link.url for link in entries.links] == [
        "https://laodong.vn/cong-doan/mot-1069877.ldo",
        "https://laodong.vn/cong-doan/hai-1069878.ldo",
    ]
    assert entries.links[0].published_at.startswith("2022-07-19T16:13") and entries.links[1].published_at is None


def test_atom_entries_take_the_link_href():
    (link,) = parse_feed(ATOM.encode(), "https://baodaklak.vn/rss/home.rss").links
    assert link.url == "https://baodaklak.vn/xa-hoi/ba-123.html" and link.published_at.startswith("2026-11-30T08:00")


def test_a_sitemap_index_lists_its_children_and_a_news_sitemap_its_publication_dates():
    index = parse_feed(INDEX.encode(), "https://baohatinh.vn/sitemap.xml")
    assert index.sitemaps == [
        ("https://baohatinh.vn/sitemaps/news-2026-11.xml", index.sitemaps[0][1]),
        ("https://baohatinh.vn/sitemaps/news-2026-10.xml", None),
    ]
    assert index.sitemaps[0][1].startswith("2026-11-30") and not index.links
    (link,) = parse_feed(gzip.compress(NEWS.encode()), "https://baohatinh.vn/sitemaps/news.xml.gz").links
    assert link.published_at.startswith("2026-11-30T07:15")  # the news date, not the lastmod


def test_what_is_no_feed_gives_nothing_and_a_corrupt_gzip_too():
    assert parse_feed(b"<!DOCTYPE html><html><body><p>404</p></body></html>", "https://x.vn/rss").links == []
    assert parse_feed(b"", "https://x.vn/rss").links == []
    truncated = gzip.compress(NEWS.encode())[:-30]
    assert parse_feed(b"\x1f\x8b\x08garbage", "https://x.vn/s.xml.gz").links == []
    assert parse_feed(truncated, "https://x.vn/s.xml.gz").sitemaps == []


def test_past_the_limit_a_feed_is_refused_gzipped_or_not():
    with pytest.raises(FeedTooLarge, match="more than 100 bytes"):
        parse_feed(NEWS.encode(), "https://x.vn/s.xml", limit=100)
    with pytest.raises(FeedTooLarge, match="more than 100 bytes"):
        parse_feed(gzip.compress(NEWS.encode()), "https://x.vn/s.xml.gz", limit=100)
    assert parse_feed(NEWS.encode(), "https://x.vn/s.xml", limit=len(NEWS.encode())).links


def test_junk_elements_cannot_grow_the_parse_and_an_entry_is_bounded():
    # Empty elements cost libxml2 about 30 times their bytes: outside the entries each is
    # dropped as it ends; inside one entry (kept until it ends) there may be only so many.
    junk = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + b"<x/>" * 300_000
    junk += b"<url><loc>https://baohatinh.vn/a-post1.html</loc></url></urlset>"
    (link,) = parse_feed(gzip.compress(junk), "https://baohatinh.vn/sitemap.xml.gz").links
    assert link.url == "https://baohatinh.vn/a-post1.html"
    stuffed = b"<urlset><url><loc>https://baohatinh.vn/a-post1.html</loc>" + b"<x/>" * 5_000 + b"</url></urlset>"
    with pytest.raises(FeedTooLarge, match="an entry of more than 1000 elements"):
        parse_feed(stuffed, "https://baohatinh.vn/sitemap.xml")


def test_thousands_of_empty_gzip_members_are_refused_at_once():
    members = gzip.compress(b"") * 50_000  # about 1 MB that would cost a copy of the rest per member
    assert parse_feed(members, "https://x.vn/s.xml.gz").links == []
