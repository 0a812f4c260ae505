"""Statistics semantics in one place: how flows, stocks and ratios roll up over time and regions.

Rules (docs/methodology.md, "Roll-up rules"):
- flow: a region's figure for a period is its own fact for exactly that period if stored, else the
  sum of its finer facts that tile the period (months, quarters...). A region without its own
  figure gets the sum of its children.
- stock: the latest level inside the period (as of its last date); over children: the sum of
  each child's latest level.
- ratio: recomputed as numerator / denominator x 100 from the rolled-up parts; a rate reported
  without its parts is kept as reported and flagged, never averaged or summed.
- coverage: a figure built from children says how many reporting county-level units it covers
  (6/7), and whether every month of the period was there; a sum over fewer units is never
  presented as complete.
- year over year compares the same date range one year earlier; a ratio changes in percentage
  points, everything else in percent.

How it runs: one query per call (any number of periods) makes the database reduce the facts to
per-region candidates ("grains": the exact-period fact, each tiling length with its month count,
the latest stock level); no fact row leaves the database. The choice among them and the roll-up
over the region tree then work on those few rows with numpy, vectorised, in this module only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection, Engine

from lawstats.domain.catalog import Catalog, load_catalog

# change_of and with_previous are part of this module's interface (the roll-up's year over year)
from lawstats.domain.change import (  # noqa: F401
    PREVIOUS_COLUMNS,
    change_of,
    changes,
    with_previous,
)
from lawstats.domain.periods import Period
from lawstats.domain.region_scope import Scope
from lawstats.domain.region_scope import scope as region_scope
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.store import connect, is_read_only, summary
from lawstats.store.grains import object_array, read_grain_positions

RESULT_COLUMNS = [
    "region_code",
    "indicator_code",
    "value",
    "is_approximate",
    "is_reported_rate",
    "derived",
    "units_reported",
    "units_expected",
    "months_covered",
    "months_expected",
    "as_of",
    "conflicts",
    "finer_value",
    "batch_ids",
]


@dataclass(frozen=True)
class Figure:
    """One rolled-up figure with everything a screen or a report needs to state it honestly."""

    region_code: str
    indicator_code: str
    period: Period
    value: float | None
    is_approximate: bool
    is_reported_rate: bool
    derived: bool
    units_reported: int
    units_expected: int
    months_covered: int
    months_expected: int
    batch_ids: tuple[int, ...]

    @property
    def complete(self) -> bool:
        return (
            self.units_reported >= self.units_expected
            and self.months_covered >= self.months_expected
        )


# --------------------------------------------------------------------------- reading the facts

# The database reduces the facts to "grains": per period, region and indicator, the candidates for
# a region's own figure. Flows and reported rates: one row per period length (months; -1 = the
# exact period) with the count, sum, flags, last date and the list of the facts' batches (a
# county's year is one row however many monthly files it came in). Stocks: the latest level
# inside the period. Static text, bound parameters only; periods and code lists arrive as arrays.
# Relies on the store's invariant of at most one current fact per (region, period, indicator).
# --------------------------------------------------------------------------- the roll-up

_FLOW, _STOCK, _RATE = 0, 1, 2  # indicator kinds as the arrays carry them


def _groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order that sorts keys stably, start of each run of equal keys in that order)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]][: len(keys)])
    return order, starts


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For counts [2, 0, 3]: owners [0, 0, 2, 2, 2] and offsets [0, 1, 0, 1, 2]."""
    owners = np.repeat(np.arange(len(counts)), counts)
    firsts = np.cumsum(counts) - counts
    return owners, np.arange(len(owners)) - firsts[owners]


@dataclass
class _Own:
    """Each region's own figure per period and indicator (one chosen grain)."""

    period: np.ndarray
    region: np.ndarray
    code: np.ndarray
    n: np.ndarray
    value: np.ndarray
    approx: np.ndarray
    rate: np.ndarray
    as_of: np.ndarray  # days since 1970-01-01
    months: np.ndarray
    alt_value: np.ndarray  # the finer figures' value where they disagree with the exact one, or NaN
    alt_start: np.ndarray  # slice of batch_ids holding the finer figures' batches (count 0: none)
    alt_count: np.ndarray
    batch_start: np.ndarray  # slice of batch_ids holding this figure's batches
    batch_count: np.ndarray
    batch_ids: np.ndarray


def _best(key: np.ndarray, score: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Among `rows`, the one with the highest score per key: (keys, rows), keys sorted."""
    order = rows[np.lexsort((score[rows], key[rows]))]
    keys = key[order]
    last = np.r_[keys[1:] != keys[:-1], True][: len(keys)]
    return keys[last], order[last]


def _lookup(keys: np.ndarray, rows: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The row of each wanted key in (sorted keys, rows), -1 where there is none."""
    if not len(keys):
        return np.full(len(wanted), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, rows[at], -1)


def _own_figures(
    grains: dict[str, np.ndarray],
    scope: Scope,
    n_codes: int,
    kinds: np.ndarray,
    periods: Sequence[Period],
    decimals: np.ndarray,
) -> _Own:
    """Choose each region's own figure: the figure reported for exactly the period, else (flows)
    the finest complete tiling, else the one covering most months; (stocks) the latest level.

    A stock's level before the period's end covers the months up to its date only (partial, as of
    that month). Where a figure for exactly the period and the finer figures (a complete tiling;
    a stock's latest finer level on the period's last day) disagree beyond the indicator's
    decimals, the exact one stands and the finer one is kept as `alt_value` (a conflict,
    docs/methodology.md "Annual and monthly figures").

    `grains` as read_grain_positions returns them (positions in the scope and the code list; one
    row per period, region, indicator and grain, its batches as slices of `batch_ids`)."""
    n_regions = len(scope.codes)
    region = np.asarray(grains["region_pos"], dtype=np.int64)
    code = np.asarray(grains["code_pos"], dtype=np.int64)
    grain = grains["grain"].astype(np.int64)
    offsets = grains["batch_offsets"]
    # a rate stands only for exactly the period it was reported for
    keep = np.flatnonzero(
        (region >= 0) & (code >= 0) & ((kinds[np.maximum(code, 0)] != _RATE) | (grain == -1))
    )
    region, code, grain = region[keep], code[keep], grain[keep]
    period = grains["pidx"].astype(np.int64)[keep]
    n = grains["n"].astype(np.int64)[keep]
    value = grains["value"].astype(np.float64)[keep]
    as_of = _days(grains["as_of"][keep])

    months = np.array([int(p.months) for p in periods], dtype=np.int64)
    first_month = np.array([p.start.year * 12 + p.start.month - 1 for p in periods], np.int64)
    last_day = np.array([(p.end - _EPOCH).days for p in periods], dtype=np.int64)
    wanted = months[period]
    # months covered: a tiling's count; a stock's months up to its date (the month it ends in
    # counts when the level is at that month's end)
    after = (as_of + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    stock_months = np.clip(after + 1970 * 12 - first_month[period], 0, wanted)
    covered = np.where(grain > 0, n * grain, np.where(grain == 0, stock_months, wanted))

    # exact period (-1) first, then a stock's latest level (0), complete tilings, most months,
    # finest grain
    key = (period * n_regions + region) * n_codes + code
    tier = np.where(grain == -1, 4, np.where(grain == 0, 3, np.where(covered >= wanted, 2, 1)))
    score = tier * 10**15 + covered * 10**4 - grain
    _, chosen = _best(key, score, np.arange(len(key)))
    # what the finer figures say where an exact figure stands: a complete tiling, a stock's
    # latest finer level on the period's last day
    finer = np.flatnonzero(
        ((grain > 0) & (covered >= wanted)) | ((grain == 0) & (as_of == last_day[period]))
    )
    alt_row = _lookup(*_best(key, score, finer), key[chosen])
    alt = np.where((alt_row >= 0) & (grain[chosen] == -1), value[np.maximum(alt_row, 0)], np.nan)
    tolerance = 0.5 * 10.0 ** -decimals[code[chosen]].astype(np.float64)
    with np.errstate(invalid="ignore"):
        alt = np.where(np.abs(alt - value[chosen]) >= tolerance, alt, np.nan)
    row = keep[chosen]
    alt_grain = keep[np.maximum(alt_row, 0)]
    alt_count = np.where(np.isnan(alt), 0, offsets[alt_grain + 1] - offsets[alt_grain])
    return _Own(
        period=period[chosen],
        region=region[chosen],
        code=code[chosen],
        n=n[chosen],
        value=value[chosen],
        approx=grains["approx"].astype(bool)[row],
        rate=grains["rate"].astype(bool)[row],
        as_of=as_of[chosen],
        months=np.minimum(covered[chosen], wanted[chosen]),
        alt_value=alt,
        alt_start=offsets[alt_grain],
        alt_count=alt_count,
        batch_start=offsets[row],
        batch_count=offsets[row + 1] - offsets[row],
        batch_ids=np.asarray(grains["batch_ids"], dtype=np.int64),
    )


_EPOCH = date(1970, 1, 1)


def _days(column: np.ndarray) -> np.ndarray:
    """Dates (datetime64 from DuckDB, date objects from other drivers) as days since 1970-01-01."""
    return np.asarray(column, dtype="datetime64[D]").astype(np.int64)


@dataclass
class _Units:
    """Figures to roll up over regions: own flows and stocks, and ratio parts as pairs."""

    period: np.ndarray
    region: np.ndarray
    code: np.ndarray  # the wanted indicator (a ratio for pairs)
    value: np.ndarray
    num: np.ndarray
    den: np.ndarray
    approx: np.ndarray
    rate: np.ndarray
    derived: np.ndarray
    months: np.ndarray
    as_of: np.ndarray
    conflict: np.ndarray  # an exact figure behind it disagrees with the finer figures
    sources: tuple[np.ndarray, np.ndarray]  # own-figure rows behind each unit (-1: none)


def _units(
    own: _Own, plain: np.ndarray, ratios: list[tuple[int, int, int]], n_regions: int
) -> _Units:
    take = np.flatnonzero(np.isin(own.code, plain))
    parts = [
        dict(
            period=own.period[take],
            region=own.region[take],
            code=own.code[take],
            value=own.value[take],
            num=np.full(len(take), np.nan),
            den=np.full(len(take), np.nan),
            approx=own.approx[take],
            rate=own.rate[take],
            derived=own.n[take] > 1,
            months=own.months[take],
            as_of=own.as_of[take],
            conflict=~np.isnan(own.alt_value[take]),
            src1=take,
            src2=np.full(len(take), -1),
        )
    ]
    place = own.period * n_regions + own.region
    for ratio, numerator, denominator in ratios:
        nums = np.flatnonzero(own.code == numerator)
        dens = np.flatnonzero(own.code == denominator)
        _, i, j = np.intersect1d(place[nums], place[dens], assume_unique=True, return_indices=True)
        a, b = nums[i], dens[j]
        parts.append(
            dict(
                period=own.period[a],
                region=own.region[a],
                code=np.full(len(a), ratio),
                value=np.full(len(a), np.nan),
                num=own.value[a],
                den=own.value[b],
                approx=own.approx[a] | own.approx[b],
                rate=np.zeros(len(a), dtype=bool),
                derived=np.ones(len(a), dtype=bool),
                months=np.minimum(own.months[a], own.months[b]),
                as_of=np.maximum(own.as_of[a], own.as_of[b]),
                conflict=~np.isnan(own.alt_value[a]) | ~np.isnan(own.alt_value[b]),
                src1=a,
                src2=b,
            )
        )
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return _Units(
        period=cat["period"],
        region=cat["region"],
        code=cat["code"],
        value=cat["value"],
        num=cat["num"],
        den=cat["den"],
        approx=cat["approx"],
        rate=cat["rate"],
        derived=cat["derived"],
        months=cat["months"],
        as_of=cat["as_of"],
        conflict=cat["conflict"],
        sources=(cat["src1"], cat["src2"]),
    )


def _contributions(units: _Units, scope: Scope, n_codes: int) -> tuple[np.ndarray, np.ndarray]:
    """(unit row, target) pairs: the topmost own figures in each target's subtree.

    A region's own figure beats the sum of its children at every level, so a unit counts for a
    target unless an ancestor between it and the target (inclusive) has its own figure.
    """
    n_regions = len(scope.codes)
    base = (units.period * n_codes + units.code) * n_regions
    have = np.sort(base + units.region)
    blocked_at = np.zeros(len(units.region), dtype=np.int64)  # depth of the deepest own ancestor
    for generation in scope.ancestors:
        ancestor = generation[units.region]
        found = (ancestor >= 0) & np.isin(base + ancestor, have, assume_unique=False)
        blocked_at = np.where(found, np.maximum(blocked_at, scope.depth[ancestor]), blocked_at)
    counts = np.diff(scope.pair_start)[units.region]
    rows, offsets = _expand(counts)
    targets = scope.pair_target[scope.pair_start[units.region[rows]] + offsets]
    keep = blocked_at[rows] < scope.target_depth[targets]
    return rows[keep], targets[keep]


def _reduce(ufunc: np.ufunc, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return ufunc.reduceat(values, starts) if len(starts) else values[:0]


def _batch_lists(
    own: _Own,
    sources: list[tuple[np.ndarray, np.ndarray]],
    n_groups: int,
    wanted: np.ndarray | None = None,
) -> list[tuple[int, ...]]:
    """Sorted distinct batch ids per group, from (group, own-figure row) pairs; only for the
    groups `wanted` says (a mask; None: all), the others get ()."""
    group = np.concatenate([g for g, _ in sources]) if sources else np.zeros(0, dtype=np.int64)
    row = np.concatenate([s for _, s in sources]) if sources else np.zeros(0, dtype=np.int64)
    if wanted is not None:
        group, row = group[wanted[group]], row[wanted[group]]
    owners, offsets = _expand(own.batch_count[row])
    batch = own.batch_ids[own.batch_start[row[owners]] + offsets]
    width = int(batch.max()) + 1 if len(batch) else 1
    pairs = np.unique(group[owners] * width + batch)
    bounds = np.searchsorted(pairs // width, np.arange(n_groups + 1))
    ids = (pairs % width).tolist()
    return [tuple(ids[bounds[i] : bounds[i + 1]]) for i in range(n_groups)]


@dataclass
class _Read:
    """The own figures of every region in a scope, and what the roll-up needs to go on."""

    own: _Own
    scope: Scope
    targets: tuple[str, ...]
    unique: list[str]  # the indicators asked, each once
    code_index: pd.Index  # those and the parts of ratios
    kinds: np.ndarray
    catalog: Catalog


def _read_own(
    engine_or_conn: Engine | Connection,
    periods: Sequence[Period],
    targets: tuple[str, ...],
    wanted: list[str],
    regions: RegionTable,
    catalog: Catalog,
    with_batches: bool,
) -> _Read:
    """One grains read (the summary where it can answer, else the facts) and the own figures."""
    unique = list(dict.fromkeys(wanted))
    code_list = needed_codes(unique, catalog)
    code_index = pd.Index(code_list, dtype=object)
    inds = [catalog.get(c) for c in code_list]
    kinds = np.array(
        [_RATE if i.is_ratio else _STOCK if i.kind == "stock" else _FLOW for i in inds],
        dtype=np.int64,
    )
    scope = region_scope(regions, targets)

    grain_codes = [i.code for i in inds if i.kind != "stock"]
    stock_codes = [i.code for i in inds if i.kind == "stock"]
    stale = []

    def read(conn: Connection) -> dict[str, np.ndarray]:
        args = (periods, scope.codes.tolist(), code_list, grain_codes, stock_codes, with_batches)
        rows, refresh = summary.read_grain_positions(conn, *args)
        if rows is not None:
            return rows
        stale.append(refresh)
        return read_grain_positions(conn, *args)

    grains = _run(engine_or_conn, read)
    if any(stale) and isinstance(engine_or_conn, Engine) and not is_read_only(engine_or_conn):
        # this read used the facts; the next one won't (in the background, never waiting
        # behind another writer)
        summary.refresh_later(engine_or_conn)
    decimals = np.array([i.decimals for i in inds], dtype=np.int64)
    own = _own_figures(grains, scope, len(code_index), kinds, periods, decimals)
    return _Read(own, scope, targets, unique, code_index, kinds, catalog)


def _columns(
    engine_or_conn: Engine | Connection,
    periods: Sequence[Period],
    region_codes: Sequence[str],
    indicator_codes: Sequence[str],
    regions: RegionTable | None,
    catalog: Catalog | None,
    batch_periods: Collection[int] | None = None,
) -> dict[str, np.ndarray]:
    """`series` as arrays, one per column; batch ids only for the periods (positions) in
    `batch_periods` (None: all), () for the others."""
    regions = regions or load_regions()
    catalog = catalog or load_catalog()
    targets = tuple(dict.fromkeys(region_codes))
    wanted = list(indicator_codes)
    if not periods or not targets or not wanted:
        return _empty_columns()
    # provenance wanted for some periods: the statement lists each grain's batches
    with_batches = batch_periods is None or len(batch_periods) > 0
    read = _read_own(engine_or_conn, periods, targets, wanted, regions, catalog, with_batches)
    own, scope, code_index, kinds, unique = (
        read.own,
        read.scope,
        read.code_index,
        read.kinds,
        read.unique,
    )
    plain = code_index.get_indexer([c for c in unique if not catalog.get(c).is_ratio])
    ratios = [
        (
            code_index.get_loc(c),
            code_index.get_loc(catalog.get(c).numerator),
            code_index.get_loc(catalog.get(c).denominator),
        )
        for c in unique
        if catalog.get(c).is_ratio
    ]
    units = _units(own, plain, ratios, len(scope.codes))
    rows, row_targets = _contributions(units, scope, len(code_index))

    rolled = _per_target(
        units, rows, row_targets, scope, kinds, len(targets), len(code_index), own.alt_value
    )
    rates = _reported_rates(own, units, rolled, scope, kinds, len(targets), len(code_index))
    stated = {k: np.r_[rolled.columns[k], rates.columns[k]] for k in rolled.columns}
    n_rolled = len(rolled.keys)
    sources = [*rolled.sources, *((n_rolled + g, r) for g, r in rates.sources)]
    keys = np.r_[rolled.keys, rates.keys]
    wanted_groups = None
    if batch_periods is not None:
        per_period = len(targets) * len(code_index)
        wanted_groups = (keys >= 0) & np.isin(keys // per_period, list(batch_periods))
    batch_ids = _batch_lists(own, sources, len(keys), wanted_groups)
    return _state(keys, stated, batch_ids, periods, targets, wanted, code_index, scope, catalog)


@dataclass
class _Stated:
    """Figures keyed by (period, target, indicator); sources: (figure, own-figure row) pairs."""

    keys: np.ndarray  # -1: no figure (a ratio without usable parts)
    columns: dict[str, np.ndarray]
    sources: list[tuple[np.ndarray, np.ndarray]]


def _per_target(
    units: _Units,
    rows: np.ndarray,
    row_targets: np.ndarray,
    scope: Scope,
    kinds: np.ndarray,
    n_targets: int,
    n_codes: int,
    alt_value: np.ndarray,
) -> _Stated:
    """One figure per (period, target, indicator): sums, any-flags, least coverage of months,
    how many figures behind it are exact ones the finer figures contradict."""
    key = (units.period[rows] * n_targets + row_targets) * n_codes + units.code[rows]
    order, starts = _groups(key)
    r, t = rows[order], row_targets[order]
    f_key = key[order][starts]
    is_ratio = kinds[f_key % n_codes] == _RATE
    with np.errstate(divide="ignore", invalid="ignore"):
        num, den = _reduce(np.add, units.num[r], starts), _reduce(np.add, units.den[r], starts)
        ratio_value = np.where(den > 0, num / den * 100.0, np.nan)
    value = np.where(is_ratio, ratio_value, _reduce(np.add, units.value[r], starts))
    own_or_children = units.derived[r] | (units.region[r] != scope.target_pos[t])
    group = np.cumsum(np.r_[True, key[order][1:] != key[order][:-1]])[: len(r)] - 1
    second = units.sources[1][r] >= 0
    return _Stated(
        # a ratio whose parts give no rate (denominator 0) is no figure
        keys=np.where(is_ratio & np.isnan(value), -1, f_key),
        columns={
            "value": value,
            "is_approximate": _reduce(np.logical_or, units.approx[r], starts),
            "is_reported_rate": _reduce(np.logical_or, units.rate[r], starts),
            "derived": _reduce(np.logical_or, own_or_children, starts),
            "units_reported": _reduce(np.add, scope.units[units.region[r]], starts),
            "months_covered": _reduce(np.minimum, units.months[r], starts),
            "as_of": _reduce(np.maximum, units.as_of[r], starts),
            "conflicts": _reduce(np.add, units.conflict[r].astype(np.int64), starts),
            # the finer figures' value of a target's own exact figure that they contradict
            "finer_value": _finer_values(alt_value, units, r, starts),
        },
        sources=[(group, units.sources[0][r]), (group[second], units.sources[1][r][second])],
    )


def _finer_values(
    alt_value: np.ndarray, units: _Units, r: np.ndarray, starts: np.ndarray
) -> np.ndarray:
    """For a figure that is one own flow or stock (no sum, no ratio), the finer figures' value
    where they contradict it; NaN elsewhere."""
    single = np.diff(np.r_[starts, len(r)]) == 1
    first = r[starts]
    src, pair = units.sources[0][first], units.sources[1][first]
    return np.where(single & (pair < 0) & (src >= 0), alt_value[np.maximum(src, 0)], np.nan)


def _reported_rates(
    own: _Own,
    units: _Units,
    rolled: _Stated,
    scope: Scope,
    kinds: np.ndarray,
    n_targets: int,
    n_codes: int,
) -> _Stated:
    """A target's own reported rate, where neither its own parts nor its units' give one."""
    target_of_region = np.full(len(scope.codes), -1)
    target_of_region[scope.target_pos] = np.arange(n_targets)
    rated = np.flatnonzero((kinds[own.code] == _RATE) & (target_of_region[own.region] >= 0))
    place = own.period[rated] * n_targets + target_of_region[own.region[rated]]
    keys = place * n_codes + own.code[rated]
    # a target with both parts of its own never falls back, even when they give no rate
    pairs = np.flatnonzero(kinds[units.code] == _RATE)
    pair_target = target_of_region[units.region[pairs]]
    pair_keys = (units.period[pairs] * n_targets + pair_target) * n_codes + units.code[pairs]
    keep = ~np.isin(keys, rolled.keys) & ~np.isin(keys, pair_keys[pair_target >= 0])
    rated, keys = rated[keep], keys[keep]
    return _Stated(
        keys=keys,
        columns={
            "value": own.value[rated],
            "is_approximate": own.approx[rated],
            "is_reported_rate": np.ones(len(rated), dtype=bool),
            "derived": own.n[rated] > 1,
            "units_reported": scope.units[own.region[rated]],
            "months_covered": own.months[rated],
            "as_of": own.as_of[rated],
            "conflicts": np.zeros(len(rated), dtype=np.int64),
            "finer_value": np.full(len(rated), np.nan),
        },
        sources=[(np.arange(len(rated)), rated)],
    )


def _state(
    keys: np.ndarray,
    stated: dict[str, np.ndarray],
    batch_ids: list[tuple[int, ...]],
    periods: Sequence[Period],
    targets: tuple[str, ...],
    wanted: list[str],
    code_index: pd.Index,
    scope: Scope,
    catalog: Catalog,
) -> dict[str, np.ndarray]:
    """One row per period x target x wanted indicator; figures not found stay NaN, coverage 0."""
    n_p, n_t, n_w = len(periods), len(targets), len(wanted)
    p = np.repeat(np.arange(n_p), n_t * n_w)
    t = np.tile(np.repeat(np.arange(n_t), n_w), n_p)
    w = np.tile(np.arange(n_w), n_p * n_t)
    grid_key = (p * n_t + t) * len(code_index) + code_index.get_indexer(wanted)[w]
    order = np.argsort(keys, kind="stable")
    at = np.searchsorted(keys[order], grid_key)
    at = np.minimum(at, max(len(keys) - 1, 0))
    hit = (len(keys) > 0) & (keys[order][at] == grid_key) if len(keys) else np.zeros(len(p), bool)
    src = np.where(hit, order[at] if len(keys) else 0, -1)

    def pick(name: str, missing):
        col = stated[name]
        if not len(col):
            return np.full(len(p), missing)
        return np.where(hit, col[np.maximum(src, 0)], missing)

    values = pick("value", np.nan).astype(np.float64)
    as_of = pick("as_of", -1)
    return {
        "period_index": p,
        "region_code": np.asarray(targets, dtype=object)[t],
        "indicator_code": np.asarray(wanted, dtype=object)[w],
        # exact: rounded only for a reader (lawstats.domain.formatting), never for ranks or changes
        "value": values,
        "is_approximate": pick("is_approximate", False).astype(bool),
        "is_reported_rate": pick("is_reported_rate", False).astype(bool),
        "derived": pick("derived", False).astype(bool),
        "units_reported": pick("units_reported", 0).astype(int),
        "units_expected": scope.units[scope.target_pos][t].astype(int),
        "months_covered": pick("months_covered", 0).astype(int),
        "months_expected": np.array([int(x.months) for x in periods], dtype=int)[p],
        "conflicts": pick("conflicts", 0).astype(int),
        "finer_value": pick("finer_value", np.nan).astype(np.float64),
        "as_of": object_array(
            d if ok else np.nan
            for d, ok in zip(
                np.maximum(as_of, 0).astype("datetime64[D]").astype(object), hit, strict=True
            )
        ),
        "batch_ids": object_array(batch_ids[s] if s >= 0 else () for s in src),
    }


def _empty_columns() -> dict[str, np.ndarray]:
    return {c: np.zeros(0, dtype=object) for c in ["period_index", *RESULT_COLUMNS]}


# --------------------------------------------------------------------------- entry points


def needed_codes(indicator_codes: Iterable[str], catalog: Catalog | None = None) -> list[str]:
    """The stored indicator codes a set of indicators needs (ratios need their parts)."""
    catalog = catalog or load_catalog()
    out: dict[str, None] = {}
    for code in indicator_codes:
        ind = catalog.get(code)
        out[code] = None
        if ind.is_ratio:
            out[ind.numerator] = None
            out[ind.denominator] = None
    return list(out)


def _run(engine_or_conn: Engine | Connection, work):
    if isinstance(engine_or_conn, Connection):
        return work(engine_or_conn)
    with connect(engine_or_conn) as conn:
        return work(conn)


def series(
    engine_or_conn: Engine | Connection,
    region_codes: Sequence[str],
    periods: Sequence[Period],
    indicator_codes: Sequence[str],
    *,
    regions: RegionTable | None = None,
    catalog: Catalog | None = None,
    batches: bool = True,
) -> pd.DataFrame:
    """Rolled-up figures for every period x target region x indicator, from one database query.

    Returns RESULT_COLUMNS plus `period_index` (the position in `periods`): one row per
    combination, periods outermost, then targets, then indicators in the order given; a target
    with no data has value NaN and 0 coverage. Without `batches`, batch_ids are () (a view that
    shows no provenance saves looking it up).
    """
    cols = _columns(
        engine_or_conn,
        periods,
        region_codes,
        indicator_codes,
        regions,
        catalog,
        batch_periods=None if batches else (),
    )
    return pd.DataFrame(cols, columns=["period_index", *RESULT_COLUMNS])


def figures(
    engine_or_conn: Engine | Connection,
    region_codes: Sequence[str],
    period: Period,
    indicator_codes: Sequence[str],
    **options,
) -> pd.DataFrame:
    """Rolled-up figures for targets x indicators, with last year's value and the change
    (options: those of figure_columns)."""
    return pd.DataFrame(
        figure_columns(engine_or_conn, region_codes, period, indicator_codes, **options)
    )


def figure_columns(
    engine_or_conn: Engine | Connection,
    region_codes: Sequence[str],
    period: Period,
    indicator_codes: Sequence[str],
    *,
    compare: bool = True,
    regions: RegionTable | None = None,
    catalog: Catalog | None = None,
    batches: bool = True,
) -> dict[str, np.ndarray]:
    """`figures` as one array per column (for callers that compute on them, not show them);
    without `batches`, batch_ids are ()."""
    catalog = catalog or load_catalog()
    periods = [period, period.previous_year()] if compare else [period]
    both = _columns(
        engine_or_conn,
        periods,
        region_codes,
        indicator_codes,
        regions,
        catalog,
        batch_periods=None if batches else (),
    )
    return _compared_columns(both, 0, 1 if compare else None, catalog)


def figures_and_series(
    engine_or_conn: Engine | Connection,
    region_codes: Sequence[str],
    periods: Sequence[Period],
    indicator_codes: Sequence[str],
    *,
    regions: RegionTable | None = None,
    catalog: Catalog | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One query for a series of the same range in consecutive years, oldest first.

    Returns (what `figures` returns for the last period, compared with the one before it;
    what `series` returns for all of them, except that batch_ids is () before those two).
    """
    catalog = catalog or load_catalog()
    if len(periods) < 2 or periods[-2] != periods[-1].previous_year():
        raise ValueError("periods must end with last year's range and this one")
    last = len(periods) - 1
    # the series' earlier years are drawn as sparklines: their provenance is not looked up
    cols = _columns(
        engine_or_conn,
        periods,
        region_codes,
        indicator_codes,
        regions,
        catalog,
        batch_periods=(last, last - 1),
    )
    series_ = pd.DataFrame(cols, columns=["period_index", *RESULT_COLUMNS])
    return _compared(cols, last, last - 1, catalog), series_


CONFLICT_COLUMNS = [
    "region_code",
    "indicator_code",
    "value",
    "finer_value",
    "is_stock",
    "batch_ids",
    "finer_batch_ids",
]


def conflicts(
    engine_or_conn: Engine | Connection,
    region_codes: Sequence[str],
    period: Period,
    indicator_codes: Sequence[str],
    *,
    regions: RegionTable | None = None,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """Where, in the regions and all below them, a figure reported for exactly `period` (which
    stands) and the finer figures of the same period disagree: CONFLICT_COLUMNS, one row per
    region and indicator (ratios: their parts), in region and indicator order. `finer_value` is
    the complete tiling's sum (flows) or the latest finer level on the period's last day
    (stocks); docs/methodology.md, "Annual and monthly figures"."""
    regions = regions or load_regions()
    catalog = catalog or load_catalog()
    targets = tuple(dict.fromkeys(region_codes))
    if not targets or not indicator_codes:
        return pd.DataFrame(columns=CONFLICT_COLUMNS)
    read = _read_own(
        engine_or_conn, [period], targets, list(indicator_codes), regions, catalog, True
    )
    own = read.own
    hit = np.flatnonzero(~np.isnan(own.alt_value))
    codes = read.code_index.to_numpy()[own.code[hit]]

    def batches(start: np.ndarray, count: np.ndarray) -> list[tuple[int, ...]]:
        ids = own.batch_ids
        return [
            tuple(sorted({int(b) for b in ids[a : a + n]}))
            for a, n in zip(start, count, strict=True)
        ]

    out = pd.DataFrame(
        {
            "region_code": read.scope.codes[own.region[hit]],
            "indicator_code": codes,
            "value": own.value[hit],
            "finer_value": own.alt_value[hit],
            "is_stock": read.kinds[own.code[hit]] == _STOCK,
            "batch_ids": batches(own.batch_start[hit], own.batch_count[hit]),
            "finer_batch_ids": batches(own.alt_start[hit], own.alt_count[hit]),
        },
        columns=CONFLICT_COLUMNS,
    )
    return out.sort_values(["region_code", "indicator_code"], kind="stable").reset_index(drop=True)


def _compared(
    cols: dict[str, np.ndarray], current: int, previous: int | None, catalog: Catalog
) -> pd.DataFrame:
    """The rows of period `current`, with last year's (period `previous`) and the change."""
    return pd.DataFrame(_compared_columns(cols, current, previous, catalog))


def _compared_columns(
    cols: dict[str, np.ndarray], current: int, previous: int | None, catalog: Catalog
) -> dict[str, np.ndarray]:
    at = np.asarray(cols["period_index"])
    out = {c: cols[c][at == current] for c in RESULT_COLUMNS}
    if previous is not None:
        out.update({new: cols[old][at == previous] for old, new in PREVIOUS_COLUMNS.items()})
        out.update(changes(out, catalog))
    return out
