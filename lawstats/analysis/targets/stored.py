"""Reading stored targets and their history, over a region scope (the region and those below it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lawstats import store
from lawstats.analysis.targets.model import Target
from lawstats.domain.catalog import load_catalog
from lawstats.domain.regions import RegionTable, load_regions


def _targets_frame(conn: Connection, region_codes: Sequence[str], year: int | None) -> pd.DataFrame:
    tt = store.targets
    stmt = sa.select(
        tt.c.id,
        tt.c.region_code,
        tt.c.indicator_code,
        tt.c.year,
        tt.c.kind,
        tt.c.value,
        tt.c.per_code,
        tt.c.note,
        tt.c.version,
        tt.c.updated_by,
        tt.c.updated_at,
    ).where(tt.c.region_code.in_(sa.bindparam("regions", expanding=True)))
    params: dict[str, Any] = {"regions": list(region_codes)}
    if year is not None:
        stmt = stmt.where(tt.c.year == sa.bindparam("year"))
        params["year"] = int(year)
    frame = store.read_frame(conn, stmt, params)
    frame["value"] = frame["value"].astype("float64")
    frame["per_code"] = frame["per_code"].astype(object).where(frame["per_code"].notna(), None)
    return frame


def scope_codes(
    region_code: str, include_children: bool, regions: RegionTable | None = None
) -> list[str]:
    """The region, and with include_children every region below it (all levels)."""
    regions = regions or load_regions()
    codes = [region_code]
    if include_children:
        codes += [r.code for r in regions.descendants(region_code)]
    return codes


def list_targets(
    engine: Engine | Connection,
    region_code: str,
    year: int | None = None,
    *,
    include_children: bool = True,
    regions: RegionTable | None = None,
) -> pd.DataFrame:
    """Stored targets of a region (and those below it), ordered by region then catalog order."""
    codes = scope_codes(region_code, include_children, regions)

    def run(conn: Connection) -> pd.DataFrame:
        return _order(_targets_frame(conn, codes, year), codes)

    if isinstance(engine, Connection):
        return run(engine)
    with store.connect(engine) as conn:
        return run(conn)


def _order(frame: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    if frame.empty:
        return frame.reset_index(drop=True)
    catalog = load_catalog()
    rpos = {c: i for i, c in enumerate(codes)}
    ipos = {c: i for i, c in enumerate(catalog.codes_with_members)}
    frame = frame.assign(
        _r=frame["region_code"].map(rpos).fillna(len(rpos)),
        _i=frame["indicator_code"].map(ipos).fillna(len(ipos)),
    )
    return frame.sort_values(["year", "_r", "_i"]).drop(columns=["_r", "_i"]).reset_index(drop=True)


def regions_with_targets(engine: Engine) -> list[str]:
    """Regions that have a target (any year), cities before counties."""
    regions = load_regions()
    with store.connect(engine) as conn:
        rows = conn.execute(sa.select(store.targets.c.region_code).distinct()).all()
    codes = [r[0] for r in rows if r[0] in regions]
    return sorted(codes, key=lambda c: (len(regions.path(c)), c))


def years_with_targets(engine: Engine) -> list[int]:
    with store.connect(engine) as conn:
        rows = conn.execute(sa.select(store.targets.c.year).distinct()).all()
    return sorted((int(r[0]) for r in rows), reverse=True)


def history(
    engine: Engine,
    region_code: str,
    year: int | None = None,
    *,
    include_children: bool = True,
    regions: RegionTable | None = None,
) -> pd.DataFrame:
    """Every recorded change of the scope's targets, newest first."""
    h = store.target_history
    codes = scope_codes(region_code, include_children, regions)
    stmt = (
        sa.select(
            h.c.at,
            h.c.actor,
            h.c.region_code,
            h.c.indicator_code,
            h.c.year,
            h.c.version,
            h.c.action,
            h.c.old_kind,
            h.c.old_value,
            h.c.old_per_code,
            h.c.new_kind,
            h.c.new_value,
            h.c.new_per_code,
            h.c.source,
            h.c.reason,
        )
        .where(h.c.region_code.in_(sa.bindparam("regions", expanding=True)))
        .order_by(h.c.id.desc())
    )
    return _read_scope(engine, stmt, codes, h.c.year, year)


def _read_scope(
    engine: Engine, stmt: sa.Select, codes: Sequence[str], year_col: Any, year: int | None
) -> pd.DataFrame:
    """Run a select over a region scope (bound as `regions`), for one year when given."""
    params: dict[str, Any] = {"regions": list(codes)}
    if year is not None:
        stmt = stmt.where(year_col == sa.bindparam("year"))
        params["year"] = int(year)
    with store.connect(engine) as conn:
        return store.read_frame(conn, stmt, params)


def _lineage(code: str, regions: RegionTable) -> list[str]:
    return [code, *(r.code for r in regions.ancestors(code))]


def _lineage_and_scope(region_code: str, regions: RegionTable) -> list[str]:
    """The region's ancestors, itself and everything below it (locks and settlements reach down)."""
    return list(dict.fromkeys(_lineage(region_code, regions) + scope_codes(region_code, True)))


def _frame_to_targets(frame: pd.DataFrame) -> list[Target]:
    return [
        Target(
            r.region_code,
            r.indicator_code,
            int(r.year),
            r.kind,
            float(r.value),
            r.per_code if isinstance(r.per_code, str) and r.per_code else None,
            (r.note if isinstance(r.note, str) else "") if hasattr(r, "note") else "",
        )
        for r in frame.itertuples(index=False)
    ]
