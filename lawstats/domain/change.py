"""Year over year: the change between a figure and the same range one year earlier.

A ratio changes in percentage points (pp), everything else in percent; a change is stated only
between two complete figures (every reporting unit and every month on both sides; a stock at the
period's end). Changes are exact (rounded only for a reader, lawstats.domain.formatting); a change
from or to an approximate figure is approximate itself; a change not stated says why
(CHANGE_REASONS). Pure: works on the roll-up's result columns (lawstats.store.rollup) without
touching the store.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lawstats.domain.catalog import Catalog, Indicator, load_catalog


def change_of(
    indicator: Indicator, value: float | None, previous: float | None
) -> tuple[float | None, str]:
    """The exact change from `previous` to `value`: (percentage points, 'pp') for ratios, else
    (%, '%')."""
    unit = "pp" if indicator.is_ratio else "%"
    if value is None or previous is None or pd.isna(value) or pd.isna(previous):
        return None, unit
    if indicator.is_ratio:
        return float(value) - float(previous), unit
    if previous == 0:
        return None, unit
    return (float(value) - float(previous)) / abs(float(previous)) * 100.0, unit


# why no change is stated (the `change_reason` column; None where a change is stated)
CHANGE_REASONS = {
    "not_reported": ("本期无数据", "no figure for this period"),
    "previous_not_reported": ("上年同期无数据", "no figure for the same period last year"),
    "incomplete": ("本期数据不全", "this period's figure is incomplete"),
    "previous_incomplete": ("上年同期数据不全", "last year's figure is incomplete"),
    "previous_zero": ("上年同期为0，不计算增幅", "last year's figure is 0: no percentage"),
}


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
    """change, change_unit, change_abs, comparable, change_is_approximate and change_reason from
    current and previous_* columns (changes exact, never rounded)."""

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
    reasons: list[str | None] = [None] * len(codes)
    for i in range(len(codes)):
        if ok[i]:
            ind = catalog.get(codes[i])
            changes[i] = change_of(ind, float(value[i]), float(before[i]))[0]
            abs_changes[i] = float(value[i]) - float(before[i])
            if changes[i] is None:
                reasons[i] = "previous_zero"
        elif np.isnan(value[i]):
            reasons[i] = "not_reported"
        elif np.isnan(before[i]):
            reasons[i] = "previous_not_reported"
        elif not complete_now[i]:
            reasons[i] = "incomplete"
        else:
            reasons[i] = "previous_incomplete"
    unit_of = {c: ("pp" if catalog.get(c).is_ratio else "%") for c in set(codes)}
    approx_now = np.asarray(cols.get("is_approximate", np.zeros(len(codes))), dtype=object)
    approx_before = np.asarray(
        cols.get("previous_is_approximate", np.zeros(len(codes))), dtype=object
    )
    approximate = ok & (
        pd.Series(approx_now).fillna(False).astype(bool).to_numpy()
        | pd.Series(approx_before).fillna(False).astype(bool).to_numpy()
    )
    return {
        "change": changes,
        "change_unit": [unit_of[c] for c in codes],
        "change_abs": abs_changes,
        "comparable": ok,
        "change_is_approximate": approximate,
        "change_reason": reasons,
    }
