"""Readers and writers of one DuckDB file across processes and threads (lawstats.store.access):
readers share the file, a writer holds it only while it writes, a waiting writer goes first,
and a render that finds nothing new does not open the file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest
import sqlalchemy as sa

from lawstats import store
from lawstats.domain.periods import Period
from lawstats.store import connect, data_version, get_engine, transaction
from lawstats.store.revisions import BatchInfo, write_facts
from tests.conftest import ROOT

QINZHOU = "620502"


def _facts(value: float):
    import pandas as pd

    p = Period.year(2024)
    return pd.DataFrame(
        [
            {
                "region_code": QINZHOU,
                "period_start": p.start,
                "period_end": p.end,
                "indicator_code": "mediation_cases",
                "value": value,
            }
        ]
    )


def _write(engine, value: float, name: str) -> None:
    with transaction(engine) as conn:
        write_facts(conn, BatchInfo(name, name[0] * 64, "spreadsheet", "test"), _facts(value))


def _current(engine) -> float:
    with connect(engine) as conn:
        return conn.execute(
            sa.select(store.facts.c.value).where(store.facts.c.is_current)
        ).scalar_one()


def _holder(path, kind: str, seconds: float) -> subprocess.Popen:
    """Another process that holds the file (through lawstats.store) for `seconds`."""
    code = textwrap.dedent(
        f"""
        import time
        from lawstats.store import connect, get_engine, transaction
        engine = get_engine({str(path)!r}, create=False)
        hold = connect if {kind!r} == "read" else transaction
        with hold(engine):
            print("held", flush=True)
            time.sleep({seconds})
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_two_processes_read_at_once(tmp_path):
    path = tmp_path / "s.duckdb"
    engine = get_engine(path)
    _write(engine, 5.0, "a.xlsx")
    holder = _holder(path, "read", 3.0)
    try:
        t0 = time.monotonic()
        assert _current(engine) == 5.0
        assert time.monotonic() - t0 < 1.5  # did not wait for the other reader
    finally:
        holder.wait(30)


def test_a_writer_in_another_process_holds_readers_only_while_it_writes(tmp_path):
    path = tmp_path / "s.duckdb"
    engine = get_engine(path)
    _write(engine, 5.0, "a.xlsx")
    holder = _holder(path, "write", 1.5)
    t0 = time.monotonic()
    waited: list[str] = []
    with connect(engine, on_wait=waited.append) as conn:
        waited_s = time.monotonic() - t0
        conn.execute(sa.text("SELECT 1")).scalar()
    holder.wait(30)
    assert waited == [str(holder.pid)]  # the message names the writer
    assert 0.5 < waited_s < 10


def test_a_waiting_writer_is_not_starved_by_readers(tmp_path):
    path = tmp_path / "s.duckdb"
    engine = get_engine(path)
    _write(engine, 5.0, "a.xlsx")
    stop = threading.Event()

    def read_forever() -> None:
        while not stop.is_set():
            with connect(engine):
                time.sleep(0.05)

    # readers in this process and in another overlap all the time
    readers = [threading.Thread(target=read_forever) for _ in range(3)]
    for r in readers:
        r.start()
    other = _holder(path, "read", 0.1)
    other.wait(30)
    code = textwrap.dedent(
        f"""
        import time
        from lawstats.store import connect, get_engine
        engine = get_engine({str(path)!r}, create=False)
        end = time.monotonic() + 4
        print("reading", flush=True)
        while time.monotonic() < end:
            with connect(engine):
                time.sleep(0.05)
        """
    )
    outside = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert outside.stdout.readline().strip() == "reading"
    try:
        t0 = time.monotonic()
        _write(engine, 6.0, "b.xlsx")
        assert time.monotonic() - t0 < 2.0
        assert _current(engine) == 6.0
    finally:
        stop.set()
        for r in readers:
            r.join(10)
        outside.wait(30)


def test_a_read_in_this_process_during_a_write_sees_the_last_commit(tmp_path):
    engine = get_engine(tmp_path / "s.duckdb")
    _write(engine, 5.0, "a.xlsx")
    started, release = threading.Event(), threading.Event()

    def write_slowly() -> None:
        with transaction(engine) as conn:
            write_facts(conn, BatchInfo("b.xlsx", "b" * 64, "spreadsheet", "t"), _facts(6.0))
            started.set()
            release.wait(20)

    writer = threading.Thread(target=write_slowly)
    writer.start()
    try:
        assert started.wait(20)
        t0 = time.monotonic()
        assert _current(engine) == 5.0  # the writer's work is not visible before its commit
        assert time.monotonic() - t0 < 1.0
    finally:
        release.set()
        writer.join(20)
    assert _current(engine) == 6.0


def test_a_write_inside_a_read_of_the_same_thread_is_refused(tmp_path):
    engine = get_engine(tmp_path / "s.duckdb")
    with connect(engine), pytest.raises(RuntimeError, match="holds a read"):
        with transaction(engine):
            pass


def test_data_version_does_not_open_the_file_when_nothing_was_written(tmp_path, monkeypatch):
    path = tmp_path / "s.duckdb"
    engine = get_engine(path)
    _write(engine, 5.0, "a.xlsx")
    first = data_version(engine)
    opened: list[bool] = []
    real = store.connect

    def counting(*args, **kwargs):
        opened.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "connect", counting)
    assert data_version(engine) == first
    assert opened == []
    # a write in another process: the next call reads the new version
    subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                from lawstats.store import get_engine, transaction
                with transaction(get_engine({str(path)!r}, create=False)):
                    pass
                """
            ),
        ],
        cwd=ROOT,
        check=True,
    )
    assert data_version(engine) != first
    assert opened == [True]
