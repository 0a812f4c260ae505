"""The CLI contract on the demo database: demo, show (text and JSON), errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pytest

from etl.cli import main
from lawstats.store import V_FACTS_COLUMNS
from tests.conftest import ROOT


def run_json(capsys, *argv: str) -> list[dict]:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def by_code(records: list[dict]) -> dict[str, dict]:
    return {r["indicator_code"]: r for r in records}


def test_show_tianshui_2024_prints_the_published_figures(demo_db, capsys):
    got = by_code(
        run_json(capsys, "show", "--db", demo_db, "--region", "天水市", "--period", "2024")
    )
    expected = {
        "mediation_cases": 13287,
        "judicial_confirmations": 943,
        "mediation_success_rate": 98.6,
        "office_staff": 374,
        "office_floor_area": 10296,
        "office_over_120sqm": 45,
        "office_model": 10,
        "assessors_selected": 561,
        "supervisor_dispatches": 254,
        "supervisor_activities": 620,
        "released_subsistence": 30,
        "released_relief": 7,
        "released_placement": 27,
        "released_jobs": 46,
    }
    assert {k: got[k]["value"] for k in expected} == expected
    staff = got["office_staff"]
    assert (staff["previous"], staff["change_abs"], staff["change_unit"]) == (308, 66, "%")
    assert staff["previous_period"] == "2023年"
    rate = got["mediation_success_rate"]
    assert rate["unit"] == "%" and rate["change_unit"] == "pp" and rate["derived"]
    cases = got["mediation_cases"]
    assert cases["coverage"] == {
        "units_reported": 7,
        "units_expected": 7,
        "months_covered": 12,
        "months_expected": 12,
        "as_of_month": None,  # a stock known only before the period's end says when
    }
    assert cases["batch_ids"] and not cases["is_approximate"]
    for key in (
        "indicator_code",
        "value",
        "unit",
        "previous",
        "change",
        "change_unit",
        "is_approximate",
        "derived",
        "coverage",
        "batch_ids",
    ):
        assert key in cases


def test_show_other_published_cities(demo_db, capsys):
    weinan = by_code(
        run_json(capsys, "show", "--db", demo_db, "--region", "渭南", "--period", "2021年")
    )
    assert weinan["mediation_cases"]["value"] == 7202
    assert weinan["mediation_success"]["value"] == 6986
    assert weinan["mediation_success_rate"]["value"] == 97.0
    assert weinan["office_budget"]["value"] == 618.5
    assert weinan["mediation_funding"]["value"] == 294.17
    lvliang = by_code(
        run_json(capsys, "show", "--db", demo_db, "--region", "吕梁市", "--period", "2023")
    )
    assert lvliang["prelitigation_cases"]["value"] == 4000
    assert lvliang["prelitigation_cases"]["is_approximate"] is True
    assert lvliang["law_ambassadors"]["value"] == 21000
    quanzhou = by_code(
        run_json(
            capsys,
            "show",
            "--db",
            demo_db,
            "--region",
            "泉州",
            "--period",
            "2024",
            "--indicator",
            "office_count",
        )
    )
    assert quanzhou["office_count"]["value"] == 163
    # 金门县 never reports: 12 units expected, not 13
    assert quanzhou["office_count"]["coverage"]["units_expected"] == 12


def test_show_ytd_compares_same_range_last_year(demo_db, capsys):
    recs = run_json(
        capsys,
        "show",
        "--db",
        demo_db,
        "--region",
        "天水市",
        "--period",
        "2024年1-6月",
        "--indicator",
        "mediation_cases",
    )
    r = recs[0]
    assert r["period"] == "2024年1-6月" and r["previous_period"] == "2023年1-6月"
    assert r["coverage"]["months_expected"] == 6
    assert r["value"] < 13287 and r["previous"] < r["value"] * 2


def test_show_accepts_short_county_name(demo_db, capsys):
    recs = run_json(
        capsys,
        "show",
        "--db",
        demo_db,
        "--region",
        "秦州",
        "--period",
        "2024",
        "--indicator",
        "mediation_cases",
    )
    assert recs[0]["region_code"] == "620502"
    assert recs[0]["coverage"]["units_expected"] == 1


def test_show_text_output(demo_db, capsys):
    assert (
        main(
            [
                "show",
                "--db",
                demo_db,
                "--region",
                "天水市",
                "--period",
                "2024",
                "--indicator",
                "office_staff",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "甘肃省天水市  2024年（对比 2023年）" in out
    assert "374 人" in out and "308 人" in out and "▲ 21.4%" in out


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--region", "朝阳区", "--period", "2024"], "多个同名地区"),
        (["--region", "不存在县", "--period", "2024"], "不存在县"),
        (["--region", "天水市", "--period", "2024年13月"], "13"),
        (["--region", "天水市", "--period", "2024", "--indicator", "nope"], "nope"),
    ],
)
def test_show_bad_input_exits_2_with_a_message(demo_db, capsys, argv, message):
    assert main(["show", "--db", demo_db, *argv]) == 2
    err = capsys.readouterr().err
    assert message in err


def test_bad_usage_exits_2(capsys):
    assert main(["show", "--region", "天水市"]) == 2


def test_v_facts_with_plain_duckdb(demo_db):
    con = duckdb.connect(demo_db, read_only=True)
    try:
        cur = con.execute("SELECT * FROM v_facts LIMIT 3")
        cols = [d[0] for d in cur.description]
        n = con.execute(
            "SELECT sum(value) FROM v_facts WHERE indicator_code = 'mediation_cases' "
            "AND parent_code = '620500' AND period_start >= DATE '2024-01-01' AND period_end <= DATE '2024-12-31'"
        ).fetchone()[0]
    finally:
        con.close()
    assert tuple(cols) == V_FACTS_COLUMNS
    assert n == 13287


def test_demo_refuses_to_overwrite_real_data(tmp_path, capsys):
    import pandas as pd

    from lawstats.domain.periods import Period
    from lawstats.store import get_engine, transaction
    from lawstats.store.revisions import BatchInfo, write_facts

    path = tmp_path / "real.duckdb"
    engine = get_engine(str(path))
    y = Period.year(2024)
    with transaction(engine) as conn:
        write_facts(
            conn,
            BatchInfo("a.xlsx", "a" * 64, "spreadsheet", "analyst"),
            pd.DataFrame(
                [
                    {
                        "region_code": "620502",
                        "period_start": y.start,
                        "period_end": y.end,
                        "indicator_code": "mediation_cases",
                        "value": 1.0,
                    }
                ]
            ),
        )
    assert main(["demo", "--db", str(path)]) == 2
    assert "--force" in capsys.readouterr().err


def test_module_entry_point_runs(demo_db):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "etl",
            "show",
            "--db",
            demo_db,
            "--region",
            "天水市秦州区",
            "--period",
            "2024Q1",
            "--json",
            "--indicator",
            "mediation_cases",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    recs = json.loads(out.stdout)
    assert recs[0]["period"] == "2024年第一季度" and recs[0]["previous_period"] == "2023年第一季度"


def test_a_load_imports_only_what_it_uses(tmp_path):
    """`etl load` of a spreadsheet imports neither Streamlit nor the report-text modules, and no
    module hashes a password on import (argon2 costs 0.4 s and 64 MiB)."""
    code = (
        "import sys\n"
        "from etl.cli import main\n"
        f"rc = main(['load', {str(ROOT / 'tests/data/messy/wide_simple.xlsx')!r}, "
        f"'--db', {str(tmp_path / 's.duckdb')!r}])\n"
        "import lawstats.store.auth as auth\n"
        "heavy = [m for m in ('streamlit', 'etl.narrative.review') if m in sys.modules]\n"
        "print(rc, heavy, auth._dummy_hash.cache_info().currsize)\n"
    )
    out = (
        subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert out == "0 [] 0"
