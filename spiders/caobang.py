"""LĐLĐ Cao Bằng (ldld.caobang.gov.vn): the provincial union federation's NukeViet portal; everything is kept."""

from crawler.fetch.families import NukeVietSpider


class CaoBang(NukeVietSpider):
    name = "caobang"
    # The home page and the news module; its categories are discovered from these pages.
    start_paths = ("/", "/news/")
    feed_paths = ("/news/rss/", "/sitemap.xml")
