"""Báo Hà Tĩnh (baohatinh.vn): a general newspaper, so only its union stories are kept."""

from crawler.fetch.families import CmsNewspaperSpider


class BaoHaTinh(CmsNewspaperSpider):
    name = "baohatinh"
    # The two union tags, and the sections where union news appears (there is no union section).
    start_paths = (
        "/lao-dong-cong-doan-tag163668.html",
        "/quy-xa-hoi-cong-doan-tag145557.html",
        "/chinh-tri/",
        "/xa-hoi/",
    )
    feed_paths = ("/rss/home.rss", "/sitemap.xml")
