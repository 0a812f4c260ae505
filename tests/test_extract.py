"""One test per messy fixture: the exact facts, the column mapping, or the problem and its cell."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from etl.extract import extract_file, find_region_context
from etl.headers import match_header
from etl.template import TEMPLATE_MARKER, write_template
from etl.validate import validate
from lawstats.domain.catalog import load_catalog
from lawstats.domain.periods import Period
from lawstats.domain.regions import load_regions

MESSY = Path(__file__).parent / "data" / "messy"
TIANSHUI = ["620502", "620503", "620521", "620522", "620523", "620524", "620525"]
DINGXI = ["621102", "621121", "621122", "621123", "621124", "621125", "621126"]
CASES = [3120, 2980, 1350, 1790, 1880, 1260, 907]
Y2024 = Period.year(2024)
BASE_MAPPING = {
    "B": "mediation_orgs",
    "C": "mediators",
    "D": "mediation_cases",
    "E": "mediation_success",
    "F": "mediation_success_rate",
}


def run(name: str, **kw):
    ex = extract_file((MESSY / name).read_bytes(), name, **kw)
    return ex, validate(ex)


def by_cell(ex, sheet: str | None = None):
    return {f.cell: f for f in ex.facts if sheet is None or f.sheet == sheet}


def mapping(table) -> dict[str, str]:
    return {c.col_letter: c.indicator_code for c in table.columns if c.indicator_code}


def problems(report) -> set[tuple[str, str | None]]:
    return {(p.code, p.address) for p in report.problems}


def values(ex, indicator: str, kind: str = "data") -> dict[str, float | None]:
    return {
        f.region_code: f.value
        for f in ex.facts
        if f.indicator_code == indicator and f.row_kind == kind
    }


# --- layouts --------------------------------------------------------------------------------


def test_wide_simple():
    ex, report = run("wide_simple.xlsx")
    (table,) = ex.tables
    assert (table.layout, table.sheet, table.header_rows) == ("wide", "Sheet1", [2])
    assert (table.period, table.period_source) == (Y2024, "title")
    assert (table.context_code, table.context_source) == ("620500", "title")
    assert mapping(table) == BASE_MAPPING
    assert table.confidence >= 0.9
    assert len(ex.facts) == 8 * 5
    assert values(ex, "mediation_cases") == dict(zip(TIANSHUI, CASES, strict=True))
    total = by_cell(ex)["D10"]
    assert (total.row_kind, total.region_code, total.value) == ("total", "620500", 13287.0)
    assert by_cell(ex)["F10"].value == 98.6 and by_cell(ex)["F10"].is_reported_rate
    assert not by_cell(ex)["D3"].is_reported_rate
    assert all(f.period == Y2024 and f.status == "ok" for f in ex.facts)
    assert report.ok and report.problems == []
    assert len(ex.sha256) == 64 and ex.format == "xlsx"


def test_merged_headers_2level():
    ex, report = run("merged_headers_2level.xlsx")
    (table,) = ex.tables
    assert table.header_rows == [3, 4]
    assert mapping(table) == {
        "B": "mediation_orgs",
        "C": "mediation_orgs_sector",
        "D": "mediation_cases",
        "E": "mediation_success",
        "F": "mediation_success_rate",
    }
    headers = {c.col_letter: c.header_text for c in table.columns}
    assert headers["E"] == "调解纠纷 › 成功"
    assert table.period == Period.month_range(2024, 1, 6)
    assert table.context_code == "620500"
    assert by_cell(ex)["D5"].value == 1560.0  # 秦州区 3120 // 2
    assert by_cell(ex)["D12"].row_kind == "total"
    assert report.ok and report.problems == []


def test_merged_headers_3level():
    ex, report = run("merged_headers_3level.xlsx")
    (table,) = ex.tables
    assert table.header_rows == [3, 4, 5]
    assert mapping(table) == {
        "B": "mediation_orgs",
        "C": "mediation_orgs_sector",
        "D": "disputes_screened",
        "E": "mediation_success",
        "F": "mediation_success_rate",
    }
    assert (table.period, table.context_code) == (Period.year(2023), "621100")
    assert values(ex, "mediation_orgs", "total") == {"621100": 2172.0}
    assert values(ex, "disputes_screened", "total") == {"621100": 2607.0}
    assert set(values(ex, "mediation_orgs")) == set(DINGXI)
    assert not any(f.cell.endswith("14") for f in ex.facts)  # 填表人 row is a footer
    assert report.ok and report.problems == []


def test_long_layout():
    ex, report = run("long_layout.csv")
    (table,) = ex.tables
    assert table.layout == "long" and table.period_source == "column"
    assert table.context_code == "620500" and table.context_source == "rows"
    q1, h1 = Period.month_range(2024, 1, 3), Period.month_range(2024, 1, 6)
    got = {(f.region_code, f.period, f.indicator_code): f.value for f in ex.facts}
    assert got[("620502", q1, "mediation_cases")] == 780.0
    assert got[("620502", h1, "mediation_cases")] == 1560.0
    assert got[("620521", h1, "mediation_success")] == 665.0
    assert got[("620502", h1, "mediation_funding")] == 294.17
    assert len(ex.facts) == 13
    assert problems(report) == {("unmapped_indicator", "long_layout!C15")}
    assert report.ok


def test_matrix_nbs_gbk():
    ex, report = run("matrix_nbs_gbk.csv")
    (table,) = ex.tables
    assert (table.layout, table.indicator_code, table.period_source) == (
        "matrix",
        "mediation_cases",
        "column",
    )
    assert table.context_code == "620500"
    assert "数据来源：国家统计局" in table.notes
    got = {(f.region_code, f.period.start.year): f for f in ex.facts}
    assert len(got) == 21
    assert got[("620502", 2024)].value == 3120.0 and got[("620502", 2024)].cell == "B5"
    assert got[("620502", 2023)].value == 2902.0
    assert got[("620525", 2022)].is_not_reported and got[("620525", 2022)].value is None
    assert all(f.period in {Period.year(y) for y in (2022, 2023, 2024)} for f in ex.facts)
    assert report.ok and report.problems == []


def test_matrix_nbs_xls():
    ex, report = run("matrix_nbs.xls")
    (table,) = ex.tables
    assert ex.format == "xls" and table.layout == "matrix"
    assert table.indicator_code == "mediation_orgs"
    got = {(f.region_code, f.period.start.year): f.value for f in ex.facts}
    assert got[("620500", 2024)] == 2260.0
    assert got[("621100", 2023)] == 2172.0
    assert got[("350500", 2022)] is None
    assert len(ex.facts) == 15
    assert report.ok


def test_forced_layout_is_used():
    ex, _ = run("wide_simple.xlsx", layout="wide")
    assert ex.tables[0].layout == "wide"
    ex, report = run("wide_simple.xlsx", layout="long")  # no 指标/数值 columns: nothing to read
    assert ex.facts == [] and "no_table" in report.codes()


# --- encodings and file types ----------------------------------------------------------------


def test_utf8_bom_csv():
    ex, report = run("utf8_bom.csv")
    assert ex.format == "csv" and len(ex.facts) == 35
    assert values(ex, "mediation_cases") == dict(zip(TIANSHUI, CASES, strict=True))
    assert report.ok and report.problems == []


def test_gbk_tiny_csv():
    ex, report = run("gbk_tiny.csv", period="2024年")
    (fact,) = ex.facts
    assert (fact.region_code, fact.indicator_code, fact.value, fact.cell) == (
        "620502",
        "mediation_cases",
        3120.0,
        "B2",
    )
    assert ex.tables[0].period_source == "option"
    assert report.ok


def test_gb18030_csv():
    ex, report = run("gb18030.csv")
    assert values(ex, "mediation_cases") == dict(zip(TIANSHUI, CASES, strict=True))
    assert ex.tables[0].notes and "𠮷" in ex.tables[0].notes[0]
    assert report.ok and report.problems == []


def test_xlsm_with_macro():
    ex, report = run("xlsm_with_macro.xlsm")
    assert ex.format == "xlsm" and len(ex.facts) == 35 and report.ok


@pytest.mark.parametrize(
    "name, code",
    [
        ("empty.xlsx", "empty_file"),
        ("not_a_spreadsheet.xlsx", "unsupported_type"),
        ("zip_bomb.xlsx", "file_too_large"),
    ],
)
def test_unreadable_files(name, code):
    ex, report = run(name)
    assert ex.facts == [] and ex.tables == []
    assert report.codes() == [code] and not report.ok


def test_text_without_a_table():
    data = "这是一份说明文字\n没有任何表格\n".encode()
    ex = extract_file(data, "说明.csv")
    assert ex.report.codes() == ["no_table"]


# --- rows, footers, units, numbers -----------------------------------------------------------


def test_title_unit_footer_rows():
    ex, report = run("title_unit_footer_rows.xlsx")
    (table,) = ex.tables
    assert table.header_rows == [4]
    funding = next(c for c in table.columns if c.indicator_code == "mediation_funding")
    assert (funding.unit, funding.multiplier) == ("元", 0.0001)  # from "单位：件、人、元"
    assert by_cell(ex)["E5"].value == 61.2  # 612000 元 = 61.2 万元
    assert by_cell(ex)["B12"].row_kind == "total"
    assert {f.cell[1:] for f in ex.facts} == {str(r) for r in range(5, 13)}
    assert any(n.startswith("填表人") for n in table.notes)
    assert any("张家川" in n for n in table.notes)  # the U+3000 continuation line
    assert report.ok and report.problems == []


def test_totals_row_mismatch():
    _, report = run("totals_row_mismatch.xlsx")
    assert problems(report) == {("total_mismatch", "Sheet1!C10")}
    (p,) = report.problems
    assert "7300" in p.message_zh and "7400" in p.message_zh
    assert p.region == "620500" and p.indicator == "mediators"


def test_numbers_as_text():
    ex, report = run("numbers_as_text.xlsx")
    cells = by_cell(ex)
    expected = {
        "B3": (3120.0, False),
        "B4": (2980.0, False),
        "B5": (1350.0, False),
        "C3": (98.7, False),
        "C4": (98.7, False),
        "C5": (98.5, False),
        "D3": (21000.0, False),
        "D4": (18000.0, False),
        "E3": (4000.0, True),
        "E4": (3000.0, True),
        "E5": (1200.0, True),
    }
    for cell, (value, approx) in expected.items():
        assert (cells[cell].value, cells[cell].is_approximate) == (value, approx), cell
    assert {p.code for p in report.problems} == {"approximate_value"}
    assert {p.cell for p in report.problems} == {"E3", "E4", "E5"}


def test_dashes_and_blanks_are_not_reported_never_zero():
    ex, report = run("dashes_blank_not_reported.xlsx")
    cells = by_cell(ex)
    for cell in ("B3", "B4", "B5", "B6", "B7", "B9"):
        assert cells[cell].is_not_reported and cells[cell].value is None, cell
        assert cells[cell].status == "not_reported"
    assert cells["B8"].value == 0.0 and not cells["B8"].is_not_reported
    assert report.ok and report.problems == []


def test_excel_error_cells():
    ex, report = run("excel_error_cells.xlsx")
    assert by_cell(ex)["F4"].status == "error" and by_cell(ex)["F4"].raw == "#DIV/0!"
    assert problems(report) == {
        ("excel_error_cell", "Sheet1!F4"),
        ("excel_error_cell", "Sheet1!C7"),
    }


def test_formulas_cached_values():
    ex, report = run("formulas_cached.xlsx")
    assert values(ex, "mediation_cases", "total") == {"620500": 13287.0}
    assert values(ex, "mediation_success_rate", "total") == {"620500": 98.6}
    assert report.ok and report.problems == []


def test_traditional_chars_pinyin():
    ex, report = run("traditional_chars_pinyin.xlsx")
    (table,) = ex.tables
    # 鄉鎮人民調解組織 is a part of all organisations, never all of them; nor is it the
    # catalog's 乡镇(街道) committees, which count the streets' too (#17): not loaded, said so
    assert mapping(table) == {"C": "mediation_cases", "D": "mediation_success"}
    assert (table.period, table.context_code) == (Period.year(2023), "621100")
    assert not values(ex, "mediation_orgs")
    assert [(p.code, p.cell) for p in report.problems] == [("unmapped_column", "B2")]
    assert "“乡镇”" in report.problems[0].message_zh
    assert values(ex, "mediation_cases")["621124"] == 455.0  # 臨洮縣
    assert report.ok


def test_region_name_variants():
    ex, report = run("region_name_variants.xlsx")
    (table,) = ex.tables
    assert [r.region_code for r in table.rows] == TIANSHUI
    assert (table.context_code, table.context_source) == ("620500", "rows")
    assert report.ok and report.problems == []


def test_unit_conversion():
    ex, report = run("unit_conversion_wanjian.xlsx")
    cells = by_cell(ex)
    assert cells["B3"].value == 3120.0  # 0.312 万件
    assert cells["C3"].value == 61.2  # 612000 元 -> 万元
    assert cells["D4"].value == 98.0  # 980 千元 -> 万元
    cols = {c.col_letter: (c.unit, c.multiplier) for c in ex.tables[0].columns}
    assert cols["B"] == ("万件", 10000.0) and cols["C"] == ("元", 0.0001)
    assert report.ok and report.problems == []


def test_percent_formatted_fraction():
    ex, report = run("percent_formatted_fraction.xlsx")
    rates = values(ex, "mediation_success_rate")
    assert rates["620502"] == 98.7 and rates["620525"] == 98.3
    assert problems(report) == {("fraction_rate_scaled", "Sheet1!F2")}
    assert report.ok


# --- value defects: each fixture carries exactly one ---------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("not_a_number.xlsx", {("not_a_number", "Sheet1!D7")}),
        ("negative_count.xlsx", {("negative_count", "Sheet1!C5")}),
        ("rate_out_of_range.xlsx", {("rate_out_of_range", "Sheet1!F6")}),
        ("success_above_cases.xlsx", {("numerator_above_denominator", "Sheet1!E3")}),
        ("non_integer_count.xlsx", {("non_integer_count", "Sheet1!C8")}),
        ("rate_inconsistent.xlsx", {("rate_inconsistent", "Sheet1!F4")}),
        ("sector_above_total.xlsx", {("part_above_whole", "Sheet1!C4")}),
        ("unmapped_column.xlsx", {("unmapped_column", "Sheet1!G2")}),
    ],
)
def test_value_defects(name, expected):
    ex, report = run(name)
    assert problems(report) == expected
    (p,) = report.problems
    assert p.file == name and p.sheet == "Sheet1"
    if p.code != "unmapped_column":
        assert p.indicator and p.region


def test_duplicate_conflict():
    ex, report = run("duplicate_conflict.xlsx")
    errors = {(p.code, p.address) for p in report.errors}
    assert errors == {
        ("duplicate_conflict", "Sheet1!D10"),  # 秦州区 3150 vs 3120
        ("duplicate_conflict", "Sheet1!F10"),  # 97.8 vs 98.7
    }
    same = {p.cell for p in report.warnings if p.code == "duplicate_same_value"}
    assert same == {"B10", "C10", "E10", "B11", "C11", "D11", "E11", "F11"}
    conflict = next(p for p in report.errors if p.cell == "D10")
    assert "D3" in conflict.message_zh and "3150" in conflict.message_zh


# --- regions and periods ---------------------------------------------------------------------


def test_unknown_region():
    ex, report = run("unknown_region.xlsx")
    assert problems(report) == {("unknown_region", "Sheet1!A6")}
    (p,) = report.problems
    assert p.region == "天水经济技术开发区" and "天水经济技术开发区" in p.message_zh
    assert all(f.region_code is None for f in ex.facts if f.cell.endswith("6"))


def test_ambiguous_region():
    _, report = run("ambiguous_region.xlsx")
    assert problems(report) == {
        ("ambiguous_region", "Sheet1!A3"),
        ("ambiguous_region", "Sheet1!A4"),
    }
    assert "北京市朝阳区" in report.problems[0].message_zh


def test_context_option_settles_a_namesake():
    ex, report = run("ambiguous_region.xlsx", context="北京市")
    assert ex.tables[0].rows[0].region_code == "110105"
    assert ex.tables[0].context_source == "option"
    assert problems(report) == {("ambiguous_region", "Sheet1!A4")}  # 鼓楼区 is not in Beijing


def test_region_outside_context():
    ex, report = run("wide_simple.xlsx", context="621100")  # the file is about 天水, not 定西
    codes = {p.code for p in report.problems}
    assert "region_outside_context" in codes
    assert ("region_outside_context", "Sheet1!A3") in problems(report)


def test_no_period():
    ex, report = run("no_period.xlsx")
    assert ex.tables[0].period is None
    assert problems(report) == {("no_period", "Sheet1")}
    ex, report = run("no_period.xlsx", period="2024年1-6月")
    assert ex.tables[0].period_source == "option"
    assert all(f.period == Period.month_range(2024, 1, 6) for f in ex.facts)
    assert report.ok


def test_period_option_wins_over_the_title():
    ex, _ = run("wide_simple.xlsx", period=Period.month_range(2024, 1, 6))
    assert ex.tables[0].period_source == "option"
    assert {f.period for f in ex.facts} == {Period.month_range(2024, 1, 6)}


def test_bad_period_option():
    _, report = run("wide_simple.xlsx", period="明年")
    assert "bad_period" in report.codes()


def test_multi_sheet():
    ex, report = run("multi_sheet.xlsx")
    assert [t.sheet for t in ex.tables] == ["2024年1-3月", "2024年1-6月"]  # 填报说明 skipped
    assert [t.period_source for t in ex.tables] == ["sheet", "sheet"]
    q1 = by_cell(ex, "2024年1-3月")["D2"]
    h1 = by_cell(ex, "2024年1-6月")["D2"]
    assert (q1.period, q1.value) == (Period.month_range(2024, 1, 3), 780.0)
    assert (h1.period, h1.value) == (Period.month_range(2024, 1, 6), 1560.0)
    assert len(ex.facts) == 70
    assert report.ok and report.problems == []


def test_find_region_context():
    regions = load_regions()
    assert find_region_context(["2024年1-6月天水市人民调解工作情况统计表"], regions) == "620500"
    assert find_region_context(["甘肃省天水市2024年报表"], regions) == "620500"
    assert find_region_context(["秦州区司法局报表"], regions) == "620500"
    assert find_region_context(["定西2023年"], regions) == "621100"
    assert find_region_context(["人民调解工作情况统计表"], regions) is None


# --- header matching -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, code",
    [
        ("行业性专业性调解组织", "mediation_orgs_sector"),
        ("调解组织", "mediation_orgs"),
        ("调解成功率", "mediation_success_rate"),
        ("调解成功", "mediation_success"),
        (["调解纠纷", "成功"], "mediation_success"),
        (["调解纠纷", "件数"], "mediation_cases"),
        (["调解纠纷", "成功率"], "mediation_success_rate"),
        (["调解组织", "个数"], "mediation_orgs"),
        (["调解组织", "行业性专业性"], "mediation_orgs_sector"),
        (["人民调解", "调解纠纷", "调处成功"], "mediation_success"),
        ("調解成功率", "mediation_success_rate"),
        ("調解(tiáo jiě)糾紛（件）", "mediation_cases"),
        ("专职人民调解员", "mediators_fulltime"),
        ("人民调解员（人）", "mediators"),
        ("刑满释放人员衔接率", "released_handover_rate"),
        ("业务用房120㎡以上司法所数（个）", "office_over_120sqm"),
        ("司法所业务用房总面积（平方米）", "office_floor_area"),
        ("其中：成功", None),
        ("行政复议办结率", None),  # a rate never maps to a count
        ("调解员等级一级", None),
        ("群众满意度", None),
        ("序号", None),
    ],
)
def test_match_header(header, code):
    assert match_header(header, load_catalog()).indicator_code == code


def test_match_header_units():
    catalog = load_catalog()
    m = match_header("调解纠纷（万件）", catalog)
    assert (m.indicator_code, m.unit, m.multiplier) == ("mediation_cases", "万件", 10000.0)
    m = match_header("调解经费(元)", catalog)
    assert (m.indicator_code, m.multiplier) == ("mediation_funding", 0.0001)
    m = match_header("调解纠纷（人）", catalog)  # an incompatible unit never maps (#17)
    assert m.indicator_code is None and m.status == "unmapped" and "“人”" in m.reason_zh


def test_extra_spellings_from_analysts():
    catalog = load_catalog()
    assert match_header("化解矛盾", catalog).indicator_code is None
    learned = {"化解矛盾": "mediation_cases"}
    assert match_header("化解矛盾（件）", catalog, extra_spellings=learned).indicator_code == (
        "mediation_cases"
    )
    data = (MESSY / "unmapped_column.xlsx").read_bytes()
    ex = extract_file(data, "x.xlsx", extra_spellings={"群众满意度": "mediation_success_rate"})
    assert any(c.col_letter == "G" and c.indicator_code for c in ex.tables[0].columns)


# --- the product's own template --------------------------------------------------------------


def _filled_template(drop_meta: bool = False) -> tuple[bytes, dict]:
    buf = io.BytesIO()
    catalog, regions = load_catalog(), load_regions()
    write_template(buf, city_code="620500", period="2024年", region_table=regions, catalog=catalog)
    wb = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    assert wb["_meta"]["A1"].value == TEMPLATE_MARKER and wb["_meta"].sheet_state == "hidden"
    ws = wb["填报表"]
    header = {ws.cell(3, c).value: c for c in range(1, ws.max_column + 1)}
    expected = {}
    for i, code in enumerate(TIANSHUI):
        row = 4 + i
        assert ws.cell(row, 2).value == code
        filled = {
            "调解矛盾纠纷件数（件）": CASES[i],
            "调解成功件数（件）": CASES[i] - 20,
            "调解经费（万元）": 30.5 + i,
            "调解成功率（%）": round((CASES[i] - 20) / CASES[i] * 100, 1),
        }
        for head, value in filled.items():
            ws.cell(row, header[head]).value = value
        expected[code] = filled
    if drop_meta:
        del wb["_meta"]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), expected


@pytest.mark.parametrize("drop_meta", [False, True])
def test_template_round_trip(drop_meta):
    data, expected = _filled_template(drop_meta)
    ex = extract_file(data, "天水市2024年报表.xlsx")
    report = validate(ex)
    assert report.ok and report.problems == []
    (table,) = ex.tables
    assert table.layout == ("wide" if drop_meta else "template")
    assert table.period == Y2024 and table.context_code == "620500"
    names = {
        "调解矛盾纠纷件数（件）": "mediation_cases",
        "调解成功件数（件）": "mediation_success",
        "调解经费（万元）": "mediation_funding",
        "调解成功率（%）": "mediation_success_rate",
    }
    got = {(f.region_code, f.indicator_code): f.value for f in ex.facts if not f.is_not_reported}
    want = {
        (code, names[head]): float(value)
        for code, filled in expected.items()
        for head, value in filled.items()
    }
    assert got == want
    catalog_codes = {i.code for i in load_catalog() if i.group != "context"}
    assert {f.indicator_code for f in ex.facts} == catalog_codes
    assert all(f.period == Y2024 for f in ex.facts)


# --- smaller layouts written inline -----------------------------------------------------------


def extract_text(text: str, name: str = "表.csv", **kw):
    ex = extract_file(text.encode("utf-8"), name, **kw)
    return ex, validate(ex)


def test_wide_with_a_period_column_and_a_bad_period():
    ex, report = extract_text(
        "地区,月份,调解纠纷（件）\n秦州区,2024年1月,260\n秦州区,2024年2月,255\n秦州区,下个月,10\n"
    )
    (table,) = ex.tables
    assert table.layout == "wide" and table.period_source == "column"
    got = {f.period: f.value for f in ex.facts if f.period}
    assert got == {Period.month(2024, 1): 260.0, Period.month(2024, 2): 255.0}
    assert ("bad_period", "表!B4") in problems(report)


def test_units_row_under_the_header():
    ex, report = extract_text(
        "2024年天水市调解统计\n地区,调解纠纷,调解经费\n,件,元\n秦州区,3120,612000\n麦积区,2980,588000\n"
    )
    (table,) = ex.tables
    assert table.header_rows == [2, 3]
    assert values(ex, "mediation_funding") == {"620502": 61.2, "620503": 58.8}
    assert report.ok


def test_layout_uncertain_when_little_is_recognised():
    ex, report = extract_text(
        "2024年统计\n名单,调解纠纷,调解成功,评分\n张三,100,9,8\n李四,90,8,7\n王五,80,7,6\n"
    )
    assert ex.tables[0].confidence < 0.6
    assert "layout_uncertain" in report.codes()
    assert report.codes().count("unknown_region") == 3


def test_columns_without_header_but_with_data_are_reported():
    ex, report = extract_text("2024年天水市\n地区,调解纠纷,\n秦州区,3120,7\n麦积区,2980,8\n")
    assert ("unmapped_column", "表!C2") in problems(report)


def test_a_county_reporting_its_own_figures_without_a_region_column():
    ex, report = extract_text(
        "2024年1-6月秦州区人民调解工作情况\n调解纠纷（件）,调解成功（件）\n1560,1540\n",
        name="报表.csv",
    )
    got = {(f.region_code, f.indicator_code): f.value for f in ex.facts}
    assert got == {("620502", "mediation_cases"): 1560.0, ("620502", "mediation_success"): 1540.0}
    assert ex.tables[0].context_code == "620500"
    assert report.ok


def test_namesakes_settled_by_the_level_of_the_other_rows():
    ex, report = extract_text(
        "2024年\n地区,调解纠纷\n天水,100\n定西,90\n渭南,80\n吕梁,70\n南昌,60\n"
    )
    assert [r.region_code for r in ex.tables[0].rows][-1] == "360100"  # 南昌市, not 南昌县
    assert report.ok


def test_column_number_row_of_a_statistical_form():
    ex, report = extract_text(
        "2024年天水市\n地区,调解纠纷,调解成功\n甲,1,2\n秦州区,3120,3080\n麦积区,2980,2940\n"
    )
    assert ex.tables[0].header_rows == [2, 3]
    assert values(ex, "mediation_cases") == {"620502": 3120.0, "620503": 2980.0}
    assert report.ok and report.problems == []


def test_merged_headers_in_legacy_xls():
    ex, report = run("merged_headers_2level.xls")
    (table,) = ex.tables
    assert ex.format == "xls" and table.header_rows == [3, 4]
    assert mapping(table) == {
        "B": "mediation_orgs",
        "C": "mediation_orgs_sector",
        "D": "mediation_cases",
        "E": "mediation_success",
        "F": "mediation_success_rate",
    }
    assert by_cell(ex)["D5"].value == 1560.0
    assert report.ok and report.problems == []


def test_long_layout_row_without_a_period():
    ex, report = extract_text(
        "地区,时间,指标,数值\n秦州区,2024年,调解纠纷,3120\n麦积区,,调解纠纷,2980\n"
    )
    assert ("bad_period", "表!B3") in problems(report)
    assert not report.ok
    ex, report = extract_text(
        "地区,时间,指标,数值\n秦州区,2024年,调解纠纷,3120\n麦积区,,调解纠纷,2980\n", period="2024年"
    )
    assert report.ok and {f.period for f in ex.facts} == {Y2024}
