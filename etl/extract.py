"""Extract candidate facts from an uploaded file: find tables, resolve regions and periods, convert units."""

from __future__ import annotations

import gc
import hashlib
import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from pathlib import PurePath
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.cells import INVALID, NOT_REPORTED, OK, parse_cell, unit_multiplier
from etl.headers import header_key, match_header
from etl.layout import (
    UNCERTAIN_BELOW,
    Column,
    DetectedTable,
    cell_text,
    detect_tables,
    template_table,
)
from etl.problems import Report, make_problem
from etl.readers import MAX_UNPACKED_BYTES, ReadError, Workbook, col_letter, read_workbook
from etl.template import META_SHEET, read_template_meta
from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.periods import Period, PeriodError, find_period, parse_period
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.domain.text import normalize_text


@dataclass
class ColumnMap:
    col_letter: str
    header_text: str
    indicator_code: str | None
    confidence: float
    unit: str | None  # the unit the file states (header or unit row); None if it states none
    multiplier: float  # file unit -> catalog unit
    role: str = "indicator"  # indicator | unmapped | comparison | region | period | ignored | ...
    compares: str | None = None  # comparison: the indicator whose last-year figure or change it is


@dataclass
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
    status: str = OK  # ok | not_reported | invalid | error
    raw: Any = None
    header: str = ""  # the header (or long-layout indicator label) as written

    @property
    def address(self) -> str:
        return f"{self.sheet}!{self.cell}"

    @property
    def is_valid(self) -> bool:
        """A value that can be stored: a number, or an explicit not-reported blank."""
        return self.status in (OK, NOT_REPORTED)


_new_fact = tuple.__new__  # skips NamedTuple's Python-level __new__ in the hot loops
_FIELD = {name: k for k, name in enumerate(CandidateFact._fields)}


class Same(NamedTuple):
    """A field value shared by every fact of a chunk (the indicator of a column, the sheet...)."""

    value: Any


def period_span(period: Period | None) -> tuple | None:
    """A period as (start, end): the key to group facts by (hashing Period objects costs more)."""
    return None if period is None else (period.start, period.end)


class CellRefs(Sequence):
    """The cell addresses of one column's facts ('B3', 'B4', ...), joined only when read."""

    __slots__ = ("letter", "numbers")

    def __init__(self, letter: str, numbers: list[str]):
        self.letter = letter
        self.numbers = numbers  # the rows' Excel numbers as text

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, j):
        if isinstance(j, slice):
            return [self.letter + n for n in self.numbers[j]]
        return self.letter + self.numbers[j]

    def __iter__(self) -> Iterator[str]:
        letter = self.letter
        return (letter + n for n in self.numbers)


class FactColumns(Sequence):
    """The candidate facts of an extraction, kept column-wise in chunks.

    A wide table adds one chunk per indicator column: its fields are the column's own sequences
    (values, statuses, cells...) or one `Same` value for the whole chunk, so no per-fact object
    is built while extracting. As a sequence it gives CandidateFact tuples (built once, on first
    use); the checks and the loader read whole columns (`field`, `numbers`, `codes`) instead.
    """

    def __init__(self, facts: Iterable[CandidateFact] = ()):
        self._chunks: list[tuple[int, tuple]] = []
        self._loose: list[CandidateFact] = list(facts)  # facts added one at a time
        self._n = len(self._loose)
        self._list: list[CandidateFact] | None = None
        self._starts: list[int] | None = None
        self._columns: dict[tuple, Any] = {}  # numbers() and codes() answers, until facts change

    @classmethod
    def of(cls, facts: Iterable[CandidateFact]) -> FactColumns:
        return facts if isinstance(facts, FactColumns) else cls(facts)

    def append(self, fact: CandidateFact) -> None:
        self._loose.append(fact)
        self._n += 1
        self._list = self._starts = None
        self._columns.clear()

    def add_chunk(self, n: int, fields: Sequence[Any]) -> None:
        """n facts; `fields` in CandidateFact order, each a sequence of n values or a Same."""
        if n <= 0:
            return
        self._flush()
        self._chunks.append((n, tuple(fields)))
        self._n += n
        self._list = self._starts = None
        self._columns.clear()

    def _flush(self) -> list[tuple[int, tuple]]:
        if self._loose:
            self._chunks.append((len(self._loose), tuple(zip(*self._loose, strict=True))))
            self._loose = []
        return self._chunks

    # -- as a sequence of CandidateFact --------------------------------------------------

    def _facts(self) -> list[CandidateFact]:
        if self._list is None:
            out: list[CandidateFact] = []
            for n, fields in self._flush():
                cols = (repeat(f.value, n) if type(f) is Same else f for f in fields)
                out.extend(map(_new_fact, repeat(CandidateFact), zip(*cols, strict=True)))
            self._list = out
        return self._list

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        return self._facts()[i]

    def __iter__(self) -> Iterator[CandidateFact]:
        return iter(self._facts())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FactColumns):
            return self._facts() == other._facts()
        if isinstance(other, list):
            return self._facts() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FactColumns({self._n} facts)"

    def fact(self, i: int) -> CandidateFact:
        """The i-th fact, built alone (problems need a few facts, not all of them)."""
        if self._list is not None:
            return self._list[i]
        chunks = self._flush()
        if self._starts is None:
            starts, at = [], 0
            for n, _fields in chunks:
                starts.append(at)
                at += n
            self._starts = starts
        k = bisect_right(self._starts, i) - 1
        j = i - self._starts[k]
        fields = chunks[k][1]
        return _new_fact(CandidateFact, tuple(f.value if type(f) is Same else f[j] for f in fields))

    # -- column-wise ---------------------------------------------------------------------

    def field(self, name: str) -> list[Any]:
        """One field of every fact, in order."""
        k = _FIELD[name]
        out: list[Any] = []
        for n, fields in self._flush():
            f = fields[k]
            out.extend(repeat(f.value, n) if type(f) is Same else f)
        return out

    def numbers(self, name: str, dtype: Any = np.float64) -> np.ndarray:
        """A numeric or boolean field as a read-only array (None -> NaN for floats)."""
        cached = self._columns.get(("numbers", name, dtype))
        if cached is not None:
            return cached
        k = _FIELD[name]
        parts = []
        for n, fields in self._flush():
            f = fields[k]
            if type(f) is Same:
                parts.append(np.full(n, np.nan if f.value is None else f.value, dtype=dtype))
            else:
                parts.append(np.asarray(f, dtype=dtype))
        out = np.concatenate(parts) if parts else np.empty(0, dtype=dtype)
        out.flags.writeable = False
        self._columns["numbers", name, dtype] = out
        return out

    def codes(
        self, name: str, key: Callable[[Any], Any] | None = None
    ) -> tuple[np.ndarray, list[Any]]:
        """Factorise a field: an int64 code per fact (first appearance order) and the distinct
        values (or keys). A sequence shared by several chunks (the rows' region codes under every
        column of a wide table) is coded once; the answer is kept for the next caller with the
        same field and key function (the codes are read-only)."""
        cached = self._columns.get(("codes", name, key))
        if cached is not None:
            return cached
        k = _FIELD[name]
        index: dict[Any, int] = {}
        uniques: list[Any] = []

        def code(value: Any) -> int:
            v = value if key is None else key(value)
            c = index.get(v)
            if c is None:
                c = index[v] = len(uniques)
                uniques.append(v)
            return c

        memo: dict[int, np.ndarray] = {}
        parts = []
        for n, fields in self._flush():
            f = fields[k]
            if type(f) is Same:
                parts.append(np.full(n, code(f.value), dtype=np.int64))
                continue
            got = memo.get(id(f))
            if got is None:
                got = memo[id(f)] = self._code_sequence(f, n, code, key)
            parts.append(got)
        out = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        out.flags.writeable = False
        self._columns["codes", name, key] = (out, uniques)
        return out, uniques

    @staticmethod
    def _code_sequence(
        values: Sequence[Any], n: int, code: Callable[[Any], int], key: Callable | None
    ) -> np.ndarray:
        """codes() of one sequence: hashed in C (pandas) where no key function is given."""
        if key is None and n > 64:
            local, uniques = pd.factorize(np.fromiter(values, dtype=object, count=n))
            missing = np.flatnonzero(local < 0)
            if all(values[i] is None for i in missing.tolist()):  # None only: no NaN to tell apart
                remap = [code(u) for u in uniques]
                if len(missing):
                    remap.append(code(None))  # local code -1 takes the last entry
                return np.array(remap, dtype=np.int64)[local]
        return np.fromiter(map(code, values), dtype=np.int64, count=n)

    def address_array(self) -> pa.Array:
        """addresses() as an Arrow string array, joined in Arrow (no Python string per fact)."""
        ks, kc = _FIELD["sheet"], _FIELD["cell"]
        parts: list[pa.Array] = []
        numbers: dict[int, pa.Array] = {}  # a table's row numbers, shared by its columns
        for n, fields in self._flush():
            sheet, cells = fields[ks], fields[kc]
            if type(sheet) is Same and type(cells) is CellRefs and cells.letter:
                rows = numbers.get(id(cells.numbers))
                if rows is None:
                    rows = numbers[id(cells.numbers)] = pa.array(cells.numbers, pa.string())
                prefix = f"{sheet.value}!{cells.letter}"
                parts.append(pc.binary_join_element_wise(prefix, rows, ""))
            else:
                parts.append(pa.array(self._chunk_addresses(n, sheet, cells), pa.string()))
        return pa.concat_arrays(parts) if parts else pa.array([], pa.string())

    def addresses(self) -> list[str]:
        """'Sheet!Cell' of every fact (the sheet alone where a fact has no cell)."""
        ks, kc = _FIELD["sheet"], _FIELD["cell"]
        out: list[str] = []
        for n, fields in self._flush():
            out.extend(self._chunk_addresses(n, fields[ks], fields[kc]))
        return out

    @staticmethod
    def _chunk_addresses(n: int, sheet: Any, cells: Any) -> list[str]:
        if type(sheet) is Same and type(cells) is CellRefs and cells.letter:
            prefix = f"{sheet.value}!{cells.letter}"
            return [prefix + r for r in cells.numbers]
        sheets = repeat(sheet.value, n) if type(sheet) is Same else sheet
        cells = repeat(cells.value, n) if type(cells) is Same else cells
        return [f"{s}!{c}" if c else s for s, c in zip(sheets, cells, strict=False)]


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

    def comparison_notes(self, lang: str = "zh", catalog: Catalog | None = None) -> list[str]:
        """One line per recognised 上年同期 / 同比 column: what it is and how it was checked."""
        catalog = catalog or load_catalog()
        return [
            f"{t.sheet}!{c.col_letter}: {c.note(catalog, lang)}"
            for t in self.tables
            for c in t.comparisons
        ]


# --- context (which city/province the file is about) ----------------------------------------

_CJK_RUN_RE = re.compile(r"[\u4e00-\u9fff]+")
_SUFFIX_CHARS = frozenset("省市区县州盟旗")


def find_region_context(
    texts: list[str], regions: RegionTable, *, allow_county: bool = False
) -> str | None:
    """The city or province a title / file name names (天水市, 甘肃省天水市, 秦州区司法局 -> 天水市);
    with allow_county, the county itself (秦州区司法局 -> 秦州区)."""
    for text in texts:
        found: set[str] = set()
        for m in _CJK_RUN_RE.finditer(normalize_text(text)):
            run = m.group(0)
            for end in range(2, len(run) + 1):
                suffixed = run[end - 1] in _SUFFIX_CHARS
                for start in range(max(0, end - 12), end - 1):
                    res = regions.resolve(run[start:end])
                    if res.status != "ok":
                        continue
                    region = regions.get(res.code)
                    if not suffixed and region.level == "county":
                        continue  # bare county short names are too often ordinary words
                    found.add(res.code)
                    break
        chosen = _context_of(found, regions, allow_county)
        if chosen:
            return chosen
    return None


def _context_of(codes: set[str], regions: RegionTable, allow_county: bool = False) -> str | None:
    """The deepest region on one chain with every found region; a county gives its city unless
    allow_county."""
    lifted = set()
    for code in codes:
        region = regions.get(code)
        if region.level == "county" and not allow_county:
            if region.parent_code is None:
                continue
            code = region.parent_code
        lifted.add(code)
    if not lifted:
        return None
    deepest = max(lifted, key=lambda c: len(regions.ancestors(c)))
    if all(regions.is_within(deepest, c) for c in lifted):
        return deepest
    return None


def _infer_context(codes: list[str], regions: RegionTable) -> str | None:
    """The city (else province) that most of the resolved rows share."""
    if len(codes) < 2:
        return None
    lines = [[a.code for a in regions.ancestors(code)[:2]] for code in codes]
    for depth in (1, 2):
        parents = Counter(line[depth - 1] for line in lines if len(line) >= depth)
        if parents:
            parent, n = parents.most_common(1)[0]
            if n >= 0.6 * len(codes):
                return parent
    return None


def _resolve_context(value: str | None, regions: RegionTable) -> str | None:
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    if value in regions:
        return value
    res = regions.resolve(value)
    return res.code if res.status in ("ok", "total") else None


# --- the extraction -------------------------------------------------------------------------


def _period_hint(exc: Exception) -> dict[str, str]:
    if isinstance(exc, PeriodError):
        return {"hint_zh": f"（{exc.message_zh}）", "hint_en": f" ({exc.message_en})"}
    return {}


def _all_finite_floats(values: Sequence[Any]) -> bool:
    """Every value a finite float (the usual numeric column), checked without a Python loop."""
    return set(map(type, values)) == {float} and math.isfinite(sum(values))


def _round(value: float) -> float:
    """Remove float noise after a unit conversion (294.17000000000002 -> 294.17)."""
    return float(f"{value:.12g}")


def _beside(columns: list[Column], index: int, wanted: Callable[[Column], bool]) -> Column | None:
    """The column nearest to `index` that is wanted, looking left first."""
    left = [c for c in columns if c.index < index and c.match is not None and wanted(c)]
    if left:
        return left[-1]
    return next((c for c in columns if c.index > index and c.match is not None and wanted(c)), None)


def _figure(line: list[Any], col: Column | None) -> float | None:
    """A figure of a row in the catalog's unit (None when blank, not a number or no column)."""
    if col is None or col.index >= len(line):
        return None
    cv = parse_cell(line[col.index])
    if cv.status != OK:
        return None
    m = col.match
    return _round(cv.value * m.multiplier) if m.unit_ok and m.multiplier != 1.0 else cv.value


_UP_RE = re.compile(r"^(?:增长|增加|上升|提高|升|增|↑)")
_DOWN_RE = re.compile(r"^(?:下降|减少|降低|下滑|降|减|↓)")


def _change_value(raw: Any, multiplier: float, sign: int) -> float | None:
    """A change or last year's figure as written (5.3, "5.3%", "增长5.3%", "下降2.1%", "↓2.1")."""
    if type(raw) is str:
        text = normalize_text(raw).strip()
        if _DOWN_RE.match(text):
            sign, text = -sign, _DOWN_RE.sub("", text)
        elif _UP_RE.match(text):
            text = _UP_RE.sub("", text)
        raw = text
    cv = parse_cell(raw)
    if cv.status != OK:
        return None
    value = cv.value * sign
    return _round(value * multiplier) if multiplier != 1.0 else value


class _Extractor:
    def __init__(
        self,
        book: Workbook,
        report: Report,
        catalog: Catalog,
        regions: RegionTable,
        period: Period | None,
        context: str | None,
        extra_spellings: Mapping[str, str] | None,
    ):
        self.book = book
        self.report = report
        self.catalog = catalog
        self.regions = regions
        self.period_option = period
        self.context_option = context
        self.extra = extra_spellings
        self.facts = FactColumns()
        self.file = book.filename
        self.stem = PurePath(book.filename).stem

    def problem(self, code: str, **kw: Any) -> None:
        self.report.add(make_problem(code, file=self.file, **kw))

    # -- context and period -------------------------------------------------------------

    def table_context(self, table: DetectedTable) -> tuple[str | None, str | None]:
        if self.context_option:
            return self.context_option, "option"
        if table.template is not None and table.template.city_code in self.regions:
            return table.template.city_code, "template"
        found = find_region_context(table.title_lines, self.regions)
        if found:
            return found, "title"
        found = find_region_context(table.sheet_titles, self.regions)
        if found:
            return found, "sheet_title"
        if self.book.format != "csv":
            found = find_region_context([table.sheet.name], self.regions)
            if found:
                return found, "sheet"
        found = find_region_context([self.stem], self.regions)
        if found:
            return found, "filename"
        return None, None

    def table_period(self, table: DetectedTable) -> tuple[Period | None, str | None]:
        if self.period_option is not None:
            return self.period_option, "option"
        if table.template is not None and table.template.period is not None:
            return table.template.period, "template"
        for lines, source in ((table.title_lines, "title"), (table.sheet_titles, "sheet_title")):
            for line in lines:
                found = find_period(line)
                if found:
                    return found, source
        if self.book.format != "csv":
            found = find_period(table.sheet.name)
            if found:
                return found, "sheet"
        found = find_period(self.stem)
        if found:
            return found, "filename"
        return None, None

    # -- rows ---------------------------------------------------------------------------

    def resolve_rows(
        self, table: DetectedTable, context: str | None
    ) -> tuple[list[ExtractedRow], str | None, bool]:
        """Resolve the region of every data row; infer the context from the rows if none was given."""
        sheet = table.sheet
        rc, cc = table.region_col, table.code_col
        if rc is None and cc is None:
            return self.single_region_rows(table), context, False
        texts: list[tuple[int, str, str | None]] = []
        for r in table.data_rows:
            row = sheet.cells[r]
            text = cell_text(row[rc]) if rc is not None and rc < len(row) else ""
            code = cell_text(row[cc]) if cc is not None and cc < len(row) else None
            texts.append((r, text, code or None))
        inferred = False
        without_context: dict[str, Any] = {}  # text -> its resolution with no context
        if context is None:
            codes = []
            for _r, text, code in texts:
                if code and code in self.regions:
                    codes.append(code)
                    continue
                res = without_context[text] = self.regions.resolve(text)
                if res.status == "ok":
                    codes.append(res.code)
            context = _infer_context(codes, self.regions)
            inferred = context is not None
        rows = []
        letter = col_letter(rc) if rc is not None else None
        for r, text, code in texts:
            cell = letter + str(r + 1) if letter is not None else None
            if (
                code
                and code in self.regions
                and (context is None or self.regions.is_within(code, context))
            ):
                status, res_code, cands, mzh, men = "ok", code, (code,), "", ""
            else:
                res = without_context.get(text) if context is None else None
                if res is None:
                    res = self.regions.resolve(text, context)
                status, res_code, cands = res.status, res.code, res.candidates
                mzh, men = res.message_zh, res.message_en
            kind = "data"
            if status == "total":
                kind, res_code = "total", res_code or context
            elif status == "ok" and res_code == context:
                kind = "total"
            elif status != "ok" and not self.row_has_values(table, r):
                continue  # a section label such as "一、城区" with no figures
            rows.append(ExtractedRow(r + 1, cell, text, status, res_code, kind, cands, mzh, men))
        self.settle_by_level(rows)
        return rows, context, inferred

    def settle_by_level(self, rows: list[ExtractedRow]) -> None:
        """A namesake among rows of one level: 南昌 in a list of cities is 南昌市, not 南昌县."""
        levels = Counter(
            self.regions.get(r.region_code).level
            for r in rows
            if r.status == "ok" and r.row_kind == "data"
        )
        if not levels:
            return
        level, n = levels.most_common(1)[0]
        if n < 0.8 * sum(levels.values()):
            return
        for i, row in enumerate(rows):
            if row.status != "ambiguous":
                continue
            same = [c for c in row.candidates if self.regions.get(c).level == level]
            if len(same) == 1:
                full = self.regions.full_name(same[0])
                rows[i] = ExtractedRow(
                    row.row,
                    row.cell,
                    row.region_text,
                    "ok",
                    same[0],
                    row.row_kind,
                    (same[0],),
                    f"“{row.region_text}”按同表其他地区的级别识别为{full}（{same[0]}）",
                    f'"{row.region_text}" is {full} ({same[0]}), like the other rows\' level',
                )

    def single_region_rows(self, table: DetectedTable) -> list[ExtractedRow]:
        """No region column: the table is one region's own report, named in the title or file name."""
        own = None
        if self.context_option:
            own = self.context_option
        else:
            texts = [*table.title_lines, *table.sheet_titles]
            if self.book.format != "csv":
                texts.append(table.sheet.name)
            texts.append(self.stem)
            for text in texts:
                own = find_region_context([text], self.regions, allow_county=True)
                if own:
                    break
        rows = []
        for r in table.data_rows:
            if own is None:
                res = self.regions.resolve("")
                rows.append(
                    ExtractedRow(
                        r + 1, None, "", "unknown", None, "data", (), res.message_zh, res.message_en
                    )
                )
            else:
                # The region's own figures, even for a city: data, not a totals row.
                name = self.regions.get(own).name
                rows.append(ExtractedRow(r + 1, None, name, "ok", own, "data"))
        return rows

    def row_has_values(self, table: DetectedTable, r: int) -> bool:
        row = table.sheet.cells[r]
        skip = {table.region_col, table.code_col}
        return any(
            c not in skip and parse_cell(v).status != NOT_REPORTED for c, v in enumerate(row)
        )

    # -- one table ----------------------------------------------------------------------

    def extract_table(self, table: DetectedTable) -> ExtractedTable:
        sheet = table.sheet
        context, context_source = self.table_context(table)
        rows, context, inferred = self.resolve_rows(table, context)
        if inferred:
            context_source = "rows"
        period, period_source = self.table_period(table)
        per_column = table.layout == "matrix" or table.period_col is not None
        if per_column:
            default_year = period.start.year if period is not None else None
            period, period_source = None, "column"
        else:
            default_year = None
        resolved = sum(1 for r in rows if r.status in ("ok", "total"))
        confidence = table.confidence
        if rows:
            confidence = round(confidence * (0.6 + 0.4 * resolved / len(rows)), 3)
        columns = self.column_maps(table)
        out = ExtractedTable(
            sheet=sheet.name,
            layout=table.layout,
            confidence=confidence,
            header_rows=[h + 1 for h in table.header_rows],
            columns=columns,
            period=period,
            period_source=period_source if (period is not None or per_column) else None,
            context_code=context,
            context_source=context_source if context else None,
            rows=rows,
            indicator_code=table.indicator.indicator_code if table.indicator else None,
            title_lines=table.title_lines,
            notes=table.notes,
        )
        if confidence < UNCERTAIN_BELOW:
            self.problem(
                "layout_uncertain",
                sheet=sheet.name,
                layout=table.layout,
                confidence=f"{confidence:.0%}",
            )
        row_periods = (
            self.row_periods(table, rows, default_year) if table.period_col is not None else None
        )
        if table.layout == "long":
            self.long_facts(table, rows, period, row_periods)
        elif table.layout == "matrix":
            self.matrix_facts(table, rows)
        else:
            self.wide_facts(table, rows, period, row_periods)
            out.comparisons = self.comparisons(table, rows, period)
        return out

    def unrecognised(self, table: DetectedTable) -> None:
        """A table below or beside a recognised one that names no indicator: say it was left out."""
        r0 = table.header_rows[0]
        first = next((c for c, v in enumerate(table.sheet.cells[r0]) if cell_text(v)), 0)
        header = " | ".join(c.header_text for c in table.columns if c.path)
        self.problem(
            "unrecognised_table",
            sheet=table.sheet.name,
            cell=f"{col_letter(first)}{r0 + 1}",
            header=header if len(header) <= 80 else header[:79] + "…",
        )

    def comparisons(
        self, table: DetectedTable, rows: list[ExtractedRow], period: Period | None
    ) -> list[ComparisonColumn]:
        """The 上年同期 / 同比 columns of a wide table, each row with the figures to check it by."""
        found = [c for c in table.columns if c.role == "comparison" and c.match is not None]
        if not found:
            return []
        cells = table.sheet.cells
        out = []
        for col in found:
            code = col.match.indicator_code
            kind = col.comparison.kind
            current = _beside(
                table.columns,
                col.index,
                lambda c, code=code: c.role == "indicator" and c.match.indicator_code == code,
            )
            previous = None
            if kind == "change":
                previous = _beside(
                    table.columns,
                    col.index,
                    lambda c, code=code: (
                        c.role == "comparison"
                        and c.comparison.kind == "previous"
                        and c.match.indicator_code == code
                    ),
                )
            comp = ComparisonColumn(
                col.letter,
                col.header_text,
                code,
                kind,
                col.comparison.mode,
                col.comparison.sign,
                current.letter if current else None,
                previous.letter if previous else None,
                period,
            )
            scale = col.match.multiplier if col.match.unit_ok else 1.0
            own_scale = scale if kind == "previous" or col.comparison.mode == "abs" else 1.0
            for row in rows:
                line = cells[row.row - 1]
                raw = line[col.index] if col.index < len(line) else None
                comp.cells.append(
                    ComparisonCell(
                        row.row,
                        f"{col.letter}{row.row}",
                        row.region_code,
                        row.region_text,
                        row.row_kind,
                        _change_value(raw, own_scale, col.comparison.sign),
                        raw,
                        _figure(line, current),
                        _figure(line, previous),
                    )
                )
            out.append(comp)
        return out

    def column_maps(self, table: DetectedTable) -> list[ColumnMap]:
        out = []
        for c in table.columns:
            if c.role == "blank":
                if not self.column_has_data(table, c.index):
                    continue
                c.role = "unmapped"
            m = c.match
            if m is not None and c.role == "indicator":
                out.append(
                    ColumnMap(
                        c.letter,
                        c.header_text,
                        m.indicator_code,
                        m.confidence,
                        m.unit,
                        m.multiplier,
                        "indicator",
                    )
                )
                if not m.unit_ok:
                    ind = self.catalog.get(m.indicator_code)
                    self.problem(
                        "unit_mismatch",
                        sheet=table.sheet.name,
                        cell=f"{c.letter}{table.header_rows[-1] + 1}",
                        indicator=ind.code,
                        column=c.header_text,
                        unit=m.unit,
                        expected=ind.unit,
                    )
            elif c.role == "comparison" and m is not None:
                out.append(
                    ColumnMap(
                        c.letter,
                        c.header_text,
                        None,
                        m.confidence,
                        m.unit,
                        m.multiplier,
                        "comparison",
                        compares=m.indicator_code,
                    )
                )
            else:
                conf = m.confidence if m is not None else 1.0
                out.append(ColumnMap(c.letter, c.header_text, None, conf, None, 1.0, c.role))
        return out

    def column_has_data(self, table: DetectedTable, j: int) -> bool:
        cells = table.sheet.cells
        return any(j < len(cells[r]) and cell_text(cells[r][j]) for r in table.data_rows)

    def row_periods(
        self, table: DetectedTable, rows: list[ExtractedRow], default_year: int | None
    ) -> dict[int, Period | None]:
        out: dict[int, Period | None] = {}
        j = table.period_col
        cache: dict[str, Period | None] = {}
        for row in rows:
            cells = table.sheet.cells[row.row - 1]
            raw = cells[j] if j < len(cells) else None
            text = cell_text(raw)
            if not text:
                out[row.row] = self.period_option
                if self.period_option is None:
                    self.problem(
                        "bad_period",
                        sheet=table.sheet.name,
                        cell=f"{col_letter(j)}{row.row}",
                        raw="",
                        hint_zh="（期间为空）",
                        hint_en=" (the period is empty)",
                    )
                continue
            if text not in cache:
                try:
                    cache[text] = parse_period(text, default_year=default_year)
                except (PeriodError, ValueError) as exc:
                    cache[text] = None
                    self.problem(
                        "bad_period",
                        sheet=table.sheet.name,
                        cell=f"{col_letter(j)}{row.row}",
                        raw=text,
                        **_period_hint(exc),
                    )
            out[row.row] = cache[text]
        return out

    # -- facts --------------------------------------------------------------------------

    def _scale_fractions(
        self,
        values: Sequence[Any],
        table: DetectedTable,
        cell: str,
        label: str,
        code: str,
        finite: bool = False,
    ) -> bool:
        """Percent-formatted Excel cells arrive as 0.986: if every plain number of a rate column is
        at most 1 (and one is above 0), they are fractions; multiply by 100 and say so.
        `finite`: the values are known to be finite floats (each one a plain number)."""
        if finite:
            plain = values
        else:
            plain = []
            for raw in values:
                cv = parse_cell(raw)
                if cv.status == OK and not cv.percent:
                    plain.append(cv.value)
        if not plain or max(plain) > 1.0 or max(plain) <= 0:
            return False
        example = next(v for v in plain if v > 0)
        self.problem(
            "fraction_rate_scaled",
            sheet=table.sheet.name,
            cell=cell,
            column=label,
            indicator=code,
            example=example,
        )
        return True

    @staticmethod
    def _value(raw: Any, ratio: bool, multiplier: float, scale: bool) -> tuple:
        """(value, is_approximate, is_not_reported, is_reported_rate, status) of one raw cell."""
        cv = parse_cell(raw)
        value, status = cv.value, cv.status
        if status == OK:
            if cv.percent and not ratio:
                return None, cv.is_approximate, False, False, INVALID
            if scale and not cv.percent:
                value = _round(value * 100)
            if multiplier != 1.0:
                value = _round(value * multiplier)
        return value, cv.is_approximate, status == NOT_REPORTED, ratio and status == OK, status

    def _add(
        self,
        raw: Any,
        row: ExtractedRow,
        period: Period | None,
        code: str,
        ratio: bool,
        multiplier: float,
        scale: bool,
        sheet: str,
        cell: str,
        header: str,
    ) -> None:
        value, approx, not_reported, reported_rate, status = self._value(
            raw, ratio, multiplier, scale
        )
        self.facts.append(
            _new_fact(
                CandidateFact,
                (
                    row.region_code,
                    period,
                    code,
                    value,
                    approx,
                    not_reported,
                    reported_rate,
                    sheet,
                    cell,
                    row.row_kind,
                    row.region_text,
                    status,
                    raw,
                    header,
                ),
            )
        )

    def wide_facts(
        self,
        table: DetectedTable,
        rows: list[ExtractedRow],
        period: Period | None,
        row_periods: dict[int, Period | None] | None,
    ) -> None:
        if not rows:
            return
        cells = table.sheet.cells
        name = table.sheet.name
        # Column-wise over pre-sliced tuples of the indicator columns only: this work is done
        # once per cell of the table.
        wanted = [c.index for c in table.columns if c.role == "indicator" and c.match is not None]
        lines = [cells[row.row - 1] for row in rows]
        if len(wanted) == 1:
            by_column = {wanted[0]: tuple(line[wanted[0]] for line in lines)}
        elif wanted:
            picked = zip(*map(itemgetter(*wanted), lines), strict=True)
            by_column = dict(zip(wanted, picked, strict=True))
        codes = [row.region_code for row in rows]
        kinds = [row.row_kind for row in rows]
        texts = [row.region_text for row in rows]
        numbers = [str(row.row) for row in rows]
        if row_periods is None:
            periods: Any = Same(period)
        else:
            periods = [row_periods.get(row.row) for row in rows]
        n = len(rows)
        for col in table.columns:
            if col.role != "indicator" or col.match is None:
                continue
            ind = self.catalog.get(col.match.indicator_code)
            code, ratio = ind.code, ind.is_ratio
            multiplier = col.match.multiplier if col.match.unit_ok else 1.0
            header, letter = col.header_text, col.letter
            column = by_column[col.index]
            finite = _all_finite_floats(column)
            scale = ratio and self._scale_fractions(
                column, table, f"{letter}{table.header_rows[-1] + 1}", header, code, finite
            )
            value = self._value
            plain = not ratio and multiplier == 1.0
            if finite and not scale and multiplier == 1.0:
                # A column of plain finite numbers, the usual case: no per-cell work at all.
                values: Any = column
                approx = not_reported = Same(False)
                reported, status = Same(ratio), Same(OK)
            elif plain:
                parts = [
                    (raw, False, False, False, OK)
                    if type(raw) is float and raw == raw
                    else value(raw, ratio, multiplier, scale)
                    for raw in column
                ]
                values, approx, not_reported, reported, status = zip(*parts, strict=True)
            else:
                parts = [value(raw, ratio, multiplier, scale) for raw in column]
                values, approx, not_reported, reported, status = zip(*parts, strict=True)
            self.facts.add_chunk(
                n,
                (
                    codes,
                    periods,
                    Same(code),
                    values,
                    approx,
                    not_reported,
                    reported,
                    Same(name),
                    CellRefs(letter, numbers),
                    kinds,
                    texts,
                    status,
                    column,
                    Same(header),
                ),
            )

    def matrix_facts(self, table: DetectedTable, rows: list[ExtractedRow]) -> None:
        match = table.indicator
        if match is None or match.indicator_code is None:
            self.problem("no_indicator", sheet=table.sheet.name, raw=table.indicator_text or "")
            return
        ind = self.catalog.get(match.indicator_code)
        multiplier = match.multiplier if match.unit_ok else 1.0
        if not match.unit_ok:
            self.problem(
                "unit_mismatch",
                sheet=table.sheet.name,
                indicator=ind.code,
                column=table.indicator_text,
                unit=match.unit,
                expected=ind.unit,
            )
        cells = table.sheet.cells
        period_cols = [c for c in table.columns if c.role == "period_value"]
        scale = False
        if ind.is_ratio:
            values = [
                cells[row.row - 1][c.index] if c.index < len(cells[row.row - 1]) else None
                for c in period_cols
                for row in rows
            ]
            scale = self._scale_fractions(
                values,
                table,
                f"{period_cols[0].letter}{table.header_rows[-1] + 1}",
                ind.name_zh,
                ind.code,
            )
        header = table.indicator_text or ind.name_zh
        for col in period_cols:
            j = col.index
            for row in rows:
                line = cells[row.row - 1]
                self._add(
                    line[j] if j < len(line) else None,
                    row,
                    col.period,
                    ind.code,
                    ind.is_ratio,
                    multiplier,
                    scale,
                    table.sheet.name,
                    f"{col.letter}{row.row}",
                    header,
                )

    def long_facts(
        self,
        table: DetectedTable,
        rows: list[ExtractedRow],
        period: Period | None,
        row_periods: dict[int, Period | None] | None,
    ) -> None:
        cells = table.sheet.cells
        name = table.sheet.name
        ic, vc, uc = table.indicator_col, table.value_col, table.unit_col
        seen_unmapped: set[str] = set()
        seen_units: set[tuple[str, str]] = set()
        pending: list[tuple[ExtractedRow, Any, str, str, float, Period | None]] = []
        for row in rows:
            line = cells[row.row - 1]
            label = cell_text(line[ic]) if ic < len(line) else ""
            unit_text = cell_text(line[uc]) if uc is not None and uc < len(line) else ""
            match = match_header(label, self.catalog, extra_spellings=self.extra) if label else None
            if match is None or match.indicator_code is None:
                key = header_key(label)
                if label and key not in seen_unmapped:
                    seen_unmapped.add(key)
                    self.problem(
                        "unmapped_indicator",
                        sheet=name,
                        cell=f"{col_letter(ic)}{row.row}",
                        raw=label,
                    )
                continue
            ind = self.catalog.get(match.indicator_code)
            multiplier = match.multiplier if match.unit_ok else 1.0
            if unit_text:
                m = unit_multiplier(unit_text, ind.unit)
                if m is None:
                    if (ind.code, unit_text) not in seen_units:
                        seen_units.add((ind.code, unit_text))
                        self.problem(
                            "unit_mismatch",
                            sheet=name,
                            cell=f"{col_letter(uc)}{row.row}",
                            indicator=ind.code,
                            column=label,
                            unit=unit_text,
                            expected=ind.unit,
                        )
                    multiplier = 1.0
                else:
                    multiplier = m
            p = row_periods.get(row.row) if row_periods is not None else period
            raw = line[vc] if vc < len(line) else None
            pending.append((row, raw, ind.code, label, multiplier, p))
        scale_codes = set()
        for code in {p[2] for p in pending}:
            if self.catalog.get(code).is_ratio:
                values = [p[1] for p in pending if p[2] == code]
                first = next(p for p in pending if p[2] == code)
                cell = f"{col_letter(vc)}{first[0].row}"
                if self._scale_fractions(values, table, cell, first[3], code):
                    scale_codes.add(code)
        for row, raw, code, label, multiplier, p in pending:
            self._add(
                raw,
                row,
                p,
                code,
                self.catalog.get(code).is_ratio,
                multiplier,
                code in scale_codes,
                name,
                f"{col_letter(vc)}{row.row}",
                label,
            )


def _tables_of(
    book: Workbook,
    catalog: Catalog,
    layout: str | None,
    extra: Mapping[str, str] | None,
    include_hidden: bool = False,
) -> tuple[list[DetectedTable], list[str]]:
    """Every table of the workbook's visible sheets (of hidden ones too with include_hidden),
    and the hidden sheets left out although they hold a table."""
    meta = read_template_meta(book) if layout in (None, "template") else None
    if meta is not None:
        sheet = book.sheet(meta.data_sheet)
        if sheet is not None:
            return [template_table(sheet, meta, catalog)], []
    if layout == "template":
        return [], []
    tables: list[DetectedTable] = []
    hidden: list[str] = []
    for sheet in book.sheets:
        if sheet.name == META_SHEET or sheet.is_empty():
            continue
        found = detect_tables(sheet, catalog, extra_spellings=extra, layout=layout)
        if sheet.visible or include_hidden:
            tables += found
        elif any(t.recognised and t.data_rows for t in found):
            hidden.append(sheet.name)  # drop-down lists and helper sheets hold no table: quiet
    return tables, hidden


def extract_file(
    data: bytes,
    filename: str,
    *,
    period: str | Period | None = None,
    context: str | None = None,
    layout: str | None = None,
    extra_spellings: Mapping[str, str] | None = None,
    regions: RegionTable | None = None,
    catalog: Catalog | None = None,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
    include_hidden: bool = False,
) -> Extraction:
    """Read a spreadsheet's bytes into candidate facts plus the structural problems met on the way.

    Every table of every visible sheet is read, several per sheet where they stand one below
    the other or side by side. Hidden sheets are left out (a warning names each one that holds
    a table) unless `include_hidden`.

    The explicit `period` wins over the title, sheet and file name; per-row or per-column
    periods (a 时间 column, a matrix's year columns) are always taken from the data, the
    option then only supplies a missing year. `context` (a city/province code or name) wins
    over the title, sheet name, file name and the rows. Value checks are `validate()`'s job.
    """
    catalog = catalog or load_catalog()
    regions = regions or load_regions()
    report = Report()
    sha = hashlib.sha256(data).hexdigest()
    period_option: Period | None = None
    if period is not None and period != "":
        try:
            period_option = period if isinstance(period, Period) else parse_period(period)
        except PeriodError as exc:
            report.add(
                make_problem(
                    "bad_period", file=filename, raw=str(period), hint=f"（{exc.message_zh}）"
                )
            )
    context_code = None
    if context:
        context_code = _resolve_context(context, regions)
        if context_code is None:
            report.add(make_problem("unknown_region", file=filename, raw=str(context)))
    try:
        with gc_paused():
            book = read_workbook(data, filename, max_unpacked_bytes=max_unpacked_bytes)
    except ReadError as exc:
        report.add(exc.problem)
        return Extraction(filename, sha, None, [], [], report)
    tables, hidden = _tables_of(book, catalog, layout, extra_spellings, include_hidden)
    for name in hidden:
        report.add(make_problem("hidden_sheet_skipped", file=filename, sheet=name))
    if not any(t.recognised for t in tables):
        visible = [s for s in book.sheets if s.visible]
        only = visible[0].name if len(visible) == 1 and book.format != "csv" else None
        report.add(make_problem("no_table", file=filename, sheet=only))
        return Extraction(filename, sha, book.format, [], [], report)
    extractor = _Extractor(
        book, report, catalog, regions, period_option, context_code, extra_spellings
    )
    out = []
    with gc_paused():
        for table in tables:
            if not table.recognised:
                extractor.unrecognised(table)
                continue
            if not table.data_rows:
                report.add(make_problem("no_table", file=filename, sheet=table.sheet.name))
                continue
            out.append(extractor.extract_table(table))
    return Extraction(filename, sha, book.format, out, extractor.facts, report)


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while hundreds of thousands of (acyclic) cells and
    facts are built: otherwise it re-scans them many times over (measured: ~2x slower
    extraction). They are freed by reference counting when done; cycles made meanwhile are
    collected once the collector runs again. Also a decorator (etl.load.load_bytes)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


__all__ = [
    "CandidateFact",
    "ColumnMap",
    "ExtractedRow",
    "ExtractedTable",
    "Extraction",
    "extract_file",
    "find_region_context",
]
