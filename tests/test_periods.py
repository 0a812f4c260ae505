"""Tests for lawstats.domain.periods: spellings, rejections, labels, last-year ranges, free-text search."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lawstats.domain.periods import Period, PeriodError, find_period, format_period, parse_period

D = dt.date
Y2024 = (D(2024, 1, 1), D(2024, 12, 31))
Q1 = (D(2024, 1, 1), D(2024, 3, 31))
MAR = (D(2024, 3, 1), D(2024, 3, 31))
H1 = (D(2024, 1, 1), D(2024, 6, 30))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # years
        ("2024", Y2024),
        ("2024年", Y2024),
        ("2024年度", Y2024),
        ("2024年全年", Y2024),
        ("2024年1-12月", Y2024),
        ("２０２４年", Y2024),
        ("  2024年 ", Y2024),
        # quarters
        ("2024Q1", Q1),
        ("2024-Q1", Q1),
        ("2024 Q1", Q1),
        ("2024q1", Q1),
        ("2024年第一季度", Q1),
        ("2024年一季度", Q1),
        ("2024年1季度", Q1),
        ("2024年第1季度", Q1),
        ("2024年第一季", Q1),
        ("２０２４年第一季度", Q1),
        ("Q1 2024", Q1),
        ("2024年第三季度", (D(2024, 7, 1), D(2024, 9, 30))),
        ("2024年第四季度", (D(2024, 10, 1), D(2024, 12, 31))),
        # months
        ("2024年3月", MAR),
        ("2024年03月", MAR),
        ("2024年3月份", MAR),
        ("2024年三月", MAR),
        ("2024-03", MAR),
        ("2024-3", MAR),
        ("2024.3", MAR),
        ("2024/03", MAR),
        ("202403", MAR),
        ("２０２４－０３", MAR),
        ("2024年2月", (D(2024, 2, 1), D(2024, 2, 29))),
        ("2023年2月", (D(2023, 2, 1), D(2023, 2, 28))),
        ("2024年十二月", (D(2024, 12, 1), D(2024, 12, 31))),
        # month ranges
        ("2024年1-6月", H1),
        ("2024年1—6月", H1),
        ("2024年1–6月", H1),
        ("2024年1~6月", H1),
        ("2024年1～6月", H1),
        ("2024年1至6月", H1),
        ("2024年1到6月", H1),
        ("2024年1月-6月", H1),
        ("2024年1月至6月", H1),
        ("2024年1月-2024年6月", H1),
        ("2024年1月至2024年6月", H1),
        ("2024年1-6月份", H1),
        ("2024年度1-6月", H1),
        ("2024-01..2024-06", H1),
        ("2024-01~2024-06", H1),
        ("2024-01 to 2024-06", H1),
        ("2024.01-2024.06", H1),
        ("2024-01-01/2024-06-30", H1),
        ("2024-01-01至2024-06-30", H1),
        ("2024年1月1日至2024年6月30日", H1),
        ("2024年上半年", H1),
        ("2024上半年", H1),
        ("2024H1", H1),
        ("2024年下半年", (D(2024, 7, 1), D(2024, 12, 31))),
        ("2024年前三季度", (D(2024, 1, 1), D(2024, 9, 30))),
        ("2024年1-3季度", (D(2024, 1, 1), D(2024, 9, 30))),
        ("2024年7-12月", (D(2024, 7, 1), D(2024, 12, 31))),
        ("2023年12月至2024年2月", (D(2023, 12, 1), D(2024, 2, 29))),
        ("2023-12 to 2024-02", (D(2023, 12, 1), D(2024, 2, 29))),
        # arbitrary dates
        ("2024年3月5日至2024年4月2日", (D(2024, 3, 5), D(2024, 4, 2))),
        ("2024年3月5日至4月2日", (D(2024, 3, 5), D(2024, 4, 2))),
        ("2024-03-05 to 2024-04-02", (D(2024, 3, 5), D(2024, 4, 2))),
        ("2024-03-05", (D(2024, 3, 5), D(2024, 3, 5))),
        # full-width forms and odd spacing
        ("２０２４年１－６月", H1),
        ("２０２４年 第 一 季 度", Q1),
        ("2024年 1 - 6 月", H1),
    ],
)
def test_parse_period_spellings(text, expected):
    p = parse_period(text)
    assert (p.start, p.end) == expected
    assert Period.from_label(text) == p


@pytest.mark.parametrize(
    ("text", "default_year", "expected"),
    [
        ("1-6月", 2024, H1),
        ("上半年", 2024, H1),
        ("3月", 2024, MAR),
        ("第一季度", 2024, Q1),
        ("一季度", 2024, Q1),
        ("Q1", 2024, Q1),
        ("全年", 2024, Y2024),
        ("2023年3月", 2024, (D(2023, 3, 1), D(2023, 3, 31))),  # an explicit year wins
    ],
)
def test_parse_period_default_year(text, default_year, expected):
    p = parse_period(text, default_year=default_year)
    assert (p.start, p.end) == expected


@pytest.mark.parametrize("text", ["1-6月", "上半年", "3月", "第一季度"])
def test_missing_year_is_an_error(text):
    with pytest.raises(PeriodError) as info:
        parse_period(text)
    assert "缺少年份" in str(info.value)
    assert "no year" in info.value.message_en
    assert text in info.value.message_zh


@pytest.mark.parametrize(
    ("text", "zh_part"),
    [
        ("", "期间为空"),
        ("   ", "期间为空"),
        ("abc", "无法识别"),
        ("人民调解", "无法识别"),
        ("2024年13月", "月份13无效"),
        ("2024-13", "月份13无效"),
        ("2024年0月", "月份0无效"),
        ("2024年6-1月", "结束早于开始"),
        ("2024年4月2日至2024年3月5日", "结束早于开始"),
        ("2024年第五季度", "季度5无效"),
        ("2024Q5", "季度5无效"),
        ("1948年", "年份1948超出范围"),
        ("2101年", "年份2101超出范围"),
        ("620502", "年份6205超出范围"),
        ("2024年2月30日", "日期"),
    ],
)
def test_parse_period_rejects(text, zh_part):
    with pytest.raises(PeriodError) as info:
        parse_period(text)
    err = info.value
    assert isinstance(err, ValueError)
    assert zh_part in str(err)
    assert str(err) == err.message_zh
    assert err.message_en
    if text.strip():
        assert text.strip() in err.message_zh
        assert text.strip() in err.message_en


@pytest.mark.parametrize(
    ("period", "kind", "label", "label_en", "months"),
    [
        (Period.year(2024), "year", "2024年", "2024", 12),
        (Period.quarter(2024, 1), "quarter", "2024年第一季度", "2024 Q1", 3),
        (Period.quarter(2024, 2), "quarter", "2024年第二季度", "2024 Q2", 3),
        (Period.quarter(2024, 3), "quarter", "2024年第三季度", "2024 Q3", 3),
        (Period.quarter(2024, 4), "quarter", "2024年第四季度", "2024 Q4", 3),
        (Period.months(2024, 1, 3), "quarter", "2024年第一季度", "2024 Q1", 3),
        (Period.month(2024, 3), "month", "2024年3月", "2024-03", 1),
        (Period.months(2024, 1, 1), "month", "2024年1月", "2024-01", 1),
        (Period.months(2024, 1, 6), "ytd", "2024年1-6月", "2024-01 to 2024-06", 6),
        (Period.months(2024, 1, 2), "ytd", "2024年1-2月", "2024-01 to 2024-02", 2),
        (Period.months(2024, 1, 12), "year", "2024年", "2024", 12),
        (Period.months(2024, 7, 12), "range", "2024年7-12月", "2024-07 to 2024-12", 6),
        (Period.months(2024, 2, 5), "range", "2024年2-5月", "2024-02 to 2024-05", 4),
        (Period.months(2024, 2, 4), "range", "2024年2-4月", "2024-02 to 2024-04", 3),
        (
            Period(D(2023, 12, 1), D(2024, 2, 29)),
            "range",
            "2023年12月至2024年2月",
            "2023-12 to 2024-02",
            3,
        ),
        (
            Period(D(2024, 3, 5), D(2024, 4, 2)),
            "range",
            "2024年3月5日至2024年4月2日",
            "2024-03-05 to 2024-04-02",
            0,
        ),
        (Period(D(2024, 3, 5), D(2024, 3, 5)), "range", "2024年3月5日", "2024-03-05", 0),
        (
            Period(D(2023, 1, 1), D(2024, 12, 31)),
            "range",
            "2023年1月至2024年12月",
            "2023-01 to 2024-12",
            24,
        ),
    ],
)
def test_kinds_labels_and_round_trip(period, kind, label, label_en, months):
    assert period.kind == kind
    assert period.label == label == str(period) == format_period(period)
    assert period.label_en == label_en == format_period(period, "en")
    assert period.months == period.month_count == months
    assert parse_period(label) == period
    assert parse_period(label_en) == period


def test_properties():
    p = Period.months(2024, 1, 6)
    assert p.year == 2024 == p.year_number
    assert p.days == 182
    assert Period.year(2023).days == 365
    assert Period.year(2024) == Period.of_year(2024)
    assert Period.months(2024, 1, 6) == Period.month_range(2024, 1, 6)
    assert sorted([Period.year(2024), Period.month(2024, 1), Period.year(2023)]) == [
        Period.year(2023),
        Period.month(2024, 1),
        Period.year(2024),
    ]
    assert len({parse_period("2024年1-6月"), parse_period("2024年上半年")}) == 1


@pytest.mark.parametrize(
    "build",
    [
        lambda: Period.month(2024, 13),
        lambda: Period.quarter(2024, 5),
        lambda: Period.months(2024, 6, 1),
        lambda: Period.year(1900),
        lambda: Period(D(2024, 2, 1), D(2024, 1, 1)),
    ],
)
def test_constructors_validate(build):
    with pytest.raises(PeriodError):
        build()


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (Period.year(2024), Period.year(2023)),
        (Period.quarter(2024, 1), Period.quarter(2023, 1)),
        (Period.months(2024, 1, 6), Period.months(2023, 1, 6)),
        (Period.month(2024, 2), Period(D(2023, 2, 1), D(2023, 2, 28))),
        (Period.month(2025, 2), Period(D(2024, 2, 1), D(2024, 2, 29))),
        (Period(D(2024, 1, 1), D(2024, 2, 29)), Period(D(2023, 1, 1), D(2023, 2, 28))),
        (Period(D(2025, 1, 1), D(2025, 2, 28)), Period(D(2024, 1, 1), D(2024, 2, 29))),
        (Period(D(2024, 3, 5), D(2024, 4, 2)), Period(D(2023, 3, 5), D(2023, 4, 2))),
        (Period(D(2024, 12, 1), D(2025, 2, 28)), Period(D(2023, 12, 1), D(2024, 2, 29))),
    ],
)
def test_previous_year(period, expected):
    assert period.previous_year() == expected
    assert period.previous_year().kind == period.kind


def test_contains_overlaps_months_and_ytd():
    year, h1, q2, q3 = (
        Period.year(2024),
        Period.months(2024, 1, 6),
        Period.quarter(2024, 2),
        Period.quarter(2024, 3),
    )
    assert year.contains(h1) and h1.contains(q2) and not h1.contains(q3)
    assert h1.contains(h1)
    assert h1.overlaps(q2) and not h1.overlaps(q3) and q3.overlaps(year)
    assert [m.label for m in q2.month_periods()] == ["2024年4月", "2024年5月", "2024年6月"]
    assert len(year.month_periods()) == 12
    assert [m.label for m in parse_period("2023年12月至2024年1月").month_periods()] == [
        "2023年12月",
        "2024年1月",
    ]
    with pytest.raises(PeriodError):
        Period(D(2024, 3, 5), D(2024, 4, 2)).month_periods()
    assert q3.year_to_date() == Period.months(2024, 1, 9)
    assert Period.month(2024, 6).year_to_date() == h1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024年1-6月天水市人民调解工作情况统计表", "2024年1-6月"),
        ("天水市2023年度统计", "2023年"),
        ("秦州区2024年第三季度报表.xlsx", "2024年第三季度"),
        ("报表_2024-03.csv", "2024年3月"),
        ("人民调解统计表", None),
        ("", None),
        ("620502秦州区", None),
        ("620502_2024年报表", "2024年"),
        ("2024年1-6月统计表 填报日期：2024年7月5日", "2024年1-6月"),
        ("填报日期：2024年7月5日", None),
        ("调解2024件", None),
        ("编号20240301", None),
        ("202403报表", "2024年3月"),
        ("天水市2024统计", "2024年"),
        ("2024年上半年工作总结", "2024年1-6月"),
        ("2024年全市调解情况", "2024年"),
        ("2023年12月至2024年2月调解统计", "2023年12月至2024年2月"),
        ("2024年度第一季度通报", "2024年第一季度"),
        ("２０２４年１－６月統計表", "2024年1-6月"),
        ("2023年度与2024年1-6月对比", "2024年1-6月"),
    ],
)
def test_find_period(text, expected):
    found = find_period(text)
    assert (found.label if found else None) == expected


_month_ranges = st.integers(1949, 2100).flatmap(
    lambda y: st.integers(1, 12).flatmap(
        lambda a: st.integers(a, 12).map(lambda b: Period.months(y, a, b))
    )
)
_date_ranges = st.tuples(
    st.dates(D(1949, 1, 1), D(2100, 12, 31)), st.dates(D(1949, 1, 1), D(2100, 12, 31))
).map(lambda ab: Period(min(ab), max(ab)))


@given(_month_ranges)
def test_month_range_labels_round_trip(p):
    assert parse_period(p.label) == p
    assert parse_period(p.label_en) == p
    assert find_period(f"{p.label}统计表") == p


@given(_date_ranges)
def test_any_date_range_labels_round_trip(p):
    assert parse_period(p.label) == p
    assert parse_period(p.label_en) == p


@given(st.text())
def test_find_period_never_raises(text):
    found = find_period(text)
    assert found is None or isinstance(found, Period)
