"""The fact store: engine, lock-aware connections, schema versions and the shared small writes.

All SQL goes through SQLAlchemy Core with bound parameters. DuckDB is the embedded default;
the same schema and queries run on PostgreSQL. DuckDB locks its file per process, so the engine
uses NullPool (the file is opened per unit of work and released right after): reads open it
read-only, shared by the readers of every process, and a write opens it read-write alone
(lawstats.store.access coordinates both across threads and processes); connections retry while a
process outside that protocol holds DuckDB's lock, instead of failing with a raw lock error.
The tables are defined in lawstats.store.schema (re-exported here) and versioned by the Alembic
migrations in lawstats/store/migrations/, which ensure_schema runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from lawstats import settings
from lawstats.domain.catalog import load_catalog
from lawstats.store import access
from lawstats.store.errors import StoreError  # noqa: F401  (re-exported: store.StoreError)

# The schema, re-exported: `from lawstats.store import facts, batches, ...` as before.
from lawstats.store.schema import (  # noqa: F401
    V_FACTS_COLUMNS,
    V_FACTS_DDL,
    audit_id_seq,
    audit_log,
    batch_id_seq,
    batches,
    fact_id_seq,
    facts,
    header_spellings,
    indicators,
    login_attempts,
    meta,
    metadata,
    range_grains,
    regions,
    report_generation_id_seq,
    report_generations,
    report_sentences,
    settled_results,
    settlement_id_seq,
    spelling_id_seq,
    summary_dirty,
    target_history,
    target_history_id_seq,
    target_id_seq,
    target_reopen_id_seq,
    target_reopenings,
    target_settlements,
    targets,
    user_sessions,
    users,
)

# meta key of the summary's state: built and current, changes pending (summary_dirty), or
# anything else (missing, rebuild): to be rebuilt whole before it answers reads
SUMMARY_READY_KEY = "range_grains_ready"
SUMMARY_READY, SUMMARY_PENDING, SUMMARY_REBUILD = "1", "pending", "0"


class LockTimeout(StoreError):
    pass


# --------------------------------------------------------------------------- engines


def normalize_url(url_or_path: str | os.PathLike | None) -> str:
    """A SQLAlchemy URL from a URL or a plain DuckDB file path (None: the configured default)."""
    value = str(url_or_path) if url_or_path is not None else settings.db_url()
    if "://" in value:
        return value
    return "duckdb:///" + str(Path(value).expanduser().resolve())


def is_duckdb(engine_or_conn: Engine | Connection) -> bool:
    return engine_or_conn.dialect.name == "duckdb"


def duckdb_path(url: str) -> Path | None:
    """The database file of a duckdb URL (None for :memory: or other dialects)."""
    u = sa.make_url(url)
    if u.get_backend_name() != "duckdb" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


# Row groups a DuckDB checkpoint may compact after deletes (its default, 100, once compacted a
# national summary table at a summary refresh's commit for 5 s, with every other process's
# readers waiting): a few per checkpoint keep each commit short, and the space comes back over
# the next ones.
DUCKDB_VACUUM_TASKS = 4


def _quiet_duckdb(dbapi_connection, _record) -> None:
    """No progress bar (DuckDB draws it on stdout for long statements, into `--json` output), and
    checkpoints of bounded length (DUCKDB_VACUUM_TASKS)."""
    dbapi_connection.execute("SET enable_progress_bar = false")
    dbapi_connection.execute(f"SET max_vacuum_tasks = {DUCKDB_VACUUM_TASKS}")


# Set while this thread opens a DuckDB connection for reading (lawstats.store.access).
_opening = threading.local()


def _open_mode(_dialect, _record, _cargs, cparams) -> None:
    """do_connect: open the file read-only when a reader asks (one engine, one dialect set-up)."""
    if getattr(_opening, "read_only", False):
        cparams["read_only"] = True


def _file_access(engine: Engine) -> access.FileAccess | None:
    """The readers-and-writer bookkeeping of a DuckDB file (None: PostgreSQL, or in memory)."""
    if engine.dialect.name != "duckdb":
        return None
    path = duckdb_path(engine.url.render_as_string(hide_password=False))
    if path is None:
        return None
    if not sa.event.contains(engine, "do_connect", _open_mode):
        sa.event.listen(engine, "do_connect", _open_mode)
    return access.for_path(path)


@lru_cache(maxsize=16)
def _engine(url: str) -> Engine:
    if url.startswith("duckdb"):
        path = duckdb_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # NullPool: release the file (and DuckDB's process lock) as soon as a unit of work ends,
        # so a running dashboard never locks out an ETL command in another process.
        engine = sa.create_engine(url, poolclass=NullPool)
        sa.event.listen(engine, "connect", _quiet_duckdb)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def get_engine(url_or_path: str | os.PathLike | None = None, *, create: bool = True) -> Engine:
    """The engine for a URL or path, with the schema created and reference tables synced."""
    engine = _engine(normalize_url(url_or_path))
    if create:
        ensure_schema(engine)
    return engine


def get_reader(url_or_path: str | os.PathLike | None = None) -> Engine:
    """An engine for commands that only read (`etl show`, `batches`, `diff`): a DuckDB file is
    opened read-only, so a process holding it read-only never blocks it, nor it them (readers do
    not block readers). Other databases, and a file not made yet, get the ordinary engine."""
    from lawstats.store import migrations

    url = normalize_url(url_or_path)
    path = duckdb_path(url) if url.startswith("duckdb") else None
    if path is None or not path.exists():
        return get_engine(url)
    reader = _engine(
        sa.make_url(url).update_query_dict({"access_mode": "read_only"}).render_as_string(False)
    )
    with connect(reader) as conn:
        current = (
            migrations.stored_revision(conn) == migrations.HEAD
            and get_meta(conn, "reference_digest") == _reference_digest()
        )
    # a store still to be upgraded (or whose catalog files changed) is opened for writing once
    return reader if current else get_engine(url)


def is_read_only(engine: Engine) -> bool:
    """An engine from get_reader on a DuckDB file (it cannot write: no summary refresh)."""
    return engine.url.query.get("access_mode") == "read_only"


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def _lock_holder(exc: BaseException) -> str:
    text = str(exc)
    marker = "(PID "
    if marker in text:
        return text[text.index(marker) + len(marker) :].split(")", 1)[0]
    return "?"


# One writer at a time inside this process: DuckDB connections of one process share a database
# instance, and two concurrent write transactions there fail with a conflict instead of waiting.
_process_write_lock = threading.RLock()


def _deadline(timeout: float | None) -> float:
    return time.monotonic() + (settings.lock_timeout_s() if timeout is None else timeout)


def _busy(pid: str) -> LockTimeout:
    return LockTimeout(
        f"数据库正被另一个进程（PID {pid}）写入，等待超时，请稍后重试",
        f"the database is being written by another process (PID {pid}); gave up waiting",
    )


def _granted(stack: ExitStack, grant: AbstractContextManager) -> Any:
    """Enter a FileAccess grant on `stack`; not granted in time: LockTimeout."""
    try:
        return stack.enter_context(grant)
    except access.Busy as exc:
        raise _busy(exc.pid) from None


def _retrying(
    open_fn: Callable[[], Any], *, deadline: float, on_wait: Callable[[str], None] | None
):
    """Open a connection, retrying while a process outside lawstats.store.access's protocol
    (the duckdb command line, say) holds DuckDB's own file lock."""
    delay = 0.05
    told = False
    while True:
        try:
            return open_fn()
        except Exception as exc:  # noqa: BLE001 - DuckDB raises its own IOException subclass
            if not _is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                raise _busy(_lock_holder(exc)) from exc
            if on_wait is not None and not told:
                on_wait(_lock_holder(exc))
                told = True
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@contextmanager
def connect(
    engine: Engine, *, timeout: float | None = None, on_wait: Callable[[str], None] | None = None
) -> Iterator[Connection]:
    """A read connection. On a DuckDB file: read-only, shared with the readers of every process,
    waiting (up to the lock timeout) only while a writer commits (lawstats.store.access)."""
    deadline = _deadline(timeout)
    files = _file_access(engine)
    with ExitStack() as stack:
        read_only = files is not None and _granted(stack, files.reading(deadline, on_wait))
        _opening.read_only = read_only
        try:
            conn = stack.enter_context(_opened(engine, deadline, on_wait))
        finally:
            _opening.read_only = False
        yield conn


@contextmanager
def _writing(
    engine: Engine, *, timeout: float | None, on_wait: Callable[[str], None] | None
) -> Iterator[Connection]:
    """A connection of the one writer: this process's writers in turn, and on a DuckDB file the
    file held for writing across processes (lawstats.store.access)."""
    deadline = _deadline(timeout)
    files = _file_access(engine)
    with ExitStack() as stack:
        if not _process_write_lock.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
            raise LockTimeout(
                "数据库正被本进程的另一个任务写入，请稍后重试",
                "the database is being written by another task of this process; try again later",
            )
        stack.callback(_process_write_lock.release)
        if files is not None:
            _granted(stack, files.writing(deadline, on_wait))
        yield stack.enter_context(_opened(engine, deadline, on_wait))


@contextmanager
def _opened(source: Engine, deadline: float, on_wait) -> Iterator[Connection]:
    conn = _retrying(source.connect, deadline=deadline, on_wait=on_wait)
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def transaction(
    engine: Engine,
    *,
    timeout: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    bump_version: bool = True,
) -> Iterator[Connection]:
    """One all-or-nothing write transaction that also bumps the data version.

    Serialises writers inside this process; on a DuckDB file waits until the file is free for
    writing (lawstats.store.access: the readers of every process leave it, telling `on_wait`
    once) and holds it to the end, so a writer's work inside should be its commit only; on
    PostgreSQL takes a transaction-level advisory lock so that two app servers never interleave
    loads (readers there never wait). `timeout=0`: give up at once (LockTimeout) instead of
    waiting for another writer. `bump_version=False` for writes the dashboard never shows
    (logins, accounts, the summary), so they do not invalidate its caches.
    """
    with _writing(engine, timeout=timeout, on_wait=on_wait) as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            _pg_write_lock(conn, wait=timeout != 0)
        yield conn
        if bump_version:
            bump_data_version(conn)


PG_WRITE_LOCK = 7_240_501  # the advisory lock every writer takes on PostgreSQL


def _pg_write_lock(conn: Connection, *, wait: bool) -> None:
    """PostgreSQL's transaction-level advisory lock for writers; timeout=0 means do not wait."""
    if wait:
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_WRITE_LOCK)))
    elif not conn.execute(sa.select(sa.func.pg_try_advisory_xact_lock(PG_WRITE_LOCK))).scalar():
        raise LockTimeout(
            "数据库正被另一个进程写入，请稍后重试",
            "the database is being written by another process; try again later",
        )


# --------------------------------------------------------------------------- schema


_schema_ready: set[str] = set()
_schema_lock = threading.Lock()


def ensure_schema(engine: Engine) -> None:
    """Bring the store to the newest schema revision and sync the catalog and region tables.

    Once per URL and process. A store at the head revision whose reference files did not change
    costs one small query; otherwise one write transaction, under the writer locks (DuckDB's
    file lock awaited, PostgreSQL's advisory lock, so two processes starting at once take turns),
    runs the migrations still to run (lawstats.store.migrations: an empty store gets every
    table, one made before Alembic is adopted) and reloads the reference tables.
    """
    key = str(engine.url)
    if key in _schema_ready:
        return
    with _schema_lock:
        if key in _schema_ready:
            return
        upgrade_schema(engine)
        _schema_ready.add(key)


def upgrade_schema(engine: Engine) -> tuple[str | None, str | None]:
    """ensure_schema without the cache: (revision before, revision after)."""
    from lawstats.store import migrations

    digest = _reference_digest()
    files = _file_access(engine)
    if files is None or files.path.exists():  # (a new DuckDB file cannot be opened read-only)
        with connect(engine) as conn:
            revision, stored_digest = _current_state(conn)
        if revision == migrations.HEAD and stored_digest == digest:
            return revision, revision
    with _writing(engine, timeout=None, on_wait=None) as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            _pg_write_lock(conn, wait=True)
        before, after = migrations.upgrade(conn)
        _sync_reference(conn, digest)
    return before, after


# the stored schema revision and reference digest, in one query
_STATE = sa.text(
    "SELECT version_num, (SELECT value FROM meta WHERE key = 'reference_digest') "
    "FROM alembic_version"
)


def _current_state(conn: Connection) -> tuple[str | None, str | None]:
    """(schema revision, reference digest) as stored, in one query, its transaction ended;
    (None, None) without an alembic_version or a meta table (a new store, or one made before
    Alembic: the write path tells them apart under the lock)."""
    try:
        row = conn.execute(_STATE).first()
    except sa.exc.DBAPIError:
        row = None
    conn.rollback()
    return (row[0], row[1]) if row is not None else (None, None)


def _file_digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()


def _reference_digest() -> str:
    """The digest of the catalog and region files the reference tables are loaded from."""
    from lawstats.domain.catalog import CATALOG_PATH, DIMENSIONS_PATH, GROUPS_PATH

    region_files = [settings.DATA_DIR / n for n in ("regions_2024.csv", "reporting_units.csv")]
    return _file_digest(CATALOG_PATH, GROUPS_PATH, DIMENSIONS_PATH, *region_files)


def _sync_reference(conn: Connection, digest: str) -> None:
    """Load the catalog and region files into their tables when the files changed."""
    from lawstats.domain.regions import load_regions

    if get_meta(conn, "reference_digest") == digest:
        return
    catalog = load_catalog()
    conn.execute(indicators.delete())
    conn.execute(
        indicators.insert(),
        [
            {
                "code": i.code,
                "name_zh": i.name_zh,
                "name_en": i.name_en,
                "unit": i.unit,
                "kind": i.kind,
                "numerator": i.numerator,
                "denominator": i.denominator,
                "better": i.better,
                "group_code": i.group,
                "decimals": i.decimals,
                "definition_zh": i.definition_zh,
                "definition_en": i.definition_en,
            }
            for i in [*catalog, *catalog.member_figures]  # a member's figure rolls up by its kind
        ],
    )
    table = load_regions()
    frame = table.to_frame()[["code", "name", "level", "parent_code", "is_official", "reports"]]
    conn.execute(regions.delete())
    bulk_insert(conn, regions, frame)
    set_meta(conn, "reference_digest", digest)
    set_meta(conn, SUMMARY_READY_KEY, SUMMARY_REBUILD)  # indicator kinds may have changed


# --------------------------------------------------------------------------- small helpers


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(sa.select(meta.c.value).where(meta.c.key == key)).scalar_one_or_none()


def set_meta(conn: Connection, key: str, value: str) -> None:
    updated = conn.execute(meta.update().where(meta.c.key == key).values(value=value)).rowcount
    if not updated:
        conn.execute(meta.insert().values(key=key, value=value))


DATA_VERSION_KEY = "data_version"  # meta key: changes with every commit that changes facts


def bump_data_version(conn: Connection) -> None:
    set_meta(conn, DATA_VERSION_KEY, datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f"))


def data_version(engine: Engine) -> str:
    """Changes whenever a write transaction commits; caches key on it (cached_read: a dashboard
    render that finds nothing new does not open a DuckDB file, nor waits for a writer)."""

    def read() -> str:
        with connect(engine) as conn:
            return get_meta(conn, DATA_VERSION_KEY) or "empty"

    return cached_read(engine, DATA_VERSION_KEY, read)


def cached_read(engine: Engine, name: str, read: Callable[[], Any]) -> Any:
    """What `read()` returned the last time, while no write to the store can have ended since;
    else `read()` again. On a DuckDB file that is known without opening it (_file_stamp); on
    PostgreSQL `read()` runs every time (a query on a pooled connection). `read` must depend on
    the store's contents only."""
    files = _file_access(engine)
    if files is None:
        return read()
    stamp = _file_stamp(files)  # taken before the read: a write ending meanwhile reads again
    key = (files.path, name)
    cached = _cached_reads.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    value = read()
    _cached_reads[key] = (stamp, value)
    return value


_cached_reads: dict[tuple[Path, str], tuple[tuple, Any]] = {}


def _file_stamp(files: access.FileAccess) -> tuple:
    """What changes when a DuckDB file is written: the stamp a writer leaves when its write ends
    (lawstats.store.access; not while it writes, so cached pages need not wait for it), and for
    a writer outside that protocol the size and time of the WAL, which every commit appends to."""
    try:
        st = files.path.with_name(files.path.name + ".wal").stat()
        wal = (st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        wal = None
    return files.stamp(), wal


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def audit(conn: Connection, actor: str, action: str, target: str | None, **detail: Any) -> None:
    conn.execute(
        audit_log.insert().values(
            at=now(),
            actor=actor,
            action=action,
            target=target,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
    )


def bulk_insert(conn: Connection, table: sa.Table, frame: pd.DataFrame) -> int:
    """Insert a DataFrame whose columns are a subset of `table`'s; fast on both backends."""
    if frame.empty:
        return 0
    cols = list(frame.columns)
    for c in cols:
        if c not in table.c:
            raise KeyError(f"{table.name} has no column {c!r}")
    if is_duckdb(conn):
        raw = conn.connection.driver_connection
        view_name = "_lawstats_bulk_frame"
        # as Arrow: DuckDB reads its columns in place (a pandas frame's text and categorical
        # columns it converts value by value, under the caller's write lock)
        raw.register(view_name, _arrow(frame))
        try:
            # Identifiers come from the Table object, never from user input.
            target = sa.table(table.name, *[sa.column(c) for c in cols])
            source = sa.select(*[sa.column(c) for c in cols]).select_from(sa.table(view_name))
            conn.execute(target.insert().from_select(cols, source))
        finally:
            try:
                raw.unregister(view_name)
            except Exception:  # noqa: S110 - an aborted transaction refuses this too; the
                pass  # insert's own error is the one to report, and the view dies with it
    elif conn.dialect.driver == "psycopg":
        _copy_rows(conn, table, frame)
    else:
        records = frame.astype(object).where(frame.notna(), None).to_dict("records")
        step = 5000
        for i in range(0, len(records), step):
            conn.execute(table.insert(), records[i : i + step])
    return len(frame)


def _arrow(frame: pd.DataFrame):
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False)


def _copy_rows(conn: Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    """PostgreSQL COPY ... FROM STDIN through psycopg, in the caller's transaction: one stream
    instead of an INSERT per row (126,000 facts: seconds instead of tens of seconds)."""
    from psycopg import sql

    # Identifiers come from the Table object, never from user input; psycopg quotes them.
    name = sql.Identifier(*([table.schema] if table.schema else []), table.name)
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in frame.columns)
    stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(name, columns)
    values = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame.columns]
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(stmt) as copy:
        for row in zip(*values, strict=True):
            copy.write_row(row)


def next_ids(conn: Connection, seq: sa.Sequence, n: int) -> list[int]:
    """Reserve n ids from a sequence (one round trip on both backends)."""
    if n <= 0:
        return []
    q = sa.select(seq.next_value()).select_from(sa.func.generate_series(1, n).table_valued("g"))
    return [int(r[0]) for r in conn.execute(q)]


def read_frame(conn: Connection, stmt: sa.Executable, params: dict | None = None) -> pd.DataFrame:
    """Run a Core statement and return a DataFrame (DuckDB's native fetch where available)."""
    result = conn.execute(stmt, params or {})
    if is_duckdb(conn):
        frame = result.cursor.fetch_df()
        result.close()
        return frame
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def to_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def months_between(start: date, end: date) -> int:
    """Whole calendar months a period covers, 0 if it is not month-aligned."""
    if start.day != 1:
        return 0
    nxt = pd.Timestamp(end) + pd.Timedelta(days=1)
    if nxt.day != 1:
        return 0
    return (nxt.year - start.year) * 12 + nxt.month - start.month


def wipe(engine: Engine) -> None:
    """Drop everything (demo rebuilds and tests); the schema is recreated on next use."""
    with _writing(engine, timeout=None, on_wait=None) as conn, conn.begin():
        conn.execute(sa.text("DROP VIEW IF EXISTS v_facts"))
        metadata.drop_all(conn, checkfirst=True)
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    _schema_ready.discard(str(engine.url))
