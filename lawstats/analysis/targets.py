"""Targets (年初定账、每月对账、季度查账、年终交账): the target model, progress against 序时进度, locking and settlement.

A target is one region x indicator x year with a kind:
- at_least: an annual count or a level, 调解纠纷 ≥ 14,000 件 (a flow counts year to date);
- at_most: 一人所数 ≤ 0;
- growth: ≥ p% over the same period last year (p = 0 means "some growth", i.e. strictly above);
  a ratio grows in percentage points;
- per_unit: a floor every unit below the region must reach (each county's 司法所工作人员 per
  司法所 ≥ 5 人), checked per child region and listing the ones that fail;
- rate_floor: a ratio at or above a level (衔接率 = 100%, 调解成功率 ≥ 95%).

Actuals always come from lawstats.store.rollup.figures, the roll-up the dashboard and `etl show` use.
For flows, 完成进度 = year-to-date actual / annual target and 序时进度 = elapsed months / 12; the
gap is in 个百分点 (through March, 27.4% done against 25% = 2.4 points ahead). Stocks and rates
compare their latest level with the target. Not reported is 无数据, never 0.

Targets lock once the year's first quarter has closed (after 31 March) unless an admin reopens
them with a reason. Settling a year (admin) freezes each target's result; a later revision of the
year's figures is flagged against the settled result ("结算 X，现为 Y"), never silently applied.
Every change is versioned in target_history and in the audit log.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lawstats import store
from lawstats.domain.catalog import Catalog, Indicator, load_catalog
from lawstats.domain.formatting import format_number, json_number
from lawstats.domain.periods import MAX_YEAR, MIN_YEAR, Period
from lawstats.domain.regions import RegionTable, load_regions
from lawstats.domain.text import normalize_name
from lawstats.i18n import t

if TYPE_CHECKING:
    from lawstats.store.auth import User

KINDS = ("at_least", "at_most", "growth", "per_unit", "rate_floor")
STATUSES = ("done", "on_track", "behind", "missed", "no_data")
STATUS_ZH = {
    "done": "已完成",
    "on_track": "进度正常",
    "behind": "滞后",
    "missed": "未完成",
    "no_data": "无数据",
}
STATUS_EN = {
    "done": "done",
    "on_track": "on track",
    "behind": "behind",
    "missed": "missed",
    "no_data": "no data",
}
LAGGING = ("behind", "missed")
# Targets of a year lock once its first quarter has closed: from 1 April on.
LOCK_AFTER_MONTH = 3
MIN_REASON = 2

PROGRESS_COLUMNS = [
    "region_code",
    "region_name",
    "indicator_code",
    "indicator_name",
    "unit",
    "target_kind",
    "target_value",
    "per_code",
    "year",
    "through",
    "months",
    "actual",
    "previous",
    "growth",
    "completion",
    "expected",
    "due",
    "gap_pp",
    "shortfall",
    "units_total",
    "units_passing",
    "failing_units",
    "complete",
    "status",
    "status_zh",
    "settled",
    "settled_actual",
    "current_actual",
    "revised",
]


class TargetError(store.StoreError):
    """A target operation was refused (message in Chinese and English)."""


@dataclass(frozen=True)
class Target:
    """One target: region x indicator x year, its kind and value (see the module docstring)."""

    region_code: str
    indicator_code: str
    year: int
    kind: str
    value: float
    per_code: str | None = None
    note: str = ""

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.region_code, self.indicator_code, self.year)


@dataclass
class Problem:
    """One problem in an imported target file, located to the cell."""

    address: str
    message_zh: str
    message_en: str

    def message(self, lang: str = "zh") -> str:
        where = f"{self.address} " if self.address else ""
        return where + (self.message_en if lang == "en" else self.message_zh)


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


@dataclass(frozen=True)
class LockState:
    """Whether a region's targets for a year may change, and why."""

    locked: bool
    # open (before Q1 closes) | locked (Q1 closed) | reopened (admin) | settled
    state: str
    reopened_by: str | None = None
    reopened_at: Any = None
    reason: str | None = None
    reopening_region: str | None = None


# --------------------------------------------------------------------------- validation


def kind_label(kind: str, lang: str = "zh") -> str:
    return t(f"tg_kind_{kind}", lang)


def _err(zh: str, en: str) -> TargetError:
    return TargetError(zh, en)


def validate(
    target: Target, *, catalog: Catalog | None = None, regions: RegionTable | None = None
) -> Target:
    """The target checked and normalised (at_least on a ratio becomes rate_floor); raises TargetError."""
    catalog = catalog or load_catalog()
    regions = regions or load_regions()
    if target.region_code not in regions:
        raise _err(
            f"未知地区代码 {target.region_code}", f"unknown region code {target.region_code}"
        )
    if target.indicator_code not in catalog:
        raise _err(
            f"未知指标 {target.indicator_code}", f"unknown indicator {target.indicator_code}"
        )
    if not MIN_YEAR <= int(target.year) <= MAX_YEAR:
        raise _err(f"年度 {target.year} 超出范围", f"year {target.year} is out of range")
    if target.kind not in KINDS:
        raise _err(
            f"未知目标类型 {target.kind}（可选：{'、'.join(KINDS)}）",
            f"unknown target kind {target.kind} (one of {', '.join(KINDS)})",
        )
    value = float(target.value)
    if not math.isfinite(value):
        raise _err("目标值不是有效数字", "the target value is not a number")
    ind = catalog.get(target.indicator_code)
    kind = target.kind
    if kind == "at_least" and ind.is_ratio:
        kind = "rate_floor"
    if kind == "rate_floor" and not ind.is_ratio:
        raise _err(
            f"“{ind.name_zh}”不是比率指标，不能设比率下限；请用“不少于”",
            f"{ind.name_en} is not a rate; use at_least instead of rate_floor",
        )
    if kind != "growth" and value < 0:
        raise _err("目标值不能为负数", "a target value may not be negative")
    if ind.is_ratio and kind in ("rate_floor", "at_most", "per_unit") and value > 100:
        raise _err("比率目标不能超过 100%", "a rate target cannot exceed 100%")
    per = target.per_code or None
    if per is not None:
        if kind != "per_unit":
            raise _err("只有“每单位不低于”目标可以设口径", "only per_unit targets take a per code")
        if per not in catalog or catalog.get(per).kind != "stock":
            raise _err(
                f"口径 {per} 须为存量指标（如 office_count 司法所数）",
                f"per code {per} must be a stock indicator (such as office_count)",
            )
        if ind.is_ratio:
            raise _err("比率指标不能再按单位折算", "a rate cannot be divided per unit")
    return replace(
        target,
        region_code=str(target.region_code),
        year=int(target.year),
        kind=kind,
        value=value,
        per_code=per,
        note=(target.note or "").strip()[:500],
    )


# --------------------------------------------------------------------------- reading targets


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
    ipos = {c: i for i, c in enumerate(catalog.codes)}
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


def _lineage_and_scope(region_code: str, regions: RegionTable) -> list[str]:
    """The region's ancestors, itself and everything below it (locks and settlements reach down)."""
    return list(dict.fromkeys(_lineage(region_code, regions) + scope_codes(region_code, True)))


# --------------------------------------------------------------------------- locking


def _today(today: date | None) -> date:
    return today or date.today()


def q1_closed(year: int, today: date | None = None) -> bool:
    """True once the year's first quarter is over (targets lock then)."""
    return _today(today) > date(int(year), LOCK_AFTER_MONTH, 31)


def _lineage(code: str, regions: RegionTable) -> list[str]:
    return [code, *(r.code for r in regions.ancestors(code))]


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


# --------------------------------------------------------------------------- writing targets


def _same(row: Any, target: Target) -> bool:
    per = row.per_code if isinstance(row.per_code, str) else None
    return (
        row.kind == target.kind
        and float(row.value) == float(target.value)
        and per == target.per_code
        and (row.note or "") == (target.note or "")
    )


def _history_row(
    action: str,
    key: tuple[str, str, int],
    version: int,
    old: Any,
    new: Target | None,
    actor: str,
    source: str,
    reason: str | None,
) -> dict[str, Any]:
    return {
        "region_code": key[0],
        "indicator_code": key[1],
        "year": int(key[2]),
        "version": int(version),
        "action": action,
        "old_kind": None if old is None else old.kind,
        "old_value": None if old is None else float(old.value),
        "old_per_code": None if old is None or not isinstance(old.per_code, str) else old.per_code,
        "new_kind": None if new is None else new.kind,
        "new_value": None if new is None else float(new.value),
        "new_per_code": None if new is None else new.per_code,
        "actor": actor,
        "at": store.now(),
        "source": source[:255] if source else None,
        "reason": reason,
    }


def save_targets(
    engine: Engine,
    targets: Iterable[Target],
    *,
    actor: str,
    user: User | None = None,
    source: str = "page",
    reason: str | None = None,
    today: date | None = None,
    delete_missing_in: tuple[Sequence[str], int] | None = None,
) -> SaveResult:
    """Create or change targets in one transaction (all or nothing); every change is versioned.

    `user` (None = a trusted caller such as the command line) must be allowed to write each
    region. Locked or settled years refuse changes. `delete_missing_in=(region_codes, year)`
    deletes stored targets of those regions and year that are not in `targets` (the page's
    editor: a removed row is a deleted target).
    """
    catalog = load_catalog()
    regions = load_regions()
    checked: dict[tuple[str, str, int], Target] = {}
    for tgt in targets:
        v = validate(tgt, catalog=catalog, regions=regions)
        if v.key in checked:
            ind = catalog.get(v.indicator_code)
            raise _err(
                f"{regions.get(v.region_code).name} {ind.name_zh} {v.year}年 的目标出现了两次",
                f"{v.region_code} {v.indicator_code} {v.year} appears twice",
            )
        checked[v.key] = v
    for v in checked.values():
        _check_writer(user, v.region_code, regions)
    result = SaveResult()
    tt = store.targets
    with store.transaction(engine) as conn:
        scope_regions = set(delete_missing_in[0]) if delete_missing_in else set()
        touched_regions = {k[0] for k in checked} | scope_regions
        years = {k[2] for k in checked} | ({delete_missing_in[1]} if delete_missing_in else set())
        existing = _targets_frame(conn, sorted(touched_regions), None) if touched_regions else None
        stored: dict[tuple[str, str, int], Any] = {}
        if existing is not None:
            for row in existing.itertuples(index=False):
                if int(row.year) in years:
                    stored[(row.region_code, row.indicator_code, int(row.year))] = row
        states: dict[tuple[str, int], LockState] = {}

        def ensure_unlocked(code: str, year: int) -> None:
            if (code, year) not in states:
                states[(code, year)] = lock_state(conn, code, year, today=today, regions=regions)
            _refuse_locked(states[(code, year)], code, year, regions)

        rows_history: list[dict[str, Any]] = []
        now = store.now()
        for key, v in checked.items():
            old = stored.get(key)
            if old is not None and _same(old, v):
                result.unchanged += 1
                continue
            ensure_unlocked(v.region_code, v.year)
            if old is None:
                conn.execute(
                    tt.insert().values(
                        region_code=v.region_code,
                        indicator_code=v.indicator_code,
                        year=v.year,
                        kind=v.kind,
                        value=v.value,
                        per_code=v.per_code,
                        note=v.note or None,
                        version=1,
                        updated_by=actor,
                        updated_at=now,
                    )
                )
                rows_history.append(_history_row("create", key, 1, None, v, actor, source, reason))
                result.created += 1
            else:
                version = int(old.version) + 1
                conn.execute(
                    tt.update()
                    .where(tt.c.id == sa.bindparam("tid"))
                    .values(
                        kind=v.kind,
                        value=v.value,
                        per_code=v.per_code,
                        note=v.note or None,
                        version=version,
                        updated_by=actor,
                        updated_at=now,
                    ),
                    {"tid": int(old.id)},
                )
                rows_history.append(
                    _history_row("update", key, version, old, v, actor, source, reason)
                )
                result.updated += 1
        if delete_missing_in is not None:
            codes, year = delete_missing_in
            for key, old in stored.items():
                if key[0] in scope_regions and key[2] == int(year) and key not in checked:
                    _check_writer(user, key[0], regions)
                    ensure_unlocked(key[0], key[2])
                    conn.execute(
                        tt.delete().where(tt.c.id == sa.bindparam("tid")), {"tid": int(old.id)}
                    )
                    rows_history.append(
                        _history_row(
                            "delete", key, int(old.version) + 1, old, None, actor, source, reason
                        )
                    )
                    result.deleted += 1
        if rows_history:
            conn.execute(store.target_history.insert(), rows_history)
            store.audit(
                conn,
                actor,
                "targets_save",
                source,
                created=result.created,
                updated=result.updated,
                deleted=result.deleted,
                changes=[
                    {
                        "region": h["region_code"],
                        "indicator": h["indicator_code"],
                        "year": h["year"],
                        "old": None if h["old_kind"] is None else [h["old_kind"], h["old_value"]],
                        "new": None if h["new_kind"] is None else [h["new_kind"], h["new_value"]],
                    }
                    for h in rows_history
                ],
            )
    return result


def delete_target(
    engine: Engine,
    region_code: str,
    indicator_code: str,
    year: int,
    *,
    actor: str,
    user: User | None = None,
    source: str = "page",
    today: date | None = None,
) -> bool:
    """Delete one target (versioned like any change); False if there was none."""
    regions = load_regions()
    _check_writer(user, region_code, regions)
    tt = store.targets
    with store.transaction(engine) as conn:
        frame = _targets_frame(conn, [region_code], year)
        frame = frame[frame["indicator_code"] == indicator_code]
        if frame.empty:
            return False
        _refuse_locked(
            lock_state(conn, region_code, year, today=today, regions=regions),
            region_code,
            year,
            regions,
        )
        old = next(frame.itertuples(index=False))
        conn.execute(tt.delete().where(tt.c.id == sa.bindparam("tid")), {"tid": int(old.id)})
        key = (region_code, indicator_code, int(year))
        conn.execute(
            store.target_history.insert(),
            [_history_row("delete", key, int(old.version) + 1, old, None, actor, source, None)],
        )
        store.audit(conn, actor, "targets_delete", f"{region_code}/{indicator_code}/{year}")
    return True


# --------------------------------------------------------------------------- import (cell rows)

_HEADER_KEYS: dict[str, tuple[str, ...]] = {
    "region": ("地区", "区域", "单位", "地区名称", "单位名称", "县区", "region", "regioncode"),
    "indicator": ("指标", "指标名称", "指标代码", "考核指标", "indicator", "indicatorcode"),
    "year": ("年度", "年份", "年", "year"),
    "kind": ("类型", "目标类型", "kind", "targetkind"),
    "value": ("目标值", "目标", "目标任务", "任务数", "target", "value", "targetvalue"),
    "per": ("口径", "单位口径", "每", "per", "percode"),
    "note": ("备注", "说明", "note"),
}

_KIND_WORDS: dict[str, str] = {
    "at_least": "at_least",
    "不少于": "at_least",
    "不低于": "at_least",
    "至少": "at_least",
    "≥": "at_least",
    ">=": "at_least",
    "at_most": "at_most",
    "不超过": "at_most",
    "不高于": "at_most",
    "至多": "at_most",
    "最多": "at_most",
    "≤": "at_most",
    "<=": "at_most",
    "growth": "growth",
    "增长": "growth",
    "同比增长": "growth",
    "比上年增长": "growth",
    "per_unit": "per_unit",
    "每单位不低于": "per_unit",
    "每单位": "per_unit",
    "各地不少于": "per_unit",
    "rate_floor": "rate_floor",
    "比率不低于": "rate_floor",
    "比率下限": "rate_floor",
}

_NUM_RE = re.compile(r"^[-+]?\d+(?:\.\d+)?$")
_EXPR_RE = re.compile(
    r"^(?P<growth>同比|比上年)?(?P<gword>增长|有所增长|新增长|有新增长)?"
    r"(?P<each>每个?|各|每一?)?[^\d<>=≥≤＞＜]*?"
    r"(?P<op>≥|>=|≤|<=|>|<|=|不少于|不低于|不超过|不高于|至少|最多)?"
    r"(?P<num>[-+]?[\d.]+)(?P<wan>万)?(?P<pct>%)?.*$"
)


def _clean_cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return unicodedata.normalize("NFKC", str(v)).strip()


def parse_number(text: str) -> float | None:
    """'14,000' -> 14000, '1.4万' -> 14000, '95%' -> 95; None if not a number."""
    s = _clean_cell(text).replace(",", "").replace(" ", "")
    if not s:
        return None
    mult = 1.0
    if s.endswith("%"):
        s = s[:-1]
    if s.endswith("万"):
        s, mult = s[:-1], 10_000.0
    if not _NUM_RE.match(s):
        return None
    return float(s) * mult


def parse_expression(text: str) -> tuple[str | None, float | None]:
    """A target written as text: '≥14000', '≤0', '增长>0', '增长≥5%', '每所≥5', '=100%' -> (kind, value).

    kind is None when only a number is given (the kind column decides); rate_floor is told apart
    from at_least later, by the indicator.
    """
    s = _clean_cell(text).replace(",", "").replace(" ", "")
    if not s:
        return None, None
    plain = parse_number(s)
    if plain is not None:
        return None, plain
    if s in ("有所增长", "增长", "有新增长", "新增长", "同比增长"):
        return "growth", 0.0
    m = _EXPR_RE.match(s)
    if m is None or m["num"] is None:
        return None, None
    value = parse_number(m["num"] + (m["wan"] or "") + (m["pct"] or ""))
    if value is None:
        return None, None
    op = m["op"] or ""
    if m["growth"] or m["gword"]:
        return "growth", value
    if m["each"]:
        return "per_unit", value
    if op in ("≤", "<=", "<", "不超过", "不高于", "最多"):
        return "at_most", value
    if op in ("≥", ">=", ">", "=", "不少于", "不低于", "至少"):
        return "at_least", value
    return None, value


def _resolve_indicator(text: str, catalog: Catalog) -> str | None:
    raw = _clean_cell(text)
    if raw in catalog:
        return raw
    key = normalize_name(raw)
    for ind in catalog:
        names = (ind.name_zh, ind.name_en, *ind.header_spellings)
        if any(normalize_name(n) == key for n in names):
            return ind.code
    return None


def _resolve_region(text: str, regions: RegionTable, context: str | None) -> tuple[str | None, str]:
    raw = _clean_cell(text)
    if raw in regions:
        return raw, ""
    res = regions.resolve(raw, context=context)
    if res.ok and res.code:
        return res.code, ""
    return None, f"{res.message_zh} / {res.message_en}"


def _find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    keys = {name: {normalize_name(k) for k in ks} for name, ks in _HEADER_KEYS.items()}
    for r, row in enumerate(rows[:20]):
        found: dict[str, int] = {}
        for c, cell in enumerate(row):
            key = normalize_name(_clean_cell(cell)).lower()
            key = re.sub(r"[（(].*?[)）]", "", key)
            for name, ks in keys.items():
                if name not in found and key in {k.lower() for k in ks}:
                    found[name] = c
        if {"region", "indicator", "value"} <= found.keys():
            return r, found
    return None


def _cell_address(sheet: str, r: int, c: int) -> str:
    col, n = "", c + 1
    while n:
        n, rem = divmod(n - 1, 26)
        col = chr(65 + rem) + col
    return f"{sheet}!{col}{r + 1}" if sheet else f"{col}{r + 1}"


def _parse_row(
    row: list[Any],
    r: int,
    cols: dict[str, int],
    sheet: str,
    default_year: int | None,
    context: str | None,
    catalog: Catalog,
    regions: RegionTable,
) -> Target | Problem:
    """One data row: a validated Target, or the Problem located to the cell at fault."""
    from lawstats.domain.periods import PeriodError, parse_period

    def cell(name: str) -> str:
        c = cols.get(name)
        return _clean_cell(row[c]) if c is not None and c < len(row) else ""

    def bad(name: str, zh: str, en: str) -> Problem:
        return Problem(_cell_address(sheet, r, cols.get(name, 0)), zh, en)

    code, why = _resolve_region(cell("region"), regions, context)
    if code is None:
        return bad("region", f"地区无法识别：{why}", f"unknown region: {why}")
    ind = _resolve_indicator(cell("indicator"), catalog)
    if ind is None:
        text = cell("indicator")
        return bad("indicator", f"未知指标“{text}”", f"unknown indicator {text!r}")
    year = default_year
    if cell("year"):
        try:
            year = parse_period(cell("year")).start.year
        except PeriodError:
            return bad("year", f"年度无法识别“{cell('year')}”", f"bad year {cell('year')!r}")
    if year is None:
        return bad("year", "缺少年度", "no year given")
    kind_from_expr, value = parse_expression(cell("value"))
    if value is None:
        text = cell("value")
        return bad("value", f"目标值无法识别“{text}”", f"cannot read the target value {text!r}")
    kind = None
    if cell("kind"):
        kind = _KIND_WORDS.get(cell("kind")) or _KIND_WORDS.get(cell("kind").lower())
        if kind is None:
            return bad(
                "kind",
                f"未知目标类型“{cell('kind')}”（不少于、不超过、增长、每单位不低于、比率不低于）",
                f"unknown kind {cell('kind')!r} (at_least, at_most, growth, per_unit, rate_floor)",
            )
    per = None
    if cell("per"):
        per = _resolve_indicator(cell("per"), catalog)
        if per is None:
            return bad(
                "per", f"未知口径指标“{cell('per')}”", f"unknown per indicator {cell('per')!r}"
            )
    target = Target(
        code, ind, int(year), kind or kind_from_expr or "at_least", value, per, cell("note")
    )
    try:
        return validate(target, catalog=catalog, regions=regions)
    except TargetError as exc:
        return bad("value", exc.message_zh, exc.message_en)


def parse_rows(
    rows: list[list[Any]],
    *,
    sheet: str = "",
    default_year: int | None = None,
    context: str | None = None,
    catalog: Catalog | None = None,
    regions: RegionTable | None = None,
) -> tuple[list[Target], list[Problem]]:
    """Targets from a table of cells (header row: 地区, 指标, 年度, 类型, 目标值, 口径, 备注).

    The value column may hold an expression (≥14000, ≤0, 增长>0, 增长≥5%, 每所≥5, =100%) that
    gives the kind when there is no 类型 column. Every problem is located to its cell.
    """
    catalog = catalog or load_catalog()
    regions = regions or load_regions()
    found = _find_header(rows)
    if found is None:
        return [], [
            Problem(
                sheet,
                "找不到表头：需要“地区”“指标”“目标值”列（可选“年度”“类型”“口径”“备注”）",
                "no header row: need columns region, indicator and target value "
                "(optional: year, kind, per, note)",
            )
        ]
    head, cols = found
    out: list[Target] = []
    problems: list[Problem] = []
    seen: set[tuple[str, str, int]] = set()
    for r in range(head + 1, len(rows)):
        if not any(_clean_cell(v) for v in rows[r]):
            continue
        got = _parse_row(rows[r], r, cols, sheet, default_year, context, catalog, regions)
        if isinstance(got, Problem):
            problems.append(got)
        elif got.key in seen:
            where = _cell_address(sheet, r, cols["region"])
            problems.append(
                Problem(
                    where, "同一地区、指标和年度的目标出现了两次", "the same target appears twice"
                )
            )
        else:
            seen.add(got.key)
            out.append(got)
    if not out and not problems:
        problems.append(Problem(sheet, "表中没有目标", "the table holds no targets"))
    return out, problems


# --------------------------------------------------------------------------- progress


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


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _r1(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


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
    e.previous = _num(getattr(row, "previous", None))
    e.complete = bool(
        row.units_reported >= row.units_expected and row.months_covered >= row.months_expected
    )
    if actual is None:
        return e
    closed = months == 12 and e.complete
    is_flow = ind.kind == "flow"
    if tgt.kind == "growth":
        comparable = bool(getattr(row, "comparable", False))
        growth = _num(row.change) if comparable else None
        e.growth = growth
        e.due = value
        if growth is None:
            e.status = "no_data"
            return e
        met = growth > value if value == 0 else growth >= value
        e.gap_pp = _r1(growth - value)
        e.shortfall = round(max(0.0, value - growth), 1)
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
        e.shortfall = round(max(0.0, e.due - actual), max(ind.decimals, 1))
        met = actual >= value
        if is_flow and not met and not closed:
            e.status = "on_track" if actual >= e.due else "behind"
        else:
            e.status = _status(met, closed, definitive=is_flow)
        return e
    if tgt.kind == "rate_floor":
        e.gap_pp = _r1(actual - value)
        e.shortfall = round(max(0.0, value - actual), max(ind.decimals, 1))
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
    e.shortfall = round(max(0.0, actual - (e.due if is_flow else value)), max(ind.decimals, 1))
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
    have = {u: v for u, v in values.items() if v is not None}
    e.units_total = len(have)
    e.complete = len(have) == len(units)
    if not have:
        return e
    failing = tuple(u for u, v in have.items() if round(v, 6) < tgt.value)
    e.failing_units = failing
    e.units_passing = len(have) - len(failing)
    e.actual = round(min(have.values()), 2)
    e.shortfall = float(len(failing))
    closed = months == 12 and e.complete
    e.status = _status(not failing, closed)
    return e


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


# --------------------------------------------------------------------------- settlement


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


# --------------------------------------------------------------------------- words


def _fmt(v: float | None, ind: Indicator, decimals: int | None = None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    d = ind.decimals if decimals is None else decimals
    return format_number(v, d)


def target_text(
    kind: str, value: float, ind: Indicator, per_code: str | None, lang: str = "zh"
) -> str:
    """'≥ 14,000 件', '≤ 0 个', '增长 > 0%', '每单位 ≥ 3 人/个', '≥ 95%'."""
    catalog = load_catalog()
    unit = "%" if ind.is_ratio else ind.unit
    num = format_number(value, max(ind.decimals, 1) if not float(value).is_integer() else 0)
    space = "" if unit == "%" else " "
    if kind == "growth":
        g_unit = "个百分点" if ind.is_ratio and lang == "zh" else ("pp" if ind.is_ratio else "%")
        g_space = " " if ind.is_ratio else ""
        op = ">" if value == 0 else "≥"
        return t("tg_text_growth", lang, op=op, value=num, unit=g_space + g_unit)
    if kind == "per_unit":
        per_unit = ""
        if per_code:
            per = catalog.get(per_code)
            per_unit = (
                "/" + per.name_zh.removesuffix("数") if lang == "zh" else " per " + per.name_en
            )
        return t("tg_text_per_unit", lang, value=num, unit=space + unit + per_unit)
    op = "≤" if kind == "at_most" else "≥"
    return f"{op} {num}{space}{unit}"


def explain(row: Any, lang: str = "zh") -> str:
    """One progress row as a sentence: actual, target, 序时进度, gap (the heat map's hover text)."""
    catalog = load_catalog()
    get = row.get if isinstance(row, dict) else (lambda k, d=None: getattr(row, k, d))
    ind = catalog.get(get("indicator_code"))
    kind = get("target_kind")
    target = target_text(kind, float(get("target_value")), ind, get("per_code"), lang)
    name = ind.name(lang)
    status = get("status")
    actual = _num(get("actual"))
    if status == "no_data":
        no_prev = kind == "growth" and actual is not None
        why = t("tg_explain_no_prev" if no_prev else "tg_explain_no_data", lang)
        parts = [t("tg_explain_head", lang, name=name, target=target) + why]
    elif kind == "per_unit":
        parts = _explain_per_unit(get, name, target, actual, lang)
    elif kind == "growth":
        parts = [
            t(
                "tg_explain_growth",
                lang,
                name=name,
                target=target,
                actual=_with_unit(actual, ind),
                previous=_with_unit(_num(get("previous")), ind),
                growth=format_number(_num(get("growth")), 1),
                gunit=("个百分点" if lang == "zh" else " pp") if ind.is_ratio else "%",
                gap=_signed(_num(get("gap_pp")), lang, "target"),
            )
        ]
    elif _num(get("expected")) is not None:
        year, months = int(get("year")), int(get("months"))
        through = Period.months(year, 1, months)
        parts = [
            t(
                "tg_explain_flow",
                lang,
                name=name,
                through=through.label if lang == "zh" else through.label_en,
                actual=_with_unit(actual, ind),
                target=target,
                completion=format_number(_num(get("completion")), 1),
                expected=format_number(_num(get("expected")), 1),
                gap=_signed(_num(get("gap_pp")), lang, "pace"),
            )
        ]
    else:
        parts = [
            t("tg_explain_level", lang, name=name, actual=_with_unit(actual, ind), target=target)
        ]
        short = _num(get("shortfall"))
        if short:
            key = "tg_explain_over" if kind == "at_most" else "tg_explain_short"
            points = "个百分点" if lang == "zh" else "pp"
            amount = (
                f"{format_number(short, 1)} {points}" if ind.is_ratio else _with_unit(short, ind)
            )
            parts.append(t(key, lang, short=amount))
    if not get("complete", True) and status != "no_data":
        parts.append(t("tg_explain_incomplete", lang))
    status_text = (STATUS_ZH if lang == "zh" else STATUS_EN)[status]
    parts.append(t("tg_explain_status", lang, status=status_text))
    if get("settled"):
        parts.append(t("tg_explain_settled", lang))
    if get("revised"):
        parts.append(revision_note(row, lang))
    return ("；" if lang == "zh" else "; ").join(parts)


def _with_unit(v: float | None, ind: Indicator) -> str:
    if v is None:
        return "—"
    if ind.unit == "%":
        return format_number(v, max(ind.decimals, 1)) + "%"
    return f"{format_number(v, ind.decimals)} {ind.unit}"


def _explain_per_unit(get, name: str, target: str, actual: float | None, lang: str) -> list[str]:
    regions = load_regions()
    parts = [
        t(
            "tg_explain_per_unit",
            lang,
            name=name,
            target=target,
            passing=get("units_passing"),
            total=get("units_total"),
            worst=format_number(actual, 2),
        )
    ]
    fails = [regions.get(c).name for c in get("failing_units") or ()]
    if fails:
        parts.append(
            t("tg_explain_failing", lang, names=("、" if lang == "zh" else ", ").join(fails))
        )
    return parts


def _signed(v: float | None, lang: str, against: str = "pace") -> str:
    """'超前/落后 n 个百分点' against 序时进度, '高于/低于目标 n 个百分点' against a target."""
    if v is None:
        return "—"
    up, down, even = (
        ("tg_ahead", "tg_behind_by", "tg_on_pace")
        if against == "pace"
        else ("tg_above", "tg_below", "tg_at_target")
    )
    if v > 0:
        return t(up, lang, n=format_number(v, 1))
    if v < 0:
        return t(down, lang, n=format_number(-v, 1))
    return t(even, lang)


def revision_note(row: Any, lang: str = "zh") -> str:
    """'结算 X，现为 Y' for a settled target whose figures were revised later."""
    catalog = load_catalog()
    get = row.get if isinstance(row, dict) else (lambda k, d=None: getattr(row, k, d))
    ind = catalog.get(get("indicator_code"))
    return t(
        "tg_revised",
        lang,
        settled=_fmt(
            _num(get("settled_actual")), ind, 2 if get("target_kind") == "per_unit" else None
        ),
        now=_fmt(_num(get("current_actual")), ind, 2 if get("target_kind") == "per_unit" else None),
    )


def status_counts(frame: pd.DataFrame) -> dict[str, int]:
    """How many targets in each status (every status present, zeros included)."""
    counts = frame["status"].value_counts().to_dict() if not frame.empty else {}
    return {s: int(counts.get(s, 0)) for s in STATUSES}


def summary_sentence(frame: pd.DataFrame, lang: str = "zh") -> str:
    """'共 12 项目标：已完成 5 项，进度正常 3 项，滞后 3 项，未完成 0 项，无数据 1 项。'"""
    c = status_counts(frame)
    return t("tg_summary", lang, n=len(frame), **c)


def lagging(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows behind or missed, the furthest behind first."""
    if frame.empty:
        return frame
    lag = frame[frame["status"].isin(LAGGING)].copy()
    return lag.sort_values(["status", "gap_pp"], ascending=[False, True], na_position="last")


# --------------------------------------------------------------------------- exports and JSON


def progress_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for `etl progress --json`: the CLI contract's fields plus the detail."""
    catalog = load_catalog()
    out = []
    for r in frame.itertuples(index=False):
        ind = catalog.get(r.indicator_code)
        dec = 2 if r.target_kind == "per_unit" else ind.decimals
        out.append(
            {
                "region_code": r.region_code,
                "region_name": r.region_name,
                "indicator_code": r.indicator_code,
                "name_zh": ind.name_zh,
                "kind": r.target_kind,
                "target": json_number(r.target_value, max(ind.decimals, 1)),
                "per_code": r.per_code,
                "unit": ind.unit,
                "through": r.through,
                "actual": json_number(_num(r.actual), dec),
                "completion_pct": _num(r.completion),
                "elapsed_pct": _num(r.expected),
                "gap_pp": _num(r.gap_pp),
                "growth_pct": _num(r.growth),
                "shortfall": _num(r.shortfall),
                "failing_units": list(r.failing_units),
                "complete": bool(r.complete),
                "status": r.status,
                "status_zh": r.status_zh,
                "settled": bool(r.settled),
                "revised": bool(r.revised),
                "current_actual": json_number(_num(r.current_actual), dec),
            }
        )
    return out


def export_frame(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Progress rows as plain columns for CSV/Excel, with the explanation sentence."""
    if frame.empty:
        return pd.DataFrame(columns=["region_code", "indicator_code", "status"])
    catalog = load_catalog()
    out = frame.drop(columns=["failing_units"]).copy()
    out["failing_units"] = [
        "、".join(load_regions().get(c).name for c in f) for f in frame["failing_units"]
    ]
    out["target_text"] = [
        target_text(k, float(v), catalog.get(c), p, lang)
        for k, v, c, p in zip(
            frame["target_kind"],
            frame["target_value"],
            frame["indicator_code"],
            frame["per_code"],
            strict=True,
        )
    ]
    out["explanation"] = [explain(r, lang) for r in frame.to_dict("records")]
    if lang == "en":
        out["status_zh"] = [STATUS_EN[s] for s in frame["status"]]
        out = out.rename(columns={"status_zh": "status_text"})
    return out


# --------------------------------------------------------------------------- trend charts


def trend_target(
    engine: Engine,
    region_code: str,
    indicator_code: str,
    period: Period,
    series_kind: str = "yearly",
    lang: str = "zh",
) -> dict[str, Any]:
    """Keyword arguments for charts.trend_chart: the target line of the period's year, if comparable.

    Yearly series of a flow show the annual target scaled to the months shown (a 1-6月 series
    gets half the annual target: 序时目标); monthly series of flows show no line (a monthly figure
    cannot be held against an annual total). Levels and rates show their target as is; growth
    and per-unit targets have no line.
    """
    none = {"target": None, "target_label": ""}
    catalog = load_catalog()
    if indicator_code not in catalog:
        return none
    ind = catalog.get(indicator_code)
    year = period.end.year
    with store.connect(engine) as conn:
        frame = _targets_frame(conn, [region_code], year)
    frame = frame[frame["indicator_code"] == indicator_code]
    if frame.empty:
        return none
    row = next(frame.itertuples(index=False))
    if row.kind not in ("at_least", "at_most", "rate_floor"):
        return none
    value = float(row.value)
    label_key = "tg_line"
    if ind.kind == "flow":
        if series_kind == "monthly" or not period.is_month_aligned or period.start.month != 1:
            return none
        months = period.months
        if months != 12:
            value = value * months / 12
            label_key = "tg_line_pace"
    text = target_text(row.kind, value, ind, None, lang)
    return {"target": value, "target_label": t(label_key, lang, year=year, target=text)}


# --------------------------------------------------------------------------- demo


DEMO_TARGETS_FILE = "demo_targets.csv"
DEMO_SETTLED = (("620500", 2024),)  # 天水市 2024 is settled in the demo database


def seed_demo(engine: Engine) -> int:
    """The example targets (data/demo_targets.csv) for the demo database; 天水市 2024 settled."""
    import csv

    from lawstats.settings import DATA_DIR

    with (DATA_DIR / DEMO_TARGETS_FILE).open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    found, problems = parse_rows(rows)
    if problems:
        raise _err(
            "示例目标文件有误：" + "；".join(p.message("zh") for p in problems),
            "the demo targets file is invalid: " + "; ".join(p.message("en") for p in problems),
        )
    for year in sorted({tg.year for tg in found}):
        # entered at the start of the year (年初定账), before Q1 closed
        save_targets(
            engine,
            [tg for tg in found if tg.year == year],
            actor="demo",
            source=f"demo:{DEMO_TARGETS_FILE}",
            today=date(year, 1, 1),
        )
    for region_code, year in DEMO_SETTLED:
        settle(
            engine, region_code, year, actor="demo", note="示例结算", today=date(year + 1, 1, 15)
        )
    return len(found)


# --------------------------------------------------------------------------- page tables


def heatmap_cells(
    frame: pd.DataFrame, lang: str = "zh"
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Cells (row, col, status, text) and the row/column labels for charts.status_heatmap."""
    catalog = load_catalog()
    rows = list(dict.fromkeys(frame["region_name"]))
    cols = [catalog.get(c).name(lang) for c in dict.fromkeys(frame["indicator_code"])]
    cells = pd.DataFrame(
        {
            "row": frame["region_name"],
            "col": [catalog.get(c).name(lang) for c in frame["indicator_code"]],
            "status": frame["status"],
            "text": [
                explain(r, lang).replace("；", "<br>").replace("; ", "<br>")
                for r in frame.to_dict("records")
            ],
        }
    )
    return cells, rows, cols


def progress_table(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Progress rows for display: region, indicator, target, actual, 完成进度, 序时进度, gap, status, explanation."""
    catalog = load_catalog()
    status_text = STATUS_ZH if lang == "zh" else STATUS_EN
    return pd.DataFrame(
        {
            t("tg_col_region", lang): frame["region_name"],
            t("tg_col_indicator", lang): [
                catalog.get(c).name(lang) for c in frame["indicator_code"]
            ],
            t("tg_col_target", lang): [
                target_text(k, float(v), catalog.get(c), p, lang)
                for k, v, c, p in zip(
                    frame["target_kind"],
                    frame["target_value"],
                    frame["indicator_code"],
                    frame["per_code"],
                    strict=True,
                )
            ],
            t("tg_col_actual", lang): [
                _with_unit(_num(a), catalog.get(c))
                if k != "per_unit"
                else format_number(_num(a), 2)
                for a, c, k in zip(
                    frame["actual"], frame["indicator_code"], frame["target_kind"], strict=True
                )
            ],
            t("tg_col_completion", lang): [_number_text(v) for v in frame["completion"]],
            t("tg_col_expected", lang): [_number_text(v) for v in frame["expected"]],
            t("tg_col_gap", lang): [_number_text(v, signed=True) for v in frame["gap_pp"]],
            t("tg_col_status", lang): [status_text[s] for s in frame["status"]],
            t("tg_col_explain", lang): [explain(r, lang) for r in frame.to_dict("records")],
        }
    )


def _number_text(v: Any, *, signed: bool = False) -> str:
    """27.4, +2.4, or — when there is no figure (tables show text, exports keep the numbers)."""
    n = _num(v)
    if n is None:
        return "—"
    return f"{n:+.1f}" if signed and n != 0 else f"{n:.1f}"


EDITOR_KEYS = ("region", "indicator", "kind", "value", "per", "note")


def editor_columns(lang: str = "zh") -> dict[str, str]:
    """The editor's column headers by key (region, indicator, kind, value, per, note)."""
    return {k: t(f"tg_col_{k}", lang) for k in EDITOR_KEYS}


def editor_frame(stored: pd.DataFrame, names: dict[str, str], lang: str = "zh") -> pd.DataFrame:
    """Stored targets as the page's data_editor rows (labels, not codes); `names` maps region code -> label."""
    catalog = load_catalog()
    cols = editor_columns(lang)
    rows = []
    for r in stored.itertuples(index=False):
        if r.region_code not in names:
            continue
        rows.append(
            {
                cols["region"]: names[r.region_code],
                cols["indicator"]: catalog.get(r.indicator_code).name(lang),
                cols["kind"]: kind_label(r.kind, lang),
                cols["value"]: float(r.value),
                cols["per"]: catalog.get(r.per_code).name(lang)
                if isinstance(r.per_code, str) and r.per_code
                else None,
                cols["note"]: r.note if isinstance(r.note, str) else "",
            }
        )
    return pd.DataFrame(rows, columns=list(cols.values()))


def editor_options(lang: str = "zh") -> dict[str, list[str]]:
    """Choices for the editor's select columns: indicators, kinds, per (stock) indicators."""
    catalog = load_catalog()
    return {
        "indicator": [i.name(lang) for i in catalog],
        "kind": [kind_label(k, lang) for k in KINDS],
        "per": [i.name(lang) for i in catalog if i.kind == "stock"],
    }


def targets_from_editor(
    edited: pd.DataFrame, year: int, names: dict[str, str], lang: str = "zh"
) -> tuple[list[Target], list[str]]:
    """The editor's rows back to Targets (label -> code); problems as messages, one per bad row."""
    catalog = load_catalog()
    region_by = {v: k for k, v in names.items()}
    ind_by = {i.name(lang): i.code for i in catalog}
    kind_by = {kind_label(k, lang): k for k in KINDS}
    out: list[Target] = []
    problems: list[str] = []
    for n, row in enumerate(edited.itertuples(index=False), start=1):
        region, indicator, kind, value, per, note = (row[i] for i in range(6))
        blank = [
            v
            for v in (region, indicator, kind, value)
            if v is None or (isinstance(v, float) and math.isnan(v)) or v == ""
        ]
        if len(blank) == 4 and not per and not note:
            continue  # an empty row the editor added
        if blank:
            problems.append(t("tg_row_incomplete", lang, n=n))
            continue
        try:
            out.append(
                validate(
                    Target(
                        region_by[region],
                        ind_by[indicator],
                        int(year),
                        kind_by[kind],
                        float(value),
                        ind_by.get(per) if per else None,
                        note if isinstance(note, str) else "",
                    )
                )
            )
        except (KeyError, ValueError):
            problems.append(t("tg_row_incomplete", lang, n=n))
        except TargetError as exc:
            problems.append(f"{n}: " + (exc.message_en if lang == "en" else exc.message_zh))
    return out, problems


def history_table(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """target_history rows for display: when, who, region, indicator, action, old -> new, source."""
    catalog = load_catalog()
    regions = load_regions()

    def text(kind: Any, value: Any, code: str, per: Any) -> str:
        if not isinstance(kind, str):
            return "—"
        return target_text(
            kind, float(value), catalog.get(code), per if isinstance(per, str) else None, lang
        )

    return pd.DataFrame(
        {
            t("tg_col_when", lang): frame["at"],
            t("tg_col_who", lang): frame["actor"],
            t("tg_col_region", lang): [regions.get(c).name for c in frame["region_code"]],
            t("tg_col_indicator", lang): [
                catalog.get(c).name(lang) for c in frame["indicator_code"]
            ],
            t("tg_col_action", lang): [t(f"tg_action_{a}", lang) for a in frame["action"]],
            t("tg_col_old", lang): [
                text(k, v, c, p)
                for k, v, c, p in zip(
                    frame["old_kind"],
                    frame["old_value"],
                    frame["indicator_code"],
                    frame["old_per_code"],
                    strict=True,
                )
            ],
            t("tg_col_new", lang): [
                text(k, v, c, p)
                for k, v, c, p in zip(
                    frame["new_kind"],
                    frame["new_value"],
                    frame["indicator_code"],
                    frame["new_per_code"],
                    strict=True,
                )
            ],
            t("tg_col_version", lang): frame["version"],
            t("tg_col_source", lang): frame["source"],
        }
    )


def unique_names(codes: Sequence[str], regions: RegionTable | None = None) -> dict[str, str]:
    """Region code -> a label unique among `codes` (the name; name and code for namesakes)."""
    regions = regions or load_regions()
    names = {c: regions.get(c).name for c in codes}
    seen: dict[str, int] = {}
    for n in names.values():
        seen[n] = seen.get(n, 0) + 1
    return {c: n if seen[n] == 1 else f"{n}（{c}）" for c, n in names.items()}


def targets_table(found: Sequence[Target], lang: str = "zh") -> pd.DataFrame:
    """Targets (e.g. read from a file, before import) as a display table."""
    catalog = load_catalog()
    regions = load_regions()
    return pd.DataFrame(
        {
            t("tg_col_region", lang): [regions.full_name(x.region_code) for x in found],
            t("tg_col_indicator", lang): [catalog.get(x.indicator_code).name(lang) for x in found],
            t("year", lang): [x.year for x in found],
            t("tg_col_target", lang): [
                target_text(x.kind, x.value, catalog.get(x.indicator_code), x.per_code, lang)
                for x in found
            ],
            t("tg_col_note", lang): [x.note for x in found],
        }
    )


def year_over(year: int, today: date | None = None) -> bool:
    """True once the year has ended (it may then be settled)."""
    return _today(today) > date(int(year), 12, 31)


def lock_events(engine: Engine, region_code: str, year: int, lang: str = "zh") -> pd.DataFrame:
    """Reopenings, relocks and settlements of the scope and year, newest first, for display."""
    regions = load_regions()
    rows = []
    for r in reopenings(engine, region_code, year).itertuples(index=False):
        rows.append(
            (r.reopened_at, r.reopened_by, r.region_code, t("tg_event_reopen", lang), r.reason)
        )
        if r.relocked_at is not None and not pd.isna(r.relocked_at):
            rows.append(
                (r.relocked_at, r.relocked_by, r.region_code, t("tg_event_relock", lang), "")
            )
    for s in settlements(engine, region_code, year).itertuples(index=False):
        rows.append(
            (s.settled_at, s.settled_by, s.region_code, t("tg_event_settle", lang), s.note or "")
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            t("tg_col_when", lang),
            t("tg_col_who", lang),
            t("tg_col_region", lang),
            t("tg_col_action", lang),
            t("tg_col_reason", lang),
        ],
    )
    frame[t("tg_col_region", lang)] = [regions.get(c).name for c in frame[t("tg_col_region", lang)]]
    return frame.sort_values(t("tg_col_when", lang), ascending=False).reset_index(drop=True)
