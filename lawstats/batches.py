"""Batches: every write of facts is one batch; new values supersede old ones, rollback restores them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lawstats.store import (
    audit,
    batch_id_seq,
    batches,
    bulk_insert,
    facts,
    metadata,
    months_between,
    next_ids,
    now,
    read_frame,
    to_date,
)

FACT_KEY = ["region_code", "period_start", "period_end", "indicator_code"]
FACT_COLUMNS = [
    "region_code",
    "period_start",
    "period_end",
    "indicator_code",
    "value",
    "is_approximate",
    "is_reported_rate",
    "is_not_reported",
    "source_ref",
]

_ID_CHUNK = 5000


@dataclass
class WriteResult:
    batch_id: int
    written: int
    superseded: int
    unchanged: int
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)  # superseded facts: old -> new


@dataclass
class BatchInfo:
    file_name: str
    sha256: str
    source_type: str  # spreadsheet | demo | report_text | template | manual
    uploaded_by: str
    sheet: str | None = None
    period_label: str | None = None
    context_code: str | None = None
    warnings: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None
    is_demo: bool = False


def normalize_facts(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill optional columns, coerce types, and add period_months."""
    out = frame.copy()
    for col, default in (
        ("is_approximate", False),
        ("is_reported_rate", False),
        ("is_not_reported", False),
        ("source_ref", None),
    ):
        if col not in out.columns:
            out[col] = default
    out = out[FACT_COLUMNS].copy()
    out["region_code"] = out["region_code"].astype(str)
    out["indicator_code"] = out["indicator_code"].astype(str)
    for col in ("period_start", "period_end"):
        # few distinct dates per batch: convert each once
        uniq = {v: to_date(v) for v in pd.unique(out[col])}
        out[col] = out[col].map(uniq)
    out["value"] = pd.to_numeric(out["value"], errors="raise").astype("float64")
    for col in ("is_approximate", "is_reported_rate", "is_not_reported"):
        out[col] = out[col].fillna(False).astype(bool)
    out.loc[out["value"].isna(), "is_not_reported"] = True
    pairs = out[["period_start", "period_end"]].drop_duplicates()
    months = {(a, b): months_between(a, b) for a, b in zip(pairs["period_start"], pairs["period_end"], strict=True)}
    out["period_months"] = [months[k] for k in zip(out["period_start"], out["period_end"], strict=True)] if len(months) > 1 else (
        next(iter(months.values())) if months else 0
    )
    return out


def active_batch_with_hash(conn: Connection, sha256: str) -> int | None:
    return conn.execute(
        sa.select(sa.func.min(batches.c.id)).where(
            batches.c.sha256 == sha256, batches.c.status == "active"
        )
    ).scalar_one_or_none()


def create_batch(conn: Connection, info: BatchInfo) -> int:
    batch_id = next_ids(conn, batch_id_seq, 1)[0]
    conn.execute(
        batches.insert().values(
            id=batch_id,
            file_name=info.file_name,
            sheet=info.sheet,
            sha256=info.sha256,
            source_type=info.source_type,
            uploaded_by=info.uploaded_by,
            uploaded_at=now(),
            status="active",
            period_label=info.period_label,
            context_code=info.context_code,
            facts_written=0,
            facts_superseded=0,
            facts_unchanged=0,
            warnings_json=json.dumps(info.warnings, ensure_ascii=False) if info.warnings else None,
            note=info.note,
            is_demo=info.is_demo,
        )
    )
    return batch_id


def _update_ids(conn: Connection, ids: list[int], **values: Any) -> None:
    """UPDATE facts SET values WHERE id IN ids, in bounded chunks (portable, no temp tables)."""
    stmt = (
        facts.update().where(facts.c.id.in_(sa.bindparam("ids", expanding=True))).values(**values)
    )
    for i in range(0, len(ids), _ID_CHUNK):
        conn.execute(stmt, {"ids": [int(x) for x in ids[i : i + _ID_CHUNK]]})


def _current_for(conn: Connection, incoming: pd.DataFrame) -> pd.DataFrame:
    """Current stored facts with the same keys as `incoming` (narrowed by indicator and dates)."""
    cols = [
        facts.c.id,
        facts.c.region_code,
        facts.c.period_start,
        facts.c.period_end,
        facts.c.indicator_code,
        facts.c.value,
        facts.c.is_approximate,
        facts.c.is_reported_rate,
        facts.c.is_not_reported,
        facts.c.batch_id,
    ]
    stmt = sa.select(*cols).where(
        facts.c.is_current,
        facts.c.indicator_code.in_(sa.bindparam("codes", expanding=True)),
        facts.c.period_start >= sa.bindparam("start"),
        facts.c.period_end <= sa.bindparam("end"),
    )
    params = {
        "codes": sorted(incoming["indicator_code"].unique()),
        "start": min(incoming["period_start"]),
        "end": max(incoming["period_end"]),
    }
    region_codes = sorted(incoming["region_code"].unique())
    if len(region_codes) <= 500:  # a long IN list costs more than the rows it saves
        stmt = stmt.where(facts.c.region_code.in_(sa.bindparam("regions", expanding=True)))
        params["regions"] = region_codes
    found = read_frame(conn, stmt, params)
    if found.empty:
        return found
    for col in ("period_start", "period_end"):
        found[col] = pd.to_datetime(found[col]).dt.date
    return found.merge(incoming[FACT_KEY], on=FACT_KEY, how="inner")


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a == b) | (a.isna() & b.isna())


def classify(conn: Connection, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Split incoming facts into (to_write, superseded_old_rows, unchanged_count)."""
    incoming = normalize_facts(frame)
    if incoming.duplicated(FACT_KEY).any():
        dups = incoming[incoming.duplicated(FACT_KEY, keep=False)].head(3)
        raise ValueError(f"duplicate fact keys in one batch: {dups[FACT_KEY].to_dict('records')}")
    current = _current_for(conn, incoming) if not incoming.empty else pd.DataFrame()
    if current.empty:
        return incoming, current, 0
    merged = incoming.merge(current, on=FACT_KEY, how="left", suffixes=("", "_old"))
    has_old = merged["id"].notna()
    same = (
        has_old
        & _same(merged["value"], merged["value_old"])
        & (merged["is_approximate"] == merged["is_approximate_old"].fillna(False).astype(bool))
        & (merged["is_reported_rate"] == merged["is_reported_rate_old"].fillna(False).astype(bool))
        & (merged["is_not_reported"] == merged["is_not_reported_old"].fillna(False).astype(bool))
    )
    to_write = incoming[~same.to_numpy()].reset_index(drop=True)
    old = merged[has_old & ~same].copy()
    superseded = pd.DataFrame(
        {
            "id": old["id"].astype("int64"),
            **{k: old[k] for k in FACT_KEY},
            "old_value": old["value_old"],
            "new_value": old["value"],
            "old_batch_id": old["batch_id"].astype("int64"),
        }
    ).reset_index(drop=True)
    return to_write, superseded, int(same.sum())


def _next_fact_ids(conn: Connection, n: int) -> np.ndarray:
    """A block of fresh fact ids. Writers are serialised (DuckDB's file lock, the process lock and
    PostgreSQL's advisory lock in store.transaction), so max(id)+1 is safe and much faster than
    drawing n values from a sequence."""
    top = conn.execute(sa.select(sa.func.max(facts.c.id))).scalar_one_or_none() or 0
    return np.arange(int(top) + 1, int(top) + 1 + n, dtype="int64")


def write_facts(
    conn: Connection, info: BatchInfo, frame: pd.DataFrame, *, actor: str | None = None
) -> WriteResult:
    """Write facts as one new batch inside the caller's transaction.

    Facts equal to the current stored ones are not written again; different values supersede
    the current fact (kept in history, restored by a rollback of this batch).
    """
    to_write, superseded, unchanged = classify(conn, frame)
    batch_id = create_batch(conn, info)
    if not superseded.empty:
        _update_ids(conn, superseded["id"].tolist(), is_current=False, superseded_by=batch_id)
    if not to_write.empty:
        rows = to_write.copy()
        rows["id"] = _next_fact_ids(conn, len(rows))
        rows["batch_id"] = batch_id
        rows["is_current"] = True
        rows["superseded_by"] = pd.Series([None] * len(rows), dtype="Int64")
        bulk_insert(conn, facts, rows)
    conn.execute(
        batches.update()
        .where(batches.c.id == batch_id)
        .values(
            facts_written=len(to_write),
            facts_superseded=len(superseded),
            facts_unchanged=unchanged,
        )
    )
    audit(
        conn,
        actor or info.uploaded_by,
        "load",
        f"batch:{batch_id}",
        file=info.file_name,
        written=len(to_write),
        superseded=len(superseded),
        unchanged=unchanged,
    )
    if not superseded.empty:
        superseded["new_batch_id"] = batch_id
    return WriteResult(batch_id, len(to_write), len(superseded), unchanged, superseded)


class RollbackError(ValueError):
    def __init__(self, message_zh: str, message_en: str):
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


def rollback_batch(conn: Connection, batch_id: int, *, actor: str, reason: str) -> dict[str, int]:
    """Undo a batch: its facts stop being current and what it superseded is current again.

    A fact this batch superseded is restored only where this batch's own fact is still the
    current one; where a later batch replaced it in turn, the old fact is handed over to that
    later batch (so rolling that one back later restores the right value).
    """
    row = conn.execute(sa.select(batches).where(batches.c.id == batch_id)).mappings().first()
    if row is None:
        raise RollbackError(f"批次 {batch_id} 不存在", f"batch {batch_id} does not exist")
    if row["status"] != "active":
        raise RollbackError(
            f"批次 {batch_id} 已于 {row['rolled_back_at']} 回滚",
            f"batch {batch_id} is already rolled back",
        )
    mine = read_frame(
        conn,
        sa.select(
            facts.c.id,
            facts.c.region_code,
            facts.c.period_start,
            facts.c.period_end,
            facts.c.indicator_code,
            facts.c.is_current,
            facts.c.superseded_by,
        ).where(facts.c.batch_id == sa.bindparam("b")),
        {"b": batch_id},
    )
    old = read_frame(
        conn,
        sa.select(
            facts.c.id,
            facts.c.region_code,
            facts.c.period_start,
            facts.c.period_end,
            facts.c.indicator_code,
        )
        .select_from(facts.join(batches, batches.c.id == facts.c.batch_id))
        # only facts of batches still active come back: a rolled-back batch stays rolled back
        .where(
            facts.c.superseded_by == sa.bindparam("b"),
            facts.c.batch_id != sa.bindparam("b"),
            batches.c.status == "active",
        ),
        {"b": batch_id},
    )
    restored = 0
    if not old.empty:
        for frame in (mine, old):
            frame["period_start"] = [to_date(v) for v in frame["period_start"]]
            frame["period_end"] = [to_date(v) for v in frame["period_end"]]
        mine = mine.rename(
            columns={
                "id": "id_mine",
                "is_current": "mine_current",
                "superseded_by": "mine_superseded_by",
            }
        )
        m = old.merge(mine, on=FACT_KEY, how="left")
        still_mine = m["mine_current"].astype("boolean").fillna(True).astype(bool)
        restore_ids = m.loc[still_mine, "id"].astype("int64").tolist()
        handed = m[~still_mine]
        if restore_ids:
            _update_ids(conn, restore_ids, is_current=True, superseded_by=None)
            restored = len(restore_ids)
        for later, group in handed.groupby("mine_superseded_by"):
            _update_ids(conn, group["id"].astype("int64").tolist(), superseded_by=int(later))
    retired = conn.execute(
        facts.update()
        .where(facts.c.batch_id == batch_id, facts.c.is_current)
        .values(is_current=False)
    ).rowcount
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
        restored=restored,
    )
    return {"retired": int(retired or 0), "restored": restored}


def batch_diff(conn: Connection, batch_id: int) -> pd.DataFrame:
    """What a batch changed: one row per fact it wrote, with the value it superseded (if any)."""
    new = facts.alias("new")
    old = facts.alias("old")
    stmt = (
        sa.select(
            new.c.region_code,
            new.c.period_start,
            new.c.period_end,
            new.c.indicator_code,
            old.c.value.label("old_value"),
            old.c.batch_id.label("old_batch_id"),
            new.c.value.label("new_value"),
            new.c.is_current,
        )
        .select_from(
            new.outerjoin(
                old,
                sa.and_(
                    old.c.superseded_by == new.c.batch_id,
                    old.c.region_code == new.c.region_code,
                    old.c.indicator_code == new.c.indicator_code,
                    old.c.period_start == new.c.period_start,
                    old.c.period_end == new.c.period_end,
                ),
            )
        )
        .where(new.c.batch_id == sa.bindparam("b"))
        .order_by(new.c.indicator_code, new.c.region_code, new.c.period_start)
    )
    frame = read_frame(conn, stmt, {"b": batch_id})
    frame["change"] = ["new" if pd.isna(b) else "superseded" for b in frame["old_batch_id"]]
    return frame


def list_batches(conn: Connection, limit: int = 200) -> pd.DataFrame:
    stmt = sa.select(batches).order_by(batches.c.id.desc()).limit(sa.bindparam("n"))
    return read_frame(conn, stmt, {"n": limit})


__all__ = [
    "BatchInfo",
    "WriteResult",
    "RollbackError",
    "write_facts",
    "rollback_batch",
    "batch_diff",
    "list_batches",
    "active_batch_with_hash",
    "normalize_facts",
    "metadata",
]
