"""Writing targets: create, change and delete in one transaction, each change versioned in
target_history and the audit log; locked or settled years refuse changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lawstats import store
from lawstats.analysis.targets.locking import _check_writer, _refuse_locked, lock_state
from lawstats.analysis.targets.model import LockState, SaveResult, Target, _err, validate
from lawstats.analysis.targets.stored import _targets_frame
from lawstats.domain.catalog import load_catalog
from lawstats.domain.regions import load_regions

if TYPE_CHECKING:
    from lawstats.store.auth import User


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
