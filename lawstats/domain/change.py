"""Year over year: the change between a figure and the same range one year earlier.

A ratio changes in percentage points (pp), everything else in percent; a change is stated only
between two complete figures (every reporting unit and every month on both sides). Pure: works
on the roll-up's result columns (lawstats.store.rollup) without touching the store.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lawstats.domain.catalog import Catalog, Indicator, load_catalog


def change_of(
    indicator: Indicator, value: float | None, previous: float | None
) -> tuple[float | None, str]:
    """The change from `previous` to `value`: (percentage points, 'pp') for ratios, else (%, '%')."""
    unit = "pp" if indicator.is_ratio else "%"
    if value is None or previous is None or pd.isna(value) or pd.isna(previous):
        return None, unit
    if indicator.is_ratio:
        return round(value - previous, indicator.decimals), unit
    if previous == 0:
        return None, unit
    return round((value - previous) / abs(previous) * 100.0, 1), unit


PREVIOUS_COLUMNS = {
    "value": "previous",
    "is_approximate": "previous_is_approximate",
    "units_reported": "previous_units_reported",
    "units_expected": "previous_units_expected",
    "months_covered": "previous_months_covered",
    "months_expected": "previous_months_expected",
    "batch_ids": "previous_batch_ids",
}
_KEYS = ["region_code", "indicator_code"]


def with_previous(
    current: pd.DataFrame, previous: pd.DataFrame, catalog: Catalog | None = None
) -> pd.DataFrame:
    """Join last year's figures and the change; a change is stated only between complete figures."""
    prev = previous[[*_KEYS, *PREVIOUS_COLUMNS]].rename(columns=PREVIOUS_COLUMNS)
    if all(
        len(current) == len(prev)
        and np.array_equal(current[k].to_numpy(dtype=object), prev[k].to_numpy(dtype=object))
        for k in _KEYS
    ):
        base, before = current, prev  # the same figures in the same order: no join needed
    else:
        merged = current.merge(prev, on=_KEYS, how="left")
        base, before = merged[list(current.columns)], merged
    cols = {c: base[c].to_numpy() for c in base.columns}
    cols.update({c: before[c].to_numpy() for c in PREVIOUS_COLUMNS.values()})
    cols.update(changes(cols, catalog or load_catalog()))
    return pd.DataFrame(cols)


def changes(cols: dict[str, np.ndarray], catalog: Catalog) -> dict[str, object]:
    """change, change_unit, change_abs, comparable from current and previous_* columns."""

    def num(name: str) -> np.ndarray:
        try:
            return np.asarray(cols[name], dtype=np.float64)  # None -> NaN
        except (TypeError, ValueError):
            return pd.to_numeric(pd.Series(cols[name]), errors="coerce").to_numpy(np.float64)

    value, before = num("value"), num("previous")
    with np.errstate(invalid="ignore"):
        complete_now = (num("units_reported") >= num("units_expected")) & (
            num("months_covered") >= num("months_expected")
        )
        complete_prev = (num("previous_units_reported") >= num("previous_units_expected")) & (
            num("previous_months_covered") >= num("previous_months_expected")
        )
    ok = ~np.isnan(value) & ~np.isnan(before) & complete_now & complete_prev
    codes = list(cols["indicator_code"])
    changes: list[float | None] = [None] * len(codes)
    abs_changes: list[float | None] = [None] * len(codes)
    for i in np.flatnonzero(ok).tolist():
        ind = catalog.get(codes[i])
        changes[i] = change_of(ind, float(value[i]), float(before[i]))[0]
        abs_changes[i] = round(float(value[i]) - float(before[i]), ind.decimals)
    unit_of = {c: ("pp" if catalog.get(c).is_ratio else "%") for c in set(codes)}
    return {
        "change": changes,
        "change_unit": [unit_of[c] for c in codes],
        "change_abs": abs_changes,
        "comparable": ok,
    }
