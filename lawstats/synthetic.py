"""National-scale synthetic facts (every reporting county, every flow and stock indicator, N months) for speed tests."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lawstats import summary
from lawstats.batches import BatchInfo, create_batch
from lawstats.catalog import Catalog, load_catalog
from lawstats.regions import RegionTable, load_regions
from lawstats.store import batches, ensure_schema, fact_id_seq, facts, set_meta, transaction, wipe

DEFAULT_SEED = 20240601
# parts that must not exceed their whole: (part, whole, low share, high share)
_PARTS = {
    "mediation_success": ("mediation_cases", 0.955, 0.999),
    "released_handed_over": ("released_total", 0.97, 1.0),
    "reconsideration_mediated": ("reconsideration_accepted", 0.15, 0.4),
}
# typical level per 10,000 residents per month (flows) or per 10,000 residents (stocks)
_FLOW_RATE = 2.0
_STOCK_RATE = 4.0


def synthetic_counties(regions: RegionTable | None = None, limit: int | None = None) -> list[str]:
    """Codes of the county-level units that report (all 2,846 official counties plus extras)."""
    regions = regions or load_regions()
    codes = [r.code for r in regions if r.level == "county" and r.reports]
    return codes[:limit] if limit else codes


def _months(last_year: int, months: int) -> tuple[np.ndarray, np.ndarray]:
    """First and last day of each month, ending December of `last_year`."""
    end = pd.Period(f"{last_year}-12", freq="M")
    per = pd.period_range(end=end, periods=months, freq="M")
    return (
        per.start_time.values.astype("datetime64[D]"),
        per.end_time.values.astype("datetime64[D]"),
    )


def generate_indicator(
    code: str,
    counties: Sequence[str],
    months: int,
    *,
    last_year: int = 2025,
    seed: int = DEFAULT_SEED,
    catalog: Catalog | None = None,
    wholes: dict[str, np.ndarray] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """One indicator's facts for every county x month (county-major, month order) and the value matrix."""
    catalog = catalog or load_catalog()
    ind = catalog.get(code)
    n, m = len(counties), months
    key = int(hashlib.sha256(code.encode()).hexdigest()[:8], 16)
    rng = np.random.default_rng([seed, key])
    base_rng = np.random.default_rng([seed, 1])
    population = base_rng.uniform(8.0, 150.0, n)  # 万人, shared by every indicator
    growth = 1.0 + np.arange(m) / 12.0 * rng.uniform(-0.01, 0.06, n)[:, None]
    if code == "population":
        values = np.round(population[:, None] * growth, 1)
    elif code in _PARTS and wholes is not None and _PARTS[code][0] in wholes:
        _, lo, hi = _PARTS[code]
        share = rng.uniform(lo, hi, (n, 1))
        whole = wholes[_PARTS[code][0]]
        values = np.minimum(np.round(whole * share), whole)
    elif ind.kind == "stock":
        level = population * _STOCK_RATE * rng.uniform(0.05, 2.0)
        values = np.round(level[:, None] * growth * rng.uniform(0.7, 1.3, (n, 1)))
        if ind.decimals:
            values = np.round(values, ind.decimals)
    else:
        season = 1.0 + 0.15 * np.sin(np.arange(m) * 2 * np.pi / 12.0)
        lam = population[:, None] * _FLOW_RATE * rng.uniform(0.02, 3.0) * growth * season
        values = rng.poisson(np.maximum(lam, 0.1)).astype("float64")
        if ind.unit == "万元":
            values = np.round(values / 10.0, 2)
    starts, ends = _months(last_year, m)
    frame = pd.DataFrame(
        {
            "region_code": np.repeat(np.asarray(counties, dtype=object), m),
            "period_start": np.tile(starts, n),
            "period_end": np.tile(ends, n),
            "period_months": np.int16(1),
            "indicator_code": code,
            "value": values.reshape(-1).astype("float64"),
            "is_approximate": False,
            "is_reported_rate": False,
            "is_not_reported": False,
        }
    )
    return frame, values


def _insert(conn: Connection, frame: pd.DataFrame) -> None:
    """INSERT ... SELECT from a registered DataFrame, ids drawn from the facts sequence."""
    raw = conn.connection.driver_connection
    view = "_lawstats_synth_frame"
    raw.register(view, frame)
    try:
        cols = [c for c in frame.columns]
        src = sa.select(
            fact_id_seq.next_value(),
            *[sa.column(c) for c in cols],
            sa.true(),
        ).select_from(sa.table(view))
        conn.execute(facts.insert().from_select(["id", *cols, "is_current"], src))
    finally:
        raw.unregister(view)


def build_synthetic(
    engine: Engine,
    *,
    months: int = 120,
    last_year: int = 2025,
    county_limit: int | None = None,
    seed: int = DEFAULT_SEED,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Replace the database with synthetic facts (marked as demo data); one batch per year."""
    if engine.dialect.name != "duckdb":
        raise ValueError("the synthetic database is DuckDB only")
    catalog = load_catalog()
    counties = synthetic_counties(limit=county_limit)
    wipe(engine)
    ensure_schema(engine)
    codes = [i.code for i in catalog if not i.is_ratio]
    # wholes before their parts, then indicator order on disk (fast single-indicator reads)
    order = sorted(codes, key=lambda c: (c in _PARTS, c))
    starts, _ = _months(last_year, months)
    years = sorted({int(str(s)[:4]) for s in starts})
    written = 0
    with transaction(engine) as conn:
        batch_of: dict[int, int] = {}
        for year in years:
            batch_of[year] = create_batch(
                conn,
                BatchInfo(
                    file_name=f"合成数据 全国 {year}年（程序生成）",
                    sha256=hashlib.sha256(f"synthetic:{seed}:{year}".encode()).hexdigest(),
                    source_type="demo",
                    uploaded_by="synth",
                    period_label=f"{year}年",
                    note="Synthetic national-scale data from `python -m etl synth`; not real statistics.",
                    is_demo=True,
                ),
            )
        wholes: dict[str, np.ndarray] = {}
        per_year = np.array([batch_of[int(str(s)[:4])] for s in starts], dtype="int32")
        for i, code in enumerate(order):
            frame, values = generate_indicator(
                code,
                counties,
                months,
                last_year=last_year,
                seed=seed,
                catalog=catalog,
                wholes=wholes,
            )
            if any(code == whole for whole, _, _ in _PARTS.values()):
                wholes[code] = values
            frame["batch_id"] = np.tile(per_year, len(counties))
            _insert(conn, frame)
            written += len(frame)
            if progress:
                progress(i + 1, len(order))
        for year, bid in batch_of.items():
            n = len(counties) * int(sum(1 for s in starts if int(str(s)[:4]) == year)) * len(order)
            conn.execute(batches.update().where(batches.c.id == bid).values(facts_written=n))
        summary.invalidate(conn)  # bulk-built: the yearly summary is rebuilt whole
        summary.refresh_in(conn)
        set_meta(conn, "is_demo", "true")
        set_meta(conn, "is_synthetic", "true")
    return {"facts": written, "counties": len(counties), "indicators": len(order)}
