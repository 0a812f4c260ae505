"""The year-end report as Excel (.xlsx): every text cell through lawstats.domain.safecell.safe_cell,
written as a string, never as a formula or a link."""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd

from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.formatting import round_figure
from lawstats.domain.safecell import safe_cell
from lawstats.reports.report import Report
from lawstats.reports.report_common import (
    DEMO_NOTICE,
    SOURCES_INTRO,
    notices,
    when_text,
)

# --------------------------------------------------------------------------- Excel


def _sheet_name(name: str, used: set[str]) -> str:
    clean = re.sub(r"[\[\]:*?/\\]", "", name)[:31] or "sheet"
    base, i = clean, 2
    while clean in used:
        clean = f"{base[:28]}_{i}"
        i += 1
    used.add(clean)
    return clean


def _put(ws: Any, row: int, col: int, value: Any, fmt: Any = None) -> None:
    """Write one cell: text always as a string (through safe_cell), numbers as numbers."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, float(value), fmt)
    else:
        ws.write_string(row, col, safe_cell(str(value)), fmt)


def to_xlsx(report: Report, *, catalog: Catalog | None = None) -> bytes:
    """The report as Excel: 报告 (every sentence), one sheet per group, 数据来源, 明细."""
    import xlsxwriter

    catalog = catalog or load_catalog()
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = wb.add_format({"bold": True})
    title = wb.add_format({"bold": True, "font_size": 14})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    head = wb.add_format({"bold": True, "text_wrap": True, "bg_color": "#EEEEEE", "border": 1})
    formats: dict[str, Any] = {}

    def num_fmt(decimals: int, approximate: bool, total: bool = False, prefix: str = "") -> Any:
        key = f"{decimals}|{approximate}|{total}|{prefix}"
        if key not in formats:
            pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
            if approximate:
                pattern += '"余"'
            if prefix:  # an approximate change: ≈6.9 (positive; negative; zero)
                pattern = ";".join(
                    f'"{prefix}"{part}' for part in (pattern, "-" + pattern, pattern)
                )
            formats[key] = wb.add_format({"num_format": pattern, "bold": total})
        return formats[key]

    used: set[str] = set()

    def preamble(ws: Any, heading: str) -> int:
        _put(ws, 0, 0, heading, title)
        row = 1
        for line in notices(report):
            _put(ws, row, 0, line, bold if line == DEMO_NOTICE else None)
            row += 1
        return row + 1

    ws = wb.add_worksheet(_sheet_name("报告", used))
    row = preamble(ws, report.title)
    for c, h in enumerate(["章节", "文字", "所依据的批次", "键"]):
        _put(ws, row, c, h, head)
    row += 1
    group_titles = {s.group: s.title for s in report.sections}
    group_titles["targets"] = "年度目标完成情况"
    for s in report.sentences():
        _put(ws, row, 0, group_titles.get(s.section, s.section))
        _put(ws, row, 1, s.text, wrap)
        _put(ws, row, 2, "、".join(f"#{b}" for b in s.batch_ids))
        _put(ws, row, 3, s.key)
        row += 1
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 90)
    ws.set_column(2, 3, 18)

    for section in report.sections:
        ws = wb.add_worksheet(_sheet_name(section.title, used))
        row = preamble(ws, f"{report.region_name}{report.period.label}{section.title}")
        for s in section.sentences:
            _put(ws, row, 0, s.text)
            row += 1
        row += 1
        row = _unit_table(ws, row, report, section, catalog, head, num_fmt)
        ws.set_column(0, 0, 14)
        ws.set_column(1, 3 * len(section.indicator_codes), 12)

    ws = wb.add_worksheet(_sheet_name("数据来源", used))
    row = preamble(ws, "数据来源")
    _put(ws, row, 0, SOURCES_INTRO)
    row += 2
    cols = ["批次", "文件", "工作表", "上传人", "上传时间", "类型", "期间", "状态"]
    for c, h in enumerate(cols):
        _put(ws, row, c, h, head)
    for r in report.sources.itertuples(index=False):
        row += 1
        values = [
            int(r.id),
            r.file_name,
            None if r.sheet is None or pd.isna(r.sheet) else r.sheet,
            r.uploaded_by,
            when_text(r.uploaded_at),
            r.source_type,
            None if r.period_label is None or pd.isna(r.period_label) else r.period_label,
            r.status,
        ]
        for c, v in enumerate(values):
            _put(ws, row, c, v)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 7, 16)

    ws = wb.add_worksheet(_sheet_name("明细", used))
    row = preamble(ws, "明细（每个地区、每个指标一行）")
    detail = detail_frame(report, catalog)
    for c, h in enumerate(detail.columns):
        _put(ws, row, c, h, head)
    for values in detail.itertuples(index=False):
        row += 1
        for c, v in enumerate(values):
            _put(ws, row, c, v)
    wb.close()
    return buf.getvalue()


def _unit_table(ws, row, report, section, catalog, head, num_fmt) -> int:
    t = section.table
    codes = section.indicator_codes
    _put(ws, row, 0, "地区", head)
    for i, code in enumerate(codes):
        ind = catalog.get(code)
        change_unit = "个百分点" if ind.is_ratio else "%"
        _put(ws, row, 1 + 3 * i, f"{ind.name_zh}（{ind.unit}）", head)
        _put(ws, row, 2 + 3 * i, f"{report.previous_period.label}", head)
        _put(ws, row, 3 + 3 * i, f"同比（{change_unit}）", head)
    by_key = {(r["name"], r["indicator_code"]): r for _, r in t.iterrows()}
    for name in dict.fromkeys(t["name"]):
        row += 1
        total = bool(t[t["name"] == name]["is_total"].any())
        _put(ws, row, 0, name)
        for i, code in enumerate(codes):
            ind = catalog.get(code)
            r = by_key.get((name, code))
            if r is None or pd.isna(r["value"]):
                _put(ws, row, 1 + 3 * i, "—")
            else:
                _put(
                    ws,
                    row,
                    1 + 3 * i,
                    round_figure(r["value"], ind.decimals),
                    num_fmt(ind.decimals, bool(r["is_approximate"]), total),
                )
            prev = None if r is None else r["previous"]
            approx_prev = False if r is None else bool(r["previous_is_approximate"] is True)
            _put(
                ws,
                row,
                2 + 3 * i,
                round_figure(prev, ind.decimals),
                num_fmt(ind.decimals, approx_prev),
            )
            change = None if r is None or not r["comparable"] else r["change"]
            places = _change_decimals(ind)
            _put(
                ws,
                row,
                3 + 3 * i,
                round_figure(change, places),
                num_fmt(places, False, prefix="≈" if _approximate_change(r) else ""),
            )
    return row + 1


def _change_decimals(ind) -> int:
    """A change in points keeps the rate's decimals; a change in percent has one."""
    return ind.decimals if ind.is_ratio else 1


def _approximate_change(row) -> bool:
    return row is not None and bool(row.get("change_is_approximate"))


def detail_frame(report: Report, catalog: Catalog | None = None) -> pd.DataFrame:
    """Every figure of the report (region and units) in long form with the batches behind it,
    rounded by the same rule as the text."""
    catalog = catalog or load_catalog()
    f = report.figures
    names = {report.region_code: report.region_name, **report.unit_names}
    inds = [catalog.get(c) for c in f["indicator_code"]]
    return pd.DataFrame(
        {
            "地区代码": f["region_code"],
            "地区": f["region_code"].map(names),
            "指标代码": f["indicator_code"],
            "指标": [catalog.get(c).name_zh for c in f["indicator_code"]],
            "单位": [catalog.get(c).unit for c in f["indicator_code"]],
            "本期": [round_figure(v, i.decimals) for v, i in zip(f["value"], inds, strict=True)],
            "约数": f["is_approximate"].astype(bool),
            "上年同期": [
                round_figure(v, i.decimals) for v, i in zip(f["previous"], inds, strict=True)
            ],
            "上年为约数": f["previous_is_approximate"].fillna(False).astype(bool),
            "同比": [
                round_figure(c, _change_decimals(i)) if ok else None
                for c, ok, i in zip(f["change"], f["comparable"], inds, strict=True)
            ],
            "同比单位": ["个百分点" if u == "pp" else "%" for u in f["change_unit"]],
            "同比为约数": f["change_is_approximate"].astype(bool),
            "已报单位数": f["units_reported"],
            "应报单位数": f["units_expected"],
            "本期批次": ["、".join(f"#{b}" for b in ids) for ids in f["batch_ids"]],
            "上年批次": ["、".join(f"#{b}" for b in ids) for ids in f["previous_batch_ids"]],
        }
    )
