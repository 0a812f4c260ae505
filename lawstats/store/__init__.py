"""The fact store: schema, engine, lock-aware connections and the few writes every loader shares.

All SQL goes through SQLAlchemy Core with bound parameters. DuckDB is the embedded default;
the same schema and queries run on PostgreSQL. DuckDB locks its file per process, so the engine
uses NullPool (the file is opened per unit of work and released right after) and connections
retry while another process holds the write lock, instead of failing with a raw lock error.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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

SCHEMA_VERSION = "1"

metadata = sa.MetaData()

regions = sa.Table(
    "regions",
    metadata,
    sa.Column("code", sa.String(12), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("level", sa.String(12), nullable=False),
    sa.Column("parent_code", sa.String(12)),
    sa.Column("is_official", sa.Boolean, nullable=False),
    sa.Column("reports", sa.Boolean, nullable=False),
)

indicators = sa.Table(
    "indicators",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name_zh", sa.String(64), nullable=False),
    sa.Column("name_en", sa.String(128), nullable=False),
    sa.Column("unit", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("numerator", sa.String(64)),
    sa.Column("denominator", sa.String(64)),
    sa.Column("better", sa.String(8), nullable=False),
    sa.Column("group_code", sa.String(32), nullable=False),
    sa.Column("decimals", sa.Integer, nullable=False),
    sa.Column("definition_zh", sa.Text),
    sa.Column("definition_en", sa.Text),
)

batch_id_seq = sa.Sequence("batches_id_seq", metadata=metadata)
batches = sa.Table(
    "batches",
    metadata,
    sa.Column("id", sa.Integer, batch_id_seq, primary_key=True),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("sheet", sa.String(255)),
    sa.Column("sha256", sa.String(64), nullable=False),
    # spreadsheet | demo | report_text | template | manual
    sa.Column("source_type", sa.String(16), nullable=False),
    sa.Column("uploaded_by", sa.String(64), nullable=False),
    sa.Column("uploaded_at", sa.DateTime, nullable=False),
    # active | rolled_back
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("period_label", sa.String(64)),
    sa.Column("context_code", sa.String(12)),
    sa.Column("facts_written", sa.Integer, nullable=False, default=0),
    sa.Column("facts_superseded", sa.Integer, nullable=False, default=0),
    sa.Column("facts_unchanged", sa.Integer, nullable=False, default=0),
    sa.Column("warnings_json", sa.Text),
    sa.Column("note", sa.Text),
    sa.Column("is_demo", sa.Boolean, nullable=False, default=False),
    sa.Column("rolled_back_at", sa.DateTime),
    sa.Column("rolled_back_by", sa.String(64)),
    sa.Column("rollback_reason", sa.Text),
)

fact_id_seq = sa.Sequence("facts_id_seq", metadata=metadata)
facts = sa.Table(
    "facts",
    metadata,
    sa.Column("id", sa.BigInteger, fact_id_seq, nullable=False),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    # whole calendar months the period covers, 0 when it is not month-aligned
    sa.Column("period_months", sa.SmallInteger, nullable=False),
    sa.Column("indicator_code", sa.String(64), nullable=False),
    # NULL together with is_not_reported: the unit sent the form but left this blank (not zero)
    sa.Column("value", sa.Double),
    sa.Column("is_approximate", sa.Boolean, nullable=False),
    # a ratio figure as reported, without its numerator and denominator
    sa.Column("is_reported_rate", sa.Boolean, nullable=False),
    sa.Column("is_not_reported", sa.Boolean, nullable=False),
    sa.Column("batch_id", sa.Integer, nullable=False),
    sa.Column("is_current", sa.Boolean, nullable=False),
    sa.Column("superseded_by", sa.Integer),
    sa.Column("source_ref", sa.String(128)),
    # Ids are unique by construction (batches._next_fact_ids under the write lock). DuckDB keeps
    # no index for the key: its ART index cost a tenth of a load's time at commit, and every
    # lookup by id there is a scan over ascending ids that zone maps prune (stores made before
    # this change keep their key; both work).
    sa.PrimaryKeyConstraint("id").ddl_if(dialect="postgresql"),
)
# PostgreSQL needs indexes for the per-indicator reads; DuckDB answers them from zone maps
# over rows kept in indicator order, and ART indexes would only slow bulk loads there.
sa.Index("ix_facts_indicator_period", facts.c.indicator_code, facts.c.period_start).ddl_if(
    dialect="postgresql"
)
sa.Index("ix_facts_region", facts.c.region_code).ddl_if(dialect="postgresql")
sa.Index("ix_facts_batch", facts.c.batch_id).ddl_if(dialect="postgresql")

audit_id_seq = sa.Sequence("audit_log_id_seq", metadata=metadata)
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, audit_id_seq, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", sa.String(255)),
    sa.Column("detail", sa.Text),
)

# --------------------------------------------------------------------------- tables: summary
# (lawstats.store.summary: the roll-up's grains of every region for the periods the dashboard offers:
# months f..m of year y: year to date (f = 1), quarters, single months; derived from facts,
# never edited)

range_grains = sa.Table(
    "range_grains",
    metadata,
    sa.Column("y", sa.SmallInteger, nullable=False),
    sa.Column("f", sa.SmallInteger, nullable=False),  # first month
    sa.Column("m", sa.SmallInteger, nullable=False),  # last month
    # f * 16 + m: one number per range, the table's sort key, so that a read of some ranges
    # (a plain IN list) skips the others on disk
    sa.Column("r", sa.Integer, nullable=False),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("indicator_code", sa.String(64), nullable=False),
    sa.Column("is_stock", sa.Boolean, nullable=False),
    # -1 the exact range's own fact, else the months of the tiling facts (0 for a stock level)
    sa.Column("grain", sa.SmallInteger, nullable=False),
    sa.Column("batch_ids", sa.ARRAY(sa.Integer), nullable=False),  # distinct, the facts' batches
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("value", sa.Double),
    sa.Column("approx", sa.Boolean, nullable=False),
    sa.Column("rate", sa.Boolean, nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
)
sa.Index(
    "ix_range_grains",
    range_grains.c.y,
    range_grains.c.f,
    range_grains.c.m,
    range_grains.c.indicator_code,
).ddl_if(dialect="postgresql")
# meta key of the summary's state: built and current, changes pending (summary_dirty), or
# anything else (missing, rebuild): to be rebuilt whole before it answers reads
SUMMARY_READY_KEY = "range_grains_ready"
SUMMARY_READY, SUMMARY_PENDING, SUMMARY_REBUILD = "1", "pending", "0"
# the years, indicators and regions whose facts changed since the summary was refreshed
summary_dirty = sa.Table(
    "summary_dirty",
    metadata,
    sa.Column("y", sa.SmallInteger, nullable=False),
    sa.Column("indicator_code", sa.String(64)),  # an indicator changed this year, or
    sa.Column("region_code", sa.String(12)),  # a region changed this year
)

# --------------------------------------------------------------------------- tables: accounts (#6)
# (users, learned header spellings)

users = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("display_name", sa.String(64), nullable=False),
    # argon2id hash (argon2-cffi's encoded form); the password itself is never stored
    sa.Column("password_hash", sa.Text, nullable=False),
    # viewer | analyst | admin
    sa.Column("role", sa.String(16), nullable=False),
    # assigned region codes, comma-separated (an analyst may write these and their descendants)
    sa.Column("regions", sa.Text, nullable=False, default=""),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("last_login_at", sa.DateTime),
)

# Failed-login throttle, keyed by the name typed (existing or not, so it reveals nothing).
login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("first_failure_at", sa.DateTime, nullable=False),
    sa.Column("locked_until", sa.DateTime),
)

spelling_id_seq = sa.Sequence("header_spellings_id_seq", metadata=metadata)
# Column headers an analyst mapped to an indicator on the upload page; fed to later loads.
header_spellings = sa.Table(
    "header_spellings",
    metadata,
    sa.Column("id", sa.Integer, spelling_id_seq, primary_key=True),
    sa.Column("spelling", sa.String(255), nullable=False),
    sa.Column("indicator_code", sa.String(64), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("revoked_by", sa.String(64)),
    sa.Column("revoked_at", sa.DateTime),
)

# --------------------------------------------------------------------------- tables: targets and assessment (#5)
# (targets, their version history, admin reopenings of locked years, year-end settlements)

target_id_seq = sa.Sequence("targets_id_seq", metadata=metadata)
# One target per region x indicator x year (lawstats/analysis/targets.py owns the semantics).
targets = sa.Table(
    "targets",
    metadata,
    sa.Column("id", sa.Integer, target_id_seq, primary_key=True),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("indicator_code", sa.String(64), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    # at_least | at_most | growth | per_unit | rate_floor
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("value", sa.Double, nullable=False),
    # per_unit only: the stock the value is per (office_count: 人/所); NULL = the unit's own value
    sa.Column("per_code", sa.String(64)),
    sa.Column("note", sa.Text),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("region_code", "indicator_code", "year", name="uq_targets_cell"),
)

target_history_id_seq = sa.Sequence("target_history_id_seq", metadata=metadata)
# Every change of a target: who, when, old -> new (a deletion has no new kind/value).
target_history = sa.Table(
    "target_history",
    metadata,
    sa.Column("id", sa.Integer, target_history_id_seq, primary_key=True),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("indicator_code", sa.String(64), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    # create | update | delete
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("old_kind", sa.String(16)),
    sa.Column("old_value", sa.Double),
    sa.Column("old_per_code", sa.String(64)),
    sa.Column("new_kind", sa.String(16)),
    sa.Column("new_value", sa.Double),
    sa.Column("new_per_code", sa.String(64)),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    # page | import:<file name> | cli
    sa.Column("source", sa.String(255)),
    sa.Column("reason", sa.Text),
)

target_reopen_id_seq = sa.Sequence("target_reopenings_id_seq", metadata=metadata)
# An admin reopening a year's locked targets for a region (and everything below it).
target_reopenings = sa.Table(
    "target_reopenings",
    metadata,
    sa.Column("id", sa.Integer, target_reopen_id_seq, primary_key=True),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("reopened_by", sa.String(64), nullable=False),
    sa.Column("reopened_at", sa.DateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("relocked_by", sa.String(64)),
    sa.Column("relocked_at", sa.DateTime),
)

settlement_id_seq = sa.Sequence("target_settlements_id_seq", metadata=metadata)
# Year-end settlement (年终交账) of a region's targets and those below it.
target_settlements = sa.Table(
    "target_settlements",
    metadata,
    sa.Column("id", sa.Integer, settlement_id_seq, primary_key=True),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("settled_by", sa.String(64), nullable=False),
    sa.Column("settled_at", sa.DateTime, nullable=False),
    sa.Column("note", sa.Text),
)

# The frozen result of each settled target (later revisions are compared with it, never replace it).
settled_results = sa.Table(
    "settled_results",
    metadata,
    sa.Column("settlement_id", sa.Integer, nullable=False),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("indicator_code", sa.String(64), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("target_value", sa.Double, nullable=False),
    sa.Column("per_code", sa.String(64)),
    sa.Column("actual", sa.Double),
    sa.Column("completion", sa.Double),
    sa.Column("growth", sa.Double),
    sa.Column("gap_pp", sa.Double),
    sa.Column("shortfall", sa.Double),
    sa.Column("status", sa.String(16), nullable=False),
    # per-unit detail and anything else needed to restate the result (JSON)
    sa.Column("detail", sa.Text),
    sa.PrimaryKeyConstraint("region_code", "indicator_code", "year", name="pk_settled_results"),
)

# --------------------------------------------------------------------------- tables: reports (#7)
# Each generation of a year-end report keeps its sentences, so two generations can be diffed
# (a revision changes exactly the sentences of the figures it touched).

report_generation_id_seq = sa.Sequence("report_generations_id_seq", metadata=metadata)
report_generations = sa.Table(
    "report_generations",
    metadata,
    sa.Column("id", sa.Integer, report_generation_id_seq, primary_key=True),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("period_label", sa.String(64), nullable=False),
    sa.Column("generated_at", sa.DateTime, nullable=False),
    sa.Column("generated_by", sa.String(64), nullable=False),
    # the store's data version and the newest upload behind the figures, at generation time
    sa.Column("data_version", sa.String(64)),
    sa.Column("data_as_of", sa.DateTime),
    sa.Column("is_demo", sa.Boolean, nullable=False),
    sa.Column("sentence_count", sa.Integer, nullable=False),
)
report_sentences = sa.Table(
    "report_sentences",
    metadata,
    sa.Column("generation_id", sa.Integer, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    # stable id of the statement (figure:mediation_cases, top:mediation, targets...)
    sa.Column("sentence_key", sa.String(128), nullable=False),
    sa.Column("section", sa.String(32), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("batch_ids", sa.Text),  # JSON list of the batches behind the sentence
    sa.PrimaryKeyConstraint("generation_id", "seq"),
)

# --------------------------------------------------------------------------- tables: text backfill (#8)

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text),
)

# The public, documented view (README "v_facts contract"). Static DDL: no user input in it.
V_FACTS_DDL = """
CREATE VIEW v_facts AS
SELECT f.region_code,
       r.name AS region_name,
       r.level AS region_level,
       r.parent_code,
       f.period_start,
       f.period_end,
       f.indicator_code,
       f.value,
       f.is_approximate,
       f.batch_id
FROM facts f
JOIN regions r ON r.code = f.region_code
WHERE f.is_current
"""
V_FACTS_COLUMNS = (
    "region_code",
    "region_name",
    "region_level",
    "parent_code",
    "period_start",
    "period_end",
    "indicator_code",
    "value",
    "is_approximate",
    "batch_id",
)


class StoreError(RuntimeError):
    """A store operation failed for a reason a user can act on (message in Chinese and English)."""

    def __init__(self, message_zh: str, message_en: str):
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


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


def _quiet_duckdb(dbapi_connection, _record) -> None:
    """No progress bar: DuckDB draws it on stdout for long statements, into `--json` output."""
    dbapi_connection.execute("SET enable_progress_bar = false")


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


def _retrying(
    open_fn: Callable[[], Any], *, timeout: float | None, on_wait: Callable[[str], None] | None
):
    deadline = time.monotonic() + (settings.lock_timeout_s() if timeout is None else timeout)
    delay = 0.05
    told = False
    while True:
        try:
            return open_fn()
        except Exception as exc:  # noqa: BLE001 - DuckDB raises its own IOException subclass
            if not _is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                pid = _lock_holder(exc)
                raise LockTimeout(
                    f"数据库正被另一个进程（PID {pid}）写入，等待超时，请稍后重试",
                    f"the database is being written by another process (PID {pid}); gave up waiting",
                ) from exc
            if on_wait is not None and not told:
                on_wait(_lock_holder(exc))
                told = True
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@contextmanager
def connect(
    engine: Engine, *, timeout: float | None = None, on_wait: Callable[[str], None] | None = None
) -> Iterator[Connection]:
    """A read connection; waits (up to the lock timeout) while another process writes."""
    conn = _retrying(engine.connect, timeout=timeout, on_wait=on_wait)
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

    Waits while another process holds DuckDB's lock (telling `on_wait` once), serialises writers
    inside this process, and on PostgreSQL takes a transaction-level advisory lock so that two
    app servers never interleave loads. `timeout=0`: give up at once (LockTimeout) instead of
    waiting for another writer. `bump_version=False` for writes the dashboard never shows
    (logins, accounts, the summary), so they do not invalidate its caches.
    """
    with _process_write_lock:
        conn = _retrying(engine.connect, timeout=timeout, on_wait=on_wait)
        try:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    _pg_write_lock(conn, wait=timeout != 0)
                yield conn
                if bump_version:
                    bump_data_version(conn)
        finally:
            conn.close()


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
    """Create tables and the public view if missing; sync the catalog and the region table."""
    key = str(engine.url)
    if key in _schema_ready:
        return
    with _schema_lock:
        if key in _schema_ready:
            return
        with _process_write_lock:
            conn = _retrying(engine.connect, timeout=None, on_wait=None)
            try:
                with conn.begin():
                    metadata.create_all(conn, checkfirst=True)
                    # the first form of the summary (calendar years, a row per batch)
                    conn.execute(sa.text("DROP TABLE IF EXISTS grains_year"))
                    _renew_summary_table(conn)
                    existing = sa.inspect(conn).get_view_names()
                    if "v_facts" not in existing:
                        conn.execute(sa.text(V_FACTS_DDL))
                    _sync_reference(conn)
            finally:
                conn.close()
        _schema_ready.add(key)


def _renew_summary_table(conn: Connection) -> None:
    """The summary is derived data: a store made by an earlier version whose tables have other
    columns (or nullability) gets new, empty ones, rebuilt from the facts before it answers."""
    inspector = sa.inspect(conn)
    for table in (range_grains, summary_dirty):
        have = {(c["name"], bool(c["nullable"])) for c in inspector.get_columns(table.name)}
        if have != {(c.name, bool(c.nullable)) for c in table.c}:
            table.drop(conn)
            table.create(conn)
            set_meta(conn, SUMMARY_READY_KEY, SUMMARY_REBUILD)


def _file_digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()


def _sync_reference(conn: Connection) -> None:
    """Load the catalog and region files into their tables when the files changed."""
    from lawstats.domain.catalog import CATALOG_PATH, GROUPS_PATH
    from lawstats.domain.regions import load_regions

    region_files = [settings.DATA_DIR / n for n in ("regions_2024.csv", "reporting_units.csv")]
    digest = _file_digest(CATALOG_PATH, GROUPS_PATH, *region_files)
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
            for i in catalog
        ],
    )
    table = load_regions()
    frame = table.to_frame()[["code", "name", "level", "parent_code", "is_official", "reports"]]
    conn.execute(regions.delete())
    bulk_insert(conn, regions, frame)
    set_meta(conn, "reference_digest", digest)
    set_meta(conn, SUMMARY_READY_KEY, SUMMARY_REBUILD)  # indicator kinds may have changed
    set_meta(conn, "schema_version", SCHEMA_VERSION)


# --------------------------------------------------------------------------- small helpers


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(sa.select(meta.c.value).where(meta.c.key == key)).scalar_one_or_none()


def set_meta(conn: Connection, key: str, value: str) -> None:
    updated = conn.execute(meta.update().where(meta.c.key == key).values(value=value)).rowcount
    if not updated:
        conn.execute(meta.insert().values(key=key, value=value))


def bump_data_version(conn: Connection) -> None:
    set_meta(conn, "data_version", datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f"))


def data_version(engine: Engine) -> str:
    """Changes whenever a write transaction commits; caches key on it."""
    with connect(engine) as conn:
        return get_meta(conn, "data_version") or "empty"


def is_demo(engine: Engine) -> bool:
    with connect(engine) as conn:
        return get_meta(conn, "is_demo") == "true"


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
        raw.register(view_name, frame)
        try:
            # Identifiers come from the Table object, never from user input.
            target = sa.table(table.name, *[sa.column(c) for c in cols])
            source = sa.select(*[sa.column(c) for c in cols]).select_from(sa.table(view_name))
            conn.execute(target.insert().from_select(cols, source))
        finally:
            raw.unregister(view_name)
    elif conn.dialect.driver == "psycopg":
        _copy_rows(conn, table, frame)
    else:
        records = frame.astype(object).where(frame.notna(), None).to_dict("records")
        step = 5000
        for i in range(0, len(records), step):
            conn.execute(table.insert(), records[i : i + step])
    return len(frame)


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
    with _process_write_lock:
        conn = _retrying(engine.connect, timeout=None, on_wait=None)
        try:
            with conn.begin():
                conn.execute(sa.text("DROP VIEW IF EXISTS v_facts"))
                metadata.drop_all(conn, checkfirst=True)
        finally:
            conn.close()
    _schema_ready.discard(str(engine.url))
