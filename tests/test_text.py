"""Tests for lawstats.domain.text: full-width, pinyin noise, traditional characters, whitespace."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lawstats.domain.text import (
    normalize_name,
    normalize_text,
    strip_pinyin,
    to_halfwidth,
    to_simplified,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("調解", "调解"),
        ("臨洮縣", "临洮县"),
        ("鄉鎮", "乡镇"),
        ("秦州區", "秦州区"),
        ("新疆維吾爾自治區", "新疆维吾尔自治区"),
        ("调解", "调解"),
        ("乾县", "乾县"),  # OpenCC alone would turn the simplified place name into 干县
        ("乾縣", "乾县"),
        ("乾安縣", "乾安县"),
        ("13287", "13287"),
        ("", ""),
    ],
)
def test_to_simplified(raw, expected):
    assert to_simplified(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("鄉(xiāng)鎮(zhèn)", "鄉鎮"),
        ("调解（tiáo jiě）", "调解"),
        ("臨洮(lín táo)縣", "臨洮縣"),
        ("绿(lǜ)", "绿"),
        ("女(nǚ)", "女"),
        ("西安(xi'an)", "西安"),
        ("调解 (tiao jie)", "调解"),
        ("村(社区)", "村(社区)"),
        ("村（社区）", "村（社区）"),
        ("面积(m2)", "面积(m2)"),
        ("成功率(%)", "成功率(%)"),
        ("经费(万元)", "经费(万元)"),
        ("收入(GDP)", "收入(GDP)"),
        ("长度(km)", "长度(km)"),
        ("季度(Q1)", "季度(Q1)"),
        ("(xiang)", "(xiang)"),  # nothing before it to annotate
        ("无括号", "无括号"),
    ],
)
def test_strip_pinyin(raw, expected):
    assert strip_pinyin(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("２０２４年", "2024年"),
        ("ＡＢＣ", "ABC"),
        ("１３，２８７", "13,287"),
        ("a\u3000b", "a b"),
        ("（件）", "(件)"),
    ],
)
def test_to_halfwidth(raw, expected):
    assert to_halfwidth(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  調解   成功 件數 ", "调解 成功 件数"),
        ("２０２４年\u3000第一季度", "2024年 第一季度"),
        ("鄉(xiāng)鎮(zhèn)調解", "乡镇调解"),
        ("村（社區）", "村(社区)"),
        ("a\u00a0\u00a0b\tc\nd", "a b c d"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("秦 州 区", "秦州区"),
        ("秦州区\u3000", "秦州区"),
        ("\u00a0秦州区\u00a0", "秦州区"),
        ("臨洮(lín táo)縣", "临洮县"),
        ("调解\n成功\t件数", "调解成功件数"),
        ("合　计", "合计"),
    ],
)
def test_normalize_name(raw, expected):
    assert normalize_name(raw) == expected


@given(st.text())
def test_normalisers_never_raise_and_are_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    name = normalize_name(text)
    assert not any(ch.isspace() for ch in name)
    assert normalize_name(name) == name
