"""One base spider per CMS family: a profile and what the family needs beyond NewsSpider.
A site spider (spiders/) subclasses its family's base with a name and its paths."""

from __future__ import annotations

from typing import Any, ClassVar

from crawler.fetch.spider import NewsSpider
from crawler.sites.cms import BAOHATINH, CAOBANG, DAKLAK, HOABINH, LAODONG


class LaoDongSpider(NewsSpider):
    """Lao Động's CMS: .ldo/.bld articles, ?page=N listings, union sections of a mixed paper."""

    profile = LAODONG
    strict_sections = True


class CmsNewspaperSpider(NewsSpider):
    """The commercial cms-* newspaper CMS (baohatinh.vn, SGGP, Tiền Phong): -post<ID>.html articles,
    pagination by the page's own next link, RSS and monthly news sitemaps."""

    profile = BAOHATINH


class NukeVietSpider(NewsSpider):
    """NukeViet 4 news module: /<module>/<category>/<alias>-<ID>.html, /page-N listings,
    categories discovered from the entry pages, module RSS, sitemap.xml."""

    profile = CAOBANG
    custom_settings: ClassVar[dict[str, Any]] = {"DOWNLOAD_TIMEOUT": 120}  # provincial .gov.vn servers are slow


class BaoDakLakSpider(NewsSpider):
    """Báo Đắk Lắk's CMS: /<cat>/<YYYYMM>/<slug>-<id>/ articles, ?paged=N listings."""

    profile = DAKLAK


class BaoHoaBinhSpider(NewsSpider):
    """Báo Hòa Bình's .htm CMS: /<cat>/<id>/<Slug>.htm, pagination by the page's own next link."""

    profile = HOABINH
