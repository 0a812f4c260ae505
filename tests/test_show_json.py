"""`etl show --json` is strict JSON for every region and period of the demo database (#18):
not reported is null with a reason, never NaN; approximate flags on both years and the change;
the rounding rule stated; a read-only reader does not block it."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import duckdb
import pytest

from etl.cli import main, show_records_many
from lawstats.domain.periods import Period
from lawstats.domain.regions import load_regions
from lawstats.store import get_engine
from tests.conftest import ROOT


def _strict(text: str):
    def refuse(name: str):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def _demo_periods(path: str) -> list[Period]:
    """Every period the demo stores, and every one the dashboard's picker offers for its years."""
    con = duckdb.connect(path, read_only=True)
    try:
        stored = con.execute("SELECT DISTINCT period_start, period_end FROM facts").fetchall()
    finally:
        con.close()
    periods = {Period(a, b) for a, b in stored}
    for y in sorted({a.year for a, _ in stored}):
        periods.add(Period.year(y))
        periods.update(Period.months(y, 1, m) for m in range(1, 12))
        periods.update(Period.quarter(y, q) for q in range(1, 5))
    return sorted(periods, key=lambda p: (p.start, p.end))


def _demo_regions(path: str) -> list[str]:
    con = duckdb.connect(path, read_only=True)
    try:
        leaves = [r for (r,) in con.execute("SELECT DISTINCT region_code FROM facts").fetchall()]
    finally:
        con.close()
    regions = load_regions()
    codes: dict[str, None] = {}
    for code in leaves:
        for r in regions.path(code):
            codes[r.code] = None
    return list(codes)


def test_show_json_is_strict_for_every_region_and_period_of_the_demo(demo_db):
    engine = get_engine(demo_db)
    regions = _demo_regions(demo_db)
    periods = _demo_periods(demo_db)
    assert len(regions) > 50 and len(periods) > 100
    from lawstats.domain.catalog import load_catalog

    codes = load_catalog().codes
    nulls = 0
    for period in periods:
        records = show_records_many(engine, regions, period, codes)
        text = json.dumps(records, ensure_ascii=False)  # allow_nan: would print NaN
        parsed = _strict(text)
        assert len(parsed) == len(regions) * len(codes)
        for r in parsed:
            for field in ("value", "previous", "change"):
                reason = r[f"{field}_reason"]
                assert (r[field] is None) == (reason is not None), (period.label, r)
            nulls += r["value"] is None
    assert nulls > 0  # not-reported figures were there to be written as null


def test_show_json_through_the_command_line(demo_db, capsys):
    assert main(["show", "--db", demo_db, "--region", "天水市", "--period", "2019", "--json"]) == 0
    records = _strict(capsys.readouterr().out)
    # 2019 has no 2018 to compare with: null with a reason, not NaN
    assert all(r["change"] is None and r["change_reason"] for r in records)
    assert {r["rounding"] for r in records} == {"half_up"}


def _facts(engine, *rows):
    import pandas as pd

    from lawstats.store import transaction
    from lawstats.store.revisions import BatchInfo, write_facts

    frame = pd.DataFrame(
        [
            {
                "region_code": region,
                "period_start": period.start,
                "period_end": period.end,
                "indicator_code": code,
                "value": value,
                "is_approximate": approx,
            }
            for region, period, code, value, approx in rows
        ]
    )
    with transaction(engine) as conn:
        write_facts(conn, BatchInfo("t.xlsx", f"{time.time_ns()}", "spreadsheet", "t"), frame)


def test_change_from_an_approximate_figure_is_approximate_everywhere(tmp_path, capsys):
    db = str(tmp_path / "a.duckdb")
    engine = get_engine(db)
    _facts(
        engine,
        ("620502", Period.year(2023), "prelitigation_cases", 4000.0, True),  # 4000余
        ("620502", Period.year(2024), "prelitigation_cases", 4276.0, False),
    )
    args = ["show", "--db", db, "--region", "秦州区", "--period", "2024"]
    assert main([*args, "--indicator", "prelitigation_cases", "--json"]) == 0
    (r,) = _strict(capsys.readouterr().out)
    assert (r["previous"], r["previous_is_approximate"]) == (4000, True)
    assert (r["change"], r["change_is_approximate"]) == (6.9, True)
    assert main([*args, "--indicator", "prelitigation_cases"]) == 0
    line = capsys.readouterr().out.splitlines()[1]
    assert "4,000余" in line and "▲ ≈6.9%" in line


def test_a_read_only_reader_does_not_block_show(demo_db, tmp_path):
    """A process holding the file read-only (a read-only dashboard, a DuckDB shell) must not
    make `etl show` fail with a lock error."""
    import shutil

    path = tmp_path / "held.duckdb"
    shutil.copy(demo_db, path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True);"
            " print('ready', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        done = subprocess.run(
            [sys.executable, "-m", "etl", "show", "--db", str(path), "--region", "天水市"]
            + ["--period", "2024", "--indicator", "mediation_cases", "--json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**_env(), "LAWSTATS_LOCK_TIMEOUT_S": "2"},
            timeout=120,
        )
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 0, done.stderr
    (r,) = _strict(done.stdout)
    assert r["value"] == 13287


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("LAWSTATS_")}


@pytest.mark.parametrize("rule,expected", [("half_up", "96.3%"), ("half_even", "96.2%")])
def test_show_rounds_by_the_setting(tmp_path, capsys, monkeypatch, rule, expected):
    monkeypatch.setenv("LAWSTATS_ROUNDING", rule)
    db = str(tmp_path / "r.duckdb")
    engine = get_engine(db)
    y = Period.year(2024)
    _facts(
        engine,
        ("620502", y, "mediation_cases", 400.0, False),
        ("620502", y, "mediation_success", 385.0, False),  # 96.25%
    )
    args = ["show", "--db", db, "--region", "秦州区", "--period", "2024"]
    assert main([*args, "--indicator", "mediation_success_rate"]) == 0
    assert expected in capsys.readouterr().out
    assert main([*args, "--indicator", "mediation_success_rate", "--json"]) == 0
    (r,) = _strict(capsys.readouterr().out)
    assert f"{r['value']}%" == expected and r["rounding"] == rule


def test_report_counts_what_it_writes(demo_db, tmp_path, capsys):
    """#18: `etl report` said "59 sentences" of a text that had 61: the count must come from
    the lists the report prints (its statements, and the notices before them)."""
    import re

    out = tmp_path / "r.txt"
    args = ["report", "--db", demo_db, "--region", "天水市", "--period", "2024"]
    assert main([*args, "--out", str(out), "--no-save"]) == 0
    said = capsys.readouterr().out
    statements, notices = map(int, re.search(r"（(\d+) 句陈述，另 (\d+) 条说明", said).groups())
    body = out.read_text(encoding="utf-8").split("\n数据来源\n")[0]
    assert body.count("。") == statements + notices
