import unicodedata

import pytest

from crawler.text import (
    clean_text,
    fold,
    normalize_tone_marks,
    parse_iso_datetime,
    parse_vn_datetime,
    to_iso,
)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("công đoàn", "cong doan"),
        ("Công Đoàn", "cong doan"),
        ("CÔNG ĐOÀN", "cong doan"),
        ("Hội nghị", "hoi nghi"),  # two marks on one letter
        ("Người lao động", "nguoi lao dong"),
        ("LĐLĐ Đắk Lắk", "ldld dak lak"),
        (unicodedata.normalize("NFD", "Thủy Dương"), "thuy duong"),
    ],
)
def test_fold(text: str, folded: str):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("new_style", "old_style"),
    [
        ("hoà", "hòa"),
        ("Hoà Bình", "Hòa Bình"),
        ("khoẻ", "khỏe"),
        ("thuỷ", "thủy"),
        ("Uỷ ban", "Ủy ban"),
        ("văn hoá", "văn hóa"),
        ("HOÀ", "HÒA"),
        ("lan toả", "lan tỏa"),
        ("hoạ sĩ", "họa sĩ"),
        # unchanged: closed syllables, "qu", and words already in the majority style
        ("hoàn thành", "hoàn thành"),
        ("quý", "quý"),
        ("Quỳnh", "Quỳnh"),
        ("huyền", "huyền"),
        ("thủy", "thủy"),
        ("của", "của"),
        ("khoảng", "khoảng"),
    ],
)
def test_tone_marks(new_style: str, old_style: str):
    assert normalize_tone_marks(new_style) == old_style


def test_clean_text_nfc_spaces_and_invisibles():
    raw = unicodedata.normalize("NFD", "  Hoà\u00a0 Bình\u200b \n\n  Công\tđoàn ")
    assert clean_text(raw) == "Hòa Bình\n\nCông đoàn"
    assert clean_text(None) == ""


@pytest.mark.parametrize(
    ("text", "iso", "has_time"),
    [
        ("19/07/2022 16:13", "2022-07-19T16:13:00+07:00", True),
        ("Trần Trọng LDO | 19/07/2022 16:13", "2022-07-19T16:13:00+07:00", True),
        ("17:12, 04/12/2020", "2020-12-04T17:12:00+07:00", True),
        ("Thứ ba - 29/06/2021 09:14", "2021-06-29T09:14:00+07:00", True),
        ("08/01/2019 | 06:30", "2019-01-08T06:30:00+07:00", True),
        ("12/08/2024", "2024-08-12T00:00:00+07:00", False),  # day first: 12 August, never 8 December
        ("Thứ năm, ngày 5 tháng 9 năm 2024", "2024-09-05T00:00:00+07:00", False),
        ("Chủ nhật, 16/3/2025, 07:00 (GMT+7)", "2025-03-16T07:00:00+07:00", True),
    ],
)
def test_parse_vn_datetime(text: str, iso: str, has_time: bool):
    moment, timed = parse_vn_datetime(text)
    assert (to_iso(moment), timed) == (iso, has_time)


@pytest.mark.parametrize("text", ["", None, "Sáng 6/1", "Chiều 4-12", "31/02/2024 10:00", "không có ngày"])
def test_parse_vn_datetime_refuses_non_dates(text):
    assert parse_vn_datetime(text) is None


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2022-07-19T16:13:00+07:00", "2022-07-19T16:13:00+07:00"),
        ("2022-07-19T09:13:00Z", "2022-07-19T16:13:00+07:00"),
        ("2022-07-19T09:13:00.123+0000", "2022-07-19T16:13:00+07:00"),
        ("2022-07-19 16:13", "2022-07-19T16:13:00+07:00"),  # a bare local time is Vietnam time
    ],
)
def test_parse_iso_datetime(text: str, iso: str):
    assert to_iso(parse_iso_datetime(text)[0]) == iso


@pytest.mark.parametrize(
    ("word", "expected"),
    [("Thuỷ", "Thủy"), ("THUỶ", "THỦY"), ("Khoẻ", "Khỏe"), ("NGOẠ", "NGỌA"), ("Chloé", "Chloé"), ("Zoé", "Zoé")],
)
def test_tone_marks_need_a_vietnamese_onset_in_any_case(word: str, expected: str):
    assert normalize_tone_marks(word) == expected
