"""Which province an article belongs to, for the journalists' province facet. Pure.

The four provincial sites are their province's paper. Lao Động is national, but its
union pages are organised by provincial labour federation (/ldld-cao-bang/...), and the
section slug names the province; a story in a national section that names a province in
its headline (or else its lead) belongs to that province. Since the 2025 merger, Báo Hòa Bình redirects to Báo
Phú Thọ, whose pages belong to Phú Thọ.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from crawler.text import fold

NATIONAL = "Toàn quốc"

SITE_PROVINCES = {"baohatinh": "Hà Tĩnh", "caobang": "Cao Bằng", "daklak": "Đắk Lắk", "hoabinh": "Hòa Bình"}
HOST_PROVINCES = {"baophutho.vn": "Phú Thọ"}

# All 63 pre-2025 provinces and cities, and the 34 after the merger share these names.
PROVINCES = (
    "An Giang",
    "Bà Rịa - Vũng Tàu",
    "Bạc Liêu",
    "Bắc Giang",
    "Bắc Kạn",
    "Bắc Ninh",
    "Bến Tre",
    "Bình Dương",
    "Bình Định",
    "Bình Phước",
    "Bình Thuận",
    "Cà Mau",
    "Cao Bằng",
    "Cần Thơ",
    "Đà Nẵng",
    "Đắk Lắk",
    "Đắk Nông",
    "Điện Biên",
    "Đồng Nai",
    "Đồng Tháp",
    "Gia Lai",
    "Hà Giang",
    "Hà Nam",
    "Hà Nội",
    "Hà Tĩnh",
    "Hải Dương",
    "Hải Phòng",
    "Hậu Giang",
    "Hòa Bình",
    "Hưng Yên",
    "Khánh Hòa",
    "Kiên Giang",
    "Kon Tum",
    "Lai Châu",
    "Lâm Đồng",
    "Lạng Sơn",
    "Lào Cai",
    "Long An",
    "Nam Định",
    "Nghệ An",
    "Ninh Bình",
    "Ninh Thuận",
    "Phú Thọ",
    "Phú Yên",
    "Quảng Bình",
    "Quảng Nam",
    "Quảng Ngãi",
    "Quảng Ninh",
    "Quảng Trị",
    "Sóc Trăng",
    "Sơn La",
    "Tây Ninh",
    "Thái Bình",
    "Thái Nguyên",
    "Thanh Hóa",
    "Thừa Thiên Huế",
    "Huế",
    "Tiền Giang",
    "TP Hồ Chí Minh",
    "Trà Vinh",
    "Tuyên Quang",
    "Vĩnh Long",
    "Vĩnh Phúc",
    "Yên Bái",
)
_BY_SLUG = {fold(name).replace(" - ", "-").replace(" ", "-"): name for name in PROVINCES}
_BY_SLUG.update(
    {
        "tp-hcm": "TP Hồ Chí Minh",
        "tphcm": "TP Hồ Chí Minh",
        "ho-chi-minh": "TP Hồ Chí Minh",
        "thua-thien-hue": "Thừa Thiên Huế",
    }
)


def named_in(text: str | None) -> str | None:
    """The first province a headline or lead names, if any.

    >>> named_in("Công đoàn Hòa Bình đưa ra nhiều mục tiêu"), named_in("Hội nghị toàn quốc")
    ('Hòa Bình', None)
    """
    folded = f" {fold(text or '')} "
    found = [(folded.find(f" {fold(name)} "), name) for name in PROVINCES if f" {fold(name)} " in folded]
    return min(found)[1] if found else None


def province_for(site: str | None, url: str, title: str | None = None, lead: str | None = None) -> str | None:
    """
    >>> province_for("laodong", "https://laodong.vn/ldld-dak-lak/x-859412.ldo")
    'Đắk Lắk'
    >>> province_for("laodong", "https://laodong.vn/cong-doan/x-1069877.ldo")
    'Toàn quốc'
    >>> province_for("laodong", "https://laodong.vn/cong-doan/x-1069877.ldo", "Công đoàn Hòa Bình họp")
    'Hòa Bình'
    >>> province_for("hoabinh", "https://baophutho.vn/x-236001.htm"), province_for("caobang", "https://ldld.caobang.gov.vn/a")
    ('Phú Thọ', 'Cao Bằng')
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    if host in HOST_PROVINCES:
        return HOST_PROVINCES[host]
    if site in SITE_PROVINCES:
        return SITE_PROVINCES[site]
    if site == "laodong":
        first = parts.path.strip("/").split("/")[0]
        slug = first.removeprefix("ldld-").removeprefix("cong-doan-")
        # A national section's story about one province belongs to that province.
        return _BY_SLUG.get(slug) or named_in(title) or named_in(lead) or NATIONAL
    return None
