"""Batches: every write of facts is one batch; new values supersede old ones, rollback restores them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lawstats.store import (
    audit,
    batches,
    bulk_insert,
    demo_mode,
    facts,
    is_duckdb,
    metadata,
    months_between,
    now,
    read_frame,
    summary,
    to_date,
)

# the history half (rollback, diffs, the batch list) lives in lawstats.store.history
from lawstats.store.history import (
    FACT_KEY,
    RollbackError,
    _update_ids,
    batch_diff,
    list_batches,
    record_history,
    rollback_batch,
    rollback_effects,
)
from lawstats.store.members import with_member_columns

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


@dataclass
class WriteResult:
    batch_id: int | None  # None: every fact equals the current one, no batch was made
    written: int
    superseded: int
    unchanged: int
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)  # superseded facts: old -> new
    same_as: tuple[int, ...] = ()  # the batches holding the current facts it equals
    reloaded: tuple[int, ...] = ()  # rolled-back batches of the same file (it loads again)


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
    classified: Any = None  # classify_facts(frame) from a read no fact has changed since (etl.load)


def normalize_facts(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill optional columns, coerce types, and add period_months."""
    return _normalize(frame)[0]


def _normalize(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, list[tuple[date, date]]]:
    """normalize_facts, plus each row's period as a code into the distinct (start, end) pairs.

    Codes and dates stay plain object columns, or categoricals when they come as such (as from
    etl.load.facts_frame): a batch has ~100k rows, and converting them to pandas' string dtype
    (or hashing every value to group them) costs more than everything else here."""
    n = len(frame)

    def column(name: str, default: Any) -> Any:
        if name not in frame.columns:
            return np.full(n, default, dtype=object if default is None else bool)
        values = frame[name]
        if name in _OBJECTS:
            if _is_categorical(values) or isinstance(values.dtype, pd.StringDtype):
                return values.array  # kept as they are: no Python object per row
            return values.to_numpy(dtype=object)
        return values.to_numpy()

    cols = {c: column(c, None if c in _OBJECTS else False) for c in FACT_COLUMNS}
    for c in ("region_code", "indicator_code"):
        cols[c] = _as_text(cols[c])
    # few distinct periods per batch: convert and count months once per distinct (start, end)
    span, spans = _factorize_pairs(cols["period_start"], cols["period_end"])
    spans = [(to_date(a), to_date(b)) for a, b in spans]
    cols["period_start"] = _categorical([a for a, _b in spans], span)
    cols["period_end"] = _categorical([b for _a, b in spans], span)
    value = pd.to_numeric(pd.Series(cols["value"]), errors="raise").to_numpy(dtype="float64")
    cols["value"] = value
    for c in _FLAGS:
        flags = cols[c]
        if flags.dtype != bool:
            flags = pd.Series(flags).fillna(False).astype(bool).to_numpy()
        cols[c] = flags
    cols["is_not_reported"] = cols["is_not_reported"] | np.isnan(value)
    months = np.array([months_between(a, b) for a, b in spans], "int64")
    cols["period_months"] = months[span] if n else np.zeros(0, dtype="int64")
    out = pd.DataFrame({c: _as_objects(v) if c in _OBJECTS else v for c, v in cols.items()})
    return out, span, spans


def _is_categorical(values: Any) -> bool:
    return isinstance(getattr(values, "dtype", None), pd.CategoricalDtype)


def _as_text(values: Any) -> Any:
    """Codes as str (a categorical keeps its codes; only its categories are checked)."""
    if _is_categorical(values):
        categories = values.categories
        if pd.api.types.infer_dtype(categories, skipna=False) == "string":
            return values
        values = np.asarray(values, dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values
    return pd.Series(values).astype(str).to_numpy(dtype=object)


def _as_objects(values: Any) -> pd.Series:
    """A column kept as it is: Python objects (pandas would infer its string dtype, a copy), a
    categorical or a string array."""
    if _is_categorical(values) or isinstance(getattr(values, "dtype", None), pd.StringDtype):
        return pd.Series(values, copy=False)
    return pd.Series(np.asarray(values, dtype=object), dtype=object, copy=False)


_OBJECTS = ("region_code", "indicator_code", "source_ref", "period_start", "period_end")
_FLAGS = ["is_approximate", "is_reported_rate", "is_not_reported"]


def _factorize(values: Any) -> tuple[np.ndarray, Any]:
    """Codes and distinct values; a categorical's own codes serve as they are."""
    if _is_categorical(values):
        return values.codes.astype("int64"), values.categories
    return pd.factorize(values)


def _factorize_pairs(a: Any, b: Any) -> tuple[np.ndarray, list[tuple[Any, Any]]]:
    """One code per row for the (a, b) pair, and the distinct pairs in order of first appearance."""
    ca, ua = _factorize(a)
    cb, ub = _factorize(b)
    if (ca < 0).any() or (cb < 0).any():
        raise ValueError("facts without a period start or end")
    code, first = pd.factorize(ca.astype("int64") * max(len(ub), 1) + cb)
    pairs = [(ua[k // max(len(ub), 1)], ub[k % max(len(ub), 1)]) for k in first.tolist()]
    return code.astype("int64"), pairs


def _row_keys(frame: pd.DataFrame, span: np.ndarray) -> np.ndarray:
    """One int64 per distinct fact key (region, period, indicator) of each row; `span` codes the
    rows' periods."""
    key = span.astype("int64")
    size = int(key.max(initial=0)) + 1
    for col in ("region_code", "indicator_code"):
        code, uniques = _factorize(frame[col].array)
        if size * (len(uniques) + 1) > 2**62:  # keep the combined key within int64
            key, _ = pd.factorize(key)
            size = int(key.max(initial=0)) + 1
        key = key * (len(uniques) + 1) + (code + 1)
        size *= len(uniques) + 1
    return key


def _categorical(values: list, codes: np.ndarray) -> pd.Categorical:
    """values[code] per code, as a categorical (values may repeat: two periods, one start)."""
    index: dict[Any, int] = {}
    remap = np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)
    return pd.Categorical.from_codes(remap[codes] if len(codes) else codes, categories=list(index))


def active_batch_with_hash(conn: Connection, sha256: str) -> int | None:
    return conn.execute(
        sa.select(sa.func.min(batches.c.id)).where(
            batches.c.sha256 == sha256, batches.c.status == "active"
        )
    ).scalar_one_or_none()


def create_batch(conn: Connection, info: BatchInfo) -> int:
    # max + 1, not the sequence: a refused load's rolled-back batch leaves no gap in the numbers
    # (sequences do not roll back)
    batch_id = _top_id(conn, batches.c.id) + 1
    demo_mode.note_batch(conn, info.is_demo, info.uploaded_by)  # a real batch ends demo mode
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


def set_batch_warnings(conn: Connection, batch_id: int, warnings: list[dict]) -> None:
    """The warnings a batch was loaded with (known only after its facts were written)."""
    conn.execute(
        batches.update()
        .where(batches.c.id == batch_id)
        .values(warnings_json=json.dumps(warnings, ensure_ascii=False) if warnings else None)
    )


# classification: the current stored fact matching an incoming row, by the row's position
_FOUND_COLUMNS = ["row", "id", "value", *_FLAGS, "batch_id"]
SUPERSEDED_COLUMNS = [
    "id",
    *FACT_KEY,
    "old_value",
    "new_value",
    "old_batch_id",
]
# incoming keys as a registered DataFrame (DuckDB) or a temporary table (PostgreSQL, from
# _STAGE_AT rows: below that one query with IN lists is quicker); a fixed name, never user input
_STAGED = "_lawstats_staged_facts"
_STAGE_AT = 2000


def _key_filters(
    incoming: pd.DataFrame, spans: list[tuple[date, date]]
) -> tuple[list, dict[str, Any]]:
    """WHERE terms that narrow current facts to the incoming indicators and dates (zone maps on
    DuckDB, indexes on PostgreSQL)."""
    terms = [
        facts.c.is_current,
        facts.c.indicator_code.in_(sa.bindparam("codes", expanding=True)),
        facts.c.period_start >= sa.bindparam("start"),
        facts.c.period_end <= sa.bindparam("end"),
    ]
    params = {
        "codes": sorted(incoming["indicator_code"].unique()),
        "start": min(a for a, _b in spans),
        "end": max(b for _a, b in spans),
    }
    return terms, params


def _current_matches(
    conn: Connection, incoming: pd.DataFrame, span: np.ndarray, spans: list[tuple[date, date]]
) -> pd.DataFrame:
    """The current stored fact for each incoming row that has one (_FOUND_COLUMNS)."""
    terms, params = _key_filters(incoming, spans)
    # fetch the whole (one-row) answer: DuckDB keeps a half-read result open on the connection
    if not conn.execute(sa.select(sa.exists().where(*terms)), params).all()[0][0]:
        return pd.DataFrame(columns=_FOUND_COLUMNS)  # nothing stored for these indicators and dates
    if is_duckdb(conn):
        dates = _datetimes(span, spans)
        return _current_matches_duckdb(conn, incoming, dates, terms, params)
    if len(incoming) >= _STAGE_AT and conn.dialect.driver == "psycopg":
        return _current_matches_staged(conn, incoming, terms, params)
    cols = [facts.c[c] for c in ("id", *FACT_KEY, "value", *_FLAGS, "batch_id")]
    stmt = sa.select(*cols).where(*terms)
    region_codes = sorted(incoming["region_code"].unique())
    if len(region_codes) <= 500:  # a long IN list costs more than the rows it saves
        stmt = stmt.where(facts.c.region_code.in_(sa.bindparam("regions", expanding=True)))
        params["regions"] = region_codes
    found = read_frame(conn, stmt, params)
    if found.empty:
        return pd.DataFrame(columns=_FOUND_COLUMNS)
    for col in ("period_start", "period_end"):
        found[col] = [to_date(v) for v in found[col]]
    keys = incoming[FACT_KEY].assign(row=np.arange(len(incoming)))
    return found.merge(keys, on=FACT_KEY, how="inner")[_FOUND_COLUMNS]


def _current_matches_duckdb(
    conn: Connection, incoming: pd.DataFrame, dates: tuple[np.ndarray, np.ndarray], terms, params
) -> pd.DataFrame:
    """One join in DuckDB between the incoming rows (a registered DataFrame, no copy) and the
    current facts."""
    staged = pd.DataFrame(
        {
            "row": np.arange(len(incoming), dtype="int64"),
            "region_code": _as_objects(incoming["region_code"]),
            "indicator_code": _as_objects(incoming["indicator_code"]),
            "period_start": dates[0],
            "period_end": dates[1],
        }
    )
    view = sa.table(_STAGED, *[sa.column(c) for c in staged.columns])
    on = sa.and_(
        facts.c.region_code == view.c.region_code,
        facts.c.indicator_code == view.c.indicator_code,
        facts.c.period_start == sa.cast(view.c.period_start, sa.Date),
        facts.c.period_end == sa.cast(view.c.period_end, sa.Date),
    )
    cols = [view.c.row, *[facts.c[c] for c in ("id", "value", *_FLAGS, "batch_id")]]
    stmt = sa.select(*cols).select_from(view.join(facts, on)).where(*terms)
    with _registered(conn, staged):
        return read_frame(conn, stmt, params)


def _current_matches_staged(
    conn: Connection, incoming: pd.DataFrame, terms: list, params: dict[str, Any]
) -> pd.DataFrame:
    """PostgreSQL, many rows: the incoming keys go into a temporary table (COPY) and one join
    finds their current facts."""
    staged = sa.Table(
        _STAGED,
        sa.MetaData(),
        sa.Column("row", sa.BigInteger),
        sa.Column("region_code", sa.String(12)),
        sa.Column("indicator_code", sa.String(64)),
        sa.Column("period_start", sa.Date),
        sa.Column("period_end", sa.Date),
        prefixes=["TEMPORARY"],
    )
    staged.create(conn)
    bulk_insert(conn, staged, incoming[FACT_KEY].assign(row=np.arange(len(incoming))))
    on = sa.and_(*(facts.c[k] == staged.c[k] for k in FACT_KEY))
    cols = [staged.c.row, *[facts.c[c] for c in ("id", "value", *_FLAGS, "batch_id")]]
    result = conn.execute(
        sa.select(*cols).select_from(staged.join(facts, on)).where(*terms), params
    )
    found = pd.DataFrame(result.cursor.fetchall(), columns=_FOUND_COLUMNS)
    result.close()
    staged.drop(conn)  # (on an error the transaction, and the table with it, is rolled back)
    return found


@contextmanager
def _registered(conn: Connection, frame: pd.DataFrame, name: str = _STAGED) -> Iterator[None]:
    """Make a DataFrame visible to DuckDB SQL on this connection under a fixed name."""
    raw = conn.connection.driver_connection
    raw.register(name, frame)
    try:
        yield
    finally:
        raw.unregister(name)


def _datetimes(span: np.ndarray, spans: list[tuple[date, date]]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's period start and end as datetime64 (DuckDB reads these without converting
    every value, as it must for Python date objects)."""
    starts = np.array([np.datetime64(a, "s") for a, _b in spans], "datetime64[s]")
    ends = np.array([np.datetime64(b, "s") for _a, b in spans], "datetime64[s]")
    return starts[span], ends[span]


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a == b) | (a.isna() & b.isna())


@dataclass
class Classified:
    incoming: pd.DataFrame  # normalised rows
    span: np.ndarray  # each row's period: a code into spans
    spans: list[tuple[date, date]]
    write: np.ndarray  # rows to write (new or changed)
    superseded: pd.DataFrame  # SUPERSEDED_COLUMNS
    unchanged: int
    same_as: tuple[int, ...] = ()  # batches of the stored facts equal to incoming ones

    def rows(self) -> pd.DataFrame:
        if self.write.all():
            return self.incoming
        return self.incoming[self.write].reset_index(drop=True)


def classify(conn: Connection, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Split incoming facts into (to_write, superseded_old_rows, unchanged_count)."""
    c = classify_facts(conn, frame)
    return c.rows(), c.superseded, c.unchanged


def classify_facts(conn: Connection, frame: pd.DataFrame) -> Classified:
    """Each incoming row is new, unchanged (equal to the current stored fact) or supersedes the
    current fact; stored facts are matched in the database (one join on DuckDB)."""
    incoming, span, spans = _normalize(frame)
    duplicated = pd.Series(_row_keys(incoming, span)).duplicated(keep=False).to_numpy()
    if duplicated.any():
        dups = incoming[duplicated].head(3)
        raise ValueError(f"duplicate fact keys in one batch: {dups[FACT_KEY].to_dict('records')}")
    write = np.ones(len(incoming), dtype=bool)
    found = (
        _current_matches(conn, incoming, span, spans)
        if len(incoming)
        else pd.DataFrame(columns=_FOUND_COLUMNS)
    )
    if found.empty:
        return Classified(incoming, span, spans, write, pd.DataFrame(columns=SUPERSEDED_COLUMNS), 0)
    found = found.sort_values("row", kind="stable").reset_index(drop=True)
    row = found["row"].to_numpy(dtype="int64")
    new = incoming.iloc[row].reset_index(drop=True)
    same = _same(new["value"], found["value"].astype("float64")).to_numpy()
    for col in _FLAGS:
        same = same & (new[col].to_numpy() == found[col].fillna(False).astype(bool).to_numpy())
    write[row[same]] = False
    old, new = found[~same].reset_index(drop=True), new[~same].reset_index(drop=True)
    superseded = pd.DataFrame(
        {
            "id": old["id"].astype("int64"),
            **{k: new[k] for k in FACT_KEY},
            "old_value": old["value"].astype("float64"),
            "new_value": new["value"],
            "old_batch_id": old["batch_id"].astype("int64"),
        },
        columns=SUPERSEDED_COLUMNS,
    )
    same_as = tuple(sorted({int(b) for b in found["batch_id"][same]}))
    return Classified(incoming, span, spans, write, superseded, int(same.sum()), same_as)


def _mark_superseded(conn: Connection, ids: pd.Series, batch_id: int) -> None:
    """The facts with these ids stop being current, superseded by batch_id."""
    values = {"is_current": False, "superseded_by": batch_id}
    if not is_duckdb(conn):
        _update_ids(conn, ids.tolist(), **values)
        return
    staged = pd.DataFrame({"id": ids.to_numpy(dtype="int64")})
    view = sa.table(_STAGED, sa.column("id"))
    with _registered(conn, staged):
        conn.execute(facts.update().where(facts.c.id.in_(sa.select(view.c.id))).values(**values))


def _next_fact_ids(conn: Connection, n: int) -> np.ndarray:
    """A block of fresh fact ids after the highest so far (see _top_id): much faster than drawing
    n values from a sequence."""
    top = _top_id(conn, facts.c.id)
    return np.arange(top + 1, top + 1 + n, dtype="int64")


def _top_id(conn: Connection, column: sa.Column) -> int:
    """The highest id so far (0 in an empty table). Writers are serialised (DuckDB's file lock,
    the process lock and PostgreSQL's advisory lock in store.transaction), so max + 1 is free."""
    return int(conn.execute(sa.select(sa.func.max(column))).scalar_one_or_none() or 0)


def write_facts(
    conn: Connection, info: BatchInfo, frame: pd.DataFrame, *, actor: str | None = None
) -> WriteResult:
    """Write facts as one new batch inside the caller's transaction.

    Facts equal to the current stored ones are not written again; different values supersede
    the current fact (kept in history, restored by a rollback of this batch). When every fact
    equals the current one, no batch is made (batch_id None; same_as names the batches that
    hold them): an identical file changes nothing and says so.
    """
    c = info.classified if info.classified is not None else classify_facts(conn, frame)
    superseded, unchanged = c.superseded, c.unchanged
    to_write = c.rows()
    if to_write.empty and superseded.empty:
        return WriteResult(None, 0, 0, unchanged, superseded, same_as=c.same_as)
    reloaded = rolled_back_with_hash(conn, info.sha256)
    batch_id = create_batch(conn, info)
    # superseded facts share their keys with written ones
    summary.mark_dirty(
        conn,
        summary.marks_of_spans(
            c.span[c.write], c.spans, to_write["indicator_code"], to_write["region_code"]
        ),
    )
    if not superseded.empty:
        _mark_superseded(conn, superseded["id"], batch_id)
        record_history(conn, batch_id, "superseded", superseded["id"])
    if not to_write.empty:
        rows = to_write.copy(deep=False)
        if is_duckdb(conn):
            rows["period_start"], rows["period_end"] = _datetimes(c.span[c.write], c.spans)
        rows["id"] = _next_fact_ids(conn, len(rows))
        rows["batch_id"] = np.int32(batch_id)
        rows["is_current"] = True  # superseded_by is left out: NULL
        rows = with_member_columns(rows)
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
    return WriteResult(
        batch_id,
        len(to_write),
        len(superseded),
        unchanged,
        superseded,
        same_as=c.same_as,
        reloaded=reloaded,
    )


def rolled_back_with_hash(conn: Connection, sha256: str) -> tuple[int, ...]:
    """Rolled-back batches of a file with these bytes (loading it again is a new batch)."""
    rows = conn.execute(
        sa.select(batches.c.id)
        .where(batches.c.sha256 == sha256, batches.c.status == "rolled_back")
        .order_by(batches.c.id)
    ).all()
    return tuple(int(r[0]) for r in rows)


__all__ = [
    "BatchInfo",
    "WriteResult",
    "RollbackError",
    "write_facts",
    "rollback_batch",
    "rollback_effects",
    "batch_diff",
    "list_batches",
    "active_batch_with_hash",
    "rolled_back_with_hash",
    "normalize_facts",
    "metadata",
]
