"""Validation rules on hand-built extractions, the problem registry and the parts table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from etl.extract import CandidateFact, ColumnMap, ExtractedRow, ExtractedTable, Extraction
from etl.problems import PROBLEM_TYPES, Problem, Report, make_problem
from etl.validate import read_parts, validate
from lawstats.domain.catalog import load_catalog
from lawstats.domain.periods import Period

MESSY = Path(__file__).parent / "data" / "messy"
Y2024 = Period.year(2024)
H1 = Period.month_range(2024, 1, 6)


def fact(
    cell: str,
    indicator: str,
    value: float | None,
    *,
    region: str | None = "620502",
    period: Period | None = Y2024,
    sheet: str = "Sheet1",
    kind: str = "data",
    status: str = "ok",
    approx: bool = False,
    raw=None,
) -> CandidateFact:
    return CandidateFact(
        region,
        period,
        indicator,
        value,
        approx,
        status == "not_reported",
        indicator.endswith("_rate") and status == "ok",
        sheet,
        cell,
        kind,
        region or "?",
        status,
        value if raw is None else raw,
        indicator,
    )


def extraction(
    facts: list[CandidateFact],
    *,
    context: str | None = "620500",
    rows=None,
    columns=None,
    period=Y2024,
):
    sheets = sorted({f.sheet for f in facts}) or ["Sheet1"]
    tables = [
        ExtractedTable(
            sheet=s,
            layout="wide",
            confidence=1.0,
            header_rows=[2],
            columns=columns or [],
            period=period,
            period_source="title" if period else None,
            context_code=context,
            context_source="title" if context else None,
            rows=rows or [],
        )
        for s in sheets
    ]
    return Extraction("t.xlsx", "0" * 64, "xlsx", tables, facts, Report())


def codes(report: Report) -> list[tuple[str, str | None]]:
    return [(p.code, p.cell) for p in report.problems]


# --- the registry -----------------------------------------------------------------------------

REQUIRED = {
    "error": [
        "unreadable_file",
        "empty_file",
        "file_too_large",
        "unsupported_type",
        "no_table",
        "unknown_region",
        "ambiguous_region",
        "no_period",
        "bad_period",
        "not_a_number",
        "negative_count",
        "rate_out_of_range",
        "numerator_above_denominator",
        "duplicate_conflict",
        "non_integer_count",
        "excel_error_cell",
        "region_outside_context",
    ],
    "warning": [
        "unmapped_column",
        "total_mismatch",
        "part_above_whole",
        "rate_inconsistent",
        "large_change",
        "approximate_value",
        "duplicate_same_value",
        "layout_uncertain",
    ],
}


@pytest.mark.parametrize("code, severity", [(c, s) for s, cs in REQUIRED.items() for c in cs])
def test_required_problem_types(code, severity):
    assert PROBLEM_TYPES[code].severity == severity


@pytest.mark.parametrize("code", sorted(PROBLEM_TYPES))
def test_every_template_formats(code):
    names = set(
        re.findall(r"{(\w+)}", PROBLEM_TYPES[code].template_zh + PROBLEM_TYPES[code].template_en)
    )
    params = {n: f"<{n}>" for n in names - {"where"}}
    p = make_problem(code, file="f.xlsx", sheet="Sheet1", cell="D7", **params)
    assert re.fullmatch(r"[a-z_]+", code)
    for message in (p.message_zh, p.message_en):
        assert "{" not in message and "}" not in message
        assert all(v in message for v in params.values() if v != "<column>"), message
    if "{where}" in PROBLEM_TYPES[code].template_zh:
        assert "第7行 D列" in p.message_zh and "Row 7, column D" in p.message_en


def test_message_says_what_and_where():
    p = make_problem(
        "not_a_number",
        file="f.xlsx",
        sheet="Sheet1",
        cell="D7",
        indicator="mediation_success",
        column="调解成功",
        raw="1,2,3",
    )
    assert p.message_zh == "第7行 D列（调解成功）的值“1,2,3”不是数字"
    assert p.message_en == "Row 7, column D (mediation_success): “1,2,3” is not a number"
    assert p.address == "Sheet1!D7"
    d = p.to_dict()
    assert d["code"] == "not_a_number" and d["address"] == "Sheet1!D7" and d["severity"] == "error"


def test_large_change_for_the_loader():
    p = make_problem("large_change", sheet="Sheet1", cell="D3", value=4680.0, previous=3120, pct=50)
    assert p.severity == "warning"
    assert "4680" in p.message_zh and "3120" in p.message_zh and "50%" in p.message_zh


def test_missing_parameters_do_not_crash():
    p = make_problem("total_mismatch")
    assert p.message_zh.startswith("文件") and p.address is None


def test_report_counts():
    report = Report([make_problem("empty_file"), make_problem("layout_uncertain", sheet="S")])
    assert not report.ok and report.counts == {"error": 1, "warning": 1}
    assert [p.code for p in report.errors] == ["empty_file"]
    assert [p.code for p in report.warnings] == ["layout_uncertain"]
    assert report.to_dict()["counts"] == {"error": 1, "warning": 1}
    assert Report().ok
    assert isinstance(report.problems[0], Problem)


def test_parts_table():
    catalog = load_catalog()
    parts = read_parts()
    assert ("mediation_orgs_sector", "mediation_orgs") in parts
    assert ("judicial_confirmations", "mediation_success") in parts
    for part, whole in parts:
        assert part in catalog and whole in catalog and part != whole
        assert catalog.get(part).unit == catalog.get(whole).unit


# --- the rules --------------------------------------------------------------------------------


def test_clean_extraction_passes_and_keeps_extraction_problems():
    x = extraction([fact("D3", "mediation_cases", 3120), fact("E3", "mediation_success", 3080)])
    x.report.add(make_problem("layout_uncertain", sheet="Sheet1", layout="wide", confidence="55%"))
    report = validate(x)
    assert codes(report) == [("layout_uncertain", None)]
    assert len(x.report.problems) == 1  # the extraction's own report is left alone


def test_values():
    x = extraction(
        [
            fact("C5", "mediators", -12),
            fact("C6", "mediators", 12.5, region="620503"),
            fact("F3", "mediation_success_rate", 100.1),
            fact("F4", "mediation_success_rate", -0.1, region="620503"),
            fact("G3", "mediation_funding", 12.37),  # 万元: decimals are fine
            fact("H3", "office_floor_area", 1234.5),  # 平方米: decimals are fine
            fact("D7", "mediation_cases", None, region="620523", status="invalid", raw="1,2,3"),
            fact("E7", "mediation_success", None, region="620523", status="error", raw="#N/A"),
            fact("E8", "mediation_success", None, region="620524", status="not_reported", raw="—"),
            fact("I3", "prelitigation_cases", 4000, approx=True, raw="4000余"),
        ]
    )
    assert sorted(codes(validate(x))) == sorted(
        [
            ("negative_count", "C5"),
            ("non_integer_count", "C6"),
            ("rate_out_of_range", "F3"),
            ("rate_out_of_range", "F4"),
            ("not_a_number", "D7"),
            ("excel_error_cell", "E7"),
            ("approximate_value", "I3"),
        ]
    )


def test_numerator_rate_and_parts_within_a_row():
    x = extraction(
        [
            fact("D3", "mediation_cases", 100),
            fact("E3", "mediation_success", 120),
            fact("D4", "mediation_cases", 200, region="620503"),
            fact("E4", "mediation_success", 197, region="620503"),
            fact("F4", "mediation_success_rate", 98.5, region="620503"),  # 98.5 exactly: fine
            fact("D5", "mediation_cases", 200, region="620521"),
            fact("E5", "mediation_success", 197, region="620521"),
            fact("F5", "mediation_success_rate", 97.0, region="620521"),  # 98.5 computed
            fact("B5", "mediation_orgs", 10, region="620521"),
            fact("C5", "mediation_orgs_sector", 11, region="620521"),
            fact("G5", "judicial_confirmations", 198, region="620521"),
            fact("D6", "released_total", 0, region="620522"),
            fact("E6", "released_handed_over", 0, region="620522"),
            fact("F6", "released_handover_rate", 100, region="620522"),  # 0/0: nothing to check
        ]
    )
    assert sorted(codes(validate(x))) == sorted(
        [
            ("numerator_above_denominator", "E3"),
            ("rate_inconsistent", "F5"),
            ("part_above_whole", "C5"),
            ("part_above_whole", "G5"),
        ]
    )


def test_rows_of_a_long_layout_group_by_region_and_period():
    x = extraction(
        [
            fact("D2", "mediation_cases", 100, period=H1),
            fact("D3", "mediation_success", 120, period=H1),  # same region and period
            fact("D4", "mediation_success", 150, period=Y2024),  # another period
        ]
    )
    assert codes(validate(x)) == [("numerator_above_denominator", "D3")]


def test_duplicates_across_sheets():
    x = extraction(
        [
            fact("D3", "mediation_cases", 3120, sheet="汇总"),
            fact("D3", "mediation_cases", 3150, sheet="秦州区"),
            fact("E3", "mediation_success", 3080, sheet="汇总"),
            fact("E3", "mediation_success", 3080, sheet="秦州区"),
            fact("F3", "mediation_cases", None, sheet="其他", status="not_reported"),
        ]
    )
    report = validate(x)
    assert [(p.code, p.address) for p in report.problems] == [
        ("duplicate_conflict", "秦州区!D3"),
        ("duplicate_same_value", "秦州区!E3"),
    ]
    assert "汇总!D3" in report.problems[0].message_zh


def test_totals_with_rounding_tolerance_and_ratios_skipped():
    x = extraction(
        [
            fact("D3", "mediation_funding", 100.1),
            fact("D4", "mediation_funding", 200.1, region="620503"),
            fact("D10", "mediation_funding", 300.6, region="620500", kind="total"),
            fact("C3", "office_floor_area", 100.25),
            fact("C4", "office_floor_area", 200.25, region="620503"),
            fact("C10", "office_floor_area", 301.5, region="620500", kind="total"),
            fact("F3", "mediation_success_rate", 98.0),
            fact("F4", "mediation_success_rate", 99.0, region="620503"),
            fact("F10", "mediation_success_rate", 98.6, region="620500", kind="total"),
        ]
    )
    report = validate(x)
    assert codes(report) == [("total_mismatch", "C10")]
    assert report.problems[0].severity == "warning"


def test_region_rows():
    rows = [
        ExtractedRow(3, "A3", "秦州区", "ok", "620502", "data"),
        ExtractedRow(4, "A4", "安定区", "ok", "621102", "data"),
        ExtractedRow(5, "A5", "朝阳区", "ambiguous", None, "data", ("110105", "220104")),
        ExtractedRow(6, "A6", "开发区", "unknown", None, "data"),
        ExtractedRow(7, "A7", "", "unknown", None, "data"),
        ExtractedRow(8, "A8", "合计", "total", "620500", "total"),
    ]
    report = validate(extraction([], rows=rows))
    assert codes(report) == [
        ("region_outside_context", "A4"),
        ("ambiguous_region", "A5"),
        ("unknown_region", "A6"),
        ("unknown_region", "A7"),
    ]
    assert "天水市" in report.problems[0].message_zh
    assert "北京市朝阳区" in report.problems[1].message_zh
    assert "地区名称为空" in report.problems[3].message_zh
    assert "empty" in report.problems[3].message_en


def test_unmapped_columns_and_no_period():
    columns = [
        ColumnMap("A", "地区", None, 1.0, None, 1.0, "region"),
        ColumnMap("B", "序号", None, 1.0, None, 1.0, "ignored"),
        ColumnMap("G", "群众满意度", None, 0.0, None, 1.0, "unmapped"),
    ]
    rows = [ExtractedRow(3, "A3", "秦州区", "ok", "620502", "data")]
    report = validate(extraction([], rows=rows, columns=columns, period=None))
    assert codes(report) == [("unmapped_column", "G2"), ("no_period", None)]
    assert "群众满意度" in report.problems[0].message_zh


def test_every_problem_points_somewhere():
    data = (MESSY / "duplicate_conflict.xlsx").read_bytes()
    from etl.extract import extract_file

    report = validate(extract_file(data, "duplicate_conflict.xlsx"))
    assert report.problems
    for p in report.problems:
        assert p.file == "duplicate_conflict.xlsx" and p.sheet and p.cell
        assert p.region and p.indicator
