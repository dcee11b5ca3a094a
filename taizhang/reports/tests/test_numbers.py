"""Chinese numbers: parsing, qualifiers, writing, and round trips (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taizhang.reports.numbers import (
    chinese_numeral,
    format_number,
    normalize,
    parse_core,
    parse_number,
    split_qualifiers,
)

D = Decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234", D(1234)),
        ("1.21", D("1.21")),
        ("12.5%", D("12.5")),
        ("1.21万", D(12100)),
        ("349万", D(3490000)),
        ("2.3亿", D(230000000)),
        ("三百", D(300)),
        ("两万", D(20000)),
        ("二十二点二五万", D(222500)),
        ("一千零五", D(1005)),
        ("十二", D(12)),
        ("两", D(2)),
        ("十", D(10)),
        ("一百一十", D(110)),
        ("一万零一十", D(10010)),
        ("十万零五百", D(100500)),
        ("一亿二千万", D(120000000)),
        ("一万亿", D(10**12)),
        ("3万5千", D(35000)),
        ("一万五", D(15000)),
        ("三千五", D(3500)),
        ("两百五", D(250)),
        ("零点五", D("0.5")),
        ("百分之十二点五", D("12.5")),
        ("１２３", D(123)),
        ("１．５万", D(15000)),
        ("三百余", D(300)),
        ("近300余", D(300)),
        ("两万余", D(20000)),
        ("20余万", D(200000)),
        ("约1.5万", D(15000)),
        ("-5", D(-5)),
        ("负三", D(-3)),
        ("一万点零五", D("10000.05")),
    ],
)
def test_parse_number(text: str, expected: Decimal) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "七一", "二〇二〇", "十十", "五四", "百", "万", "一百千", "abc", "X", "300场", "1.5万3千", "三点", "1,23"],
)
def test_parse_number_refuses_what_is_not_a_number(text: str) -> None:
    assert parse_number(text) is None


def test_parse_core_reads_financial_numerals() -> None:
    assert parse_core("壹万贰仟") == D(12000)


def test_parse_core_keeps_decimals_exact() -> None:
    assert parse_core("0.1") == D("0.1")
    assert str(parse_core("1.21万")) == "12100"
    assert str(parse_core("12.50")) == "12.5"


@pytest.mark.parametrize(
    ("text", "value", "qualifiers", "unit", "scale"),
    [
        ("近300余场", D(300), ["近", "余"], "场", ""),
        ("1.21万本", D(12100), [], "本", "万"),
        ("349万次", D(3490000), [], "次", "万"),
        ("两万余名", D(20000), ["余"], "名", "万"),
        ("二十二点二五万小时", D(222500), [], "小时", "万"),
        ("累计约3万余人次", D(30000), ["累计", "约", "余"], "人次", "万"),
        ("超过1000人以上", D(1000), ["超过", "以上"], "人", ""),
        ("逾5000册", D(5000), ["逾"], "册", ""),
        ("共15个", D(15), ["共"], "个", ""),
        ("达到98.5%", D("98.5"), ["达到"], "%", ""),
        ("x多个", None, None, None, None),
        ("349万元", D(349), [], "万元", "万"),
        ("2.3亿元", D("2.3"), [], "亿元", "亿"),
        ("5000元", D(5000), [], "元", ""),
        ("10次左右", D(10), ["左右"], "次", ""),
        ("三百多人", D(300), ["多"], "人", ""),
    ],
)
def test_split_qualifiers(
    text: str, value: Decimal | None, qualifiers: list[str] | None, unit: str | None, scale: str | None
) -> None:
    quantity = split_qualifiers(text)
    if value is None:
        assert quantity is None
        return
    assert quantity is not None
    assert (quantity.value, quantity.qualifiers, quantity.unit, quantity.scale) == (value, qualifiers, unit, scale)


@pytest.mark.parametrize(
    ("value", "unit", "style", "expected"),
    [
        (12100, "人次", "arabic", "1.21万人次"),
        (9999, "次", "arabic", "9999次"),
        (10000, "次", "arabic", "1万次"),
        (12345, "人", "arabic", "1.23万人"),
        (12355, "人", "arabic", "1.24万人"),  # half up
        (3490000, "次", "arabic", "349万次"),
        (99999999, "次", "arabic", "1亿次"),
        (230000000, "元", "arabic", "2.3亿元"),
        (D("12.5"), "%", "arabic", "12.5%"),
        (D("12.50"), "场", "arabic", "12.5场"),
        (349, "万元", "arabic", "349万元"),
        (123456, "%", "arabic", "123456%"),
        (12100, "人次", "exact", "12100人次"),
        (12100, "人次", "chinese", "一万二千一百人次"),
        (-12100, "人", "arabic", "-1.21万人"),
        (0, "场", "arabic", "0场"),
    ],
)
def test_format_number(value: Decimal | int, unit: str, style: str, expected: str) -> None:
    assert format_number(value, unit, style) == expected


def test_format_number_refuses_an_unknown_style() -> None:
    with pytest.raises(ValueError, match="style"):
        format_number(1, "场", "roman")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "零"),
        (5, "五"),
        (10, "十"),
        (12, "十二"),
        (20, "二十"),
        (110, "一百一十"),
        (1005, "一千零五"),
        (1050, "一千零五十"),
        (10010, "一万零一十"),
        (100500, "十万零五百"),
        (120000000, "一亿二千万"),
        (100100000, "一亿零一十万"),
        (10**12, "一万亿"),
        (D("22.25"), "二十二点二五"),
        (D("0.5"), "零点五"),
        (-3, "负三"),
    ],
)
def test_chinese_numeral(value: int | Decimal, expected: str) -> None:
    assert chinese_numeral(value) == expected


def test_normalize_keeps_offsets() -> None:
    text = "完成率９８．５％，共＊次＝＝"
    assert len(normalize(text)) == len(text)
    assert normalize(text) == "完成率98.5%，共*次=="


# --------------------------------------------------------------------------------------------
# Properties

integers = st.integers(min_value=0, max_value=10**15)
decimals = st.decimals(min_value=0, max_value=10**8, places=4, allow_nan=False, allow_infinity=False)
wan_values = st.decimals(min_value=D("0.01"), max_value=D("9999.99"), places=2, allow_nan=False, allow_infinity=False)
units = st.sampled_from(["场", "次", "人次", "篇", "条", "件", "个", "人", "名", "小时", "支", "期", "场次", ""])


@given(integers)
def test_chinese_numerals_parse_back(n: int) -> None:
    assert parse_number(chinese_numeral(n)) == n


@given(decimals)
def test_chinese_decimals_parse_back(value: Decimal) -> None:
    assert parse_number(chinese_numeral(value)) == value


@given(wan_values, st.sampled_from([("万", 10**4), ("亿", 10**8)]))
def test_numbers_with_wan_and_yi_parse_back(value: Decimal, magnitude: tuple[str, int]) -> None:
    name, factor = magnitude
    assert parse_number(f"{value}{name}") == value * factor
    assert parse_number(chinese_numeral(value) + name) == value * factor


@given(st.integers(1, 9999), st.integers(1, 9))
def test_mixed_wan_qian_parses(wan: int, qian: int) -> None:
    assert parse_number(f"{wan}万{qian}千") == wan * 10**4 + qian * 1000


@given(
    st.lists(st.sampled_from(["近", "约", "共", "累计", "超过", "逾", "达"]), max_size=2, unique=True),
    st.integers(1, 10**6),
    st.sampled_from(["", "余", "多"]),
    units.filter(bool),
    st.sampled_from(["", "以上"]),
)
def test_qualifiers_survive_a_round_trip(prefix: list[str], n: int, inner: str, unit: str, post: str) -> None:
    quantity = split_qualifiers("".join(prefix) + str(n) + inner + unit + post)
    assert quantity is not None
    assert quantity.value == n
    assert quantity.unit == unit
    assert quantity.qualifiers == [*prefix, *([inner] if inner else []), *([post] if post else [])]


@given(st.integers(0, 10**12 - 1), units)
def test_format_then_parse(n: int, unit: str) -> None:
    written = format_number(n, unit)
    quantity = split_qualifiers(written)
    assert quantity is not None
    assert quantity.unit == unit
    if n < 10**4:
        assert quantity.value == n
    else:
        scale = 10**4 if quantity.scale == "万" else 10**8
        assert abs(quantity.value - n) <= D("0.005") * scale
        if n % (scale // 100) == 0:
            assert quantity.value == n


@given(st.decimals(min_value=0, max_value=9999, places=2, allow_nan=False, allow_infinity=False))
def test_format_then_parse_small_decimals_is_exact(value: Decimal) -> None:
    assert parse_number(format_number(value, "")) == value


@given(integers)
def test_chinese_style_round_trip(n: int) -> None:
    assert parse_number(format_number(n, "", "chinese")) == n


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**16 - 1))
def test_chinese_numeral_agrees_with_cn2an(n: int) -> None:
    cn2an = pytest.importorskip("cn2an", reason="cn2an (a dev cross-check only) is not installed")
    assert chinese_numeral(n) == cn2an.an2cn(str(n))
