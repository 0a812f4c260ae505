"""What layout detection finds: a DetectedTable with its Columns and layout, and how a raw cell
reads as header or label text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from etl.headers import Comparison, HeaderMatch
from etl.readers import Sheet, col_letter
from etl.template import TemplateMeta
from lawstats.domain.periods import Period

LAYOUTS = ("wide", "long", "matrix", "yearbook", "template")
UNRECOGNISED = "unrecognised"  # a table below or beside another whose header names no indicator
UNCERTAIN_BELOW = 0.6


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
    # members down the rows (纠纷类型 | 受理纠纷(件)): the indicator columns, each read for every
    # row label with the label under the column's header (the long layout's value_col, in turn)
    member_cols: list[int] = field(default_factory=list)

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


def _row_cells(row: list[Any]) -> list[tuple[int, Any]]:
    return [(c, v) for c, v in enumerate(row) if v is not None and _filled(v)]
