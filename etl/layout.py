"""Find the table in a sheet: title, unit and footer rows, (merged) header rows, column roles and layout.

This module finds the tables of a sheet (one below the other, side by side) and chooses each
one's layout (wide, long, matrix) and confidence; its parts each live in a module of their own:

- etl.layout_model: what detection finds (DetectedTable, Column) and a cell read as text
- etl.layout_roles: what each header column is (region, period, indicator, comparison...)
- etl.layout_rows: what kind of row a sheet row is, and a table's data rows
- etl.layout_headers: a table's header rows and their merged cells flattened per column

Their public names are importable from here as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from etl.headers import HeaderMatch, header_key, match_header
from etl.layout_headers import (
    HEADER_SEARCH_ROWS,
    MAX_HEADER_DEPTH,
    _find_header,
    _header_block,
    _header_paths,
)
from etl.layout_model import (
    LAYOUTS,
    UNCERTAIN_BELOW,
    UNRECOGNISED,
    Column,
    DetectedTable,
    _filled,
    _row_cells,
    cell_text,
)
from etl.layout_roles import (
    CODE_KEYS,
    IGNORE_KEYS,
    INDICATOR_KEYS,
    PERIOD_KEYS,
    REGION_KEYS,
    UNIT_KEYS,
    VALUE_KEYS,
    _assign_roles,
    _fallback_region_col,
    header_period,
    role_of,
    unit_for,
    units_from_titles,
)
from etl.layout_rows import (
    NUMBERING_TEXTS,
    _block_rows,
    _data_rows,
    _is_header_row,
    _lines,
    _title_like,
    is_footer,
)
from etl.readers import Sheet
from etl.template import TemplateMeta, header_text
from lawstats.domain.catalog import Catalog
from lawstats.domain.text import normalize_text


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
    context = (*titles, *sheet_titles, sheet.name)
    columns = _assign_roles(paths, catalog, extra_spellings, units, context)

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

    n_ind = sum(1 for c in columns if c.role in ("indicator", "question"))
    n_unmapped = sum(1 for c in columns if c.role == "unmapped")
    n_per = sum(1 for c in columns if c.role == "period_value")
    has_long = first("indicator_name") is not None and first("value") is not None
    # indicators down, years across, no region column: a yearbook of the title's region
    has_yearbook = first("indicator_name") is not None and n_per and region_col is None
    # members down the rows, indicators across, no value or region column (the 黄石 table)
    member_cols = [c.index for c in columns if c.role in ("indicator", "question")]
    has_members = (
        (first("indicator_name") is not None and first("value") is None and not by_keyword)
        and bool(member_cols)
        and not n_per
    )
    chosen = layout
    if has_members and layout in (None, "long"):
        chosen = "long"
        region_col = None
    elif layout is None or layout == "template":
        if has_long:
            chosen = "long"
        elif has_yearbook:
            chosen = "yearbook"
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
        value_col=member_cols[0] if has_members else first("value"),
        unit_col=first("unit"),
        sheet_titles=sheet_titles,
        end=below,
        member_cols=member_cols if has_members else [],
    )
    region_score = 0.2 if by_keyword else (0.1 if region_col is not None else 0.0)
    if chosen == "long":
        if table.indicator_col is None or table.value_col is None:
            table.layout = UNRECOGNISED
            return table
        table.confidence = 0.7 + region_score + (0.1 if table.period_col is not None else 0.0)
    elif chosen == "yearbook":
        if table.indicator_col is None or not n_per:
            table.layout = UNRECOGNISED
            return table
        table.confidence = 0.8
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


__all__ = [
    "CODE_KEYS",
    "HEADER_SEARCH_ROWS",
    "IGNORE_KEYS",
    "INDICATOR_KEYS",
    "LAYOUTS",
    "MAX_HEADER_DEPTH",
    "NUMBERING_TEXTS",
    "PERIOD_KEYS",
    "REGION_KEYS",
    "UNCERTAIN_BELOW",
    "UNIT_KEYS",
    "UNRECOGNISED",
    "VALUE_KEYS",
    "Column",
    "DetectedTable",
    "cell_text",
    "detect_table",
    "detect_tables",
    "header_period",
    "is_footer",
    "matrix_indicator",
    "role_of",
    "template_table",
    "unit_for",
    "units_from_titles",
]
