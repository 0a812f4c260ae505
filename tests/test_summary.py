"""The yearly summary (lawstats.summary): same figures as the facts, kept right through every
kind of write, never used while stale."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from lawstats import rollup, summary
from lawstats.batches import rollback_batch, write_facts
from lawstats.catalog import load_catalog
from lawstats.periods import Period
from lawstats.store import (
    connect,
    get_engine,
    grains_year,
    read_frame,
    summary_dirty,
    transaction,
)
from tests.conftest import ROOT
from tests.rollup_support import series_from_facts
from tests.test_store import frame, info

Y24, Y23 = Period.year(2024), Period.year(2023)
QINZHOU, MAIJI, TIANSHUI = "620502", "620503", "620500"


def recomputed(engine) -> pd.DataFrame:
    """The summary as a full rebuild from the facts would make it (built, read, rolled back)."""

    class Undo(Exception):
        pass

    try:
        with transaction(engine, bump_version=False) as conn:
            summary.invalidate(conn)
            summary.refresh_in(conn)
            rebuilt = stored(conn)
            raise Undo
    except Undo:
        return rebuilt


def _ordered(df: pd.DataFrame) -> pd.DataFrame:
    keys = ["y", "region_code", "indicator_code", "grain", "batch_id"]
    df = df.astype({"y": int, "grain": int, "batch_id": int, "n": int, "value": float})
    return df.sort_values(keys).reset_index(drop=True)


def stored(conn) -> pd.DataFrame:
    df = read_frame(
        conn,
        sa.select(
            grains_year.c.y,
            grains_year.c.region_code,
            grains_year.c.indicator_code,
            grains_year.c.grain,
            grains_year.c.batch_id,
            grains_year.c.n,
            grains_year.c.value,
        ),
    )
    return _ordered(df)


def assert_summary_is_right(engine) -> None:
    with connect(engine) as conn:
        kept = stored(conn)
    pd.testing.assert_frame_equal(kept, recomputed(engine), check_dtype=False)


def fresh(engine) -> bool:
    with connect(engine) as conn:
        return summary.is_fresh(conn)


def value(engine_or_conn, region: str, period: Period = Y24, code: str = "mediation_cases"):
    f = rollup.figures(engine_or_conn, [region], period, [code], compare=False)
    v = f.iloc[0]["value"]
    return None if pd.isna(v) else float(v)


def months(region: str, code: str, values: list[float], year: int = 2024):
    return [(region, Period.month(year, m), code, v) for m, v in enumerate(values, start=1)]


def test_every_write_keeps_the_summary_right(engine):
    """Load, supersede, roll back: marks pending until a refresh, the facts answer meanwhile,
    and each refresh leaves the table equal to a full rebuild."""
    with transaction(engine) as conn:
        first = write_facts(
            conn,
            info("v1.xlsx", "1" * 64),
            frame(
                *months(QINZHOU, "mediation_cases", [10.0] * 12),
                *months(MAIJI, "mediation_cases", [5.0] * 12),
                *months(QINZHOU, "office_staff", [30.0, 31.0, 32.0]),
                (QINZHOU, Y23, "mediation_cases", 100.0),
            ),
        )
    assert not fresh(engine)
    summary.refresh(engine)
    assert fresh(engine)
    assert_summary_is_right(engine)
    assert value(engine, TIANSHUI) == 180.0
    assert value(engine, QINZHOU, code="office_staff") == 32.0

    # a corrected March for 秦州区: pending, and a read on a plain connection (no lazy refresh)
    # already sees it, from the facts
    with transaction(engine) as conn:
        second = write_facts(
            conn,
            info("v2.xlsx", "2" * 64),
            frame((QINZHOU, Period.month(2024, 3), "mediation_cases", 40.0)),
        )
    assert second.superseded == 1
    assert not fresh(engine)
    with connect(engine) as conn:
        pending = conn.execute(sa.select(summary_dirty.c.y, summary_dirty.c.indicator_code)).all()
    assert set(pending) == {(2024, "mediation_cases")}
    with connect(engine) as conn:
        assert value(conn, TIANSHUI) == 210.0
    assert not fresh(engine)
    # a read through the engine uses the facts, then refreshes for the next one
    assert value(engine, TIANSHUI) == 210.0
    assert fresh(engine)
    assert_summary_is_right(engine)
    assert value(engine, TIANSHUI) == 210.0

    with transaction(engine) as conn:
        rollback_batch(conn, second.batch_id, actor="tester", reason="wrong file")
    assert not fresh(engine)
    assert value(engine, TIANSHUI) == 180.0
    assert fresh(engine)
    assert_summary_is_right(engine)

    with transaction(engine) as conn:
        rollback_batch(conn, first.batch_id, actor="tester", reason="all wrong")
    summary.refresh(engine)
    assert_summary_is_right(engine)
    assert value(engine, TIANSHUI) is None
    with connect(engine) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(grains_year)).scalar_one() == 0


def test_a_refused_write_leaves_no_marks(engine):
    summary.refresh(engine)
    with pytest.raises(RuntimeError), transaction(engine) as conn:
        write_facts(conn, info(), frame(*months(QINZHOU, "mediation_cases", [1.0] * 12)))
        raise RuntimeError("refused after writing")
    assert fresh(engine)


def test_summary_answers_as_the_facts_do_on_the_demo(demo_db):
    """Every demo region, every indicator, seven years: the same figures both ways."""
    engine = get_engine(demo_db)
    assert fresh(engine)  # built with the demo
    with connect(engine) as conn:
        regions = [r for (r,) in conn.execute(sa.text("SELECT DISTINCT region_code FROM facts"))]
    from lawstats.regions import load_regions

    table = load_regions()
    targets = sorted({a.code for r in regions for a in table.path(r)} | set(regions))
    codes = load_catalog().codes
    years = [Period.year(y) for y in range(2019, 2026)]
    via_summary = rollup.series(engine, targets, years, codes)
    via_facts = series_from_facts(engine, targets, years, codes)
    assert via_summary["value"].notna().sum() > 10_000
    pd.testing.assert_frame_equal(via_summary, via_facts)


ASK = ([QINZHOU], ["mediation_cases"], ["mediation_cases"], [])  # regions, code list, flows, stocks


def test_other_periods_do_not_use_the_summary(engine):
    with transaction(engine) as conn:
        write_facts(conn, info(), frame(*months(QINZHOU, "mediation_cases", [10.0] * 12)))
    summary.refresh(engine)
    with connect(engine) as conn:
        for periods in (
            [Period.months(2024, 1, 6)],
            [Period.quarter(2024, 1)],
            [Y24, Period.month(2024, 1)],
        ):
            rows, refresh = summary.read_grain_positions(conn, periods, *ASK)
            assert rows is None and not refresh
        rows, refresh = summary.read_grain_positions(conn, [Y24], *ASK)
        assert rows is not None and list(rows["value"]) == [120.0]
        assert (list(rows["region_pos"]), list(rows["code_pos"])) == ([0], [0])
    assert value(engine, QINZHOU, Period.months(2024, 1, 6)) == 60.0


# Fact rows change only in these modules, each of which marks the summary (or rebuilds it).
_FACT_WRITERS = {"lawstats/batches.py", "lawstats/synthetic.py"}
_MUTATION = re.compile(
    r"facts\.(update|insert|delete)\(|bulk_insert\([^)]*\bfacts\b|"
    r"(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+facts\b",
    re.IGNORECASE,
)


def test_facts_change_only_where_the_summary_is_told():
    offenders = []
    for folder in ("lawstats", "etl", "views", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel in _FACT_WRITERS:
                continue
            if _MUTATION.search(path.read_text(encoding="utf-8")):
                offenders.append(rel)
    for path in (ROOT / "app.py",):
        if _MUTATION.search(Path(path).read_text(encoding="utf-8")):
            offenders.append("app.py")
    assert offenders == []


def test_the_writers_mark_the_summary():
    for rel in _FACT_WRITERS:
        text = (ROOT / rel).read_text(encoding="utf-8")
        assert "summary.mark_dirty(" in text or "summary.invalidate(" in text, rel


def test_cli_rebuild_after_facts_changed_by_hand(tmp_path):
    """Facts edited in SQL behind the product's back: `etl summary --rebuild` puts it right."""
    import subprocess
    import sys

    db = tmp_path / "s.duckdb"
    engine = get_engine(db)
    with transaction(engine) as conn:
        write_facts(conn, info(), frame(*months(QINZHOU, "mediation_cases", [10.0] * 12)))
    summary.refresh(engine)
    with transaction(engine) as conn:  # by hand: no mark
        conn.execute(sa.text("UPDATE facts SET value = 20 WHERE period_start = DATE '2024-03-01'"))
    assert value(engine, QINZHOU) == 120.0  # the summary does not know
    out = subprocess.run(
        [sys.executable, "-m", "etl", "summary", "--rebuild", "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "up to date" in out
    assert value(engine, QINZHOU) == 130.0
    assert_summary_is_right(engine)


def _stale_store(engine) -> None:
    with transaction(engine) as conn:
        write_facts(
            conn, info("a.xlsx", "a" * 64), frame(*months(QINZHOU, "mediation_cases", [10.0] * 12))
        )
    summary.refresh(engine)
    with transaction(engine) as conn:
        write_facts(
            conn,
            info("b.xlsx", "b" * 64),
            frame((QINZHOU, Period.month(2024, 1), "mediation_cases", 40.0)),
        )
    assert not fresh(engine)


def _read_while_held(engine, hold) -> None:
    """A yearly read while `hold` keeps a writer busy: right figure, no wait, no refresh."""
    import threading

    started, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold, args=(started, release))
    holder.start()
    try:
        assert started.wait(20)
        assert value(engine, QINZHOU) == 150.0  # from the facts
        assert holder.is_alive()  # the read did not wait for the writer to finish
        assert not fresh(engine)  # and did not refresh behind its back
    finally:
        release.set()
        holder.join(20)
    assert value(engine, QINZHOU) == 150.0
    assert fresh(engine)  # the next read refreshed it


def test_a_read_never_waits_behind_a_writer_in_this_process(engine):
    _stale_store(engine)

    def hold(started, release):
        with transaction(engine):
            started.set()
            release.wait(20)

    _read_while_held(engine, hold)


def test_a_read_never_waits_behind_another_servers_writer():
    """PostgreSQL only: the advisory lock (DuckDB's file lock: see test_store)."""
    from lawstats.store import PG_WRITE_LOCK, wipe
    from tests.conftest import pg_url, require_or_skip

    url = pg_url()
    require_or_skip(bool(url), "PostgreSQL (LAWSTATS_TEST_PG_URL)")
    wipe(get_engine(url, create=False))
    engine = get_engine(url)
    _stale_store(engine)

    def hold(started, release):  # another app server: its own connection, not this process's lock
        with engine.connect() as conn, conn.begin():
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_WRITE_LOCK)))
            started.set()
            release.wait(20)

    _read_while_held(engine, hold)
