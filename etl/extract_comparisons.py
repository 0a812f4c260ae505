"""The 上年同期 / 同比 columns of a wide table: read row by row with the figures each row can be
checked by (this period's and last year's); never stored as figures of this period.
"""

from __future__ import annotations

from collections.abc import Callable

from etl.extract_base import ExtractorBase
from etl.extract_records import ComparisonCell, ComparisonColumn, ExtractedRow
from etl.extract_values import _change_value, _figure
from etl.layout import Column, DetectedTable
from lawstats.domain.periods import Period


def _beside(columns: list[Column], index: int, wanted: Callable[[Column], bool]) -> Column | None:
    """The column nearest to `index` that is wanted, looking left first."""
    left = [c for c in columns if c.index < index and c.match is not None and wanted(c)]
    if left:
        return left[-1]
    return next((c for c in columns if c.index > index and c.match is not None and wanted(c)), None)


class Comparisons(ExtractorBase):
    """The comparison columns of a table."""

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
