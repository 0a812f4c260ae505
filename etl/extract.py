"""Extract candidate facts from an uploaded file: find tables, resolve regions and periods, convert units.

This module holds the entry point (extract_file) and the extractor that joins the parts, each
in a module of its own:

- etl.extract_records: what an extraction produces (tables, column maps, rows, candidate facts)
- etl.fact_columns: the candidate facts stored column-wise
- etl.region_context: which city or province a file is about
- etl.extract_base: the state every part of the extractor reads
- etl.extract_regions: the region of a table and of each row; totals rows
- etl.extract_periods: the period of a table or of each row
- etl.extract_columns: how each column was understood
- etl.extract_comparisons: the 上年同期 / 同比 columns
- etl.extract_values: a raw cell as a value in the catalog's unit
- etl.extract_facts: candidate facts assembled from a table's cells
- etl.extract_labels: the same for tables whose indicators are row labels (long, yearbook)

Finding the tables themselves is etl.layout's job. The records and the extractor's helpers
are importable from here as before.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Mapping
from contextlib import contextmanager

from etl.extract_columns import ColumnMapping
from etl.extract_comparisons import Comparisons
from etl.extract_facts import TableFacts
from etl.extract_labels import LabelFacts
from etl.extract_periods import TablePeriods
from etl.extract_records import (
    CandidateFact,
    ColumnMap,
    ComparisonCell,
    ComparisonColumn,
    ExtractedRow,
    ExtractedTable,
    Extraction,
    period_span,
)
from etl.extract_regions import RegionRows
from etl.fact_columns import CellRefs, FactColumns, Same
from etl.layout import UNCERTAIN_BELOW, DetectedTable, cell_text, detect_tables, template_table
from etl.problems import Report, make_problem
from etl.readers import MAX_UNPACKED_BYTES, ReadError, Workbook, col_letter
from etl.region_context import _resolve_context, find_region_context
from etl.sandbox import read_workbook
from etl.template import META_SHEET, read_template_meta
from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.periods import Period, PeriodError, parse_period
from lawstats.domain.regions import RegionTable, load_regions


class _Extractor(RegionRows, TablePeriods, ColumnMapping, Comparisons, TableFacts, LabelFacts):
    """One file's extraction: every part of the extractor over the same state."""

    def extract_table(self, table: DetectedTable) -> ExtractedTable:
        sheet = table.sheet
        context, context_source = self.table_context(table)
        rows, context, inferred = self.resolve_rows(table, context)
        if inferred:
            context_source = "rows"
        period, period_source = self.table_period(table)
        per_column = table.layout in ("matrix", "yearbook") or table.period_col is not None
        if per_column:
            default_year = period.start.year if period is not None else None
            period, period_source = None, "column"
        else:
            default_year = None
        resolved = sum(1 for r in rows if r.status in ("ok", "total"))
        confidence = table.confidence
        if rows:
            confidence = round(confidence * (0.6 + 0.4 * resolved / len(rows)), 3)
        own = {r.region_code for r in rows if r.row_kind == "data" and r.region_code}
        unit_code = next(iter(own)) if len(own) == 1 else context
        template = self.table_template(table)
        self.apply_answers(table, unit_code, template)
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
            unit_code=unit_code,
            template_key=template,
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
        if row_periods is not None:
            found = [p for p in row_periods.values() if p is not None]
            cell = f"{col_letter(table.period_col)}{table.header_rows[-1] + 1}"
            self.check_contradictions(table, found, "column", cell)
        elif period is not None:
            self.check_contradictions(table, [period], period_source)
        if table.layout == "long" and table.member_cols:
            self.member_facts(table, rows, period, row_periods, (unit_code, template))
        elif table.layout == "long":
            self.long_facts(table, rows, period, row_periods, (unit_code, template))
        elif table.layout == "yearbook":
            self.yearbook_facts(table, rows, (unit_code, template))
        elif table.layout == "matrix":
            self.matrix_facts(table, rows)
        else:
            self.wide_facts(table, rows, period, row_periods)
            out.comparisons = self.comparisons(table, rows, period)
        out.labels = self.label_rows.pop(id(table), [])
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
        seen = _rows_seen(visible, len(visible) > 1)
        report.add(
            make_problem(
                "no_table",
                file=filename,
                sheet=only,
                seen_zh=f"。看到的表头行：{'；'.join(z for z, _e in seen)}" if seen else "",
                seen_en=f". Header rows seen: {'; '.join(e for _z, e in seen)}" if seen else "",
            )
        )
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


def _rows_seen(sheets: list, named: bool, per_sheet: int = 3) -> list[tuple[str, str]]:
    """The rows that looked like a header (two or more text cells), to say what was there when
    no table was found: (第2行“地区 | 化解纠纷 | 满意度”, its English); `named`: with the sheet."""
    out = []
    for sheet in sheets:
        found = 0
        for r, row in enumerate(sheet.cells[:HEADER_ROWS_SEEN]):
            texts = [cell_text(v) for v in row if type(v) is str and cell_text(v)]
            if len(texts) < 2:
                continue
            line = " | ".join(texts)
            line = line if len(line) <= 60 else line[:59] + "…"
            prefix = f"{sheet.name} " if named else ""
            out.append((f"{prefix}第{r + 1}行“{line}”", f"{prefix}row {r + 1} “{line}”"))
            found += 1
            if found >= per_sheet:
                break
    return out[:6]


HEADER_ROWS_SEEN = 60  # how far down a sheet the rows that look like a header are listed


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
    "CellRefs",
    "ColumnMap",
    "ComparisonCell",
    "ComparisonColumn",
    "ExtractedRow",
    "ExtractedTable",
    "Extraction",
    "FactColumns",
    "Same",
    "extract_file",
    "find_region_context",
    "gc_paused",
    "period_span",
]
