"""Báo Hòa Bình (baohoabinh.com.vn), union category 274.

Hòa Bình merged into Phú Thọ on 1 July 2025, so the site may redirect to Báo Phú Thọ;
redirects are followed there and nowhere else. Another host: `-a host=…` or ARCHIVE_HOSTS.
"""

from crawler.fetch.families import BaoHoaBinhSpider


class HoaBinh(BaoHoaBinhSpider):
    name = "hoabinh"
    start_paths = ("/274/",)
    feed_paths = ("/rss/home.rss",)
    redirect_hosts = ("baophutho.vn", "www.baophutho.vn")
