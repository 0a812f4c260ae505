"""Tables whose indicators are row labels: the long layout (地区 | 时间 | 指标 | 数值 | 单位, one
figure per row) and the yearbook (指标 | 单位 | 2022年 | 2023年 ..., one region's figures with the
years across). Each distinct label is read once by the header grammar (with the table's title and
sheet name as context, and the unit column); the value column is parsed as an array, cell by cell
only where a cell is not a plain number.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from etl.answers import as_answers
from etl.cells import OK
from etl.extract_records import ColumnMap, ExtractedRow
from etl.extract_values import CellValues
from etl.fact_columns import CellRefs, Same
from etl.headers import ANSWERED, HeaderMatch, answer_key, answered, header_unit, match_header
from etl.layout import DetectedTable, cell_text
from etl.readers import col_letter
from lawstats.domain.periods import Period

_UNREAD = object()


class LabelFacts(CellValues):
    """The candidate facts of long and yearbook tables."""

    def label_match(
        self,
        table: DetectedTable,
        label: str,
        unit_text: str,
        cell: str,
        memo: dict,
        scope: tuple[str | None, str | None],
    ) -> HeaderMatch | None:
        """The indicator a row label names, or None; a question or an unmapped label is kept
        (once per label) for the report."""
        key = (label, unit_text)
        found = memo.get(key, _UNREAD)
        if found is not _UNREAD:
            return found
        text = f"{label}（{unit_text}）" if unit_text else label
        context = (*table.title_lines, *table.sheet_titles, table.sheet.name)
        path = [*self._label_parent(table), text]
        m = match_header(path, self.catalog, extra_spellings=self.extra, context=context)
        if m.indicator_code is None and m.status != ANSWERED:
            remembered = as_answers(self.extra).lookup(answer_key(label), *scope)
            if remembered is not None:
                m = answered(self.catalog, remembered.code or None, header_unit([text]), None)
        memo[key] = m if m.indicator_code else None
        if m.indicator_code is None and m.status != ANSWERED and label:
            table_rows = self.label_rows.setdefault(id(table), [])
            table_rows.append(
                ColumnMap(
                    cell.rstrip("0123456789"),
                    label,
                    None,
                    m.confidence,
                    None,
                    1.0,
                    "question" if m.is_question else "unmapped",
                    status=m.status,
                    reason_zh=m.reason_zh or "不是已知指标",
                    reason_en=m.reason_en or "not a known indicator",
                    options=m.options,
                    answer_key=answer_key([*self._label_parent(table), label]),
                    cell=cell,
                )
            )
        return memo[key]

    def _label_parent(self, table: DetectedTable) -> tuple[str, ...]:
        """A member table's labels are read under their value column's header."""
        if not table.member_cols:
            return ()
        column = table.column(table.value_col)
        return column.path if column is not None else ()

    def member_facts(self, table: DetectedTable, *args: Any) -> None:
        """Members down the rows (纠纷类型 | 受理纠纷(件) | 调解成功(件)): each indicator column read as
        a long table's value column, its row labels under its header (婚姻家庭纠纷 under 受理纠纷
        is that member's figure, 合计 the total)."""
        for col in table.member_cols:
            table.value_col = col
            self.long_facts(table, *args)  # rows, period, row periods, scope
        table.value_col = table.member_cols[0]

    def long_facts(
        self,
        table: DetectedTable,
        rows: list[ExtractedRow],
        period: Period | None,
        row_periods: dict[int, Period | None] | None,
        scope: tuple[str | None, str | None] = (None, None),
    ) -> None:
        """(scope: the reporting unit and template a remembered answer must belong to)"""
        cells = table.sheet.cells
        ic, vc, uc = table.indicator_col, table.value_col, table.unit_col
        lines = [cells[row.row - 1] for row in rows]
        memo: dict = {}
        letter = col_letter(ic)
        keep: list[int] = []
        found: list[HeaderMatch] = []
        for i, line in enumerate(lines):
            label = line[ic] if ic < len(line) else None
            label = label.strip() if type(label) is str else cell_text(label)
            if not label:
                continue
            unit_text = line[uc] if uc is not None and uc < len(line) else None
            unit_text = unit_text.strip() if type(unit_text) is str else cell_text(unit_text)
            m = memo.get((label, unit_text), _UNREAD)
            if m is _UNREAD:  # a label read for the first time (the grammar, once per label)
                cell = f"{letter}{rows[i].row}"
                m = self.label_match(table, label, unit_text, cell, memo, scope)
            if m is not None:
                keep.append(i)
                found.append(m)
        if not keep:
            return
        kept = [rows[i] for i in keep]
        raws = [lines[i][vc] if vc < len(lines[i]) else None for i in keep]
        if row_periods is None:
            periods: Any = Same(period)
        else:
            periods = [row_periods.get(row.row) for row in kept]
        labels = [cell_text(lines[i][ic]) for i in keep]
        self._add_label_facts(table, kept, raws, found, periods, col_letter(vc), labels)

    def yearbook_facts(
        self,
        table: DetectedTable,
        rows: list[ExtractedRow],
        scope: tuple[str | None, str | None] = (None, None),
    ) -> None:
        """Indicators down, periods across, for the table's own region: one fact per label and
        period column (a 比上年增减 column is no period and is not read)."""
        cells = table.sheet.cells
        ic, uc = table.indicator_col, table.unit_col
        memo: dict = {}
        period_cols = [c for c in table.columns if c.role == "period_value"]
        letter = col_letter(ic)
        kept: list[ExtractedRow] = []
        found: list[HeaderMatch] = []
        labels: list[str] = []
        for row in rows:
            line = cells[row.row - 1]
            label = cell_text(line[ic]) if ic < len(line) else ""
            if not label:
                continue
            unit_text = cell_text(line[uc]) if uc is not None and uc < len(line) else ""
            m = self.label_match(table, label, unit_text, f"{letter}{row.row}", memo, scope)
            if m is not None:
                kept.append(row)
                found.append(m)
                labels.append(label)
        for col in period_cols:
            raws = [
                cells[r.row - 1][col.index] if col.index < len(cells[r.row - 1]) else None
                for r in kept
            ]
            self._add_label_facts(table, kept, raws, found, Same(col.period), col.letter, labels)

    def _add_label_facts(
        self,
        table: DetectedTable,
        rows: list[ExtractedRow],
        raws: list[Any],
        matches: list[HeaderMatch],
        periods: Any,
        letter: str,
        labels: list[str],
    ) -> None:
        """One chunk of facts, one per row: plain numbers parsed as an array, the other cells
        (约1.2万, 98.6%, —, rates given as fractions) one by one."""
        n = len(rows)
        if not n:
            return
        codes = [m.indicator_code for m in matches]
        ratio = np.array([self.catalog.get(c).is_ratio for c in codes], dtype=bool)
        factor = np.array([m.multiplier for m in matches], dtype=np.float64)
        plain = pd.to_numeric(pd.Series(raws, dtype=object), errors="coerce").to_numpy(
            dtype=np.float64
        )
        finite = np.isfinite(plain) & ~ratio
        values: list[Any] = np.where(factor != 1.0, plain * factor, plain).tolist()
        approx = [False] * n
        not_reported = [False] * n
        reported = [False] * n
        status = [OK] * n
        scaled = self._scaled_codes(table, rows, raws, codes, ratio, letter)
        for i in np.flatnonzero(finite & (factor != 1.0)).tolist():
            values[i] = _round(values[i])  # no float noise after a conversion
        for i in np.flatnonzero(~finite).tolist():
            v, a, nr, rr, st = self._value(raws[i], bool(ratio[i]), factor[i], codes[i] in scaled)
            values[i], approx[i], not_reported[i], reported[i], status[i] = v, a, nr, rr, st
        self.facts.add_chunk(
            n,
            (
                [r.region_code for r in rows],
                periods,
                codes,
                values,
                approx,
                not_reported,
                reported,
                Same(table.sheet.name),
                CellRefs(letter, [str(r.row) for r in rows]),
                [r.row_kind for r in rows],
                [r.region_text for r in rows],
                status,
                raws,
                labels,
            ),
        )

    def _scaled_codes(self, table, rows, raws, codes, ratio, letter) -> set[str]:
        """The rate indicators whose cells were entered as fractions (0.986): multiplied by 100."""
        out = set()
        for code in dict.fromkeys(c for c, r in zip(codes, ratio, strict=True) if r):
            idx = [i for i, c in enumerate(codes) if c == code]
            cell = f"{letter}{rows[idx[0]].row}"
            label = cell_text(table.sheet.cells[rows[idx[0]].row - 1][table.indicator_col])
            if self._scale_fractions([raws[i] for i in idx], table, cell, label, code):
                out.add(code)
        return out


def _round(value: float) -> float:
    return float(f"{value:.12g}")
