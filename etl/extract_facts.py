"""Candidate facts assembled from a table's cells, one per figure: column by column for a wide
table (no per-fact object is built), per period column for a matrix (long and yearbook tables,
whose indicators are row labels: etl.extract_labels).
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from etl.cells import OK
from etl.extract_records import CandidateFact, ExtractedRow, _new_fact
from etl.extract_values import CellValues, _all_finite_floats
from etl.fact_columns import CellRefs, Same
from etl.layout import DetectedTable
from lawstats.domain.periods import Period


class TableFacts(CellValues):
    """The candidate facts of a table, added to the extraction's FactColumns."""

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
