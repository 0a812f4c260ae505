"""The store on both backends: schema, the v_facts contract, supersede, rollback, locks."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from lawstats.domain.periods import Period
from lawstats.store import V_FACTS_COLUMNS, connect, data_version, read_frame, transaction
from lawstats.store.revisions import BatchInfo, batch_diff, rollback_batch, write_facts
from lawstats.store.rollup import figures

Y = Period.year(2024)


def info(name: str = "a.xlsx", sha: str = "x" * 64) -> BatchInfo:
    return BatchInfo(file_name=name, sha256=sha, source_type="spreadsheet", uploaded_by="tester")


def frame(*rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "region_code": r,
                "period_start": p.start,
                "period_end": p.end,
                "indicator_code": c,
                "value": v,
            }
            for r, p, c, v in rows
        ]
    )


def current(engine, region="620502", code="mediation_cases") -> float | None:
    f = figures(engine, [region], Y, [code], compare=False)
    v = f.iloc[0]["value"]
    return None if pd.isna(v) else float(v)


def test_v_facts_contract(engine):
    with transaction(engine) as conn:
        write_facts(conn, info(), frame(("620502", Y, "mediation_cases", 13287.0)))
    with connect(engine) as conn:
        got = read_frame(conn, sa.text("SELECT * FROM v_facts"))
    assert tuple(got.columns) == V_FACTS_COLUMNS
    row = got.iloc[0]
    assert row["region_name"] == "秦州区" and row["region_level"] == "county"
    assert row["parent_code"] == "620500"
    assert pd.Timestamp(row["period_start"]).date() == date(2024, 1, 1)
    assert pd.Timestamp(row["period_end"]).date() == date(2024, 12, 31)
    assert float(row["value"]) == 13287.0 and not row["is_approximate"]


def test_v_facts_types_on_duckdb(tmp_path):
    import duckdb

    from lawstats.store import get_engine

    path = tmp_path / "t.duckdb"
    engine = get_engine(str(path))
    with transaction(engine) as conn:
        write_facts(conn, info(), frame(("620502", Y, "mediation_success_rate", 98.6)))
    con = duckdb.connect(str(path), read_only=True)
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name='v_facts'"
        ).fetchall()
    )
    con.close()
    assert types["period_start"] == "DATE" and types["period_end"] == "DATE"
    assert types["value"] == "DOUBLE"


def test_supersede_keeps_history_and_rollback_restores(engine):
    with transaction(engine) as conn:
        first = write_facts(
            conn, info("v1.xlsx", "1" * 64), frame(("620502", Y, "mediation_cases", 100.0))
        )
    with transaction(engine) as conn:
        second = write_facts(
            conn,
            info("v2.xlsx", "2" * 64),
            frame(("620502", Y, "mediation_cases", 120.0), ("620503", Y, "mediation_cases", 5.0)),
        )
    assert (second.written, second.superseded, second.unchanged) == (2, 1, 0)
    assert current(engine) == 120.0
    with connect(engine) as conn:
        diff = batch_diff(conn, second.batch_id)
    changed = diff[diff["change"] == "superseded"].iloc[0]
    assert (changed["old_value"], changed["new_value"], int(changed["old_batch_id"])) == (
        100.0,
        120.0,
        first.batch_id,
    )
    with transaction(engine) as conn:
        res = rollback_batch(conn, second.batch_id, actor="tester", reason="wrong file")
    assert res == {"retired": 2, "restored": 1}
    assert current(engine) == 100.0
    assert current(engine, "620503") is None


def test_unchanged_facts_are_not_written_again(engine):
    rows = frame(("620502", Y, "mediation_cases", 100.0))
    with transaction(engine) as conn:
        write_facts(conn, info("a.xlsx", "a" * 64), rows)
    with transaction(engine) as conn:
        again = write_facts(conn, info("b.xlsx", "b" * 64), rows)
    assert (again.written, again.superseded, again.unchanged) == (0, 0, 1)


def test_rollback_of_a_middle_batch_hands_history_to_the_later_one(engine):
    ids = []
    for i, v in enumerate([100.0, 110.0, 130.0]):
        with transaction(engine) as conn:
            ids.append(
                write_facts(
                    conn,
                    info(f"v{i}.xlsx", str(i) * 64),
                    frame(("620502", Y, "mediation_cases", v)),
                ).batch_id
            )
    with transaction(engine) as conn:
        rollback_batch(conn, ids[1], actor="t", reason="middle")
    assert current(engine) == 130.0  # the latest stays
    with transaction(engine) as conn:
        rollback_batch(conn, ids[2], actor="t", reason="latest")
    assert current(engine) == 100.0  # the first comes back, not the rolled-back middle one


def test_rollback_twice_is_refused(engine):
    from lawstats.store.revisions import RollbackError

    with transaction(engine) as conn:
        b = write_facts(conn, info(), frame(("620502", Y, "mediation_cases", 1.0))).batch_id
    with transaction(engine) as conn:
        rollback_batch(conn, b, actor="t", reason="")
    with pytest.raises(RollbackError), transaction(engine) as conn:
        rollback_batch(conn, b, actor="t", reason="")


def test_failed_transaction_leaves_store_unchanged(engine):
    with transaction(engine) as conn:
        write_facts(conn, info(), frame(("620502", Y, "mediation_cases", 1.0)))
    before = data_version(engine)
    with pytest.raises(RuntimeError), transaction(engine) as conn:
        write_facts(conn, info("b", "b" * 64), frame(("620502", Y, "mediation_cases", 2.0)))
        raise RuntimeError("validation failed late")
    assert current(engine) == 1.0
    assert data_version(engine) == before


def test_data_version_changes_on_write(engine):
    before = data_version(engine)
    with transaction(engine) as conn:
        write_facts(conn, info(), frame(("620502", Y, "mediation_cases", 1.0)))
    assert data_version(engine) != before


def test_writer_waits_for_another_process_lock(tmp_path):
    """A DuckDB writer waits while another process holds the file, then succeeds."""
    from lawstats.store import get_engine

    path = tmp_path / "locked.duckdb"
    engine = get_engine(str(path))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, time, sys
                con = duckdb.connect({str(path)!r})
                print("locked", flush=True)
                time.sleep(2.0)
                con.close()
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    waited = []
    t0 = time.monotonic()
    with transaction(engine, on_wait=waited.append, timeout=30) as conn:
        write_facts(conn, info(), frame(("620502", Y, "mediation_cases", 7.0)))
    holder.wait(timeout=30)
    assert waited and waited[0] == str(holder.pid)
    assert time.monotonic() - t0 >= 0.5
    assert current(engine) == 7.0


def test_lock_timeout_is_a_clear_error(tmp_path):
    from lawstats.store import LockTimeout, get_engine

    path = tmp_path / "locked2.duckdb"
    engine = get_engine(str(path))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('locked', flush=True); time.sleep(5)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockTimeout) as exc, transaction(engine, timeout=0.5):
            pass
        assert "另一个进程" in exc.value.message_zh and str(holder.pid) in exc.value.message_zh
    finally:
        holder.kill()
        holder.wait()


# --------------------------------------------------------------------------- breakdown members (#19)

MARRIAGE = "mediation_cases.dispute_type.marriage_family"
NEIGHBOURS = "mediation_cases.dispute_type.neighbourhood"


def test_a_member_figure_is_its_own_fact_beside_the_total(engine):
    """The key is (region, period, indicator, member): a member's figure neither supersedes nor
    adds into its total, v_facts names its breakdown and member, and it rolls up by its kind."""
    with transaction(engine) as conn:
        write_facts(
            conn,
            info(),
            frame(
                ("620502", Y, "mediation_cases", 869.0),
                ("620502", Y, MARRIAGE, 160.0),
                ("620502", Y, NEIGHBOURS, 278.0),
                ("620503", Y, MARRIAGE, 40.0),
            ),
        )
    with connect(engine) as conn:
        got = read_frame(
            conn,
            sa.text(
                "SELECT region_code, indicator_code, coalesce(dimension, '-') AS dimension, "
                "coalesce(member, '-') AS member, value FROM v_facts "
                "ORDER BY region_code, indicator_code"
            ),
        )
    assert [tuple(r) for r in got.itertuples(index=False)] == [
        ("620502", "mediation_cases", "-", "-", 869.0),  # a total: NULL (outside tools filter it)
        ("620502", MARRIAGE, "dispute_type", "marriage_family", 160.0),
        ("620502", NEIGHBOURS, "dispute_type", "neighbourhood", 278.0),
        ("620503", MARRIAGE, "dispute_type", "marriage_family", 40.0),
    ]
    assert current(engine) == 869.0  # the total is the reported total, not a sum of members
    assert current(engine, code=MARRIAGE) == 160.0
    # a city rolls a member up over its counties like any flow
    assert current(engine, region="620500", code=MARRIAGE) == 200.0
    # the county without a reported total has none: its members are not added into one
    assert current(engine, region="620503") is None
    # a member's new figure supersedes only that member's
    with transaction(engine) as conn:
        write_facts(conn, info("b.xlsx", "y" * 64), frame(("620502", Y, MARRIAGE, 161.0)))
    assert current(engine, code=MARRIAGE) == 161.0 and current(engine) == 869.0
