"""From a raw cell to a fact's value in the catalog's unit: unit multipliers, rates given as
fractions (0.986 -> 98.6), changes written out (增长5.3%, 下降2.1%, ↓2.1) and float noise
after a conversion removed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from etl.cells import INVALID, NOT_REPORTED, OK, WITHDRAW, parse_cell
from etl.extract_base import ExtractorBase
from etl.layout import Column, DetectedTable
from lawstats.domain.text import normalize_text


def _all_finite_floats(values: Sequence[Any]) -> bool:
    """Every value a finite float (the usual numeric column), checked without a Python loop."""
    return set(map(type, values)) == {float} and math.isfinite(sum(values))


def _round(value: float) -> float:
    """Remove float noise after a unit conversion (294.17000000000002 -> 294.17)."""
    return float(f"{value:.12g}")


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


class CellValues(ExtractorBase):
    """Reading a column's cells as values (and saying when rates were scaled)."""

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
        not_reported = status == NOT_REPORTED or status == WITHDRAW
        return value, cv.is_approximate, not_reported, ratio and status == OK, status
