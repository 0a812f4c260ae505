"""How big a sheet may be, checked before anything is expanded into a grid.

A reader turns a sheet into rows from A1 to its farthest cell, so one far cell (XFD1048576 in a
5 KB .xlsx) would ask for 17 billion cells. The used range is therefore measured before it is
expanded: from calamine's extent of each sheet (its first filled cell and its size, known before
any Python row exists), the row and column counts of .xls, the fields of each CSV line as they
are read; a sheet beyond the limits is refused with its range named
(表格范围过大：Sheet1 的使用区域到 XFD1048576). The limits are settings
(LAWSTATS_MAX_SHEET_ROWS / _COLS / _CELLS). calamine itself allocates the bounding box of the
filled cells (A1 plus XFD1048576 is too large even for it, and it aborts the process): the parse
worker's memory limit (etl/sandbox.py) takes that blow, and the sheet is then named from its
XML cell references (xml_extent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from etl.problems import make_problem


@dataclass(frozen=True)
class ReadLimits:
    """Defaults as the settings' (lawstats/settings.py): a national wide table is 3,000 rows x
    120 columns = 360,000 cells, a year of long-format county figures about 150,000 rows."""

    rows: int = 250_000
    cols: int = 1_000
    cells: int = 2_500_000  # rows x columns of a sheet's used range, empty cells included
    file_cells: int = 5_000_000  # the same, summed over the sheets of one file

    @classmethod
    def from_settings(cls) -> ReadLimits:
        from lawstats import settings

        return cls(
            settings.max_sheet_rows(),
            settings.max_sheet_cols(),
            settings.max_sheet_cells(),
            settings.max_file_cells(),
        )


class SheetTooLarge(Exception):
    """A sheet's used range is beyond the limits; `problem` says which sheet and how far."""

    def __init__(self, problem):
        super().__init__(problem.message_en)
        self.problem = problem


def col_name(c: int) -> str:
    """Zero-based column index -> Excel letters (0 -> 'A')."""
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_number(letters: str) -> int:
    """Excel letters -> one-based column number ('A' -> 1, 'XFD' -> 16384)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def check_extent(filename: str, sheet: str, n_rows: int, n_cols: int, limits: ReadLimits) -> None:
    """Raise SheetTooLarge when a sheet of n_rows x n_cols (its used range from A1) is beyond
    the limits."""
    if n_rows <= 0 or n_cols <= 0:
        return
    over = []
    if n_rows > limits.rows:
        over.append(
            (f"{n_rows:,}行，上限{limits.rows:,}行", f"{n_rows:,} rows, limit {limits.rows:,}")
        )
    if n_cols > limits.cols:
        over.append(
            (f"{n_cols:,}列，上限{limits.cols:,}列", f"{n_cols:,} columns, limit {limits.cols:,}")
        )
    if not over and n_rows * n_cols > limits.cells:
        over.append(
            (
                f"{n_rows * n_cols:,}个单元格，上限{limits.cells:,}个",
                f"{n_rows * n_cols:,} cells, limit {limits.cells:,}",
            )
        )
    if over:
        raise SheetTooLarge(
            make_problem(
                "sheet_too_large",
                file=filename,
                sheet=sheet,
                sheet_name=sheet,
                end=f"{col_name(n_cols - 1)}{n_rows}",
                detail_zh="；".join(zh for zh, _ in over),
                detail_en="; ".join(en for _, en in over),
            )
        )


def check_total(filename: str, cells: int, limits: ReadLimits) -> None:
    """Raise SheetTooLarge when the sheets read so far hold more than `limits.file_cells`."""
    if cells > limits.file_cells:
        raise SheetTooLarge(
            make_problem(
                "file_too_many_cells",
                file=filename,
                cells=f"{cells:,}",
                limit=f"{limits.file_cells:,}",
            )
        )


# A cell's start tag in worksheet XML (any namespace prefix), and a cell reference (r="D7").
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")
_REF = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Z]{1,4})(\d{1,8})\"")


def xml_extent(xml: bytes, limits: ReadLimits) -> tuple[int, int]:
    """(rows, columns) of a worksheet's used range from A1, as a reader expands it: the
    farthest row and column any cell names. Cells without a reference (allowed, rare) count as
    one more column each, so such a sheet cannot hide its width; a sheet with more cell tags
    than `limits.cells` is returned as that many columns (it is too large anyway)."""
    tags = len(_CELL_TAG.findall(xml))
    if tags > limits.cells:
        return 1, tags
    refs = _REF.findall(xml)
    if not refs:
        return (1 if tags else 0), tags
    letters = max({a for a, _ in refs}, key=lambda s: (len(s), s))
    rows = max(int(b) for b in {b for _, b in refs})
    return rows, max(col_number(letters.decode()), tags - len(refs))
