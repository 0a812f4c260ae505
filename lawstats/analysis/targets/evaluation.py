"""Progress against 序时进度: each target evaluated against the rolled-up figures.

Actuals always come from lawstats.store.rollup.figures, the roll-up the dashboard and `etl show`
use. For flows, 完成进度 = year-to-date actual / annual target and 序时进度 = elapsed months / 12;
the gap is in 个百分点. Stocks and rates compare their latest level with the target. Not
reported is 无数据, never 0. A settled target shows its frozen result, flagging later revisions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lawstats import store
from lawstats.analysis.targets.model import PROGRESS_COLUMNS, STATUS_ZH, Target, _err, _num
from lawstats.analysis.targets.stored import _frame_to_targets, _order, _targets_frame, scope_codes
from lawstats.domain.catalog import Catalog, Indicator, load_catalog
from lawstats.domain.formatting import round_figure
from lawstats.domain.periods import Period
from lawstats.domain.regions import RegionTable, load_regions


def latest_month(engine_or_conn: Engine | Connection, region_code: str, year: int) -> int | None:
    """The last month of `year` covered by a current fact of the region or a unit below it."""
    codes = scope_codes(region_code, True)
    f = store.facts
    stmt = sa.select(sa.func.max(f.c.period_end)).where(
        f.c.is_current,
        f.c.period_start >= sa.bindparam("start"),
        f.c.period_end <= sa.bindparam("end"),
    )
    params: dict[str, Any] = {"start": date(year, 1, 1), "end": date(year, 12, 31)}
    if len(codes) < 2000:
        stmt = stmt.where(f.c.region_code.in_(sa.bindparam("codes", expanding=True)))
        params["codes"] = codes

    def run(conn: Connection):
        return conn.execute(stmt, params).scalar()

    if isinstance(engine_or_conn, Connection):
        hi = run(engine_or_conn)
    else:
        with store.connect(engine_or_conn) as conn:
            hi = run(conn)
    if hi is None:
        return None
    end = store.to_date(hi)
    nxt = pd.Timestamp(end) + pd.Timedelta(days=1)
    return end.month if nxt.day == 1 else max(1, end.month - 1)


def _through_months(through: Period | None, year: int, fallback: int | None) -> int:
    if through is None:
        return fallback or 12
    if through.end.year != year or through.start.year != year:
        raise _err(
            f"截至期间 {through.label} 不在 {year} 年内",
            f"through period {through.label_en} is not inside {year}",
        )
    end = through.end
    nxt = pd.Timestamp(end) + pd.Timedelta(days=1)
    return end.month if nxt.day == 1 else max(1, end.month - 1)


def _units_for(code: str, regions: RegionTable) -> list[str]:
    kids = [r.code for r in regions.children(code, reporting_only=True)]
    return kids or [code]


def _r1(v: float | None) -> float | None:
    """A percentage for the progress table, rounded by the one display rule."""
    return round_figure(v, 1)


@dataclass
class _Eval:
    actual: float | None = None
    previous: float | None = None
    growth: float | None = None
    completion: float | None = None
    expected: float | None = None
    due: float | None = None
    gap_pp: float | None = None
    shortfall: float | None = None
    units_total: int | None = None
    units_passing: int | None = None
    failing_units: tuple[str, ...] = ()
    unit_values: dict[str, float | None] = field(default_factory=dict)
    complete: bool = False
    status: str = "no_data"
    approximate: bool = False  # the actual (or last year's, for growth) is approximate (约)


def _status(met: bool, closed: bool, definitive: bool = False) -> str:
    """met & (closed or definitive) -> done; met -> on_track; else missed when closed, else behind."""
    if met:
        return "done" if closed or definitive else "on_track"
    return "missed" if closed else "behind"


def evaluate_one(
    tgt: Target,
    ind: Indicator,
    fig: dict[tuple[str, str], Any],
    months: int,
    regions: RegionTable,
) -> _Eval:
    """One target against rolled-up figures (fig: (region, indicator) -> rollup row). Pure."""
    row = fig.get((tgt.region_code, tgt.indicator_code))
    e = _Eval()
    value = tgt.value
    if tgt.kind == "per_unit":
        return _evaluate_per_unit(tgt, ind, fig, months, regions)
    if row is None:
        return e
    actual = _num(row.value)
    e.actual = actual
    e.approximate = bool(getattr(row, "is_approximate", False))
    e.previous = _num(getattr(row, "previous", None))
    e.complete = bool(
        row.units_reported >= row.units_expected and row.months_covered >= row.months_expected
    )
    if actual is None:
        return e
    closed = months == 12 and e.complete
    is_flow = ind.kind == "flow"
    if tgt.kind == "growth":
        e.approximate = e.approximate or bool(getattr(row, "previous_is_approximate", False))
        comparable = bool(getattr(row, "comparable", False))
        growth = _num(row.change) if comparable else None
        e.growth = growth
        e.due = value
        if growth is None:
            e.status = "no_data"
            return e
        met = growth > value if value == 0 else growth >= value
        e.gap_pp = _r1(growth - value)
        e.shortfall = round_figure(max(0.0, value - growth), 1)
        e.status = _status(met, closed)
        return e
    share = months / 12.0
    e.due = value * share if is_flow else value
    if tgt.kind == "at_least":
        e.completion = _r1(actual / value * 100) if value > 0 else None
        if is_flow:
            e.expected = _r1(share * 100)
            if value > 0:
                e.gap_pp = _r1(actual / value * 100 - share * 100)
        e.shortfall = round_figure(max(0.0, e.due - actual), max(ind.decimals, 1))
        met = actual >= value
        if is_flow and not met and not closed:
            e.status = "on_track" if actual >= e.due else "behind"
        else:
            e.status = _status(met, closed, definitive=is_flow)
        return e
    if tgt.kind == "rate_floor":
        e.gap_pp = _r1(actual - value)
        e.shortfall = round_figure(max(0.0, value - actual), max(ind.decimals, 1))
        e.status = _status(actual >= value, closed)
        return e
    # at_most
    e.completion = _r1(actual / value * 100) if value > 0 else None
    if is_flow:
        e.expected = _r1(share * 100)
        if value > 0:
            e.gap_pp = _r1(share * 100 - actual / value * 100)
    if ind.is_ratio:
        e.gap_pp = _r1(value - actual)
    e.shortfall = round_figure(
        max(0.0, actual - (e.due if is_flow else value)), max(ind.decimals, 1)
    )
    e.status = _status(actual <= value, closed)
    return e


def _unit_value(code: str, tgt: Target, fig: dict[tuple[str, str], Any]) -> float | None:
    row = fig.get((code, tgt.indicator_code))
    v = _num(row.value) if row is not None else None
    if v is None or not tgt.per_code:
        return v
    den_row = fig.get((code, tgt.per_code))
    den = _num(den_row.value) if den_row is not None else None
    if den is None or den <= 0:
        return None
    return v / den


def _evaluate_per_unit(
    tgt: Target, ind: Indicator, fig: dict[tuple[str, str], Any], months: int, regions: RegionTable
) -> _Eval:
    e = _Eval(expected=None, due=tgt.value)
    units = _units_for(tgt.region_code, regions)
    values = {u: _unit_value(u, tgt, fig) for u in units}
    e.unit_values = values
    e.approximate = any(
        bool(getattr(fig.get((u, c)), "is_approximate", False))
        for u in units
        for c in (tgt.indicator_code, tgt.per_code)
        if c
    )
    have = {u: v for u, v in values.items() if v is not None}
    e.units_total = len(have)
    e.complete = len(have) == len(units)
    if not have:
        return e
    failing = tuple(u for u, v in have.items() if round(v, 6) < tgt.value)
    e.failing_units = failing
    e.units_passing = len(have) - len(failing)
    e.actual = round_figure(min(have.values()), 2)
    e.shortfall = float(len(failing))
    closed = months == 12 and e.complete
    e.status = _status(not failing, closed)
    return e


def _settled_frame(conn: Connection, keys: Sequence[tuple[str, str, int]]) -> pd.DataFrame:
    if not keys:
        return pd.DataFrame()
    s = store.settled_results
    regions_ = sorted({k[0] for k in keys})
    years = sorted({k[2] for k in keys})
    frame = store.read_frame(
        conn,
        sa.select(s).where(
            s.c.region_code.in_(sa.bindparam("regions", expanding=True)),
            s.c.year.in_(sa.bindparam("years", expanding=True)),
        ),
        {"regions": regions_, "years": years},
    )
    return frame


def evaluate(
    engine_or_conn: Engine | Connection,
    targets: Sequence[Target],
    year: int,
    months: int,
    *,
    use_settled: bool = True,
    regions: RegionTable | None = None,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """Targets of one year evaluated through month `months` (PROGRESS_COLUMNS, one row each).

    Actuals: lawstats.store.rollup.figures for Period.months(year, 1, months), with last year's same
    range (growth). With use_settled and months == 12, a settled target shows its frozen result
    and flags a later revision (revised, current_actual).
    """
    from lawstats.store.rollup import figures

    regions = regions or load_regions()
    catalog = catalog or load_catalog()
    targets = [tg for tg in targets if tg.year == year]
    ytd = Period.months(year, 1, months)
    region_set: dict[str, None] = {}
    codes: dict[str, None] = {}
    for tg in targets:
        region_set[tg.region_code] = None
        codes[tg.indicator_code] = None
        if tg.kind == "per_unit":
            for u in _units_for(tg.region_code, regions):
                region_set[u] = None
            if tg.per_code:
                codes[tg.per_code] = None

    def run(conn: Connection) -> pd.DataFrame:
        if not targets:
            return pd.DataFrame(columns=PROGRESS_COLUMNS)
        fig_frame = figures(
            conn, list(region_set), ytd, list(codes), compare=True, regions=regions, catalog=catalog
        )
        fig = {(r.region_code, r.indicator_code): r for r in fig_frame.itertuples(index=False)}
        settled = (
            _settled_frame(conn, [tg.key for tg in targets])
            if use_settled and months == 12
            else pd.DataFrame()
        )
        return _rows(targets, fig, settled, ytd, months, regions, catalog)

    if isinstance(engine_or_conn, Connection):
        return run(engine_or_conn)
    with store.connect(engine_or_conn) as conn:
        return run(conn)


def _rows(
    targets: Sequence[Target],
    fig: dict[tuple[str, str], Any],
    settled: pd.DataFrame,
    ytd: Period,
    months: int,
    regions: RegionTable,
    catalog: Catalog,
) -> pd.DataFrame:
    settled_by = (
        {(r.region_code, r.indicator_code, int(r.year)): r for r in settled.itertuples(index=False)}
        if not settled.empty
        else {}
    )
    rows = []
    for tg in targets:
        ind = catalog.get(tg.indicator_code)
        e = evaluate_one(tg, ind, fig, months, regions)
        live_actual = e.actual
        s = settled_by.get(tg.key)
        revised = False
        if s is not None:
            frozen = _num(s.actual)
            live_key = (_round(live_actual), _round(e.growth), e.units_passing)
            detail = json.loads(s.detail) if isinstance(s.detail, str) and s.detail else {}
            frozen_key = (_round(frozen), _round(_num(s.growth)), detail.get("units_passing"))
            revised = live_key != frozen_key
            e = _Eval(
                actual=frozen,
                previous=detail.get("previous"),
                growth=_num(s.growth),
                completion=_num(s.completion),
                expected=detail.get("expected"),
                due=detail.get("due"),
                gap_pp=_num(s.gap_pp),
                shortfall=_num(s.shortfall),
                units_total=detail.get("units_total"),
                units_passing=detail.get("units_passing"),
                failing_units=tuple(detail.get("failing_units", ())),
                complete=bool(detail.get("complete", True)),
                status=s.status,
                approximate=bool(detail.get("approximate", False)),
            )
            tg = replace(tg, kind=s.kind, value=float(s.target_value), per_code=s.per_code or None)
        rows.append(
            {
                "region_code": tg.region_code,
                "region_name": regions.get(tg.region_code).name,
                "indicator_code": tg.indicator_code,
                "indicator_name": ind.name_zh,
                "unit": ind.unit,
                "target_kind": tg.kind,
                "target_value": tg.value,
                "per_code": tg.per_code,
                "year": tg.year,
                "through": ytd.label,
                "months": months,
                "actual": e.actual,
                "previous": e.previous,
                "growth": e.growth,
                "completion": e.completion,
                "expected": e.expected,
                "due": e.due,
                "gap_pp": e.gap_pp,
                "shortfall": e.shortfall,
                "units_total": e.units_total,
                "units_passing": e.units_passing,
                "failing_units": e.failing_units,
                "complete": e.complete,
                "status": e.status,
                "status_zh": STATUS_ZH[e.status],
                "settled": s is not None,
                "settled_actual": _num(s.actual) if s is not None else None,
                "current_actual": live_actual,
                "revised": revised,
                "approximate": e.approximate,
            }
        )
    frame = pd.DataFrame(rows, columns=PROGRESS_COLUMNS)
    for col in ("units_total", "units_passing"):
        frame[col] = frame[col].astype("Int64")
    return frame


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 6)


def progress(
    engine: Engine,
    region_code: str,
    year: int,
    through: Period | None = None,
    include_children: bool = False,
) -> pd.DataFrame:
    """Each target of the region (and, with include_children, every region below it) for a year.

    Columns (PROGRESS_COLUMNS): region_code, indicator_code, target_kind, target_value, actual,
    completion (% of target, or NaN), expected (序时进度 % for flows, else NaN), gap_pp (ahead +,
    behind −, 个百分点), status (done | on_track | behind | missed | no_data), status_zh, settled,
    and the detail behind them. `through` (a period ending in `year`) sets the months elapsed;
    None means the last month of the year with data for the region.
    """
    regions = load_regions()
    codes = scope_codes(region_code, include_children, regions)
    with store.connect(engine) as conn:
        frame = _order(_targets_frame(conn, codes, year), codes)
        fallback = latest_month(conn, region_code, year) if through is None else None
        months = _through_months(through, year, fallback)
        return evaluate(conn, _frame_to_targets(frame), year, months, regions=regions)
