"""Báo Đắk Lắk (baodaklak.vn): a general newspaper, so only its union stories are kept."""

from crawler.fetch.families import BaoDakLakSpider


class DakLak(BaoDakLakSpider):
    name = "daklak"
    start_paths = ("/chinh-tri/", "/xa-hoi/", "/chinh-sach-xa-hoi/")
    feed_paths = ("/rss/home.rss",)
