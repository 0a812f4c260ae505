"""What an extraction produces: the tables found, how their columns and rows were understood,
the 上年同期 / 同比 columns read beside them, and the candidate facts (one per figure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from etl.cells import NOT_REPORTED, OK, WITHDRAW
from etl.problems import Report
from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.periods import Period


@dataclass
class ColumnMap:
    col_letter: str
    header_text: str
    indicator_code: str | None
    confidence: float
    unit: str | None  # the unit the file states (header or unit row); None if it states none
    multiplier: float  # file unit -> catalog unit
    role: str = "indicator"  # indicator | question | unmapped | comparison | region | period | ignored | ...
    compares: str | None = None  # comparison: the indicator whose last-year figure or change it is
    status: str = ""  # indicator columns: certain | answered; else the grammar's verdict
    reason_zh: str = ""  # why the column maps (or does not) in words
    reason_en: str = ""
    options: tuple[str, ...] = ()  # a question's indicators, best first
    answer_key: str = ""  # the key an answer to this column is kept under
    cell: str | None = None  # a row label's cell (long and yearbook tables)


@dataclass(slots=True)
class ExtractedRow:
    """One data row of a table and how its region label was understood."""

    row: int  # Excel row number
    cell: str | None  # address of the region cell
    region_text: str
    status: str  # ok | ambiguous | unknown | total
    region_code: str | None
    row_kind: str  # data | total
    candidates: tuple[str, ...] = ()
    message_zh: str = ""
    message_en: str = ""


@dataclass
class ExtractedTable:
    sheet: str
    layout: str  # wide | long | matrix | template
    confidence: float
    header_rows: list[int]  # Excel row numbers
    columns: list[ColumnMap]
    period: Period | None  # None when periods come from a column, or when none was found
    period_source: str | None  # column | title | sheet | filename | option | template
    context_code: str | None
    context_source: str | None  # option | template | title | sheet | filename | rows
    rows: list[ExtractedRow] = field(default_factory=list)
    indicator_code: str | None = None  # matrix: the one indicator
    title_lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    comparisons: list[ComparisonColumn] = field(default_factory=list)
    unit_code: str | None = None  # the reporting unit: the region the table reports for
    template_key: str | None = None  # the table's shape (etl.answers.template_key)
    labels: list[ColumnMap] = field(default_factory=list)  # row labels not mapped (long, yearbook)

    def questions(self) -> list[ColumnMap]:
        return [c for c in (*self.columns, *self.labels) if c.role == "question"]


@dataclass
class ComparisonCell:
    """One row of a 上年同期 / 同比 column, with the figures it can be checked against."""

    row: int  # Excel row number
    cell: str  # address of the comparison cell
    region_code: str | None
    region_text: str
    row_kind: str  # data | total
    value: float | None  # as the file states it; last year's figure in the catalog's unit
    raw: Any
    current: float | None  # this period's figure of the indicator on the row (catalog unit)
    previous: float | None  # change columns: last year's figure on the row, if the table has it


@dataclass
class ComparisonColumn:
    """A column that compares an indicator with the same period last year: last year's figure
    (上年同期) or the change (同比, in % / in units / in points). Read and checked, never stored
    as a figure of this period."""

    col_letter: str
    header_text: str
    indicator_code: str
    kind: str  # previous | change
    mode: str | None  # change: pct | abs | pp, or None: the figures tell which
    sign: int  # -1: a 下降/减少 column
    current_col: str | None  # letter of the indicator's own column in the table
    previous_col: str | None  # change: letter of the 上年同期 column it goes with
    period: Period | None
    cells: list[ComparisonCell] = field(default_factory=list)
    stored_checked: int | None = None  # previous: rows compared with the store (None: not asked)

    @property
    def checkable(self) -> list[ComparisonCell]:
        """Change columns: the rows with the change, this period's and last year's figure."""
        if self.kind != "change":
            return []
        return [
            c
            for c in self.cells
            if c.value is not None and c.current is not None and c.previous is not None
        ]

    def note(self, catalog: Catalog, lang: str = "zh") -> str:
        """What was recognised and checked, for the load report."""
        ind = catalog.get(self.indicator_code)
        name = ind.name_zh if lang != "en" else ind.name_en
        n = len(self.checkable)
        if lang == "en":
            what = "last year's figure" if self.kind == "previous" else "year-on-year change"
            if self.kind == "previous":
                done = (
                    f"; {self.stored_checked} rows checked against the stored figures"
                    if self.stored_checked
                    else ""
                )
            elif n:
                done = f"; {n} rows checked against this period's and last year's figures"
            else:
                done = "; not checked (figures missing)"
            return (
                f"column {self.col_letter} “{self.header_text}”: {what} of {name}, "
                f"not loaded as this period's data{done}"
            )
        what = "上年同期数" if self.kind == "previous" else "同比"
        if self.kind == "previous":
            done = f"，已与已入库数据核对{self.stored_checked}行" if self.stored_checked else ""
        else:
            done = f"，已按本期数和上年同期数核对{n}行" if n else "，缺少本期数或上年同期数，未核对"
        return f"{self.col_letter}列“{self.header_text}”：{name}的{what}，不作为本期数据导入{done}"


class CandidateFact(NamedTuple):
    """One figure as found in the file. A NamedTuple: millions are built per upload, cheaply."""

    region_code: str | None
    period: Period | None
    indicator_code: str
    value: float | None  # in the catalog's unit; rates in percent (98.6)
    is_approximate: bool
    is_not_reported: bool
    is_reported_rate: bool  # a ratio indicator's value as the file stated it
    sheet: str
    cell: str
    row_kind: str  # data | total
    region_text: str
    status: str = OK  # ok | not_reported | invalid | error | withdraw
    raw: Any = None
    header: str = ""  # the header (or long-layout indicator label) as written

    @property
    def address(self) -> str:
        return f"{self.sheet}!{self.cell}"

    @property
    def is_valid(self) -> bool:
        """A value that can be stored: a number, a not-reported blank (stored as nothing) or a
        withdrawal mark."""
        return self.status in (OK, NOT_REPORTED, WITHDRAW)


_new_fact = tuple.__new__  # skips NamedTuple's Python-level __new__ in the hot loops


def period_span(period: Period | None) -> tuple | None:
    """A period as (start, end): the key to group facts by (hashing Period objects costs more)."""
    return None if period is None else (period.start, period.end)


@dataclass
class Extraction:
    filename: str
    sha256: str
    format: str | None
    tables: list[ExtractedTable]
    facts: Sequence[CandidateFact]  # a FactColumns from extract_file; a list is accepted too
    report: Report

    @property
    def ok(self) -> bool:
        return self.report.ok

    def questions(self) -> list[tuple[ExtractedTable, ColumnMap]]:
        """Every column the analyst must answer before the file can load."""
        return [(t, c) for t in self.tables for c in t.questions()]

    def conversion_notes(self) -> list[tuple[str, str]]:
        """One (zh, en) line per column read in another unit and converted exactly."""
        return [
            (f"{t.sheet}!{c.col_letter}: {c.reason_zh}", f"{t.sheet}!{c.col_letter}: {c.reason_en}")
            for t in self.tables
            for c in t.columns
            if c.role == "indicator" and c.multiplier != 1.0 and c.reason_zh
        ]

    def comparison_notes(self, lang: str = "zh", catalog: Catalog | None = None) -> list[str]:
        """One line per recognised 上年同期 / 同比 column: what it is and how it was checked."""
        catalog = catalog or load_catalog()
        return [
            f"{t.sheet}!{c.col_letter}: {c.note(catalog, lang)}"
            for t in self.tables
            for c in t.comparisons
        ]
