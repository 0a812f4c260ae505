"""The analyst's own file, annotated: problem cells highlighted, the message as a cell comment,
and a 问题清单 sheet listing every problem (with a link to its cell).

An .xlsx/.xlsm upload is annotated in place (its formatting kept, macros dropped); CSV, legacy
.xls and other formats become an .xlsx copy of their cell values. A file that cannot be read at
all still gets a workbook with the 问题清单 sheet, so the analyst always has the list.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from etl.problems import ERROR, Problem
from etl.readers import MAX_UNPACKED_BYTES, ReadError
from etl.sandbox import read_workbook
from lawstats.domain.safecell import safe_cell

ISSUES_SHEET = "问题清单"
ERROR_FILL = PatternFill("solid", start_color="FFF4B6B6", end_color="FFF4B6B6")
WARNING_FILL = PatternFill("solid", start_color="FFFFE699", end_color="FFFFE699")
HEADER_FILL = PatternFill("solid", start_color="FFD9D9D9", end_color="FFD9D9D9")
COMMENT_AUTHOR = "法治统计看板"
_CELL_RE = re.compile(r"^([A-Z]{1,3})([1-9]\d{0,6})$")
# Excel refuses comments longer than this
_MAX_COMMENT = 32_000

ISSUE_HEADERS = {
    "zh": ("序号", "严重程度", "工作表", "单元格", "地区", "指标", "问题说明", "问题代码"),
    "en": ("No.", "Severity", "Sheet", "Cell", "Region", "Indicator", "Problem", "Code"),
}
SEVERITY_TEXT = {
    "zh": {"error": "错误", "warning": "警告"},
    "en": {"error": "error", "warning": "warning"},
}


def annotated_name(filename: str) -> str:
    """自查表.csv -> 自查表_问题标注.xlsx"""
    stem = PurePath(filename).stem or "upload"
    return f"{stem}_问题标注.xlsx"


def annotate(
    data: bytes,
    filename: str,
    problems: Sequence[Problem],
    *,
    lang: str = "zh",
    region_name=None,
    indicator_name=None,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
) -> bytes:
    """The annotated workbook as .xlsx bytes.

    `region_name(code)` / `indicator_name(code)` label the 问题清单 columns (codes if omitted).
    """
    wb, titles = _open(data, filename, max_unpacked_bytes)
    cells = _mark_cells(wb, titles, problems, lang)
    _issues_sheet(wb, problems, lang, cells, region_name, indicator_name)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- opening


def _open(data: bytes, filename: str, limit: int) -> tuple[openpyxl.Workbook, dict[str, str]]:
    """The file as an openpyxl workbook (a fresh empty one if it cannot be read), and the sheet
    title each sheet name of the problems maps to."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    try:
        book = read_workbook(data, filename, max_unpacked_bytes=limit)
    except ReadError:
        return wb, {}
    if book.format in ("xlsx", "xlsm"):
        try:
            # read_workbook already refused zip bombs, so openpyxl may unpack this file
            loaded = openpyxl.load_workbook(io.BytesIO(data), keep_vba=False, keep_links=False)
            return loaded, {n: n for n in loaded.sheetnames}
        except Exception:  # noqa: BLE001 - a file calamine reads but openpyxl does not: copy values
            pass
    titles: dict[str, str] = {}
    for sheet in book.sheets:
        ws = wb.create_sheet(_sheet_title(sheet.name, wb))
        titles[sheet.name] = ws.title
        for r, row in enumerate(sheet.cells, start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                ws.cell(row=r, column=c, value=_plain(value))
        for r0, c0, r1, c1 in sheet.merged:
            if (r0, c0) != (r1, c1):
                ws.merge_cells(
                    start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1
                )
    return wb, titles


def _sheet_title(name: str, wb: openpyxl.Workbook) -> str:
    # Keep the name the problems refer to whenever Excel allows it.
    title = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet1"
    base, n = title, 2
    while title in wb.sheetnames:
        title = f"{base[:28]}_{n}"
        n += 1
    return title


def _plain(value: Any) -> Any:
    """A value openpyxl can write as it is; anything else as text (formula-like text neutralised)."""
    if isinstance(value, bool | int | float | datetime | date):
        return value
    return safe_cell(str(value))


# --------------------------------------------------------------------------- marking cells


def _target_cell(ws: Worksheet, address: str) -> str:
    """The cell to annotate: a merged range's top-left cell stands for the whole range."""
    for rng in ws.merged_cells.ranges:
        if address in rng:
            return rng.start_cell.coordinate
    return address


def _mark_cells(
    wb: openpyxl.Workbook, titles: dict[str, str], problems: Iterable[Problem], lang: str
) -> dict[int, tuple[str, str]]:
    """Fill and comment every problem cell; returns problem index -> (sheet title, cell) marked."""
    by_cell: dict[tuple[str, str], list[tuple[int, Problem]]] = defaultdict(list)
    marked: dict[int, tuple[str, str]] = {}
    for i, p in enumerate(problems):
        title = titles.get(p.sheet or "")
        if title is None or not p.cell or not _CELL_RE.match(p.cell):
            continue
        cell = _target_cell(wb[title], p.cell)
        by_cell[(title, cell)].append((i, p))
        marked[i] = (title, cell)
    for (sheet, address), found in by_cell.items():
        ws = wb[sheet]
        cell = ws[address]
        worst = ERROR if any(p.severity == ERROR for _, p in found) else "warning"
        cell.fill = ERROR_FILL if worst == ERROR else WARNING_FILL
        label = SEVERITY_TEXT[lang]
        text = "\n".join(
            f"【{label.get(p.severity, p.severity)}】{p.message(lang)}" for _, p in found
        )
        if cell.comment is not None and cell.comment.text:
            text = f"{cell.comment.text}\n{text}"
        comment = Comment(text[:_MAX_COMMENT], COMMENT_AUTHOR)
        comment.width = 320
        comment.height = min(60 + 40 * len(found), 400)
        cell.comment = comment
    return marked


# --------------------------------------------------------------------------- the list sheet


def _issues_sheet(
    wb: openpyxl.Workbook,
    problems: Sequence[Problem],
    lang: str,
    marked: dict[int, tuple[str, str]],
    region_name,
    indicator_name,
) -> None:
    if ISSUES_SHEET in wb.sheetnames:
        del wb[ISSUES_SHEET]
    ws = wb.create_sheet(ISSUES_SHEET, 0)
    headers = ISSUE_HEADERS.get(lang, ISSUE_HEADERS["zh"])
    ws.append(list(headers))
    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = HEADER_FILL
    label = SEVERITY_TEXT.get(lang, SEVERITY_TEXT["zh"])
    ordered = sorted(range(len(problems)), key=lambda i: (problems[i].severity != ERROR, i))
    for n, i in enumerate(ordered, start=1):
        p = problems[i]
        region = _label(region_name, p.region)
        indicator = _label(indicator_name, p.indicator)
        row = [
            n,
            label.get(p.severity, p.severity),
            p.sheet or "",
            p.cell or "",
            region,
            indicator,
            p.message(lang),
            p.code,
        ]
        ws.append([safe_cell(v) for v in row])
        r = ws.max_row
        ws.cell(row=r, column=2).fill = ERROR_FILL if p.severity == ERROR else WARNING_FILL
        if i in marked:
            sheet, cell = marked[i]
            link = ws.cell(row=r, column=4)
            link.hyperlink = f"#'{sheet.replace(chr(39), chr(39) * 2)}'!{cell}"
            link.font = Font(color="FF0563C1", underline="single")
    if not problems:
        ws.append(
            ["", "", "", "", "", "", "未发现问题" if lang != "en" else "No problems found", ""]
        )
    widths = (6, 10, 16, 10, 18, 22, 80, 24)
    for c, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = "A2"
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = 0


def _label(fn, code: str | None) -> str:
    if not code:
        return ""
    if fn is None:
        return code
    try:
        return fn(code)
    except (KeyError, ValueError):
        return code
