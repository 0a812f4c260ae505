"""How each column of a table was understood (ColumnMap): an indicator, a comparison, the region,
the period, ignored or unmapped; an indicator's unit that does not fit the catalog is reported.
"""

from __future__ import annotations

from etl.extract_base import ExtractorBase
from etl.extract_records import ColumnMap
from etl.layout import DetectedTable, cell_text


class ColumnMapping(ExtractorBase):
    """The column maps of a table."""

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
