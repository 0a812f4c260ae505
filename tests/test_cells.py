"""Cell values as counties type them, and units in headers: parametrised tables plus a fuzz test."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.cells import parse_cell, parse_header_unit, unit_multiplier

NR = "not_reported"


@pytest.mark.parametrize(
    "raw, value, approximate, status",
    [
        (13287, 13287.0, False, "ok"),
        (13287.0, 13287.0, False, "ok"),
        (0, 0.0, False, "ok"),
        (0.986, 0.986, False, "ok"),
        ("13287", 13287.0, False, "ok"),
        ("13,287", 13287.0, False, "ok"),
        ("13，287", 13287.0, False, "ok"),
        ("１３２８７", 13287.0, False, "ok"),
        (" 13287 ", 13287.0, False, "ok"),
        ("\u300013287\u3000", 13287.0, False, "ok"),
        ("13287.0", 13287.0, False, "ok"),
        ("98.6%", 98.6, False, "ok"),
        ("98.6％", 98.6, False, "ok"),
        ("2.1万", 21000.0, False, "ok"),
        ("２.１万", 21000.0, False, "ok"),
        ("1.2亿", 120000000.0, False, "ok"),
        ("4000余", 4000.0, True, "ok"),
        ("4000多", 4000.0, True, "ok"),
        ("近4000", 4000.0, True, "ok"),
        ("约4000", 4000.0, True, "ok"),
        ("4000左右", 4000.0, True, "ok"),
        ("4000+", 4000.0, True, "ok"),
        ("2.1万余", 21000.0, True, "ok"),
        ("2.1万余人", 21000.0, True, "ok"),
        ("4000余件", 4000.0, True, "ok"),
        ("13287件", 13287.0, False, "ok"),
        ("-4.7", -4.7, False, "ok"),
        ("(12)", -12.0, False, "ok"),
        ("（12）", -12.0, False, "ok"),
        ("1.2E+04", 12000.0, False, "ok"),
        ("—", None, False, NR),
        ("——", None, False, NR),
        ("-", None, False, NR),
        ("--", None, False, NR),
        ("/", None, False, NR),
        ("－", None, False, NR),
        ("无", None, False, NR),
        ("", None, False, NR),
        ("   ", None, False, NR),
        (None, None, False, NR),
        (float("nan"), None, False, NR),
        ("#DIV/0!", None, False, "error"),
        ("#N/A", None, False, "error"),
        ("#VALUE!", None, False, "error"),
        ("#REF!", None, False, "error"),
        ("#div/0!", None, False, "error"),
        ("见附表", None, False, "invalid"),
        ("1,2,3", None, False, "invalid"),
        ("12a", None, False, "invalid"),
        ("1.2.3", None, False, "invalid"),
        ("-(12)", None, False, "invalid"),
        ("(12", None, False, "invalid"),
        (True, None, False, "invalid"),
        (False, None, False, "invalid"),
        (dt.date(2024, 3, 1), None, False, "invalid"),
        (float("inf"), None, False, "invalid"),
        ("9e999999万", None, False, "invalid"),
    ],
)
def test_parse_cell(raw, value, approximate, status):
    cv = parse_cell(raw)
    assert (cv.value, cv.is_approximate, cv.status) == (value, approximate, status)
    assert cv.raw is raw or raw is None or (isinstance(raw, float) and math.isnan(raw))


@pytest.mark.parametrize(
    "raw, percent", [("98.6%", True), ("98.6％", True), ("98.6", False), (98.6, False)]
)
def test_percent_flag(raw, percent):
    assert parse_cell(raw).percent is percent


@given(st.text(max_size=30))
def test_parse_cell_never_raises(text):
    cv = parse_cell(text)
    assert cv.status in ("ok", "not_reported", "invalid", "error")
    assert (cv.value is None) == (cv.status != "ok")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_integer_text_round_trips(n):
    assert parse_cell(str(n)).value == float(n)
    assert parse_cell(f"{n:,}").value == float(n)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_pass_through(x):
    cv = parse_cell(x)
    assert cv.status == "ok" and cv.value == x


@pytest.mark.parametrize(
    "header, name, unit",
    [
        ("调解纠纷（件）", "调解纠纷", "件"),
        ("调解经费(元)", "调解经费", "元"),
        ("常住人口(万人)", "常住人口", "万人"),
        ("指标：地区生产总值(亿元)", "指标：地区生产总值", "亿元"),
        (
            "固定资产投资(不含农户)实际到位资金_比上年增长(%)",
            "固定资产投资(不含农户)实际到位资金_比上年增长",
            "%",
        ),
        ("调解成功率（％）", "调解成功率", "%"),
        ("业务用房面积（㎡）", "业务用房面积", "m2"),
        ("配备法律顾问村(社区)数", "配备法律顾问村(社区)数", None),
        ("村(社区)法律顾问（个）", "村(社区)法律顾问", "个"),
        ("法律顾问(村/社区)", "法律顾问(村/社区)", None),
        ("调解纠纷", "调解纠纷", None),
    ],
)
def test_parse_header_unit(header, name, unit):
    assert parse_header_unit(header) == (name, unit)


@pytest.mark.parametrize(
    "src, dst, factor",
    [
        ("万件", "件", 10000.0),
        ("件", "件", 1.0),
        ("万人", "人", 10000.0),
        ("人", "万人", 0.0001),
        ("元", "万元", 0.0001),
        ("千元", "万元", 0.1),
        ("亿元", "万元", 10000.0),
        ("平方米", "平方米", 1.0),
        ("㎡", "平方米", 1.0),
        ("m²", "平方米", 1.0),
        ("m2", "平方米", 1.0),
        ("%", "%", 1.0),
        ("名", "人", 1.0),
        ("人次", "人次", 1.0),
        ("人次", "人", None),
        ("件", "人", None),
        ("元", "件", None),
        ("斤", "件", None),
        (None, "件", None),
    ],
)
def test_unit_multiplier(src, dst, factor):
    assert unit_multiplier(src, dst) == factor
