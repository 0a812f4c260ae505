"""What kind of row a sheet row is (a header, footer, column-number, title or text-only row),
and which rows under a header are a table's data rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from etl.cells import INVALID, parse_cell
from etl.headers import match_header
from etl.layout_model import _filled, _row_cells, cell_text
from etl.layout_roles import header_period, role_of
from lawstats.domain.catalog import Catalog
from lawstats.domain.text import normalize_text

NUMBERING_TEXTS = frozenset("甲 乙 栏次 栏号".split())
_DIGITS = frozenset("0123456789-+.０１２３４５６７８９")

_FOOTER_RE = re.compile(
    r"^(填表人|填报人|制表人|制表|审核人|审核|审批人|负责人|单位负责人|统计负责人|分管领导|主管领导|"
    r"填报日期|填表日期|报送日期|制表日期|报出日期|联系电话|电话|联系人|数据来源|资料来源|来源|附注|备注|"
    r"说明|注)\s*(\d|[:：.、]|$)"
)


def is_footer(raw: Any) -> bool:
    """A footer line: 填表人/审核人/填报日期/注：/数据来源：... or a note continued after full-width spaces."""
    if type(raw) is not str:
        return False
    return _footer_text(raw)


@lru_cache(maxsize=65536)
def _footer_text(raw: str) -> bool:
    if raw.startswith(("\u3000", "  ")) and raw.strip():
        return True
    return bool(_FOOTER_RE.match(normalize_text(raw)))


def _is_numbering_row(cells: list[tuple[int, Any]], region_col: int | None) -> bool:
    """A '甲 乙 1 2 3 ...' column-number row of a statistical form."""
    if any(c == region_col and cell_text(v) in NUMBERING_TEXTS for c, v in cells):
        return True
    numbers = [parse_cell(v).value for _c, v in cells if cell_text(v) not in NUMBERING_TEXTS]
    return len(numbers) >= 3 and numbers == [float(i) for i in range(1, len(numbers) + 1)]


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
        and ((m := match_header(v, catalog, extra_spellings=extra)).indicator_code or m.is_question)
    )
    n_per = sum(1 for _c, v in cells if header_period(v) is not None)
    all_text = all(type(v) is str and parse_cell(v).status == INVALID for _c, v in cells)
    return bool(
        (n_roles and (n_ind or n_per or n_roles >= 2 or all_text)) or n_ind >= 2 or n_per >= 2
    )


def _text_only(row: list[Any]) -> bool:
    """Two or more filled cells, every one text that is not a figure (a header or title row).
    Checked on every data row: a row with a number in it is answered at its first number (a
    figure written as text that starts with a digit is looked for first)."""
    for v in row:
        if v is not None and type(v) is not str:
            return False
    for v in reversed(row):  # figures mostly stand to the right of their labels
        if v and v[0] in _DIGITS and parse_cell(v).status != INVALID:
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
