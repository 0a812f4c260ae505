"""The product's own reporting template: write it for a city and period, and recognise it when it comes back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import IO, Any

from etl.readers import Workbook, col_letter
from lawstats.domain.catalog import Catalog
from lawstats.domain.periods import Period, parse_period
from lawstats.domain.regions import RegionTable
from lawstats.domain.safecell import XLSX_OPTIONS

TEMPLATE_MARKER = "法治统计看板报表模板 v1"
META_SHEET = "_meta"
DATA_SHEET = "填报表"
GUIDE_SHEET = "填报说明"
REGION_HEADER = "地区"
CODE_HEADER = "地区代码"
HEADER_ROW = 3  # Excel row numbers
FIRST_DATA_ROW = 4
REGION_LIST_NAME = "region_list"
COUNT_UNITS = frozenset({"个", "件", "人", "人次", "次", "起"})


@dataclass
class TemplateMeta:
    """What the hidden _meta sheet of a filled template says about its data sheet."""

    city_code: str
    period: Period | None
    data_sheet: str
    header_row: int  # Excel row number
    first_data_row: int
    region_col: int  # zero-based
    code_col: int | None
    columns: dict[int, str] = field(default_factory=dict)  # zero-based column -> indicator code
    version: str = "1"


def header_text(name_zh: str, unit: str) -> str:
    """The template's header for an indicator: 调解矛盾纠纷件数（件）."""
    return f"{name_zh}（{unit}）"


def write_template(
    path_or_buffer: str | Any | IO[bytes],
    *,
    city_code: str,
    period: Period | str,
    region_table: RegionTable,
    catalog: Catalog,
    indicators: list[str] | None = None,
) -> None:
    """Write an .xlsx form for one city and period: its counties pre-filled, one column per indicator.

    The data sheet carries validation (whole numbers >= 0 for counts, 0-100 for rates, a
    drop-down of the city's county names); a 填报说明 sheet explains the rules; a hidden
    _meta sheet (A1 = TEMPLATE_MARKER) records city, period and column codes so that
    extract_file reads the form back exactly.
    """
    import xlsxwriter

    if not isinstance(period, Period):
        period = parse_period(period)
    city = region_table.get(city_code)
    counties = region_table.children(city.code, reporting_only=True)
    if indicators is None:
        chosen = [i for i in catalog if i.group != "context"]
    else:
        chosen = [catalog.get(code) for code in indicators]

    wb = xlsxwriter.Workbook(path_or_buffer, {"in_memory": True, **XLSX_OPTIONS})
    title_fmt = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    note_fmt = wb.add_format({"font_color": "#555555"})
    head_fmt = wb.add_format(
        {"bold": True, "text_wrap": True, "align": "center", "valign": "vcenter", "border": 1}
    )
    head_fmt.set_bg_color("#DDEBF7")
    name_fmt = wb.add_format({"border": 1})
    code_fmt = wb.add_format({"border": 1, "font_color": "#777777", "num_format": "@"})
    int_fmt = wb.add_format({"border": 1, "num_format": "0"})
    dec_fmt = wb.add_format({"border": 1, "num_format": "0.00"})
    pct_fmt = wb.add_format({"border": 1, "num_format": "0.0"})

    ws = wb.add_worksheet(DATA_SHEET)
    last_col = 1 + len(chosen)
    ws.merge_range(0, 0, 0, last_col, f"{period.label}{city.name}法治工作统计表", title_fmt)
    ws.merge_range(
        1,
        0,
        1,
        last_col,
        f"填报单位：{city.name}司法局　　统计期间：{period.label}　　"
        "不填报的项目请留空（不要填0），比率按百分数填写（如98.6）",
        note_fmt,
    )
    hr, first = HEADER_ROW - 1, FIRST_DATA_ROW - 1
    ws.write(hr, 0, REGION_HEADER, head_fmt)
    ws.write(hr, 1, CODE_HEADER, head_fmt)
    ws.set_row(hr, 45)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 10)
    ws.set_column(2, last_col, 14)
    last = first + len(counties) - 1
    for i, county in enumerate(counties):
        ws.write_string(first + i, 0, county.name, name_fmt)
        ws.write_string(first + i, 1, county.code, code_fmt)
    for j, ind in enumerate(chosen, start=2):
        ws.write(hr, j, header_text(ind.name_zh, ind.unit), head_fmt)
        if ind.unit == "%":
            fmt = pct_fmt
            rule = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100}
            hint = "请填写0到100之间的百分数，如98.6"
        elif ind.unit in COUNT_UNITS:
            fmt = int_fmt
            rule = {"validate": "integer", "criteria": ">=", "value": 0}
            hint = "请填写不小于0的整数"
        else:
            fmt = dec_fmt
            rule = {"validate": "decimal", "criteria": ">=", "value": 0}
            hint = f"请填写不小于0的数字（单位：{ind.unit}）"
        if counties:
            ws.set_column(j, j, 14, fmt)
            ws.data_validation(
                first,
                j,
                last,
                j,
                {**rule, "error_title": "数值无效", "error_message": hint, "input_message": hint},
            )
    if counties:
        ws.data_validation(
            first,
            0,
            last,
            0,
            {
                "validate": "list",
                "source": f"={REGION_LIST_NAME}",
                "error_title": "地区无效",
                "error_message": f"请从下拉列表中选择{city.name}的县区",
            },
        )
    ws.write(last + 2, 0, "填表人：　　　　　　审核人：　　　　　　填报日期：")
    ws.freeze_panes(first, 2)

    guide = wb.add_worksheet(GUIDE_SHEET)
    guide.set_column(0, 0, 28)
    guide.set_column(1, 1, 10)
    guide.set_column(2, 2, 80)
    rules = [
        "填报说明",
        f"1. 本表为{city.name}{period.label}法治工作统计表，请在“{DATA_SHEET}”工作表中按县区逐行填写。",
        "2. 不要修改表头、地区名称和地区代码，不要插入或删除列。",
        "3. 没有数据或不适用的项目请留空，不要填0；0表示确实为零。",
        "4. 数值只填数字，不要带单位、逗号或文字；比率按百分数填写（如98.6，不要填0.986）。",
        "5. 约数（如“4000余”）请填写整数4000，并在报送时说明。",
        "6. 人员、个数、件数等计数只能是不小于0的整数。",
        "",
    ]
    for i, line in enumerate(rules):
        guide.write(i, 0, line, title_fmt if i == 0 else None)
    guide.write_row(len(rules), 0, ["指标", "单位", "口径"], head_fmt)
    for i, ind in enumerate(chosen, start=len(rules) + 1):
        guide.write_row(i, 0, [ind.name_zh, ind.unit, ind.definition_zh])

    meta = wb.add_worksheet(META_SHEET)
    meta_rows: list[tuple[str, Any]] = [
        ("version", "1"),
        ("city_code", city.code),
        ("city_name", city.name),
        ("period", period.label),
        ("period_start", period.start.isoformat()),
        ("period_end", period.end.isoformat()),
        ("data_sheet", DATA_SHEET),
        ("header_row", HEADER_ROW),
        ("first_data_row", FIRST_DATA_ROW),
        ("region_col", "A"),
        ("code_col", "B"),
    ]
    meta_rows += [(f"col:{col_letter(j)}", ind.code) for j, ind in enumerate(chosen, start=2)]
    meta.write_string(0, 0, TEMPLATE_MARKER)
    for i, (key, value) in enumerate(meta_rows, start=1):
        meta.write_string(i, 0, key)
        meta.write_string(i, 1, str(value))
    for i, county in enumerate(counties, start=1):
        meta.write_string(i, 3, county.name)
    if counties:
        wb.define_name(REGION_LIST_NAME, f"='{META_SHEET}'!$D$2:$D${len(counties) + 1}")
    meta.hide()
    wb.close()


def _letters_to_index(letters: str) -> int | None:
    letters = letters.strip().upper()
    if not letters.isalpha() or not letters.isascii():
        return None
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _meta_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v).strip()


def read_template_meta(book: Workbook) -> TemplateMeta | None:
    """The template description of a workbook written by write_template, or None for any other file."""
    sheet = book.sheet(META_SHEET)
    if sheet is None or not sheet.cells or not sheet.cells[0]:
        return None
    if _meta_text(sheet.cells[0][0]) != TEMPLATE_MARKER:
        return None
    values: dict[str, str] = {}
    for row in sheet.cells[1:]:
        if len(row) >= 2 and _meta_text(row[0]):
            values[_meta_text(row[0])] = _meta_text(row[1])
    try:
        period = Period(
            dt.date.fromisoformat(values["period_start"]),
            dt.date.fromisoformat(values["period_end"]),
        )
    except (KeyError, ValueError):
        period = None
    columns = {}
    for key, code in values.items():
        if key.startswith("col:"):
            idx = _letters_to_index(key[4:])
            if idx is not None and code:
                columns[idx] = code
    try:
        header_row = int(values.get("header_row", HEADER_ROW))
        first_data_row = int(values.get("first_data_row", FIRST_DATA_ROW))
    except ValueError:
        header_row, first_data_row = HEADER_ROW, FIRST_DATA_ROW
    region_col = _letters_to_index(values.get("region_col", "A")) or 0
    code_col = _letters_to_index(values["code_col"]) if values.get("code_col") else None
    return TemplateMeta(
        city_code=values.get("city_code", ""),
        period=period,
        data_sheet=values.get("data_sheet", DATA_SHEET),
        header_row=header_row,
        first_data_row=first_data_row,
        region_col=region_col,
        code_col=code_col,
        columns=columns,
        version=values.get("version", "1"),
    )
