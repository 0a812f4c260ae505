"""When and how the summary (lawstats.store.summary) is refreshed: off the write lock, in pieces.

A load marks what it changed (summary_dirty) and commits; the refresh comes after, and nobody
waits for it: reads use the facts while anything is pending. It works from snapshots and
writes little at a time:

1. a read: the summary's state, the data version, and the pieces to do (summary.pending_pieces:
   a year's marked indicators for up to PIECE_REGIONS of its marked regions, every kept range;
   or, to rebuild, summary.rebuild_pieces);
2. per piece, its rows are computed from the facts: on DuckDB in a read (shared with every
   reader) into memory, then written in a short transaction that replaces the piece's rows;
   on PostgreSQL, whose readers never wait for a writer, INSERT ... SELECT inside that short
   transaction;
3. a last short transaction clears the marks and declares the summary ready.

Every write transaction first checks that the data version is still the one the pieces were
planned at. If a load committed meanwhile, the refresh stops where it is: that load's marks keep
the summary pending (reads stay right, from the facts), and the next refresh starts over with
every mark. One refresh runs at a time per store (a lock next to a DuckDB file, an advisory lock
on PostgreSQL); another that finds it taken leaves the work to it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lawstats import settings, store
from lawstats.store import SUMMARY_PENDING, SUMMARY_READY, access

log = logging.getLogger(__name__)

REFRESH_LOCK = 7_240_502  # PostgreSQL advisory lock: one refresh at a time


# A store with no more facts than this is refreshed (or rebuilt) in one short transaction.
SMALL_STORE_FACTS = 500_000


def _facts_count(conn: Connection) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(store.facts)).scalar_one()


class _Stale(Exception):
    """A fact changed since the refresh was planned."""


def refresh_by_pieces(
    engine: Engine,
    work: Any,
    *,
    timeout: float | None = None,
    wait_for_other: float | None = None,
    on_piece: Callable[[int, int], None] | None = None,
) -> int:
    """summary.refresh: returns the rows written; 0 when nothing was pending, when another
    refresh holds the store (for longer than `wait_for_other`, default `timeout`), or when a
    load committed meanwhile. `timeout`: how long each write waits for the file (default: the
    lock timeout). `work`: the summary's side (summary.PIECES: kinds, pending, rebuild, delete,
    insert, select, insert_rows), handed in so that this module does not import it back."""
    if wait_for_other is None:
        wait_for_other = settings.lock_timeout_s() if timeout is None else timeout
    with _one_refresh(engine, wait_for_other) as mine:
        if not mine:
            return 0
        with store.connect(engine, timeout=timeout) as conn:
            version = store.get_meta(conn, store.DATA_VERSION_KEY)
            state = store.get_meta(conn, store.SUMMARY_READY_KEY)
            if state == SUMMARY_READY:
                return 0
            kinds = work.kinds(conn)
            rebuild = state != SUMMARY_PENDING
            pieces = work.rebuild(conn) if rebuild else work.pending(conn)
            small = len(pieces) <= 1 or _facts_count(conn) <= SMALL_STORE_FACTS
        written = 0
        try:
            if small:
                # a city's file, or a small store: little to compute, in the database within one
                # short transaction (fewer opens of the file)
                with _piece_transaction(engine, version, timeout) as conn:
                    if rebuild:
                        conn.execute(store.range_grains.delete())
                    for piece in pieces:
                        if piece.y is not None:
                            work.delete(conn, piece)
                        written += work.insert(conn, piece, kinds)
                    _ready(conn)
                if on_piece is not None:
                    on_piece(len(pieces), len(pieces))
                return written
            if rebuild:
                with _piece_transaction(engine, version, timeout) as conn:
                    conn.execute(store.range_grains.delete())
            for done, piece in enumerate(pieces, 1):
                written += _refresh_piece(engine, work, piece, kinds, version, timeout)
                if on_piece is not None:
                    on_piece(done, len(pieces))
            with _piece_transaction(engine, version, timeout) as conn:
                _ready(conn)
        except _Stale:
            log.info("summary refresh stopped: facts changed meanwhile; the next one starts over")
        return written


def _ready(conn: Connection) -> None:
    conn.execute(store.summary_dirty.delete())
    store.set_meta(conn, store.SUMMARY_READY_KEY, SUMMARY_READY)


def _refresh_piece(
    engine: Engine, work: Any, piece: Any, kinds: dict[str, str], version: str | None, timeout
) -> int:
    if engine.dialect.name != "duckdb":
        with _piece_transaction(engine, version, timeout) as conn:
            if piece.y is not None:
                work.delete(conn, piece)
            return work.insert(conn, piece, kinds)
    with store.connect(engine, timeout=timeout) as conn:
        rows = work.select(conn, piece, kinds)
    with _piece_transaction(engine, version, timeout) as conn:
        if piece.y is not None:
            work.delete(conn, piece)
        return work.insert_rows(conn, rows)


@contextmanager
def _piece_transaction(engine: Engine, version: str | None, timeout) -> Iterator[Connection]:
    """A short write transaction that goes ahead only if no fact changed since `version`."""
    with store.transaction(engine, timeout=timeout, bump_version=False) as conn:
        if store.get_meta(conn, store.DATA_VERSION_KEY) != version:
            raise _Stale()
        yield conn


# --------------------------------------------------------------------------- one at a time

_in_process: dict[str, threading.Lock] = {}
_in_process_guard = threading.Lock()


@contextmanager
def _one_refresh(engine: Engine, timeout: float) -> Iterator[bool]:
    """Yields whether this caller may refresh (no other refresh of the store runs, in this
    process or another); waits up to `timeout` for one that does."""
    url = engine.url.render_as_string(hide_password=False)
    with _in_process_guard:
        lock = _in_process.setdefault(url, threading.Lock())
    got = lock.acquire(timeout=timeout) if timeout > 0 else lock.acquire(blocking=False)
    if not got:
        yield False
        return
    try:
        with _across_processes(engine, time.monotonic() + timeout) as mine:
            yield mine
    finally:
        lock.release()


@contextmanager
def _across_processes(engine: Engine, deadline: float) -> Iterator[bool]:
    path = store.duckdb_path(engine.url.render_as_string(hide_password=False))
    if engine.dialect.name == "duckdb":
        if path is None:
            yield True
            return
        fd = access.try_flock(path.with_name(path.name + ".refresh-lock"), deadline)
        if fd is None:
            yield False
            return
        try:
            yield True
        finally:
            access.unflock(fd)
        return
    # PostgreSQL: a session-level advisory lock, held by a connection of its own
    with engine.connect() as conn:
        while not conn.execute(sa.select(sa.func.pg_try_advisory_lock(REFRESH_LOCK))).scalar():
            if time.monotonic() >= deadline:
                conn.rollback()
                yield False
                return
            time.sleep(0.05)
        conn.commit()
        try:
            yield True
        finally:
            conn.execute(sa.select(sa.func.pg_advisory_unlock(REFRESH_LOCK)))
            conn.commit()
