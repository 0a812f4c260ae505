"""A table's header: finding its first row, how many rows it spans (merged cells, sub-headers,
a column-number row below), and flattening those rows into one header path per column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from etl.cells import INVALID, parse_cell
from etl.layout_model import _row_cells, cell_text
from etl.layout_rows import _is_header_row, _is_numbering_row, is_footer
from lawstats.domain.catalog import Catalog

HEADER_SEARCH_ROWS = 60
MAX_HEADER_DEPTH = 4


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
