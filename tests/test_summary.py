"""The summary (lawstats.store.summary): same figures as the facts, kept right through every
kind of write, never used while stale."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from lawstats.domain.catalog import load_catalog
from lawstats.domain.periods import Period
from lawstats.store import (
    connect,
    get_engine,
    range_grains,
    read_frame,
    rollup,
    summary,
    summary_dirty,
    transaction,
)
from lawstats.store.revisions import rollback_batch, write_facts
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
    keys = ["y", "f", "m", "region_code", "indicator_code", "grain"]
    df = df.astype({"y": int, "f": int, "m": int, "grain": int, "n": int, "value": float})
    df["batch_ids"] = [tuple(int(b) for b in ids) for ids in df["batch_ids"]]
    return df.sort_values(keys).reset_index(drop=True)


def stored(conn) -> pd.DataFrame:
    df = read_frame(
        conn,
        sa.select(
            range_grains.c.y,
            range_grains.c.f,
            range_grains.c.m,
            range_grains.c.region_code,
            range_grains.c.indicator_code,
            range_grains.c.grain,
            range_grains.c.batch_ids,
            range_grains.c.n,
            range_grains.c.value,
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
        pending = conn.execute(sa.select(summary_dirty)).all()
    assert set(pending) == {(2024, "mediation_cases", None), (2024, None, QINZHOU)}
    with connect(engine) as conn:
        assert value(conn, TIANSHUI) == 210.0
    assert not fresh(engine)
    # a read through the engine uses the facts, then refreshes for the next one
    assert value(engine, TIANSHUI) == 210.0
    summary.wait_for_background()
    assert fresh(engine)
    assert_summary_is_right(engine)
    assert value(engine, TIANSHUI) == 210.0

    with transaction(engine) as conn:
        rollback_batch(conn, second.batch_id, actor="tester", reason="wrong file")
    assert not fresh(engine)
    assert value(engine, TIANSHUI) == 180.0
    summary.wait_for_background()
    assert fresh(engine)
    assert_summary_is_right(engine)

    with transaction(engine) as conn:
        rollback_batch(conn, first.batch_id, actor="tester", reason="all wrong")
    summary.refresh(engine)
    assert_summary_is_right(engine)
    assert value(engine, TIANSHUI) is None
    with connect(engine) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(range_grains)).scalar_one() == 0


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
    from lawstats.domain.regions import load_regions

    table = load_regions()
    targets = sorted({a.code for r in regions for a in table.path(r)} | set(regions))
    codes = load_catalog().codes
    years = [Period.year(y) for y in range(2019, 2026)]
    via_summary = rollup.series(engine, targets, years, codes)
    via_facts = series_from_facts(engine, targets, years, codes)
    assert via_summary["value"].notna().sum() > 10_000
    pd.testing.assert_frame_equal(via_summary, via_facts)


ASK = ([QINZHOU], ["mediation_cases"], ["mediation_cases"], [])  # regions, code list, flows, stocks


def test_the_pickers_periods_use_the_summary_other_periods_the_facts(engine):
    with transaction(engine) as conn:
        write_facts(conn, info(), frame(*months(QINZHOU, "mediation_cases", [10.0] * 12)))
    summary.refresh(engine)
    with connect(engine) as conn:
        for periods in (
            [Period.months(2024, 2, 5)],
            [Y24, Period.months(2024, 2, 6)],
            [Period(date(2023, 12, 1), date(2024, 2, 29))],
            [Y24, Y24],
        ):
            rows, refresh = summary.read_grain_positions(conn, periods, *ASK)
            assert rows is None and not refresh
        for periods, values in (
            ([Y24], [120.0]),
            ([Period.months(2024, 1, 6)], [60.0]),
            ([Period.quarter(2024, 1), Y24, Period.month(2024, 1)], [30.0, 120.0, 10.0]),
            (
                [Period.quarter(2024, 3), Period.month(2024, 7), Period.quarter(2023, 3)],
                [30.0, 10.0],
            ),
        ):
            rows, refresh = summary.read_grain_positions(conn, periods, *ASK)
            assert rows is not None and not refresh
            order = np.argsort(rows["pidx"])
            assert list(rows["value"][order]) == values
            assert list(rows["region_pos"]) == [0] * len(values)
    assert value(engine, QINZHOU, Period.months(2024, 1, 6)) == 60.0
    assert value(engine, QINZHOU, Period.quarter(2024, 2)) == 30.0
    assert value(engine, QINZHOU, Period.months(2024, 2, 5)) == 40.0


def test_the_kept_ranges_are_every_period_the_picker_offers():
    from lawstats.analysis import dashboard

    for year in (2023, 2024):
        for kind in dashboard.PERIOD_KINDS:
            for part in range(1, 13):
                try:
                    period = dashboard.make_period(kind, year, part)
                except (ValueError, KeyError):
                    continue
                assert summary.summary_ranges([period]), (kind, part)


# Fact rows change only in these modules, each of which marks the summary (or rebuilds it).
_FACT_WRITERS = {
    "lawstats/store/revisions.py",
    "lawstats/store/history.py",
    "lawstats/demo/synthetic.py",
}
_MUTATION = re.compile(
    r"facts\.(update|insert|delete)\(|bulk_insert\([^)]*\bfacts\b|"
    r"(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+facts\b",
    re.IGNORECASE,
)


def test_facts_change_only_where_the_summary_is_told():
    offenders = []
    for folder in ("lawstats", "etl", "pages", "scripts"):
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
        summary.wait_for_background()  # its refresh gave up at once
        assert not fresh(engine)  # and did not refresh behind its back
    finally:
        release.set()
        holder.join(20)
    assert value(engine, QINZHOU) == 150.0
    summary.wait_for_background()
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


def test_a_refresh_recomputes_only_the_regions_marked(engine):
    """A region's summary rows come from its own facts: a county's file re-reads that county."""
    twelve = [10.0] * 12
    with transaction(engine) as conn:
        write_facts(
            conn,
            info(),
            frame(
                *months(QINZHOU, "mediation_cases", twelve),
                *months(MAIJI, "mediation_cases", twelve),
            ),
        )
    summary.refresh(engine)
    with transaction(engine) as conn:
        write_facts(
            conn,
            info("b.xlsx", "b" * 64),
            frame((QINZHOU, Period.month(2024, 5), "mediation_cases", 30.0)),
        )
    with connect(engine) as conn:
        marks = conn.execute(sa.select(summary_dirty)).all()
    assert {(m.y, m.indicator_code, m.region_code) for m in marks} == {
        (2024, "mediation_cases", None),
        (2024, None, QINZHOU),
    }
    # one row per kept range of 2024 for 秦州区 only (every range of a monthly flow: one grain)
    assert summary.refresh(engine) == len(summary.RANGES)
    assert_summary_is_right(engine)
    assert value(engine, QINZHOU) == 140.0 and value(engine, MAIJI) == 120.0
    assert value(engine, TIANSHUI, Period.quarter(2024, 2)) == 80.0


def test_an_empty_summary_answer_is_left_to_the_facts(engine):
    """No rows may mean "no data" or "not ready" (a refresh may commit between two looks): the
    facts decide, so a read never takes an empty answer for the truth."""
    with transaction(engine) as conn:
        write_facts(conn, info(), frame(*months(QINZHOU, "mediation_cases", [10.0] * 12)))
    summary.refresh(engine)
    with connect(engine) as conn:
        rows, refresh = summary.read_grain_positions(
            conn, [Y24], ["650000"], ["mediation_cases"], ["mediation_cases"], []
        )
    assert rows is None and not refresh
    assert value(engine, "650000") is None


def test_a_county_year_from_monthly_files_names_every_file(engine):
    """Twelve monthly files: one summary row per range (not per file), every file behind the
    figure, the same both ways; the sparkline years of the overview skip the lookup."""
    for m in range(1, 13):
        with transaction(engine) as conn:
            write_facts(
                conn,
                info(f"{m}.xlsx", f"{m:064d}"),
                frame((QINZHOU, Period.month(2024, m), "mediation_cases", float(m))),
            )
    summary.refresh(engine)
    with connect(engine) as conn:
        kept = stored(conn)
    year = kept[(kept.f == 1) & (kept.m == 12)]
    assert len(year) == 1 and year.iloc[0]["batch_ids"] == tuple(range(1, 13))
    via_summary = rollup.figures(engine, [TIANSHUI], Y24, ["mediation_cases"])
    via_facts = series_from_facts(engine, [TIANSHUI], [Y24], ["mediation_cases"])
    assert via_summary.iloc[0]["batch_ids"] == via_facts.iloc[0]["batch_ids"] == tuple(range(1, 13))
    assert rollup.figures(engine, [TIANSHUI], Period.quarter(2024, 2), ["mediation_cases"]).iloc[0][
        "batch_ids"
    ] == (4, 5, 6)
    periods = [Period.year(y) for y in range(2021, 2025)]
    frame_, spark = rollup.figures_and_series(engine, [TIANSHUI], periods, ["mediation_cases"])
    assert frame_.iloc[0]["batch_ids"] == tuple(range(1, 13))
    assert list(spark["batch_ids"]) == [(), (), (), tuple(range(1, 13))]
    plain = rollup.series(engine, [TIANSHUI], [Y24], ["mediation_cases"], batches=False)
    assert plain.iloc[0]["batch_ids"] == () and plain.iloc[0]["value"] == 78.0


def test_a_store_from_an_earlier_version_gets_a_new_summary(tmp_path):
    """The first summary table (grains_year) is dropped; a summary table of another shape is
    replaced by an empty one that is rebuilt before it answers."""
    import duckdb

    from lawstats.store import SUMMARY_READY_KEY, get_meta

    db = tmp_path / "old.duckdb"
    engine = get_engine(db)
    with transaction(engine) as conn:
        write_facts(conn, info(), frame(*months(QINZHOU, "mediation_cases", [10.0] * 12)))
    summary.refresh(engine)
    engine.dispose()
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE grains_year (y SMALLINT)")
    con.execute("DROP TABLE summary_dirty")
    con.execute("CREATE TABLE summary_dirty (y SMALLINT, indicator_code VARCHAR)")
    # as the earlier version left its stores: no Alembic revision, meta schema_version "1"
    con.execute("DROP TABLE alembic_version")
    con.execute("DROP TABLE fact_history")  # added by revision 0002 (fact_history)
    for column in (
        "unit_code",
        "template_key",
    ):  # added by revision 0004 (answers per unit and template)
        con.execute(f"ALTER TABLE header_spellings DROP COLUMN {column}")
    con.execute("DROP VIEW v_facts")  # revision 0005 (breakdown members) remade it
    for column in ("dimension", "member"):  # added by revision 0005
        con.execute(f"ALTER TABLE facts DROP COLUMN {column}")
    con.execute("DELETE FROM meta WHERE key = 'schema_version'")
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.close()
    from lawstats import store

    store._schema_ready.clear()
    engine = get_engine(db)
    with connect(engine) as conn:
        tables = set(sa.inspect(conn).get_table_names())
        assert "grains_year" not in tables
        assert get_meta(conn, SUMMARY_READY_KEY) == summary.REBUILD
    assert value(engine, QINZHOU) == 120.0  # from the facts
    summary.wait_for_background()
    assert fresh(engine)
    assert_summary_is_right(engine)


def test_the_server_refreshes_in_the_background(engine, monkeypatch):
    """With BACKGROUND (app.py), a read that finds changes pending answers from the facts and
    leaves the refresh to a thread; a command (the default) refreshes in line."""
    _stale_store(engine)
    monkeypatch.setattr(summary, "BACKGROUND", True)
    assert value(engine, QINZHOU) == 150.0
    summary.wait_for_background()
    assert fresh(engine)
    assert_summary_is_right(engine)


def test_a_refresh_in_pieces_gives_the_rebuild_and_stops_when_facts_change(engine, monkeypatch):
    """The refresh computes and writes piece by piece (lawstats.store.summary_refresh), each in
    a short transaction of its own; the pieces together equal a rebuild. A load that commits
    between two pieces stops it: the summary stays pending (reads use the facts, so they stay
    right) and the next refresh brings it up to date."""
    from lawstats.store import summary_refresh

    monkeypatch.setattr(summary, "PIECE_REGIONS", 1)  # a piece per region
    monkeypatch.setattr(summary_refresh, "SMALL_STORE_FACTS", 0)  # pieces even for a small store
    counties = [QINZHOU, MAIJI, "620521", "620522"]
    summary.refresh(engine)  # built (empty): from now on only the marked regions are redone
    with transaction(engine) as conn:
        rows = [r for c in counties for r in months(c, "mediation_cases", [10.0] * 12)]
        write_facts(conn, info(), frame(*rows))
    writes: list[int] = []
    real = summary_refresh._piece_transaction

    def counted(*args, **kwargs):
        writes.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(summary_refresh, "_piece_transaction", counted)
    summary.refresh(engine)
    assert len(writes) == len(counties) + 1  # one per piece, one to declare it ready
    assert fresh(engine)
    assert_summary_is_right(engine)

    # a load commits while the refresh is between its pieces (two regions: two pieces)
    with transaction(engine) as conn:
        rows = [r for c in (QINZHOU, "620521") for r in months(c, "mediation_cases", [20.0] * 12)]
        write_facts(conn, info("b.xlsx", "b" * 64), frame(*rows))
    real_piece = summary_refresh._refresh_piece
    loaded: list[bool] = []

    def load_after_first(*args, **kwargs):
        done = real_piece(*args, **kwargs)
        if not loaded:
            loaded.append(True)
            with transaction(engine) as conn:
                write_facts(
                    conn,
                    info("c.xlsx", "c" * 64),
                    frame((MAIJI, Period.month(2024, 3), "mediation_cases", 99.0)),
                )
        return done

    monkeypatch.setattr(summary_refresh, "_refresh_piece", load_after_first)
    summary.refresh(engine)
    assert loaded and not fresh(engine)  # stopped: still pending
    assert value(engine, MAIJI) == 10.0 * 11 + 99.0  # from the facts, right
    monkeypatch.setattr(summary_refresh, "_refresh_piece", real_piece)
    summary.refresh(engine)
    assert fresh(engine)
    assert_summary_is_right(engine)
    assert value(engine, QINZHOU) == 240.0 and value(engine, MAIJI) == 209.0
    assert value(engine, "620521") == 240.0


def test_one_refresh_at_a_time(engine, monkeypatch):
    """A refresh that finds another running leaves the work to it (wait_for_other=0)."""
    import threading

    from lawstats.store import summary_refresh

    monkeypatch.setattr(summary_refresh, "SMALL_STORE_FACTS", 0)
    with transaction(engine) as conn:
        write_facts(conn, info(), frame(*months(QINZHOU, "mediation_cases", [10.0] * 12)))
    inside, release = threading.Event(), threading.Event()
    real = summary_refresh._refresh_piece

    def slow(*args, **kwargs):
        inside.set()
        release.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(summary_refresh, "_refresh_piece", slow)
    first = threading.Thread(target=summary.refresh, args=(engine,))
    first.start()
    try:
        assert inside.wait(20)
        assert summary.refresh(engine, wait_for_other=0) == 0
    finally:
        release.set()
        first.join(20)
    assert fresh(engine)


@pytest.mark.parametrize("small", [True, False])
def test_a_rebuild_reports_its_progress_piece_by_piece(demo_db, tmp_path, monkeypatch, small):
    """`etl summary` shows a progress bar (#20 item 5): the refresh says how many of its pieces
    are done, ending at all of them, in one go for a small store and piece by piece otherwise;
    the summary it leaves answers as before."""
    import shutil

    from lawstats.store import summary_refresh

    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    engine = get_engine(str(db))
    if not small:
        monkeypatch.setattr(summary_refresh, "SMALL_STORE_FACTS", 0)
    with transaction(engine, bump_version=False) as conn:
        summary.invalidate(conn)
    ticks: list[tuple[int, int]] = []
    assert summary.refresh(engine, on_piece=lambda done, total: ticks.append((done, total))) > 0
    assert fresh(engine)
    total = ticks[-1][1]
    assert ticks[-1] == (total, total)
    if small:
        assert ticks == [(total, total)]
    else:
        assert total > 1 and [d for d, _ in ticks] == list(range(1, total + 1))
