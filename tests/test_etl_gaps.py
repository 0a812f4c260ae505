"""Issue #3 gaps: several tables in one sheet, hidden sheets, 上年同期/同比 columns, zip bombs
that lie about their sizes. Fixtures: tests/data/make_messy.py."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from etl.extract import extract_file
from etl.headers import comparison_header
from etl.load import load_bytes
from etl.read_limits import ReadLimits
from etl.readers import ReadError, _read_calamine, read_workbook
from etl.validate import check_previous_year_columns, validate
from lawstats.domain.periods import Period
from lawstats.domain.regions import load_regions
from lawstats.store import connect, read_frame
from tests.data.make_messy import patch_declared_size, rezip

MESSY = Path(__file__).parent / "data" / "messy"
TIANSHUI = ["620502", "620503", "620521", "620522", "620523", "620524", "620525"]
H1 = Period.month_range(2024, 1, 6)


def run(name: str, **kw):
    ex = extract_file((MESSY / name).read_bytes(), name, **kw)
    return ex, validate(ex)


def problems(report) -> set[tuple[str, str | None]]:
    return {(p.code, p.address) for p in report.problems}


def cells(ex) -> dict[str, object]:
    return {f.address: f for f in ex.facts}


def mapping(table) -> dict[str, str]:
    return {c.col_letter: c.indicator_code for c in table.columns if c.indicator_code}


def compared(table) -> dict[str, str]:
    """Comparison column -> the indicator it compares."""
    return {c.col_letter: c.compares for c in table.columns if c.role == "comparison"}


def snapshot(engine) -> tuple:
    with connect(engine) as conn:
        f = read_frame(conn, sa.text("SELECT * FROM facts ORDER BY id"))
        b = read_frame(conn, sa.text("SELECT id, status FROM batches ORDER BY id"))
    return f.to_json(date_format="iso"), b.to_json()


def xlsx(rows: list[list], title: str = "2024年1-6月天水市人民调解工作情况统计表") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append([title])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- 1. several tables in one sheet ---------------------------------------------------------


def test_stacked_tables_each_with_its_own_header_title_and_cells():
    ex, report = run("stacked_tables.xlsx")
    first, second, third, fourth = ex.tables
    assert all(t.sheet == "汇总" and t.layout == "wide" for t in ex.tables)
    assert [t.header_rows for t in ex.tables] == [[4], [15], [26, 27], [39]]
    assert mapping(first) == {
        "B": "mediation_orgs",
        "C": "mediators",
        "D": "mediation_cases",
        "E": "mediation_success",
        "F": "mediation_success_rate",
    }
    assert mapping(second) == {"B": "legal_aid_cases", "C": "law_ambassadors"}
    assert mapping(third) == {"B": "released_total", "C": "released_handed_over"}
    # 表四: community correction is in the catalog's second edition (在册 a stock, 新接收 a flow)
    assert mapping(fourth) == {"B": "cc_enrolled", "C": "cc_received"}
    assert [r.row for r in fourth.rows] == list(range(40, 47))
    # the period from each table's own title, else from the title above the sheet's first table
    assert (first.period, first.period_source) == (Period.year(2024), "title")
    assert (second.period, second.period_source) == (H1, "title")
    assert (third.period, third.period_source) == (Period.year(2024), "sheet_title")
    assert {t.context_code for t in ex.tables} == {"620500"}
    assert [r.row for r in second.rows] == list(range(16, 23))
    assert second.notes == ["填表人：张敏 审核人：刘洋"]  # its footer, not the next table's title
    assert third.title_lines == ["表三 安置帮教工作情况"]
    by = cells(ex)
    assert (by["汇总!D5"].indicator_code, by["汇总!D5"].value) == ("mediation_cases", 3120.0)
    aid = by["汇总!B16"]
    assert (aid.indicator_code, aid.region_code, aid.value, aid.period) == (
        "legal_aid_cases",
        "620502",
        412.0,
        H1,
    )
    handed = by["汇总!C34"]
    assert (handed.indicator_code, handed.region_code, handed.value) == (
        "released_handed_over",
        "620525",
        26.0,
    )
    # nothing of 表二/表三/表四 is read under 表一's columns
    assert all(int(f.cell[1:]) <= 12 for f in ex.facts if f.indicator_code == "mediation_orgs")
    assert len(ex.facts) == 8 * 5 + 7 * 2 + 8 * 2 + 7 * 2
    # 表三's 合计 against 表三's rows only; 表一's (row 12) adds up
    assert problems(report) == {("total_mismatch", "汇总!C35")}
    assert report.ok


def test_side_by_side_tables_follow_their_own_region_column():
    ex, report = run("side_by_side_tables.xlsx")
    left, right = ex.tables
    assert mapping(left) == {"B": "mediation_cases", "C": "mediation_success"}
    assert mapping(right) == {"F": "legal_aid_cases"}
    assert (right.period, right.context_code) == (Period.year(2024), "620500")
    by = cells(ex)
    assert (by["Sheet1!F3"].region_code, by["Sheet1!F3"].value) == ("620525", 119.0)
    assert (by["Sheet1!F9"].region_code, by["Sheet1!F9"].value) == ("620502", 412.0)
    assert (by["Sheet1!B3"].region_code, by["Sheet1!B3"].value) == ("620502", 3120.0)
    assert len(ex.facts) == 7 * 3
    assert report.ok and report.problems == []


def test_stacked_tables_load_with_cell_references(engine):
    res = load_bytes(engine, (MESSY / "stacked_tables.xlsx").read_bytes(), "stacked_tables.xlsx")
    assert res.status == "loaded", [p.to_dict() for p in res.report.errors]
    # totals rows are checked, not stored
    assert res.facts_written == 7 * 5 + 7 * 2 + 7 * 2 + 7 * 2
    with connect(engine) as conn:
        ref = conn.execute(
            sa.text(
                "SELECT source_ref FROM facts WHERE is_current AND region_code = '620502' "
                "AND indicator_code = 'legal_aid_cases'"
            )
        ).scalar_one()
    assert ref == "汇总!B16"


def test_a_repeated_header_continues_the_same_table():
    """A header printed again (a page break) is skipped, as before: one table, every row."""
    header = ["地区", "调解纠纷（件）", "调解成功（件）"]
    rows = [header, ["秦州区", 1560, 1539], ["麦积区", 1490, 1469], [], header]
    rows += [["清水县", 675, 664], ["秦安县", 895, 881]]
    ex = extract_file(xlsx(rows), "page_break.xlsx")
    (table,) = ex.tables
    assert [r.row for r in table.rows] == [3, 4, 7, 8]
    assert validate(ex).problems == []


def test_a_county_whose_name_reads_like_a_header_word_is_data():
    """沙县区 (三明市) and 辉县市 end like 县区/县市: rows with figures are data, not headers."""
    regions = load_regions()
    sanming = regions.resolve("三明市").code
    names = [r.name for r in regions.children(sanming)]
    assert "沙县区" in names
    rows = [["地区", "调解纠纷（件）"], *([n, 100 + k] for k, n in enumerate(names))]
    ex = extract_file(xlsx(rows, title="2024年三明市人民调解工作情况统计表"), "sanming.xlsx")
    got = {f.region_text for f in ex.facts}
    assert "沙县区" in got and len(got) == len(names)


# --- 2. hidden sheets -------------------------------------------------------------------------


def test_hidden_sheet_with_a_table_is_reported_not_loaded():
    ex, report = run("hidden_sheets.xlsx")
    assert [t.sheet for t in ex.tables] == ["Sheet1"]
    assert {f.period for f in ex.facts} == {Period.year(2024)}
    # the drop-down list and the empty hidden sheet are quiet
    assert problems(report) == {("hidden_sheet_skipped", "2023年")}
    (p,) = report.problems
    assert p.severity == "warning"
    assert "2023年" in p.message_zh and "隐藏" in p.message_zh and "hidden" in p.message_en


def test_hidden_sheets_included_on_request():
    ex, report = run("hidden_sheets.xlsx", include_hidden=True)
    assert [t.sheet for t in ex.tables] == ["Sheet1", "2023年"]
    assert {f.period for f in ex.facts} == {Period.year(2024), Period.year(2023)}
    assert report.ok and report.problems == []


# --- 3. 上年同期 / 同比 columns -------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, kind, mode, rest",
    [
        ("上年同期", "previous", None, ""),
        ("去年同期（万元）", "previous", None, ""),
        ("上年同期调解案件数", "previous", None, "调解案件数"),
        ("同比(%)", "change", "pct", ""),
        ("同比增长%", "change", "pct", ""),
        ("调解纠纷同比增长%", "change", "pct", "调解纠纷"),
        ("比上年增减%", "change", "pct", ""),
        ("同比增减（件）", "change", "abs", ""),
        ("同比（百分点）", "change", "pp", ""),
        ("同比", "change", None, ""),
    ],
)
def test_comparison_headers(header, kind, mode, rest):
    found = comparison_header(header)
    assert (found.kind, found.mode, found.rest) == (kind, mode, rest)


@pytest.mark.parametrize("header", ["调解纠纷（件）", "人民调解员", "调解成功率（%）", "地区"])
def test_ordinary_headers_compare_nothing(header):
    assert comparison_header(header) is None


def test_comparison_columns_under_merged_headers():
    ex, report = run("comparison_columns.xlsx")
    (table,) = ex.tables
    assert mapping(table) == {
        "B": "mediation_cases",
        "E": "mediation_success",
        "H": "mediation_success_rate",
    }
    assert compared(table) == {
        "C": "mediation_cases",
        "D": "mediation_cases",
        "F": "mediation_success",
        "G": "mediation_success",
        "I": "mediation_success_rate",
        "J": "mediation_success_rate",
    }
    # stored: this period's figures only
    assert {f.cell[0] for f in ex.facts} == {"B", "E", "H"} and len(ex.facts) == 21
    assert all(f.period == H1 for f in ex.facts)
    # no longer unmapped; the one wrong 同比 is pointed at
    assert problems(report) == {("change_inconsistent", "Sheet1!D5")}
    (p,) = report.problems
    assert p.region == "620503" and p.indicator == "mediation_cases"
    assert "12" in p.message_zh and "6.28" in p.message_zh and "1490" in p.message_zh
    assert "year-on-year" in p.message_en
    kinds = {c.col_letter: (c.kind, c.current_col, c.previous_col) for c in table.comparisons}
    assert kinds["D"] == ("change", "B", "C") and kinds["C"] == ("previous", "B", None)
    assert kinds["J"] == ("change", "H", "I")
    notes = ex.comparison_notes()
    assert len(notes) == 6
    assert any("Sheet1!D" in n and "同比" in n and "核对7行" in n for n in notes)
    assert any("Sheet1!C" in n and "上年同期" in n and "不作为本期数据导入" in n for n in notes)
    assert any("year-on-year change" in n for n in ex.comparison_notes("en"))


def test_comparison_columns_with_flat_headers():
    ex, report = run("comparison_columns_flat.xlsx")
    (table,) = ex.tables
    assert mapping(table) == {"B": "mediation_cases", "E": "mediators"}
    assert compared(table) == {
        "C": "mediation_cases",
        "D": "mediation_cases",
        "F": "mediators",
        "G": "mediators",
    }
    assert len(ex.facts) == 14
    # whole percents are within their rounding; "下降3.6%" (D5) is read as -3.6 and agrees
    assert problems(report) == {("change_inconsistent", "Sheet1!G8")}
    d5 = next(c for c in table.comparisons if c.col_letter == "D").cells[2]
    assert (d5.cell, d5.value) == ("D5", -3.6)


def test_comparison_groups_spanning_several_indicators():
    """本期 | 上年同期 | 同比(%) as merged groups over the indicators (before: 上年同期 › 调解纠纷
    was read as this period's 调解纠纷 a second time)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2024年天水市人民调解工作情况统计表"])
    ws.append(["地区", "本期", None, "上年同期", None, "同比（%）", None])
    ws.append([None, *["调解纠纷（件）", "调解成功（件）"] * 2, "调解纠纷", "调解成功"])
    ws.append(["秦州区", 3120, 3080, 3000, 2950, 4.0, 4.4])
    ws.append(["麦积区", 2980, 2940, 2900, 2800, 2.8, 9.9])  # G5: 2940 / 2800 is +5.0%
    for ref in ("A2:A3", "B2:C2", "D2:E2", "F2:G2"):
        ws.merge_cells(ref)
    buf = io.BytesIO()
    wb.save(buf)
    ex = extract_file(buf.getvalue(), "groups.xlsx")
    (table,) = ex.tables
    assert mapping(table) == {"B": "mediation_cases", "C": "mediation_success"}
    pairs = {c.col_letter: (c.kind, c.current_col, c.previous_col) for c in table.comparisons}
    assert pairs == {
        "D": ("previous", "B", None),
        "E": ("previous", "C", None),
        "F": ("change", "B", "D"),
        "G": ("change", "C", "E"),
    }
    assert problems(validate(ex)) == {("change_inconsistent", "Sheet!G5")}


def test_change_columns_as_fractions_or_in_units():
    rows = [["地区", "调解纠纷（件）", "上年同期", "同比"]]
    rows += [["秦州区", 1560, 1480, 0.054], ["麦积区", 1490, 1402, 0.063]]
    rows += [["清水县", 675, 690, -0.022], ["秦安县", 895, 852, 0.15]]  # E: 0.05 is right
    ex = extract_file(xlsx(rows), "fractions.xlsx")
    assert problems(validate(ex)) == {("change_inconsistent", "Sheet1!D6")}
    rows = [["地区", "调解纠纷（件）", "上年同期", "增减"]]
    rows += [["秦州区", 1560, 1480, 80], ["麦积区", 1490, 1402, 88], ["清水县", 675, 690, 15]]
    ex = extract_file(xlsx(rows), "amounts.xlsx")
    assert problems(validate(ex)) == {("change_inconsistent", "Sheet1!D5")}


def test_previous_year_column_against_the_store(engine):
    stored = [1480, 1402, 690, 852, 902, 600, 400]  # 张家川: 400 stored, the file says 431
    rows = [["地区", "调解纠纷（件）"], *([n, v] for n, v in zip(COUNTIES, stored, strict=True))]
    first = load_bytes(
        engine, xlsx(rows, title="2023年1-6月天水市人民调解工作情况统计表"), "h1.xlsx"
    )
    assert first.status == "loaded"
    ex, _ = run("comparison_columns.xlsx")
    with connect(engine) as conn:
        found = check_previous_year_columns(conn, ex)
    assert {(p.code, p.address) for p in found} == {("previous_year_mismatch", "Sheet1!C10")}
    (p,) = found
    assert p.region == "620525" and "431" in p.message_zh and "400" in p.message_zh
    assert "2023年1-6月" in p.message_zh
    checked = {c.col_letter: c.stored_checked for c in ex.tables[0].comparisons}
    assert checked["C"] == 7 and checked["F"] == 0  # nothing stored for 调解成功
    assert any("已与已入库数据核对7行" in n for n in ex.comparison_notes())


COUNTIES = ["秦州区", "麦积区", "清水县", "秦安县", "甘谷县", "武山县", "张家川回族自治县"]


# --- 4. zip bombs that lie about their sizes --------------------------------------------------


@pytest.mark.parametrize(
    "name, words",
    [
        ("zip_size_lie.xlsx", ("超过其声明的2,073字节", "past its declared 2,073 bytes")),
        ("zip_ratio_bomb.xlsx", ("倍", "times its compressed size")),
    ],
)
def test_zip_bombs_are_refused_with_a_clear_problem(name, words):
    ex, report = run(name)
    (p,) = report.problems
    assert p.code == "unreadable_file" and p.severity == "error" and ex.facts == []
    assert "压缩炸弹" in p.message_zh and words[0] in p.message_zh
    assert "zip bomb" in p.message_en and words[1] in p.message_en
    assert "xl/worksheets/sheet1.xml" in p.message_en


def test_a_lying_zip_writes_nothing(engine):
    before = snapshot(engine)
    res = load_bytes(engine, (MESSY / "zip_size_lie.xlsx").read_bytes(), "zip_size_lie.xlsx")
    assert res.status == "refused" and res.exit_code == 2
    assert [p.code for p in res.problems] == ["unreadable_file"]
    assert snapshot(engine) == before


def test_a_lying_stored_member_is_refused():
    data = (MESSY / "wide_simple.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml")
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            out.writestr(info.filename, src.read(info.filename), zipfile.ZIP_STORED)
    lie = patch_declared_size(buf.getvalue(), "xl/worksheets/sheet1.xml", len(xml) // 2)
    with pytest.raises(ReadError) as caught:
        read_workbook(lie, "stored.xlsx")
    assert "zip bomb" in caught.value.problem.message_en
    assert read_workbook(rezip(data, {}), "honest.xlsx").sheets[0].cells[2][0] == "秦州区"


def test_calamine_stops_at_the_declared_size():
    """Why the real sizes may be measured while calamine parses (one pass, no extra time): its
    zip reader refuses a member that inflates past its declared size, so it never inflates more
    than the declared sizes, which are checked before either starts."""
    data = (MESSY / "zip_size_lie.xlsx").read_bytes()
    start = time.perf_counter()
    with pytest.raises(ReadError) as caught:
        _read_calamine(data, "zip_size_lie.xlsx", ReadLimits())
    assert "declared" in caught.value.problem.message_en
    assert time.perf_counter() - start < 5
