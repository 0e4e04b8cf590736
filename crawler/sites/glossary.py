"""Union abbreviations and what they stand for. Pure data, published as the `glossary` table.

Vietnamese union writing abbreviates freely: one article says "LĐLĐ tỉnh", the next
"Liên đoàn Lao động tỉnh". Search expands either form to both (crawler/publish/query.py).
"""

from __future__ import annotations

from typing import NamedTuple


class Term(NamedTuple):
    abbreviation: str
    expansion: str
    english: str


GLOSSARY: tuple[Term, ...] = (
    Term("CĐCS", "Công đoàn cơ sở", "grassroots trade union"),
    Term("CĐVC", "Công đoàn Viên chức", "public employees' trade union"),
    Term("CĐN", "Công đoàn ngành", "sectoral trade union"),
    Term("LĐLĐ", "Liên đoàn Lao động", "Federation of Labour (provincial or city)"),
    Term("TLĐLĐVN", "Tổng Liên đoàn Lao động Việt Nam", "Vietnam General Confederation of Labour"),
    Term("TLĐ", "Tổng Liên đoàn", "the General Confederation (of Labour)"),
    Term("CNVCLĐ", "công nhân, viên chức, lao động", "workers, public employees and labourers"),
    Term("CBCCVC", "cán bộ, công chức, viên chức", "officials, civil servants and public employees"),
    Term("CCVCLĐ", "công chức, viên chức, lao động", "civil servants, public employees and labourers"),
    Term("CNLĐ", "công nhân lao động", "workers"),
    Term("NLĐ", "người lao động", "employees, workers"),
    Term("ĐVCĐ", "đoàn viên công đoàn", "trade-union members"),
    Term("BCH", "Ban Chấp hành", "executive committee"),
    Term("BTV", "Ban Thường vụ", "standing committee"),
    Term("MTTQ", "Mặt trận Tổ quốc", "Fatherland Front"),
    Term("BHXH", "bảo hiểm xã hội", "social insurance"),
    Term("BHYT", "bảo hiểm y tế", "health insurance"),
    Term("BHTN", "bảo hiểm thất nghiệp", "unemployment insurance"),
    Term("ATVSLĐ", "an toàn, vệ sinh lao động", "occupational safety and health"),
    Term("TƯLĐTT", "thỏa ước lao động tập thể", "collective labour agreement"),
    Term("HĐLĐ", "hợp đồng lao động", "labour contract"),
    Term("KCN", "khu công nghiệp", "industrial zone"),
    Term("UBND", "Ủy ban nhân dân", "People's Committee"),
    Term("HĐND", "Hội đồng nhân dân", "People's Council"),
    Term("QCDC", "quy chế dân chủ", "workplace democracy regulations"),
)
