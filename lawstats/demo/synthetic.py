"""National-scale synthetic facts (every reporting county, every flow and stock indicator, N months) for speed tests."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lawstats.demo.database import check_replaceable
from lawstats.domain.catalog import Catalog, load_catalog
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.store import (
    batches,
    bulk_insert,
    ensure_schema,
    fact_id_seq,
    facts,
    set_meta,
    summary,
    transaction,
    wipe,
)

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


# Facts are generated indicator by indicator, staged, then written in upload order: month by
# month, city by city (batch order), each file's rows by indicator and county, as a store that
# took real monthly files holds them on disk.
_STAGE = sa.Table(
    "_lawstats_synth_stage",
    sa.MetaData(),
    *(sa.Column(c.name, c.type) for c in facts.c if c.name not in ("id", "is_current")),
    prefixes=["TEMPORARY"],
)


def _write_staged(conn: Connection) -> None:
    """The staged facts into the facts table in upload order, ids from the facts sequence."""
    names = [c.name for c in _STAGE.c]
    src = sa.select(fact_id_seq.next_value(), *_STAGE.c, sa.true()).order_by(
        _STAGE.c.batch_id, _STAGE.c.indicator_code, _STAGE.c.region_code
    )
    conn.execute(facts.insert().from_select(["id", *names, "is_current"], src))
    _STAGE.drop(conn)


def _monthly_batches(
    conn: Connection, counties: Sequence[str], starts: np.ndarray, n_codes: int, seed: int
) -> np.ndarray:
    """One batch per city and month, as a bureau's monthly files arrive (numbered in upload
    order: month by month); returns each county x month's batch id (county-major)."""
    regions = load_regions()
    cities = [regions.get(c).parent_code or c for c in counties]
    city_codes, city_of = np.unique(np.asarray(cities, dtype=object), return_inverse=True)
    per_city = np.bincount(city_of, minlength=len(city_codes))
    m, k = len(starts), len(city_codes)
    month = np.repeat(np.arange(m), k)
    city = np.tile(np.arange(k), m)
    labels = np.array([f"{t.year}年{t.month}月" for t in pd.DatetimeIndex(starts)], dtype=object)
    names = [regions.get(c).name for c in city_codes]
    frame = pd.DataFrame(
        {
            "id": 1 + month * k + city,
            "file_name": [
                f"合成数据 {names[c]} {labels[i]}（程序生成）"
                for i, c in zip(month, city, strict=True)
            ],
            "sha256": [
                hashlib.sha256(f"synthetic:{seed}:{city_codes[c]}:{labels[i]}".encode()).hexdigest()
                for i, c in zip(month, city, strict=True)
            ],
            "source_type": "demo",
            "uploaded_by": "synth",
            "uploaded_at": pd.Timestamp.now().floor("s"),
            "status": "active",
            "period_label": labels[month],
            "context_code": city_codes[city],
            "facts_written": per_city[city] * n_codes,
            "facts_superseded": 0,
            "facts_unchanged": 0,
            "note": "Synthetic national-scale data from `python -m etl synth`; not real statistics.",
            "is_demo": True,
        }
    )
    bulk_insert(conn, batches, frame)
    return (1 + np.arange(m)[None, :] * k + city_of[:, None]).reshape(-1).astype("int32")


def build_synthetic(
    engine: Engine,
    *,
    months: int = 120,
    last_year: int = 2025,
    county_limit: int | None = None,
    seed: int = DEFAULT_SEED,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Replace the database with synthetic facts (marked as demo data); one batch per city and
    month, as the monthly files of a real bureau."""
    if engine.dialect.name != "duckdb":
        raise ValueError("the synthetic database is DuckDB only")
    catalog = load_catalog()
    counties = synthetic_counties(limit=county_limit)
    check_replaceable(engine, force=True)  # never wipes a database that held real data
    wipe(engine)
    ensure_schema(engine)
    codes = [i.code for i in catalog if not i.is_ratio]
    # wholes before their parts (a part is drawn as a share of its whole)
    order = sorted(codes, key=lambda c: (c in _PARTS, c))
    starts, _ = _months(last_year, months)
    written = 0
    with transaction(engine) as conn:
        _STAGE.create(conn)
        batch_ids = _monthly_batches(conn, counties, starts, len(order), seed)
        wholes: dict[str, np.ndarray] = {}
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
            frame["batch_id"] = batch_ids
            bulk_insert(conn, _STAGE, frame)  # one indicator's facts, staged
            written += len(frame)
            if progress:
                progress(i + 1, len(order))
        _write_staged(conn)
        summary.invalidate(conn)  # bulk-built: the summary is rebuilt whole
        summary.refresh_in(conn)
        set_meta(conn, "is_demo", "true")
        set_meta(conn, "is_synthetic", "true")
    return {"facts": written, "counties": len(counties), "indicators": len(order)}
