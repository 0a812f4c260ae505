"""Batch history, append-only: what each load and each rollback did, and the diffs read from it.

`facts.is_current` is the state (one current fact per region, period and indicator);
`fact_history` is the record: a load appends the facts it superseded, a rollback the facts it
retired and the ones it made current again. Nothing here rewrites an earlier batch's record, so
a batch's diff reads the same before and after any later rollback (#18). A rollback is an event
of its own: the batch keeps its rows, its status says rolled back (when, who, why), and its
effects are listed by `rollback_effects`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lawstats.store import audit, batches, bulk_insert, facts, now, read_frame, summary
from lawstats.store.schema import fact_history

FACT_KEY = ["region_code", "period_start", "period_end", "indicator_code"]
_ID_CHUNK = 5000


def _update_ids(conn: Connection, ids: list[int], **values: Any) -> None:
    """UPDATE facts SET values WHERE id IN ids, in bounded chunks (portable, no temp tables)."""
    stmt = (
        facts.update().where(facts.c.id.in_(sa.bindparam("ids", expanding=True))).values(**values)
    )
    for i in range(0, len(ids), _ID_CHUNK):
        conn.execute(stmt, {"ids": [int(x) for x in ids[i : i + _ID_CHUNK]]})


def record_history(conn: Connection, batch_id: int, action: str, fact_ids: Any) -> None:
    """Append what a batch did to these facts (superseded | retired | restored); fact_history
    is never updated and never deleted from."""
    ids = pd.Series(np.asarray(fact_ids, dtype="int64")).drop_duplicates().to_numpy()
    if not len(ids):
        return
    bulk_insert(
        conn,
        fact_history,
        pd.DataFrame(
            {
                "batch_id": np.full(len(ids), batch_id, dtype="int32"),
                "fact_id": ids,
                "action": np.full(len(ids), action, dtype=object),
            }
        ),
    )


class RollbackError(ValueError):
    def __init__(self, message_zh: str, message_en: str):
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


def _same_key(a, b) -> sa.ColumnElement[bool]:
    return sa.and_(*(a.c[k] == b.c[k] for k in FACT_KEY))


def rollback_batch(conn: Connection, batch_id: int, *, actor: str, reason: str) -> dict[str, int]:
    """Undo a batch: its current facts stop being current, and for each of them the latest
    earlier fact of the same key from a batch still active is current again.

    Where a later batch replaced this batch's fact, nothing changes (the later value stays);
    rolling that later batch back then restores the latest fact of an active batch, never one of
    a rolled-back batch. What the rollback did is appended to fact_history (retired, restored);
    no earlier record is rewritten.
    """
    row = conn.execute(sa.select(batches).where(batches.c.id == batch_id)).mappings().first()
    if row is None:
        raise RollbackError(f"批次 {batch_id} 不存在", f"batch {batch_id} does not exist")
    if row["status"] != "active":
        raise RollbackError(
            f"批次 {batch_id} 已于 {row['rolled_back_at']} 回滚",
            f"batch {batch_id} is already rolled back",
        )
    keyed = [facts.c.id, *(facts.c[k] for k in FACT_KEY)]
    mine = read_frame(
        conn,
        sa.select(*keyed).where(facts.c.batch_id == sa.bindparam("b"), facts.c.is_current),
        {"b": batch_id},
    )
    # what comes back: per key of this batch's current facts, the latest fact of another batch
    # that is still active
    m, o = facts.alias("m"), facts.alias("o")
    restore = conn.execute(
        sa.select(sa.func.max(o.c.id))
        .select_from(m.join(o, _same_key(m, o)).join(batches, batches.c.id == o.c.batch_id))
        .where(
            m.c.batch_id == sa.bindparam("b"),
            m.c.is_current,
            o.c.batch_id != sa.bindparam("b"),
            batches.c.status == "active",
        )
        .group_by(m.c.id),
        {"b": batch_id},
    ).all()
    restore_ids = [int(r[0]) for r in restore if r[0] is not None]
    # restored facts share their keys with this batch's facts
    summary.mark_dirty(conn, summary.marks_of(mine))
    retired = conn.execute(
        facts.update()
        .where(facts.c.batch_id == batch_id, facts.c.is_current)
        .values(is_current=False)
    ).rowcount
    if restore_ids:
        _update_ids(conn, restore_ids, is_current=True)
    record_history(conn, batch_id, "retired", mine["id"])
    record_history(conn, batch_id, "restored", restore_ids)
    conn.execute(
        batches.update()
        .where(batches.c.id == batch_id)
        .values(
            status="rolled_back", rolled_back_at=now(), rolled_back_by=actor, rollback_reason=reason
        )
    )
    audit(
        conn,
        actor,
        "rollback",
        f"batch:{batch_id}",
        reason=reason,
        retired=retired,
        restored=len(restore_ids),
    )
    return {"retired": int(retired or 0), "restored": len(restore_ids)}


def batch_diff(conn: Connection, batch_id: int) -> pd.DataFrame:
    """What a batch's load changed, as recorded when it loaded: one row per fact it wrote, with
    the value it superseded (if any); is_current says whether the fact is current now."""
    new, old, h = facts.alias("new"), facts.alias("old"), fact_history.alias("h")
    superseded = (
        sa.select(old.c.id, *(old.c[k] for k in FACT_KEY), old.c.value, old.c.batch_id)
        .select_from(h.join(old, old.c.id == h.c.fact_id))
        .where(h.c.batch_id == sa.bindparam("b"), h.c.action == "superseded")
        .subquery("s")
    )
    stmt = (
        sa.select(
            new.c.region_code,
            new.c.period_start,
            new.c.period_end,
            new.c.indicator_code,
            superseded.c.value.label("old_value"),
            superseded.c.batch_id.label("old_batch_id"),
            new.c.value.label("new_value"),
            new.c.is_current,
        )
        .select_from(new.outerjoin(superseded, _same_key(new, superseded)))
        .where(new.c.batch_id == sa.bindparam("b"))
        .order_by(new.c.indicator_code, new.c.region_code, new.c.period_start)
    )
    frame = read_frame(conn, stmt, {"b": batch_id})
    frame["change"] = ["new" if pd.isna(b) else "superseded" for b in frame["old_batch_id"]]
    return frame


def rollback_effects(conn: Connection, batch_id: int) -> pd.DataFrame:
    """What rolling a batch back did: per key, the value it retired and the value (and batch)
    it made current again (NaN: the figure has no current value since)."""
    retired, restored = facts.alias("retired"), facts.alias("restored")
    h_ret, h_res = fact_history.alias("h_ret"), fact_history.alias("h_res")
    back = (
        sa.select(
            restored.c.id, *(restored.c[k] for k in FACT_KEY), restored.c.value, restored.c.batch_id
        )
        .select_from(h_res.join(restored, restored.c.id == h_res.c.fact_id))
        .where(h_res.c.batch_id == sa.bindparam("b"), h_res.c.action == "restored")
        .subquery("back")
    )
    stmt = (
        sa.select(
            *(retired.c[k] for k in FACT_KEY),
            retired.c.value.label("retired_value"),
            back.c.value.label("restored_value"),
            back.c.batch_id.label("restored_batch_id"),
        )
        .select_from(
            h_ret.join(retired, retired.c.id == h_ret.c.fact_id).outerjoin(
                back, _same_key(retired, back)
            )
        )
        .where(h_ret.c.batch_id == sa.bindparam("b"), h_ret.c.action == "retired")
        .order_by(retired.c.indicator_code, retired.c.region_code, retired.c.period_start)
    )
    return read_frame(conn, stmt, {"b": batch_id})


def list_batches(conn: Connection, limit: int = 200) -> pd.DataFrame:
    stmt = sa.select(batches).order_by(batches.c.id.desc()).limit(sa.bindparam("n"))
    return read_frame(conn, stmt, {"n": limit})
