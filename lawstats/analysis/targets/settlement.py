"""年终交账: settling a year freezes each target's result (admin, after the year has ended).

A later revision of the year's figures is flagged against the settled result by
evaluation, never silently applied.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lawstats import store
from lawstats.analysis.targets.evaluation import _settled_frame, evaluate
from lawstats.analysis.targets.locking import _check_admin, _covering_settlement, _today
from lawstats.analysis.targets.model import _err, _num
from lawstats.analysis.targets.stored import (
    _frame_to_targets,
    _lineage_and_scope,
    _read_scope,
    _targets_frame,
    scope_codes,
)
from lawstats.domain.regions import load_regions

if TYPE_CHECKING:
    from lawstats.store.auth import User


def settle(
    engine: Engine,
    region_code: str,
    year: int,
    *,
    actor: str,
    user: User | None = None,
    note: str = "",
    today: date | None = None,
) -> int:
    """年终交账: freeze the year's results of the region's targets and those below it; returns how many.

    Only after the year has ended, only by an admin; targets already settled (e.g. a county
    settled before its city) keep their earlier settlement.
    """
    _check_admin(user, "进行年终结算", "settle a year")
    regions = load_regions()
    if _today(today) <= date(int(year), 12, 31):
        raise _err(f"{year}年尚未结束，不能结算", f"{year} has not ended yet; it cannot be settled")
    codes = scope_codes(region_code, True, regions)
    with store.transaction(engine) as conn:
        if _covering_settlement(conn, region_code, year, regions) is not None:
            raise _err(
                f"{regions.get(region_code).name}{year}年已结算",
                f"{region_code} {year} is already settled",
            )
        frame = _targets_frame(conn, codes, year)
        done = _settled_frame(conn, [(c, "", int(year)) for c in codes])
        done_keys = (
            {(r.region_code, r.indicator_code) for r in done.itertuples(index=False)}
            if not done.empty
            else set()
        )
        frame = frame[
            [
                (r, i) not in done_keys
                for r, i in zip(frame["region_code"], frame["indicator_code"], strict=True)
            ]
        ]
        if frame.empty:
            raise _err(
                f"{regions.get(region_code).name}{year}年没有待结算的目标",
                f"{region_code} {year} has no targets to settle",
            )
        result = evaluate(
            conn, _frame_to_targets(frame), int(year), 12, use_settled=False, regions=regions
        )
        sid = store.next_ids(conn, store.settlement_id_seq, 1)[0]
        conn.execute(
            store.target_settlements.insert().values(
                id=sid,
                region_code=region_code,
                year=int(year),
                settled_by=actor,
                settled_at=store.now(),
                note=note or None,
            )
        )
        conn.execute(
            store.settled_results.insert(),
            [
                {
                    "settlement_id": sid,
                    "region_code": r.region_code,
                    "indicator_code": r.indicator_code,
                    "year": int(year),
                    "kind": r.target_kind,
                    "target_value": float(r.target_value),
                    "per_code": r.per_code,
                    "actual": _num(r.actual),
                    "completion": _num(r.completion),
                    "growth": _num(r.growth),
                    "gap_pp": _num(r.gap_pp),
                    "shortfall": _num(r.shortfall),
                    "status": r.status,
                    "detail": json.dumps(
                        {
                            "previous": _num(r.previous),
                            "expected": _num(r.expected),
                            "due": _num(r.due),
                            "units_total": None if pd.isna(r.units_total) else int(r.units_total),
                            "units_passing": None
                            if pd.isna(r.units_passing)
                            else int(r.units_passing),
                            "failing_units": list(r.failing_units),
                            "complete": bool(r.complete),
                            "approximate": bool(r.approximate),
                        },
                        ensure_ascii=False,
                    ),
                }
                for r in result.itertuples(index=False)
            ],
        )
        store.audit(
            conn,
            actor,
            "targets_settle",
            f"{region_code}/{year}",
            targets=len(result),
            statuses=result["status"].value_counts().to_dict(),
        )
    return len(result)


def settlements(engine: Engine, region_code: str, year: int | None = None) -> pd.DataFrame:
    """Settlements of the region's lineage and subtree (newest first)."""
    s = store.target_settlements
    stmt = (
        sa.select(s.c.id, s.c.region_code, s.c.year, s.c.settled_by, s.c.settled_at, s.c.note)
        .where(s.c.region_code.in_(sa.bindparam("regions", expanding=True)))
        .order_by(s.c.id.desc())
    )
    codes = _lineage_and_scope(region_code, load_regions())
    return _read_scope(engine, stmt, codes, s.c.year, year)
