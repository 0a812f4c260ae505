"""The leader's headline: for one region and period, the few figures that matter with their target
progress against 序时进度, year over year (同比) and month on month (环比); the default view (the
latest period every reporting unit has reported); the units below a region ordered for a tile map.
No Streamlit; figures come from lawstats.store.rollup, changes from lawstats.domain.change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Engine

from lawstats.domain import change
from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.periods import Period
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.store import queries, rollup

HEADLINE_SIZE = 5


# --------------------------------------------------------------------------- the default view


def _ytd(year: int, month: int) -> Period:
    return Period.of_year(year) if month == 12 else Period.month_range(year, 1, month)


def latest_complete_period(
    engine: Engine, region_code: str, *, regions: RegionTable | None = None
) -> Period | None:
    """The latest 1-N月 (the whole year when N = 12) of the latest two years with data in which
    every reporting unit below the region (or the region itself) reported every month; None when
    no such range exists (a store with yearly figures only, or a unit that never reported)."""
    regions = regions or load_regions()
    end = queries.latest_period_end(engine)
    if end is None or region_code not in regions:
        return None
    units = regions.reporting_units(region_code) or [region_code]
    for year in (end.year, end.year - 1):
        last = end.month if year == end.year else 12
        for month in range(last, 0, -1):
            period = _ytd(year, month)
            got = queries.months_reported(engine, units, period.start, period.end)
            if all(got.get(u, 0) >= month for u in units):
                return period
    return None


def home_region(user_regions: Sequence[str], offered: Sequence[str]) -> str | None:
    """The region a user lands on: the first of their account's regions that has data."""
    return next((c for c in user_regions if c in offered), None)


# --------------------------------------------------------------------------- 环比


def adjacent_periods(period: Period) -> tuple[Period, Period] | None:
    """(this, the one just before) for month on month: a month or a quarter against the one before
    it; a range 1-N月 by its last month against the month before (the usual 环比 of a monthly
    report); None for a whole year (its change is year over year) and January-only ranges."""
    kind = period.kind
    if kind == "month":
        this = period
    elif kind == "quarter":
        q = (period.start.month + 2) // 3
        before = (
            Period.quarter(period.start.year, q - 1)
            if q > 1
            else Period.quarter(period.start.year - 1, 4)
        )
        return period, before
    elif kind == "ytd" and period.end.month > 1:
        this = Period.month(period.end.year, period.end.month)
    else:
        return None
    y, m = this.start.year, this.start.month
    before = Period.month(y, m - 1) if m > 1 else Period.month(y - 1, 12)
    return this, before


def month_on_month(
    engine: Engine,
    region_codes: Sequence[str],
    period: Period,
    indicator_codes: Sequence[str],
    *,
    regions: RegionTable | None = None,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """环比 of figures: `rollup.figures` of the period `adjacent_periods` names, joined with the one
    before it by `change.with_previous` (so the change is stated only between complete figures,
    in 个百分点 for ratios). Columns: region_code, indicator_code, value, previous, change,
    change_unit, comparable, mom_period, mom_previous. Empty when the period has no 环比."""
    pair = adjacent_periods(period)
    if pair is None or not indicator_codes:
        return pd.DataFrame(
            columns=["region_code", "indicator_code", "value", "previous", "change", "comparable"]
        )
    catalog = catalog or load_catalog()
    this, before = pair
    opts = {"compare": False, "regions": regions, "catalog": catalog, "batches": False}
    now = rollup.figures(engine, region_codes, this, indicator_codes, **opts)
    prev = rollup.figures(engine, region_codes, before, indicator_codes, **opts)
    out = change.with_previous(now, prev, catalog)
    return out.assign(mom_period=this.label, mom_previous=before.label)


# --------------------------------------------------------------------------- the headline strip


@dataclass
class HeadlineFigure:
    """One figure of the strip, as numbers (the page formats them)."""

    code: str
    value: float | None
    is_approximate: bool
    complete: bool
    yoy: float | None
    yoy_unit: str
    previous: float | None
    mom: float | None
    mom_unit: str
    mom_previous: float | None
    mom_period: str | None
    target: dict | None  # target_kind, target_value, completion, expected, gap_pp, status


def headline_candidates(
    catalog: Catalog, with_targets: Sequence[str], size: int = HEADLINE_SIZE
) -> list[str]:
    """The indicators worth a headline, in order: those with a target for the region and year,
    then each group's first flow (the period's work), then each group's first indicator."""
    out: dict[str, None] = dict.fromkeys(c for c in with_targets if c in catalog)
    for g in catalog.groups:
        members = catalog.in_group(g.code)
        flows = [i for i in members if i.kind == "flow"]
        if flows:
            out.setdefault(flows[0].code, None)
    for g in catalog.groups:
        members = catalog.in_group(g.code)
        if members:
            out.setdefault(members[0].code, None)
    return list(out)[: max(size * 3, size)]


def _num(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def headline(
    engine: Engine,
    region_code: str,
    period: Period,
    *,
    size: int = HEADLINE_SIZE,
    catalog: Catalog | None = None,
    regions: RegionTable | None = None,
) -> list[HeadlineFigure]:
    """Up to `size` figures with a value for the region and period (headline_candidates order):
    the figure, 同比 and 环比 (each only between complete figures), and the target's progress
    against 序时进度 where the region has a target that year."""
    from lawstats.analysis import targets

    catalog = catalog or load_catalog()
    regions = regions or load_regions()
    year = period.end.year
    in_year = period.start.year == year
    progress = (
        targets.progress(engine, region_code, year, through=period) if in_year else pd.DataFrame()
    )
    if not progress.empty:
        progress = progress[progress["region_code"] == region_code]
    with_targets = [] if progress.empty else list(progress["indicator_code"])
    codes = headline_candidates(catalog, with_targets, size)
    figs = rollup.figures(engine, [region_code], period, codes, regions=regions, catalog=catalog)
    figs = figs[figs["value"].notna()]
    keep = [c for c in codes if c in set(figs["indicator_code"])][:size]
    by_code = {r.indicator_code: r for r in figs.itertuples(index=False)}
    mom = month_on_month(engine, [region_code], period, keep, regions=regions, catalog=catalog)
    mom_by = {r.indicator_code: r for r in mom.itertuples(index=False)}
    target_by = {} if progress.empty else {r.indicator_code: r for r in progress.itertuples()}
    out = []
    for code in keep:
        r = by_code[code]
        m = mom_by.get(code)
        t = target_by.get(code)
        comparable = bool(getattr(r, "comparable", False))
        out.append(
            HeadlineFigure(
                code=code,
                value=_num(r.value),
                is_approximate=bool(r.is_approximate),
                complete=bool(
                    r.units_reported >= r.units_expected and r.months_covered >= r.months_expected
                ),
                yoy=_num(r.change) if comparable else None,
                yoy_unit=str(r.change_unit),
                previous=_num(r.previous),
                mom=_num(m.change) if m is not None and bool(m.comparable) else None,
                mom_unit=str(m.change_unit) if m is not None else str(r.change_unit),
                mom_previous=_num(m.previous) if m is not None else None,
                mom_period=str(m.mom_period) if m is not None else None,
                target=None
                if t is None
                else {
                    "target_kind": t.target_kind,
                    "target_value": _num(t.target_value),
                    "per_code": t.per_code if isinstance(t.per_code, str) else None,
                    "completion": _num(t.completion),
                    "expected": _num(t.expected),
                    "gap_pp": _num(t.gap_pp),
                    "status": t.status,
                },
            )
        )
    return out


# --------------------------------------------------------------------------- tile map


def unit_tiles(table: pd.DataFrame, columns: int = 6) -> pd.DataFrame:
    """A ranking table (region_code, name, value, ...) laid out as a schematic tile map: best first,
    left to right and top to bottom, `columns` tiles a row (no boundaries, no map data)."""
    t = table[table["value"].notna()].reset_index(drop=True)
    return t.assign(
        tile_x=[i % columns for i in range(len(t))], tile_y=[i // columns for i in range(len(t))]
    )
