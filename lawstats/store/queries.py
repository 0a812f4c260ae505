"""Read-side queries the pages and reports call (all SQL with bound parameters lives here or in the store)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lawstats.store import batches, connect, facts, read_frame


def regions_with_data(engine: Engine) -> list[str]:
    """Codes of regions that have at least one current fact."""
    with connect(engine) as conn:
        rows = conn.execute(sa.select(facts.c.region_code).where(facts.c.is_current).distinct())
        return sorted(r[0] for r in rows)


def years_with_data(engine: Engine) -> list[int]:
    with connect(engine) as conn:
        lo, hi = conn.execute(
            sa.select(sa.func.min(facts.c.period_start), sa.func.max(facts.c.period_end)).where(
                facts.c.is_current
            )
        ).one()
    if lo is None:
        return []
    return list(range(pd.Timestamp(hi).year, pd.Timestamp(lo).year - 1, -1))


def latest_batch(engine: Engine) -> dict | None:
    with connect(engine) as conn:
        frame = read_frame(
            conn,
            sa.select(batches.c.id, batches.c.uploaded_at, batches.c.file_name)
            .where(batches.c.status == "active")
            .order_by(batches.c.id.desc())
            .limit(1),
        )
    return None if frame.empty else frame.iloc[0].to_dict()


def latest_period_end(engine: Engine):
    """The last day covered by any current fact (None on an empty store)."""
    with connect(engine) as conn:
        hi = conn.execute(
            sa.select(sa.func.max(facts.c.period_end)).where(facts.c.is_current)
        ).scalar()
    return None if hi is None else pd.Timestamp(hi).date()


def months_reported(engine: Engine, region_codes: list[str], start, end) -> dict[str, int]:
    """Calendar months inside [start, end] covered by at least one current fact, per region.

    A fact covers every month of its period: a county's annual return covers the twelve months,
    a 1-6月 figure six (counting a fact's first month only would list a county that sent its
    annual return as missing eleven months, #18)."""
    stmt = (
        sa.select(facts.c.region_code, facts.c.period_start, facts.c.period_end)
        .where(
            facts.c.is_current,
            facts.c.period_start >= sa.bindparam("start"),
            facts.c.period_end <= sa.bindparam("end"),
            facts.c.region_code.in_(sa.bindparam("regions", expanding=True)),
        )
        .distinct()
    )
    with connect(engine) as conn:
        rows = conn.execute(stmt, {"start": start, "end": end, "regions": list(region_codes)})
        covered: dict[str, set[int]] = {}
        for region, a, b in rows:
            a, b = pd.Timestamp(a), pd.Timestamp(b)
            first = a.year * 12 + a.month - 1
            # a month counts when the period reaches its last day
            last = b.year * 12 + b.month - 1 - (0 if b.is_month_end else 1)
            covered.setdefault(region, set()).update(range(first, last + 1))
        return {region: len(months) for region, months in covered.items()}


def batch_ids_of_source(engine: Engine, source_type: str) -> frozenset[int]:
    """Ids of active batches of one source type (report_text: figures backfilled from prose)."""
    with connect(engine) as conn:
        rows = conn.execute(
            sa.select(batches.c.id).where(
                batches.c.source_type == sa.bindparam("source_type"), batches.c.status == "active"
            ),
            {"source_type": source_type},
        )
        return frozenset(int(r[0]) for r in rows)


def batch_status(engine: Engine, batch_id: int) -> str | None:
    """A batch's status now: active, rolled_back, or None when there is no such batch."""
    with connect(engine) as conn:
        return conn.execute(
            sa.select(batches.c.status).where(batches.c.id == sa.bindparam("b")),
            {"b": int(batch_id)},
        ).scalar_one_or_none()
