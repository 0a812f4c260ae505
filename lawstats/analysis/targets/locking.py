"""Locking (targets lock once the year's first quarter has closed), reopening and relocking.

An admin may reopen a locked year with a reason; a settled year stays frozen. Also the
permission checks every change goes through.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lawstats import store
from lawstats.analysis.targets.model import LOCK_AFTER_MONTH, MIN_REASON, LockState, _err
from lawstats.analysis.targets.stored import _lineage, _lineage_and_scope, _read_scope, scope_codes
from lawstats.domain.regions import RegionTable, load_regions

if TYPE_CHECKING:
    from lawstats.store.auth import User


def _today(today: date | None) -> date:
    return today or date.today()


def q1_closed(year: int, today: date | None = None) -> bool:
    """True once the year's first quarter is over (targets lock then)."""
    return _today(today) > date(int(year), LOCK_AFTER_MONTH, 31)


def year_over(year: int, today: date | None = None) -> bool:
    """True once the year has ended (it may then be settled)."""
    return _today(today) > date(int(year), 12, 31)


def _covering_settlement(conn: Connection, code: str, year: int, regions: RegionTable):
    s = store.target_settlements
    return conn.execute(
        sa.select(s.c.id, s.c.region_code, s.c.settled_by, s.c.settled_at)
        .where(
            s.c.year == sa.bindparam("year"),
            s.c.region_code.in_(sa.bindparam("lineage", expanding=True)),
        )
        .order_by(s.c.id)
        .limit(1),
        {"year": int(year), "lineage": _lineage(code, regions)},
    ).first()


def _open_reopening(conn: Connection, code: str, year: int, regions: RegionTable):
    r = store.target_reopenings
    return conn.execute(
        sa.select(r.c.id, r.c.region_code, r.c.reopened_by, r.c.reopened_at, r.c.reason)
        .where(
            r.c.year == sa.bindparam("year"),
            r.c.region_code.in_(sa.bindparam("lineage", expanding=True)),
            r.c.relocked_at.is_(None),
        )
        .order_by(r.c.id.desc())
        .limit(1),
        {"year": int(year), "lineage": _lineage(code, regions)},
    ).first()


def lock_state(
    engine_or_conn: Engine | Connection,
    region_code: str,
    year: int,
    *,
    today: date | None = None,
    regions: RegionTable | None = None,
) -> LockState:
    """Open before Q1 closes; then locked unless an admin reopened it; settled years stay frozen."""
    regions = regions or load_regions()

    def run(conn: Connection) -> LockState:
        if _covering_settlement(conn, region_code, year, regions) is not None:
            return LockState(True, "settled")
        if not q1_closed(year, today):
            return LockState(False, "open")
        row = _open_reopening(conn, region_code, year, regions)
        if row is not None:
            return LockState(
                False, "reopened", row.reopened_by, row.reopened_at, row.reason, row.region_code
            )
        return LockState(True, "locked")

    if isinstance(engine_or_conn, Connection):
        return run(engine_or_conn)
    with store.connect(engine_or_conn) as conn:
        return run(conn)


def _check_admin(user: User | None, action_zh: str, action_en: str) -> None:
    if user is not None and not user.has_role("admin"):
        raise _err(f"只有管理员可以{action_zh}", f"only an administrator may {action_en}")


def _check_writer(user: User | None, region_code: str, regions: RegionTable) -> None:
    if user is None:
        return  # trusted caller (the command line, which already holds the database)
    if not user.has_role("analyst") or not user.can_write(region_code):
        name = regions.get(region_code).name if region_code in regions else region_code
        raise _err(
            f"用户 {user.username} 无权修改{name}的目标",
            f"user {user.username} may not change targets of {name}",
        )


def _refuse_locked(state: LockState, region_code: str, year: int, regions: RegionTable) -> None:
    if not state.locked:
        return
    name = regions.get(region_code).name
    if state.state == "settled":
        raise _err(
            f"{name}{year}年已年终结算，目标不能再修改",
            f"{name} {year} has been settled; its targets can no longer change",
        )
    raise _err(
        f"{name}{year}年目标已于第一季度结束后锁定；如需修改，请管理员填写理由后重新开放",
        f"{name} {year} targets locked when Q1 closed; an administrator must reopen them with a reason",
    )


def reopen(
    engine: Engine,
    region_code: str,
    year: int,
    *,
    actor: str,
    reason: str,
    user: User | None = None,
    today: date | None = None,
) -> None:
    """An admin reopens a region's locked targets for a year (and those below it), with a reason."""
    regions = load_regions()
    _check_admin(user, "重新开放已锁定的目标", "reopen locked targets")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise _err("重新开放目标须填写理由", "reopening targets needs a reason")
    with store.transaction(engine) as conn:
        state = lock_state(conn, region_code, year, today=today, regions=regions)
        if state.state == "settled":
            _refuse_locked(state, region_code, year, regions)
        if not state.locked:
            raise _err(
                f"{regions.get(region_code).name}{year}年目标当前未锁定，无需重新开放",
                f"{region_code} {year} targets are not locked; nothing to reopen",
            )
        conn.execute(
            store.target_reopenings.insert().values(
                region_code=region_code,
                year=int(year),
                reopened_by=actor,
                reopened_at=store.now(),
                reason=reason,
            )
        )
        store.audit(conn, actor, "targets_reopen", f"{region_code}/{year}", reason=reason)


def relock(
    engine: Engine, region_code: str, year: int, *, actor: str, user: User | None = None
) -> int:
    """Close the open reopenings of a region and year (and those below it); returns how many."""
    _check_admin(user, "重新锁定目标", "lock targets again")
    r = store.target_reopenings
    codes = scope_codes(region_code, True)
    with store.transaction(engine) as conn:
        n = conn.execute(
            r.update()
            .where(
                r.c.year == sa.bindparam("y"),
                r.c.region_code.in_(sa.bindparam("codes", expanding=True)),
                r.c.relocked_at.is_(None),
            )
            .values(relocked_by=actor, relocked_at=store.now()),
            {"y": int(year), "codes": codes},
        ).rowcount
        if n:
            store.audit(conn, actor, "targets_relock", f"{region_code}/{year}", reopenings=n)
    return int(n or 0)


def reopenings(engine: Engine, region_code: str, year: int) -> pd.DataFrame:
    """Reopenings of the region's lineage and subtree for a year, newest first."""
    r = store.target_reopenings
    stmt = (
        sa.select(
            r.c.region_code,
            r.c.year,
            r.c.reopened_by,
            r.c.reopened_at,
            r.c.reason,
            r.c.relocked_by,
            r.c.relocked_at,
        )
        .where(r.c.region_code.in_(sa.bindparam("regions", expanding=True)))
        .order_by(r.c.id.desc())
    )
    codes = _lineage_and_scope(region_code, load_regions())
    return _read_scope(engine, stmt, codes, r.c.year, year)
