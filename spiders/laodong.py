"""Báo Lao Động (laodong.vn), newspaper of the Vietnam General Confederation of Labour."""

from crawler.fetch.families import LaoDongSpider


class LaoDong(LaoDongSpider):
    name = "laodong"
    # The union sections, and the provincial federations (LĐLĐ) of our four provinces.
    start_paths = (
        "/cong-doan",
        "/cong-doan-toan-quoc",
        "/ldld-ha-tinh",
        "/ldld-cao-bang",
        "/ldld-dak-lak",
        "/ldld-hoa-binh",
    )
    feed_paths = ("/rss/cong-doan.rss",)
    # Union articles live under these section paths; links to other sections are not followed.
    follow_pattern = (
        r"^/(cong-doan(-[a-z-]+)?|cach-lam-hay-tu-co-so|vi-loi-ich-doan-vien|thiet-che-cong-doan"
        r"|chung-toi-la-can-bo-cong-doan|ldld-[a-z-]+|tlv-[a-z-]+)/"
    )
