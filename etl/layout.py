"""Find the table in a sheet: title, unit and footer rows, (merged) header rows, column roles and layout."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from etl.cells import INVALID, normalize_unit, parse_cell, unit_dimension, unit_multiplier
from etl.headers import (
    NO_MATCH,
    Comparison,
    HeaderMatch,
    comparison_header,
    header_key,
    header_unit,
    match_header,
)
from etl.readers import Sheet, col_letter
from etl.template import TemplateMeta, header_text
from lawstats.domain.catalog import Catalog
from lawstats.domain.periods import Period, PeriodError, parse_period
from lawstats.domain.text import normalize_name, normalize_text

LAYOUTS = ("wide", "long", "matrix", "template")
UNRECOGNISED = "unrecognised"  # a table below or beside another whose header names no indicator
UNCERTAIN_BELOW = 0.6
HEADER_SEARCH_ROWS = 60
MAX_HEADER_DEPTH = 4

REGION_KEYS = frozenset(
    "地区 地区名称 单位 单位名称 填报单位 报送单位 县区 区县 县市区 市县区 县区市 区县市 县市 县 区 区域 "
    "行政区划 行政区域 行政区 名称 地市 市州 市 省份 省区市 省 地方 辖区 司法局 县区司法局 单位名 "
    "地区单位 项目地区 地区项目 地名".split()
)
_REGION_HINTS = ("地区", "县区", "区县", "市县", "县市", "单位名称", "区域", "行政区")
CODE_KEYS = frozenset("地区代码 区划代码 行政区划代码 代码 地区编码 区划编码 code".split())
PERIOD_KEYS = frozenset(
    "时间 期间 时期 统计期间 统计时间 报告期 报告期间 年份 年度 月份 统计月份 日期 填报期间 报表期间 "
    "所属期 所属期间 期别 年月 统计年度 统计年份 季度 period".split()
)
INDICATOR_KEYS = frozenset(
    "指标 指标名称 项目 统计项目 统计指标 指标项 项目名称 指标项目 indicator".split()
)
VALUE_KEYS = frozenset(
    "数值 值 数据 数量 本期数 填报值 本年累计 累计数 金额 指标值 统计值 value".split()
)
UNIT_KEYS = frozenset("计量单位 单位计量 unit".split())
IGNORE_KEYS = frozenset("序号 编号 序 排名 名次 排序 备注 说明 备考 填报人 联系人 联系电话".split())
NUMBERING_TEXTS = frozenset("甲 乙 栏次 栏号".split())

_FOOTER_RE = re.compile(
    r"^(填表人|填报人|制表人|制表|审核人|审核|审批人|负责人|单位负责人|统计负责人|分管领导|主管领导|"
    r"填报日期|填表日期|报送日期|制表日期|报出日期|联系电话|电话|联系人|数据来源|资料来源|来源|附注|备注|"
    r"说明|注)\s*(\d|[:：.、]|$)"
)
_UNIT_ROW_RE = re.compile(
    r"(?<!填报)(?<!报送)(?<!制表)(?<!汇总)(?<!报表)(?:计量)?单位\s*[:：]\s*(.+)"
)
_YEARISH_RE = re.compile(r"(19|20)\d{2}")


@dataclass
class Column:
    index: int
    path: tuple[str, ...]  # header texts as written, top row first
    role: str  # region|region_code|period|indicator_name|value|unit|ignored|indicator|unmapped|blank|period_value|comparison
    match: HeaderMatch | None = None
    period: Period | None = None  # matrix: the period of this column
    comparison: Comparison | None = None  # a 上年同期 / 同比 column: what it compares

    @property
    def letter(self) -> str:
        return col_letter(self.index)

    @property
    def header_text(self) -> str:
        return " › ".join(self.path)


@dataclass
class DetectedTable:
    sheet: Sheet
    layout: str
    confidence: float
    header_rows: list[int]  # zero-based
    data_rows: list[int]  # zero-based
    columns: list[Column]
    region_col: int | None
    title_lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    units: tuple[str, ...] = ()  # from a "单位：件、人、%" row
    code_col: int | None = None
    period_col: int | None = None
    indicator_col: int | None = None
    value_col: int | None = None
    unit_col: int | None = None
    indicator: HeaderMatch | None = None  # matrix: the one indicator of the table
    indicator_text: str | None = None
    template: TemplateMeta | None = None
    sheet_titles: list[str] = field(default_factory=list)  # above the sheet's first table
    end: int | None = None  # zero-based row where a table below this one starts looking

    @property
    def recognised(self) -> bool:
        return self.layout != UNRECOGNISED

    def column(self, index: int) -> Column | None:
        for c in self.columns:
            if c.index == index:
                return c
        return None


def cell_text(v: Any) -> str:
    """A raw cell as header/label text (2024.0 -> '2024')."""
    if v is None:
        return ""
    if type(v) is str:
        return v.strip()
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else str(v)
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()[:10]
    return str(v).strip()


def _filled(v: Any) -> bool:
    return v is not None and not (type(v) is str and not v.strip())


def is_footer(raw: Any) -> bool:
    """A footer line: 填表人/审核人/填报日期/注：/数据来源：... or a note continued after full-width spaces."""
    if type(raw) is not str:
        return False
    if raw.startswith(("\u3000", "  ")) and raw.strip():
        return True
    return bool(_FOOTER_RE.match(normalize_text(raw)))


def role_of(text: str) -> str | None:
    """The non-indicator role a header names (region, period, indicator_name, value, unit...), if any."""
    key = header_key(text)
    if not key:
        return None
    low = key.lower()
    if key in CODE_KEYS or low in CODE_KEYS:
        return "region_code"
    if key in REGION_KEYS:
        return "region"
    if key in PERIOD_KEYS or low in PERIOD_KEYS:
        return "period"
    if key in INDICATOR_KEYS or low in INDICATOR_KEYS:
        return "indicator_name"
    if key in VALUE_KEYS or low in VALUE_KEYS:
        return "value"
    if key in UNIT_KEYS or low in UNIT_KEYS:
        return "unit"
    if key in IGNORE_KEYS:
        return "ignored"
    if len(key) <= 8 and any(h in key for h in _REGION_HINTS):
        return "region"
    return None


def header_period(v: Any) -> Period | None:
    """A matrix header cell read as a period (2024年, 2024, 2024年1-6月), else None."""
    text = cell_text(v)
    if not text or len(text) > 20 or not _YEARISH_RE.search(text):
        return None
    try:
        return parse_period(text)
    except (PeriodError, ValueError):
        return None


def units_from_titles(lines: list[str]) -> tuple[str, ...]:
    """Units named in a unit row: '单位：件、人、%' -> ('件', '人', '%'); '填报单位：...' is not one."""
    found: list[str] = []
    for line in lines:
        for m in _UNIT_ROW_RE.finditer(normalize_text(line)):
            for piece in re.split(r"[、,，/;；\s]+", m.group(1)):
                unit = normalize_unit(piece)
                if unit and unit not in found:
                    found.append(unit)
    return tuple(found)


def unit_for(indicator_unit: str, units: tuple[str, ...]) -> str | None:
    """The one unit of a unit row that measures what the indicator measures (元 for 万元), if exactly one."""
    dim = unit_dimension(indicator_unit)
    fits = [u for u in units if unit_dimension(u) == dim]
    return fits[0] if len(fits) == 1 else None


def _is_numbering_row(cells: list[tuple[int, Any]], region_col: int | None) -> bool:
    """A '甲 乙 1 2 3 ...' column-number row of a statistical form."""
    if any(c == region_col and cell_text(v) in NUMBERING_TEXTS for c, v in cells):
        return True
    numbers = [parse_cell(v).value for _c, v in cells if cell_text(v) not in NUMBERING_TEXTS]
    return len(numbers) >= 3 and numbers == [float(i) for i in range(1, len(numbers) + 1)]


def _row_cells(row: list[Any]) -> list[tuple[int, Any]]:
    return [(c, v) for c, v in enumerate(row) if v is not None and _filled(v)]


def _is_header_row(
    cells: list[tuple[int, Any]],
    catalog: Catalog,
    extra: Mapping[str, str] | None,
    strict: bool = False,
) -> bool:
    """A row of column headers: 地区 with indicator names or periods, two indicator names, two
    periods, or several role words (地区, 时间, 指标, 数值...). `strict` (below another table,
    where rows of text may well name indicators): only with a region column (地区, 单位名称...)."""
    if len(cells) < 2:
        return False
    texts = [cell_text(v) for _c, v in cells]
    roles = [role_of(t) for t in texts]
    if strict and not any(x in ("region", "region_code") for x in roles):
        return False
    n_roles = sum(
        1 for x in roles if x in ("region", "region_code", "period", "indicator_name", "value")
    )
    n_ind = sum(
        1
        for (_c, v), role in zip(cells, roles, strict=True)
        if role is None
        and type(v) is str
        and (m := match_header(v, catalog, extra_spellings=extra)).indicator_code
        and m.confidence >= 0.75
    )
    n_per = sum(1 for _c, v in cells if header_period(v) is not None)
    all_text = all(type(v) is str and parse_cell(v).status == INVALID for _c, v in cells)
    return bool(
        (n_roles and (n_ind or n_per or n_roles >= 2 or all_text)) or n_ind >= 2 or n_per >= 2
    )


def _find_header(
    rows: list[list[Any]],
    catalog: Catalog,
    extra: Mapping[str, str] | None,
    start: int = 0,
) -> tuple[int | None, list[str]]:
    """The first header row from `start` on (within HEADER_SEARCH_ROWS rows), and the text
    of the rows above it (the title lines). Below another table (start > 0) a header needs
    a region column and never starts with a footer (填表人, 注：...)."""
    titles: list[str] = []
    below = start > 0
    for r in range(start, min(len(rows), start + HEADER_SEARCH_ROWS)):
        cells = _row_cells(rows[r])
        if not cells:
            continue
        if not (below and is_footer(cells[0][1])) and _is_header_row(cells, catalog, extra, below):
            return r, titles
        titles.append(" ".join(cell_text(v) for _c, v in cells))
    return None, titles


def _header_block(
    rows: list[list[Any]], r0: int, merged: list[tuple[int, int, int, int]], anchor: int | None
) -> tuple[int, set[int]]:
    """Last header row and the column-number rows within the header block."""
    numbering: set[int] = set()
    limit = min(len(rows) - 1, r0 + MAX_HEADER_DEPTH - 1)

    def merged_end(row: int) -> int:
        return max([min(c1, limit) for (a, _b, c1, _d) in merged if a == row and c1 > row] or [row])

    end = merged_end(r0)
    r = r0 + 1
    while r <= limit:
        if r <= end:
            end = max(end, merged_end(r))
            r += 1
            continue
        cells = _row_cells(rows[r])
        if not cells:
            break
        if _is_numbering_row(cells, anchor):
            numbering.add(r)
            end = r
            break
        anchor_filled = any(c == anchor for c, _v in cells)
        all_text = all(
            type(v) is str and parse_cell(v).status == INVALID and not is_footer(v)
            for _c, v in cells
        )
        if anchor_filled or not all_text:
            break
        end = max(r, merged_end(r))
        r += 1
    return end, numbering


def _header_paths(
    rows: list[list[Any]],
    header_rows: list[int],
    merged: list[tuple[int, int, int, int]],
    width: int,
) -> list[tuple[str, ...]]:
    top, bottom = header_rows[0], header_rows[-1]
    grid = {h: [cell_text(v) for v in rows[h]] + [""] * (width - len(rows[h])) for h in header_rows}
    in_block = [m for m in merged if m[0] <= bottom and m[2] >= top]
    for a, b, c, d in in_block:
        if a not in grid:
            continue
        text = grid[a][b] if b < width else ""
        for i in range(max(a, top), min(c, bottom) + 1):
            if i in grid:
                for j in range(b, min(d, width - 1) + 1):
                    grid[i][j] = text
    if not in_block and len(header_rows) > 1:
        # No merges (CSV, or "centre across selection"): a group title stands over the first
        # of its sub-columns only; carry it right while the row below has sub-headers.
        for k, h in enumerate(header_rows[:-1]):
            lower = header_rows[k + 1 :]
            for j in range(1, width):
                if (
                    not grid[h][j]
                    and grid[h][j - 1]
                    and any(grid[x][j] for x in lower)
                    and any(grid[x][j - 1] for x in lower)
                ):
                    grid[h][j] = grid[h][j - 1]
    paths = []
    for j in range(width):
        path: list[str] = []
        for h in header_rows:
            t = grid[h][j]
            if t and (not path or path[-1] != t):
                path.append(t)
        paths.append(tuple(path))
    return paths


def _assign_roles(
    paths: list[tuple[str, ...]],
    catalog: Catalog,
    extra: Mapping[str, str] | None,
    units: tuple[str, ...],
) -> list[Column]:
    columns: list[Column] = []
    for j, path in enumerate(paths):
        if not path:
            columns.append(Column(j, path, "blank"))
            continue
        role = role_of(path[-1]) or (role_of(path[0]) if len(path) > 1 else None)
        if role is not None:
            columns.append(Column(j, path, role))
            continue
        if len(path) == 1 and (period := header_period(path[0])) is not None:
            columns.append(Column(j, path, "period_value", period=period))
            continue
        compared = _comparison(path, columns, catalog, extra, units)
        if compared is not None:
            columns.append(compared)
            continue
        match = _match(path, catalog, extra, units)
        if match.indicator_code is None and normalize_name(path[-1]).startswith(("其中", "含")):
            previous = next((c for c in reversed(columns) if c.role == "indicator"), None)
            if previous is not None:
                match = _match((previous.path[-1], path[-1]), catalog, extra, units)
        columns.append(Column(j, path, "indicator" if match.indicator_code else "unmapped", match))
    # "单位" is the region column unless another column already is.
    regionals = [c for c in columns if c.role == "region"]
    if len(regionals) > 1:
        for c in regionals:
            if header_key(c.path[-1]) == "单位":
                c.role = "unit"
                break
    return columns


def _comparison(
    path: tuple[str, ...],
    columns: list[Column],
    catalog: Catalog,
    extra: Mapping[str, str] | None,
    units: tuple[str, ...],
) -> Column | None:
    """A 上年同期 / 同比 column (调解纠纷 › 上年同期, 上年同期调解案件数, or a bare 同比(%) beside
    its indicator's column): the indicator it compares, from what is left of its header, else
    from the column on its left. None when the header compares nothing."""
    for k, part in enumerate(path):
        found = comparison_header(part)
        if found is None:
            continue
        own_unit = header_unit([part])  # 去年同期（万元）
        rest = (*path[:k], *((found.rest,) if found.rest else ()), *path[k + 1 :])
        match = NO_MATCH
        if rest:
            match = _match((*rest, f"（{own_unit}）") if own_unit else rest, catalog, extra, units)
        if match.indicator_code is None and not found.rest:
            left = next(
                (c for c in reversed(columns) if c.role in ("indicator", "comparison")), None
            )
            if left is not None and left.match is not None and left.match.indicator_code:
                match = left.match
                if own_unit is not None:
                    target = catalog.get(match.indicator_code).unit
                    factor = unit_multiplier(own_unit, target)
                    match = replace(
                        match, unit=own_unit, multiplier=factor or 1.0, unit_ok=factor is not None
                    )
        if match.indicator_code is None:
            return Column(len(columns), path, "unmapped", match)  # compares an unknown indicator
        return Column(len(columns), path, "comparison", match, comparison=found)
    return None


def _match(
    path: tuple[str, ...], catalog: Catalog, extra: Mapping[str, str] | None, units: tuple[str, ...]
) -> HeaderMatch:
    match = match_header(list(path), catalog, extra_spellings=extra)
    if match.indicator_code and match.unit is None and units:
        default = unit_for(catalog.get(match.indicator_code).unit, units)
        if default:
            match = match_header(list(path), catalog, extra_spellings=extra, default_unit=default)
            match = replace(match, unit=default)
    return match


def _fallback_region_col(rows: list[list[Any]], columns: list[Column], start: int) -> int | None:
    """No 地区 header: the leftmost unlabelled column holding text in most of the first rows."""
    first_indicator = min((c.index for c in columns if c.role == "indicator"), default=len(columns))
    for c in columns:
        if c.index >= first_indicator or c.role not in ("blank", "unmapped"):
            continue
        sample = [
            rows[r][c.index]
            for r in range(start, min(len(rows), start + 20))
            if c.index < len(rows[r])
        ]
        sample = [v for v in sample if _filled(v)]
        if sample and sum(
            1 for v in sample if type(v) is str and parse_cell(v).status == INVALID
        ) >= 0.6 * len(sample):
            return c.index
    return None


def _text_only(row: list[Any]) -> bool:
    """Two or more filled cells, every one text that is not a figure (a header or title row).
    Checked on every data row: a row with a number in it is answered at its first number."""
    for v in row:
        if v is not None and type(v) is not str:
            return False
    n = 0
    for v in row:
        if v is not None and v.strip():
            if parse_cell(v).status != INVALID:
                return False
            n += 1
    return n >= 2


def _header_word_row(row: list[Any], region_col: int | None) -> bool:
    """A row whose region cell is a header word (地区, 县区): a repeated header, or one with
    column numbers; not when it carries figures (沙县区, 辉县市 and 和田地区 read like header
    words too)."""
    others = [(c, v) for c, v in _row_cells(row) if c != region_col]
    if all(parse_cell(v).status == INVALID for _c, v in others):
        return True
    return _is_numbering_row(others, None)


def _block_rows(
    rows: list[list[Any]],
    start: int,
    region_col: int | None,
    new_header: Callable[[int], str | None] | None = None,
) -> tuple[list[int], int, str]:
    """The data rows from `start` on, and the row where they end and why: 'footer' (填表人,
    注：...), 'header' (`new_header(r)` says 'new': a table below starts there; 'repeat': the
    table's own header again, skipped) or 'end'."""
    data: list[int] = []
    n = len(rows)
    r = start
    while r < n:
        row = rows[r]
        if new_header is not None and _text_only(row):
            verdict = new_header(r)
            if verdict == "new":
                return data, r, "header"
            if verdict == "repeat":
                r += 1
                continue
        rv = row[region_col] if region_col is not None and region_col < len(row) else None
        if rv is not None and _filled(rv):
            if is_footer(rv):
                return data, r, "footer"
            text = cell_text(rv)
            if text in NUMBERING_TEXTS or (
                role_of(text) == "region" and _header_word_row(row, region_col)
            ):
                r += 1
                continue
            data.append(r)
            r += 1
            continue
        cells = _row_cells(row)
        if not cells:
            r += 1
            continue
        if is_footer(cells[0][1]):
            return data, r, "footer"
        if not _is_numbering_row(cells, region_col):
            data.append(r)
        r += 1
    return data, n, "end"


def _lines(rows: list[list[Any]], start: int, stop: int) -> list[str]:
    """The text of the non-empty rows start..stop-1, one line per row."""
    out = []
    for r in range(start, stop):
        cells = _row_cells(rows[r])
        if cells:
            out.append(" ".join(cell_text(v) for _c, v in cells))
    return out


def _data_rows(
    rows: list[list[Any]], start: int, region_col: int | None
) -> tuple[list[int], list[str]]:
    """The data rows from `start` on and the lines below them (footers and notes)."""
    data, end, _why = _block_rows(rows, start, region_col)
    return data, _lines(rows, end, len(rows))


_TITLE_RE = re.compile(
    r"表|统计|情况|汇总|单位\s*[:：]|(?:19|20)\d{2}\s*年|年度|季度|月份|^[一二三四五六七八九十]{1,3}[、.．]|^第[一二三四五六七八九十\d]{1,3}"
)


def _title_like(row: list[Any], r: int, merged: list[tuple[int, int, int, int]]) -> bool:
    """A title or unit line of a table (表二 法律援助工作情况, 单位：件): text only, and merged
    across columns or worded like a title. A region name alone on its row is not one."""
    cells = _row_cells(row)
    if not cells or any(type(v) is not str or parse_cell(v).status != INVALID for _c, v in cells):
        return False
    c0 = cells[0][0]
    if any(a == r and b == c0 and d > b for a, b, _c, d in merged):
        return True
    return any(_TITLE_RE.search(normalize_text(v)) for _c, v in cells)


def _titles_above(
    rows: list[list[Any]], merged: list[tuple[int, int, int, int]], data: list[int], header: int
) -> int:
    """Give the title lines of the next table (read as data rows until its header showed up)
    back to it; returns the row where that table's title starts."""
    first = header
    while data and _title_like(rows[data[-1]], data[-1], merged):
        first = data.pop()
    return first


def _after_footer(
    rows: list[list[Any]], footer: int, catalog: Catalog, extra: Mapping[str, str] | None
) -> tuple[list[str], int | None]:
    """The footer lines of a table and where a table below it starts looking, if there is one."""
    below, _titles = _find_header(rows, catalog, extra, footer)
    if below is None:
        return _lines(rows, footer, len(rows)), None
    r = footer
    while r < below:  # 填表人 / 注： lines and their indented continuations, and blank rows
        cells = _row_cells(rows[r])
        if cells and not is_footer(cells[0][1]):
            break
        r += 1
    return _lines(rows, footer, r), r


def detect_table(
    sheet: Sheet,
    catalog: Catalog,
    *,
    extra_spellings: Mapping[str, str] | None = None,
    layout: str | None = None,
) -> DetectedTable | None:
    """The first table of one sheet with its layout and confidence, or None when the sheet holds
    none (see detect_tables for every table of a sheet)."""
    tables = detect_tables(sheet, catalog, extra_spellings=extra_spellings, layout=layout)
    return next((t for t in tables if t.recognised), None)


def detect_tables(
    sheet: Sheet,
    catalog: Catalog,
    *,
    extra_spellings: Mapping[str, str] | None = None,
    layout: str | None = None,
) -> list[DetectedTable]:
    """Every table of one sheet: one below the other (表一 … 表二 …, each with its own title,
    header, rows and footer) and side by side (a second 地区 column after an empty column).
    Tables whose header names no indicator are kept as UNRECOGNISED, so that they can be
    reported, when the sheet holds a recognised table too; otherwise the list is empty."""
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    first = _detect_block(sheet, catalog, extra_spellings, layout, 0, [])
    if first is None:
        return []
    strips = _strips(first)
    if len(strips) > 1:
        tables = []
        for lo, hi in strips:
            part = _masked(sheet, lo, hi)
            tables += _stacked(part, catalog, extra_spellings, layout, first.title_lines)
    else:
        tables = _stacked(sheet, catalog, extra_spellings, layout, [], first)
    return tables if any(t.recognised for t in tables) else []


def _stacked(
    sheet: Sheet,
    catalog: Catalog,
    extra: Mapping[str, str] | None,
    layout: str | None,
    sheet_titles: list[str],
    first: DetectedTable | None = None,
) -> list[DetectedTable]:
    """The tables of a sheet from the top down."""
    tables: list[DetectedTable] = []
    table = first or _detect_block(sheet, catalog, extra, layout, 0, sheet_titles)
    while table is not None:
        tables.append(table)
        if table.end is None:
            break
        titles = sheet_titles or tables[0].title_lines
        table = _detect_block(sheet, catalog, extra, layout, table.end, titles)
    return tables


def _strips(table: DetectedTable) -> list[tuple[int, int]]:
    """Column ranges [lo, hi) of tables standing side by side: a region column that follows an
    empty column (no header, no figures) after the table's own region column."""
    if table.region_col is None:
        return []
    rows = table.sheet.cells
    width = max((len(row) for row in rows), default=0)

    def empty(j: int) -> bool:
        return not any(
            j < len(rows[r]) and _filled(rows[r][j]) for r in (*table.header_rows, *table.data_rows)
        )

    cuts: list[int] = []
    for c in table.columns:
        path = c.path
        if c.index <= table.region_col or not path:
            continue
        role = role_of(path[-1]) or (role_of(path[0]) if len(path) > 1 else None)
        if role != "region" or header_key(path[-1]) == "单位":  # 单位 may be a unit column
            continue
        gap = next(
            (
                b
                for b in range(c.index - 1, max(cuts[-1] if cuts else table.region_col, 0), -1)
                if empty(b)
            ),
            None,
        )
        if gap is not None:
            cuts.append(gap)
    if not cuts:
        return []
    bounds = [0, *cuts, width]
    return [(bounds[k] + (k > 0), bounds[k + 1]) for k in range(len(bounds) - 1)]


def _masked(sheet: Sheet, lo: int, hi: int) -> Sheet:
    """The sheet with only columns lo..hi-1 filled (cell addresses unchanged)."""
    cells = []
    for row in sheet.cells:
        width = len(row)
        cells.append([None] * min(lo, width) + row[lo:hi] + [None] * max(width - hi, 0))
    merged = [m for m in sheet.merged if m[1] >= lo and m[3] < hi]
    return Sheet(sheet.name, cells, merged, sheet.visible)


def _detect_block(
    sheet: Sheet,
    catalog: Catalog,
    extra_spellings: Mapping[str, str] | None,
    layout: str | None,
    start: int,
    sheet_titles: list[str],
) -> DetectedTable | None:
    """The table whose header is the first one from row `start` on, or None when no header
    follows. Its `end` says where the next table below may start."""
    rows = sheet.cells
    r0, titles = _find_header(rows, catalog, extra_spellings, start)
    if r0 is None:
        return None
    width = max((len(row) for row in rows), default=0)
    units = units_from_titles(titles) or units_from_titles(sheet_titles)
    first_cells = _row_cells(rows[r0])
    anchor = next((c for c, v in first_cells if role_of(cell_text(v)) == "region"), None)
    if anchor is None:
        anchor = first_cells[0][0] if first_cells else None
    end, numbering = _header_block(rows, r0, sheet.merged, anchor)
    header_rows = [h for h in range(r0, end + 1)]
    text_rows = [h for h in header_rows if h not in numbering]
    paths = _header_paths(rows, text_rows, sheet.merged, width)
    columns = _assign_roles(paths, catalog, extra_spellings, units)

    def first(role: str) -> int | None:
        return next((c.index for c in columns if c.role == role), None)

    region_col = first("region")
    by_keyword = region_col is not None
    if region_col is None:
        region_col = _fallback_region_col(rows, columns, end + 1)
        if region_col is not None:
            columns[region_col].role = "region"
    for c in columns:  # a second region column (e.g. 地区 and 单位名称) is not data
        if c.role == "region" and c.index != region_col:
            c.role = "ignored"
    own = {tuple((c, cell_text(v)) for c, v in _row_cells(rows[h])) for h in header_rows}

    def new_header(r: int) -> str | None:
        cells = _row_cells(rows[r])
        if is_footer(cells[0][1]) or not _is_header_row(cells, catalog, extra_spellings, True):
            return None
        return "repeat" if tuple((c, cell_text(v)) for c, v in cells) in own else "new"

    data_rows, stop, why = _block_rows(rows, end + 1, region_col, new_header)
    notes: list[str] = []
    below: int | None = None
    if why == "header":
        below = _titles_above(rows, sheet.merged, data_rows, stop)
    elif why == "footer":
        notes, below = _after_footer(rows, stop, catalog, extra_spellings)

    n_ind = sum(1 for c in columns if c.role == "indicator")
    n_unmapped = sum(1 for c in columns if c.role == "unmapped")
    n_per = sum(1 for c in columns if c.role == "period_value")
    has_long = first("indicator_name") is not None and first("value") is not None
    chosen = layout
    if layout is None or layout == "template":
        if has_long:
            chosen = "long"
        elif n_per and n_per >= n_ind:
            chosen = "matrix"
        elif n_ind:
            chosen = "wide"
        else:
            chosen = UNRECOGNISED
    table = DetectedTable(
        sheet=sheet,
        layout=chosen,
        confidence=0.0,
        header_rows=header_rows,
        data_rows=data_rows,
        columns=columns,
        region_col=region_col,
        title_lines=titles,
        notes=notes,
        units=units,
        code_col=first("region_code"),
        period_col=first("period"),
        indicator_col=first("indicator_name"),
        value_col=first("value"),
        unit_col=first("unit"),
        sheet_titles=sheet_titles,
        end=below,
    )
    region_score = 0.2 if by_keyword else (0.1 if region_col is not None else 0.0)
    if chosen == "long":
        if table.indicator_col is None or table.value_col is None:
            table.layout = UNRECOGNISED
            return table
        table.confidence = 0.7 + region_score + (0.1 if table.period_col is not None else 0.0)
    elif chosen == "matrix":
        if not n_per:
            table.layout = UNRECOGNISED
            return table
        indicator, text = matrix_indicator(titles, sheet.name, catalog, extra_spellings)
        table.indicator, table.indicator_text = indicator, text
        table.confidence = (0.7 if indicator and indicator.indicator_code else 0.4) + region_score
        for c in columns:
            if c.role == "indicator":
                c.role = "unmapped"  # a matrix holds one indicator; other columns are not read
    elif chosen != UNRECOGNISED:
        mapped = n_ind / max(n_ind + n_unmapped, 1)
        table.confidence = 0.5 + region_score + 0.3 * mapped
        if n_per and chosen == "wide":
            for c in columns:
                if c.role == "period_value":
                    c.role = "unmapped"
    table.confidence = round(min(table.confidence, 1.0), 3)
    return table


_INDICATOR_LINE_RE = re.compile(r"^指标[:：]\s*(.+)$")


def matrix_indicator(
    titles: list[str], sheet_name: str, catalog: Catalog, extra: Mapping[str, str] | None
) -> tuple[HeaderMatch | None, str | None]:
    """The indicator of a matrix table: the NBS '指标：名称(单位)' line, else a title line or the sheet name."""
    for line in titles:
        m = _INDICATOR_LINE_RE.match(normalize_text(line))
        if m:
            text = m.group(1).strip()
            return match_header(text, catalog, extra_spellings=extra), text
    best: tuple[HeaderMatch | None, str | None] = (None, None)
    for text in [*titles, sheet_name]:
        match = match_header(text, catalog, extra_spellings=extra)
        if match.indicator_code and (best[0] is None or match.confidence > best[0].confidence):
            best = (match, text)
    return best


def template_table(sheet: Sheet, meta: TemplateMeta, catalog: Catalog) -> DetectedTable:
    """The data sheet of the product's own template, read by what its _meta sheet says."""
    rows = sheet.cells
    hr = meta.header_row - 1
    header = rows[hr] if hr < len(rows) else []
    width = max((len(row) for row in rows), default=0)
    columns: list[Column] = []
    for j in range(width):
        text = cell_text(header[j]) if j < len(header) else ""
        if j == meta.region_col:
            columns.append(Column(j, (text,), "region"))
        elif j == meta.code_col:
            columns.append(Column(j, (text,), "region_code"))
        elif j in meta.columns and meta.columns[j] in catalog:
            ind = catalog.get(meta.columns[j])
            if text == header_text(ind.name_zh, ind.unit):
                match = HeaderMatch(ind.code, 1.0, ind.unit, 1.0, ((ind.code, 1.0),))
            else:  # the column was moved or renamed: trust its header, not the _meta sheet
                match = match_header(text, catalog)
            columns.append(
                Column(j, (text,), "indicator" if match.indicator_code else "unmapped", match)
            )
        elif text:
            match = match_header(text, catalog)
            columns.append(
                Column(j, (text,), "indicator" if match.indicator_code else "unmapped", match)
            )
        else:
            columns.append(Column(j, (), "blank"))
    data_rows, notes = _data_rows(rows, meta.first_data_row - 1, meta.region_col)
    titles = [
        " ".join(cell_text(v) for _c, v in _row_cells(rows[r])) for r in range(min(hr, len(rows)))
    ]
    return DetectedTable(
        sheet=sheet,
        layout="template",
        confidence=1.0,
        header_rows=[hr],
        data_rows=data_rows,
        columns=columns,
        region_col=meta.region_col,
        title_lines=[t for t in titles if t],
        notes=notes,
        code_col=meta.code_col,
        template=meta,
    )
