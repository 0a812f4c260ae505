"""The pandas roll-up that served the dashboard before the rules moved into SQL: the test oracle.

Kept as it was (apart from imports, and the rules #18 changed: exact values, a stock's coverage up
to its date, the exact-period figure first for stocks too, and conflicts with the finer figures)
so that tests/test_rollup_sql.py can check that lawstats.store.rollup's one-statement SQL roll-up
states exactly the same figures on random fact sets. Not used by the product.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lawstats.domain.catalog import Catalog, Indicator, load_catalog
from lawstats.domain.periods import Period
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.store import connect, facts, read_frame
from lawstats.store.rollup import RESULT_COLUMNS, needed_codes

RAW_COLUMNS = [
    "region_code",
    "period_start",
    "period_end",
    "period_months",
    "indicator_code",
    "value",
    "is_approximate",
    "is_reported_rate",
    "batch_id",
]


# --------------------------------------------------------------------------- pure helpers


def _region_frame(regions: RegionTable, targets: Sequence[str]) -> pd.DataFrame:
    """Targets and all their descendants, with depth and the count of reporting leaf units."""
    codes: dict[str, None] = {}
    for t in targets:
        codes[t] = None
        for d in regions.descendants(t):
            codes[d.code] = None
    rows = []
    for code in codes:
        r = regions.get(code)
        rows.append((code, r.parent_code, len(regions.path(code)), r.reports))
    frame = pd.DataFrame(rows, columns=["region_code", "parent_code", "depth", "reports"])
    has_children = set(frame["parent_code"].dropna())
    frame["is_leaf"] = ~frame["region_code"].isin(has_children)
    # reporting leaf units below each region (a leaf counts itself)
    expected = dict.fromkeys(frame["region_code"], 0)
    parent = dict(zip(frame["region_code"], frame["parent_code"], strict=True))
    for code, leaf, rep in zip(
        frame["region_code"], frame["is_leaf"], frame["reports"], strict=True
    ):
        if leaf and rep:
            node = code
            while node in expected:
                expected[node] += 1
                node = parent.get(node)
    frame["units_expected"] = frame["region_code"].map(expected).astype(int)
    return frame


def _conflicting(own: pd.DataFrame, finer: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Own exact figures with the finer figures' value where the two differ at the indicator's
    decimals (finer: region_code, indicator_code, finer_value)."""
    if own.empty or finer.empty:
        return own
    own = own.drop(columns="finer_value").merge(
        finer, on=["region_code", "indicator_code"], how="left"
    )
    tolerance = own["indicator_code"].map(lambda c: 0.5 * 10.0 ** -catalog.get(c).decimals)
    differs = (own["finer_value"] - own["value"]).abs() >= tolerance
    own["finer_value"] = own["finer_value"].where(differs)
    return own


def _own_flows(raw: pd.DataFrame, period: Period, catalog: Catalog) -> pd.DataFrame:
    """Each region's own flow figure: the exact period, else the finest complete tiling."""
    if raw.empty:
        return _empty_own()
    raw = raw[raw["value"].notna()]
    exact = (raw["period_start"] == period.start) & (raw["period_end"] == period.end)
    picked_exact = raw[exact].copy()
    picked_exact["months_covered"] = period.months
    rest_all = raw[~exact & (raw["period_months"] > 0)]
    rest = rest_all[
        ~rest_all.set_index(["region_code", "indicator_code"]).index.isin(
            picked_exact.set_index(["region_code", "indicator_code"]).index
        )
    ]
    out = [_conflicting(_own_rows(picked_exact), _finest_complete(rest_all, period), catalog)]
    if not rest.empty:
        g = (
            rest.groupby(["region_code", "indicator_code", "period_months"], sort=False)
            .agg(n=("period_start", "nunique"))
            .reset_index()
        )
        g["covered"] = g["n"] * g["period_months"]
        g["complete"] = g["covered"] >= period.months
        # finest complete grain first, else the grain covering most months
        g = g.sort_values(
            ["region_code", "indicator_code", "complete", "covered", "period_months"],
            ascending=[True, True, False, False, True],
        ).drop_duplicates(["region_code", "indicator_code"])
        chosen = rest.merge(
            g[["region_code", "indicator_code", "period_months", "covered"]],
            on=["region_code", "indicator_code", "period_months"],
        )
        chosen["months_covered"] = chosen["covered"].clip(upper=period.months)
        out.append(_own_rows(chosen))
    return pd.concat([o for o in out if not o.empty] or [_empty_own()], ignore_index=True)


def _finest_complete(rest: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Per region and indicator, the sum of the finest complete tiling of the period."""
    if rest.empty:
        return pd.DataFrame(columns=["region_code", "indicator_code", "finer_value"])
    g = (
        rest.groupby(["region_code", "indicator_code", "period_months"], sort=False)
        .agg(n=("period_start", "nunique"), finer_value=("value", "sum"))
        .reset_index()
    )
    g["covered"] = g["n"] * g["period_months"]
    g = g[g["covered"] >= period.months]
    g = g.sort_values(
        ["region_code", "indicator_code", "covered", "period_months"],
        ascending=[True, True, False, True],
    )
    g = g.drop_duplicates(["region_code", "indicator_code"])
    return g[["region_code", "indicator_code", "finer_value"]]


def _own_stocks(raw: pd.DataFrame, period: Period, catalog: Catalog) -> pd.DataFrame:
    """Each region's own stock figure: the level reported for exactly the period, else the
    latest level inside it, covering the months up to its date."""
    if raw.empty:
        return _empty_own()
    raw = raw[raw["value"].notna()].copy()
    raw["exact"] = (raw["period_start"] == period.start) & (raw["period_end"] == period.end)
    latest = raw.sort_values(
        ["region_code", "indicator_code", "exact", "period_end", "period_start"],
        ascending=[True, True, False, False, False],
    ).drop_duplicates(["region_code", "indicator_code"])
    after = [d + timedelta(days=1) for d in latest["period_end"]]
    latest["months_covered"] = [
        min(max((a.year - period.start.year) * 12 + a.month - period.start.month, 0), period.months)
        for a in after
    ]
    own = _own_rows(latest.drop(columns="exact"))
    # an exact level against the latest finer level on the period's last day
    finer = raw[~raw["exact"] & (raw["period_end"] == period.end)].sort_values(
        ["region_code", "indicator_code", "period_start"], ascending=[True, True, False]
    )
    finer = finer.drop_duplicates(["region_code", "indicator_code"]).rename(
        columns={"value": "finer_value"}
    )[["region_code", "indicator_code", "finer_value"]]
    exact_keys = latest[latest["exact"]].set_index(["region_code", "indicator_code"]).index
    finer = finer[finer.set_index(["region_code", "indicator_code"]).index.isin(exact_keys)]
    return _conflicting(own, finer, catalog)


def _own_reported_rates(raw: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Rates stored as reported, valid only for exactly the period they were reported for."""
    if raw.empty:
        return _empty_own()
    raw = raw[
        raw["value"].notna()
        & (raw["period_start"] == period.start)
        & (raw["period_end"] == period.end)
    ].copy()
    raw["months_covered"] = period.months
    own = _own_rows(raw)
    own["is_reported_rate"] = True
    return own


def _empty_own() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_code": pd.Series(dtype=object),
            "indicator_code": pd.Series(dtype=object),
            "value": pd.Series(dtype=float),
            "is_approximate": pd.Series(dtype=bool),
            "is_reported_rate": pd.Series(dtype=bool),
            "derived": pd.Series(dtype=bool),
            "months_covered": pd.Series(dtype=int),
            "as_of": pd.Series(dtype=object),
            "finer_value": pd.Series(dtype=float),
            "batch_ids": pd.Series(dtype=object),
        }
    )


def _own_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Collapse chosen fact rows to one row per (region, indicator)."""
    if rows.empty:
        return _empty_own()
    g = rows.groupby(["region_code", "indicator_code"], sort=False)
    out = g.agg(
        value=("value", "sum"),
        is_approximate=("is_approximate", "any"),
        is_reported_rate=("is_reported_rate", "any"),
        n=("value", "size"),
        months_covered=("months_covered", "max"),
        as_of=("period_end", "max"),
        batch_ids=("batch_id", lambda s: tuple(sorted({int(x) for x in s}))),
    ).reset_index()
    out["derived"] = out["n"] > 1
    out["finer_value"] = np.nan
    return out.drop(columns="n")


def _roll_over_regions(own: pd.DataFrame, rf: pd.DataFrame, months_expected: int) -> pd.DataFrame:
    """Bottom-up: a region keeps its own figure, else gets the sum of its children's figures."""
    base = own.merge(rf[["region_code", "units_expected"]], on="region_code", how="inner")
    base["units_reported"] = base["units_expected"].where(base["units_expected"] > 0, 1)
    if "conflicts" not in base.columns:
        base["conflicts"] = base["finer_value"].notna().astype(int)
    # a leaf's own figure covers itself; a region's own figure covers all units under it
    base["source"] = "own"
    parent_of = dict(zip(rf["region_code"], rf["parent_code"], strict=True))
    depth_of = dict(zip(rf["region_code"], rf["depth"], strict=True))
    frames = [base]
    current = base
    for depth in sorted(set(rf["depth"]), reverse=True)[1:]:
        children = current[current["region_code"].map(depth_of) == depth + 1].copy()
        if children.empty:
            continue
        children["parent"] = children["region_code"].map(parent_of)
        children = children[children["parent"].notna()]
        agg = (
            children.groupby(["parent", "indicator_code"], sort=False)
            .agg(
                value=("value", "sum"),
                num=("num", "sum"),
                den=("den", "sum"),
                is_approximate=("is_approximate", "any"),
                is_reported_rate=("is_reported_rate", "any"),
                units_reported=("units_reported", "sum"),
                months_covered=("months_covered", "min"),
                as_of=("as_of", "max"),
                conflicts=("conflicts", "sum"),
                finer_value=("finer_value", lambda s: s.iloc[0] if len(s) == 1 else np.nan),
                batch_ids=("batch_ids", lambda s: tuple(sorted({b for t in s for b in t}))),
            )
            .reset_index()
            .rename(columns={"parent": "region_code"})
        )
        agg["derived"] = True
        agg["source"] = "children"
        have = current.set_index(["region_code", "indicator_code"]).index
        agg = agg[~agg.set_index(["region_code", "indicator_code"]).index.isin(have)]
        agg = agg.merge(rf[["region_code", "units_expected"]], on="region_code", how="left")
        frames.append(agg)
        current = pd.concat([current, agg], ignore_index=True)
    out = pd.concat(frames, ignore_index=True)
    out["months_expected"] = months_expected
    return out


def compute(
    raw: pd.DataFrame,
    period: Period,
    region_codes: Sequence[str],
    indicator_codes: Sequence[str],
    *,
    regions: RegionTable | None = None,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """Roll stored fact rows up to one figure per (target region, indicator). Pure: no database.

    `raw` holds current fact rows (RAW_COLUMNS) inside `period` for the targets and their
    descendants. Returns RESULT_COLUMNS; a target with no data has value NaN and 0 coverage.
    """
    regions = regions or load_regions()
    catalog = catalog or load_catalog()
    rf = _region_frame(regions, region_codes)
    raw = raw[raw["region_code"].isin(rf["region_code"])]
    wanted = [catalog.get(c) for c in indicator_codes]
    # Own figures of every stored indicator needed, computed in one vectorised pass per kind
    # (each helper groups by region and indicator, so indicators never mix).
    needed = needed_codes([i.code for i in wanted], catalog)
    stored = [c for c in needed if not catalog.get(c).is_ratio]
    stock_codes = [c for c in stored if catalog.get(c).kind == "stock"]
    flow_codes = [c for c in stored if catalog.get(c).kind != "stock"]
    in_stock = raw["indicator_code"].isin(stock_codes)
    in_flow = raw["indicator_code"].isin(flow_codes)
    own_parts = (
        _own_flows(raw[in_flow], period, catalog),
        _own_stocks(raw[in_stock], period, catalog),
    )
    own_all = pd.concat([o for o in own_parts if not o.empty] or [_empty_own()], ignore_index=True)
    by_indicator = {c: g for c, g in own_all.groupby("indicator_code", sort=False)}
    empty_own = _empty_own()

    def own_for(ind: Indicator) -> pd.DataFrame:
        return by_indicator.get(ind.code, empty_own)

    ratio_codes = [i.code for i in wanted if i.is_ratio]
    by_code = {
        c: g for c, g in raw[raw["indicator_code"].isin(ratio_codes)].groupby("indicator_code")
    }
    empty_raw = raw.iloc[0:0]

    parts = []
    plain_codes = [i.code for i in wanted if not i.is_ratio]
    if plain_codes:
        own = own_all[own_all["indicator_code"].isin(plain_codes)].copy()
        own["num"] = np.nan
        own["den"] = np.nan
        parts.append(_roll_over_regions(own, rf, period.months))
    for ind in wanted:
        if ind.is_ratio:
            parts.append(_ratio(ind, own_for, by_code, empty_raw, rf, period, catalog))
    rolled = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=RESULT_COLUMNS)
    grid = pd.MultiIndex.from_product(
        [list(dict.fromkeys(region_codes)), [i.code for i in wanted]],
        names=["region_code", "indicator_code"],
    ).to_frame(index=False)
    out = grid.merge(rolled, on=["region_code", "indicator_code"], how="left")
    exp = dict(zip(rf["region_code"], rf["units_expected"], strict=True))
    out["units_expected"] = out["region_code"].map(exp).fillna(0).astype(int)
    out.loc[out["units_expected"] == 0, "units_expected"] = 1
    out["units_reported"] = out["units_reported"].fillna(0).astype(int)
    out["months_covered"] = out["months_covered"].fillna(0).astype(int)
    out["months_expected"] = period.months
    for col in ("is_approximate", "is_reported_rate", "derived"):
        out[col] = out[col].astype("boolean").fillna(False).astype(bool)
    out["batch_ids"] = [t if isinstance(t, tuple) else () for t in out["batch_ids"]]
    out["value"] = out["value"].astype(float)
    out["conflicts"] = out["conflicts"].fillna(0).astype(int)
    out["finer_value"] = out["finer_value"].astype(float)
    return out[RESULT_COLUMNS]


def _ratio(ind, own_for, by_code, empty_raw, rf, period, catalog) -> pd.DataFrame:
    """A ratio: parts rolled up together (only units reporting both), else the reported rate."""
    num = own_for(catalog.get(ind.numerator))
    den = own_for(catalog.get(ind.denominator))
    pair = num.merge(den, on="region_code", suffixes=("_n", "_d"), how="inner")
    own = pd.DataFrame(
        {
            "region_code": pair["region_code"],
            "indicator_code": ind.code,
            "num": pair["value_n"],
            "den": pair["value_d"],
            "value": np.nan,
            "is_approximate": pair["is_approximate_n"] | pair["is_approximate_d"],
            "is_reported_rate": False,
            "derived": True,
            "months_covered": np.minimum(pair["months_covered_n"], pair["months_covered_d"]),
            "as_of": pair[["as_of_n", "as_of_d"]].max(axis=1),
            "conflicts": (pair["finer_value_n"].notna() | pair["finer_value_d"].notna()).astype(
                int
            ),
            "finer_value": np.nan,
            "batch_ids": [
                tuple(sorted(set(a) | set(b)))
                for a, b in zip(pair["batch_ids_n"], pair["batch_ids_d"], strict=True)
            ],
        }
    )
    reported = _own_reported_rates(by_code.get(ind.code, empty_raw), period)
    reported = reported[~reported["region_code"].isin(own["region_code"])]
    rolled = _roll_over_regions(own, rf, period.months)
    with np.errstate(divide="ignore", invalid="ignore"):
        rolled["value"] = np.where(rolled["den"] > 0, rolled["num"] / rolled["den"] * 100.0, np.nan)
    rolled = rolled[rolled["value"].notna()]
    rolled["finer_value"] = np.nan  # a ratio's note names the parts (rollup.conflicts)
    if not reported.empty:
        # a region with no usable parts but its own reported rate keeps that rate, flagged
        fallback = reported[~reported["region_code"].isin(rolled["region_code"])]
        fallback = fallback.merge(rf[["region_code", "units_expected"]], on="region_code")
        fallback["units_reported"] = fallback["units_expected"].where(
            fallback["units_expected"] > 0, 1
        )
        fallback["months_expected"] = period.months
        fallback["conflicts"] = 0
        rolled = pd.concat([rolled, fallback], ignore_index=True)
    return rolled


# --------------------------------------------------------------------------- year over year


def change_of(
    indicator: Indicator, value: float | None, previous: float | None
) -> tuple[float | None, str]:
    """The change from `previous` to `value`: (percentage points, 'pp') for ratios, else (%, '%')."""
    unit = "pp" if indicator.is_ratio else "%"
    if value is None or previous is None or pd.isna(value) or pd.isna(previous):
        return None, unit
    if indicator.is_ratio:
        return value - previous, unit
    if previous == 0:
        return None, unit
    return (value - previous) / abs(previous) * 100.0, unit


def with_previous(
    current: pd.DataFrame, previous: pd.DataFrame, catalog: Catalog | None = None
) -> pd.DataFrame:
    """Join last year's figures and the change; a change is stated only between complete figures."""
    catalog = catalog or load_catalog()
    prev = previous[
        [
            "region_code",
            "indicator_code",
            "value",
            "is_approximate",
            "units_reported",
            "units_expected",
            "months_covered",
            "months_expected",
            "batch_ids",
        ]
    ].rename(
        columns={
            "value": "previous",
            "is_approximate": "previous_is_approximate",
            "units_reported": "previous_units_reported",
            "units_expected": "previous_units_expected",
            "months_covered": "previous_months_covered",
            "months_expected": "previous_months_expected",
            "batch_ids": "previous_batch_ids",
        }
    )
    out = current.merge(prev, on=["region_code", "indicator_code"], how="left")
    changes, units, abs_changes, comparable, approximate, reasons = [], [], [], [], [], []
    for row in out.itertuples(index=False):
        ind = catalog.get(row.indicator_code)
        complete_now = (
            row.units_reported >= row.units_expected and row.months_covered >= row.months_expected
        )
        complete_prev = (
            pd.notna(row.previous)
            and row.previous_units_reported >= row.previous_units_expected
            and row.previous_months_covered >= row.previous_months_expected
        )
        ok = bool(pd.notna(row.value) and complete_now and complete_prev)
        ch, unit = change_of(ind, row.value if ok else None, row.previous if ok else None)
        changes.append(ch)
        units.append(unit)
        abs_changes.append(row.value - row.previous if ok else None)
        comparable.append(ok)
        approximate.append(ok and (bool(row.is_approximate) or bool(row.previous_is_approximate)))
        if ok:
            reasons.append(None if ch is not None else "previous_zero")
        elif pd.isna(row.value):
            reasons.append("not_reported")
        elif pd.isna(row.previous):
            reasons.append("previous_not_reported")
        elif not complete_now:
            reasons.append("incomplete")
        else:
            reasons.append("previous_incomplete")
    out["change"] = changes
    out["change_unit"] = units
    out["change_abs"] = abs_changes
    out["comparable"] = comparable
    out["change_is_approximate"] = approximate
    out["change_reason"] = reasons
    return out


def fetch_raw(
    conn: Connection,
    period: Period,
    indicator_codes: Sequence[str],
    region_codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Current fact rows inside `period` for the given stored indicators (and regions, if given)."""
    stmt = sa.select(
        facts.c.region_code,
        facts.c.period_start,
        facts.c.period_end,
        facts.c.period_months,
        facts.c.indicator_code,
        facts.c.value,
        facts.c.is_approximate,
        facts.c.is_reported_rate,
        facts.c.batch_id,
    ).where(
        facts.c.is_current,
        facts.c.indicator_code.in_(sa.bindparam("codes", expanding=True)),
        facts.c.period_start >= sa.bindparam("start"),
        facts.c.period_end <= sa.bindparam("end"),
    )
    params: dict = {"codes": list(indicator_codes), "start": period.start, "end": period.end}
    if region_codes is not None:
        stmt = stmt.where(facts.c.region_code.in_(sa.bindparam("regions", expanding=True)))
        params["regions"] = list(region_codes)
    raw = read_frame(conn, stmt, params)
    for col in ("period_start", "period_end"):
        raw[col] = pd.to_datetime(raw[col]).dt.date
    raw["value"] = raw["value"].astype("float64")
    for col in ("is_approximate", "is_reported_rate"):
        raw[col] = raw[col].astype(bool)
    return raw


def _subtree_codes(regions: RegionTable, targets: Sequence[str]) -> list[str] | None:
    codes: dict[str, None] = {}
    for t in targets:
        codes[t] = None
        for d in regions.descendants(t):
            codes[d.code] = None
    # past a few thousand codes an IN list costs more than it saves
    return list(codes) if len(codes) < 2000 else None


def figures(
    engine_or_conn: Engine | Connection,
    region_codes: Sequence[str],
    period: Period,
    indicator_codes: Sequence[str],
    *,
    compare: bool = True,
    regions: RegionTable | None = None,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """Rolled-up figures for targets x indicators, with last year's value and the change."""
    regions = regions or load_regions()
    catalog = catalog or load_catalog()
    codes = needed_codes(indicator_codes, catalog)
    scope = _subtree_codes(regions, region_codes)

    def run(conn: Connection) -> pd.DataFrame:
        cur_raw = fetch_raw(conn, period, codes, scope)
        cur = compute(
            cur_raw, period, region_codes, indicator_codes, regions=regions, catalog=catalog
        )
        if not compare:
            return cur
        prev_period = period.previous_year()
        prev_raw = fetch_raw(conn, prev_period, codes, scope)
        prev = compute(
            prev_raw, prev_period, region_codes, indicator_codes, regions=regions, catalog=catalog
        )
        return with_previous(cur, prev, catalog)

    if isinstance(engine_or_conn, Connection):
        return run(engine_or_conn)
    with connect(engine_or_conn) as conn:
        return run(conn)
