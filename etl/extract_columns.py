"""How each column of a table was understood (ColumnMap): an indicator (certain, or answered by
an analyst), a question, a comparison, the region, the period, ignored or unmapped, each with its
reason; analysts' answers (this upload's and the remembered ones) applied where the header
grammar was not certain.
"""

from __future__ import annotations

from etl.answers import as_answers, template_key
from etl.extract_base import ExtractorBase
from etl.extract_records import ColumnMap
from etl.headers import ANSWERED, answer_key, answered, header_unit
from etl.layout import DetectedTable, cell_text, unit_for


class ColumnMapping(ExtractorBase):
    """The column maps of a table."""

    def table_template(self, table: DetectedTable) -> str:
        return template_key(table.layout, [answer_key(c.path) for c in table.columns if c.path])

    def apply_answers(self, table: DetectedTable, unit_code: str | None, template: str) -> None:
        """Answers for the columns the grammar was not certain of: this upload's, then those
        remembered for this reporting unit's template, then promoted ones."""
        answers = as_answers(self.extra)
        if not answers and not answers.remembered:
            return
        for c in table.columns:
            if c.role not in ("question", "unmapped") or not c.path:
                continue
            found = answers.lookup(answer_key(c.path), unit_code, template)
            if found is None:
                continue
            own = header_unit(c.path)
            unit = own
            if own is None and found.code in self.catalog and table.units:
                unit = unit_for(self.catalog.get(found.code).unit, table.units)
            m = answered(self.catalog, found.code or None, unit, own)
            c.match = m
            if m.indicator_code:
                c.role = "indicator"
            elif m.status == ANSWERED:
                c.role = "ignored"
            else:
                c.role = "unmapped"

    def column_maps(self, table: DetectedTable) -> list[ColumnMap]:
        out = []
        for c in table.columns:
            if c.role == "blank":
                if not self.column_has_data(table, c.index):
                    continue
                c.role = "unmapped"
            m = c.match
            key = answer_key(c.path) if c.path else ""
            reason = (m.reason_zh, m.reason_en) if m is not None else ("", "")
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
                        status=m.status,
                        reason_zh=reason[0],
                        reason_en=reason[1],
                        answer_key=key,
                    )
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
                        status=m.status,
                        answer_key=key,
                    )
                )
            else:
                conf = m.confidence if m is not None else 1.0
                if c.role == "unmapped" and m is None:
                    reason = ("没有表头", "no header")
                out.append(
                    ColumnMap(
                        c.letter,
                        c.header_text,
                        None,
                        conf,
                        None,
                        1.0,
                        c.role,
                        status=m.status if m is not None else "",
                        reason_zh=reason[0],
                        reason_en=reason[1],
                        options=m.options if m is not None else (),
                        answer_key=key,
                    )
                )
        return out

    def column_has_data(self, table: DetectedTable, j: int) -> bool:
        cells = table.sheet.cells
        return any(j < len(cells[r]) and cell_text(cells[r][j]) for r in table.data_rows)
