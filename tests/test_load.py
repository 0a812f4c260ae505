"""The load stage end to end: batches, all-or-nothing, same file twice, supersede, locks, CLI contract."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from etl.cli import main
from etl.load import load_bytes
from lawstats.store import connect, data_version, read_frame
from tests.conftest import ROOT

TIANSHUI_COUNTIES = ["秦州区", "麦积区", "清水县", "秦安县", "甘谷县", "武山县", "张家川回族自治县"]


def workbook(rows: list[list], title: str = "2024年1-6月天水市人民调解工作情况统计表") -> bytes:
    """A wide county sheet: title row, unit row, header, data rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append([title])
    ws.append(["单位：件、%"])
    ws.append(["地区", "调解纠纷（件）", "调解成功（件）", "司法确认（件）"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def good_rows(base: int = 100) -> list[list]:
    return [
        [name, base + i * 10, base + i * 10 - 2, 5 + i] for i, name in enumerate(TIANSHUI_COUNTIES)
    ]


def snapshot(engine) -> tuple:
    with connect(engine) as conn:
        f = read_frame(conn, sa.text("SELECT * FROM facts ORDER BY id"))
        b = read_frame(conn, sa.text("SELECT id, status FROM batches ORDER BY id"))
    return (f.to_json(date_format="iso"), b.to_json(), data_version(engine))


def current_value(engine, region: str, code: str) -> float | None:
    with connect(engine) as conn:
        rows = conn.execute(
            sa.text(
                "SELECT value FROM v_facts WHERE region_code = :r AND indicator_code = :c "
                "AND period_start = DATE '2024-01-01' AND period_end = DATE '2024-06-30'"
            ),
            {"r": region, "c": code},
        ).fetchall()
    return rows[0][0] if rows else None


def test_load_wide_file_writes_one_batch(engine):
    data = workbook(good_rows())
    res = load_bytes(engine, data, "tianshui_h1.xlsx")
    assert res.status == "loaded", [p.to_dict() for p in res.problems]
    assert res.facts_written == 21  # 7 counties x 3 indicators
    assert current_value(engine, "620502", "mediation_cases") == 100
    assert current_value(engine, "620525", "judicial_confirmations") == 11
    # the same bytes under another name (openpyxl stamps the save time, so build the file once)
    again = load_bytes(engine, data, "tianshui_h1_copy.xlsx")
    assert again.status == "unchanged" and again.batch_id == res.batch_id
    assert f"批次 {res.batch_id}" in again.message_zh


def test_refused_file_leaves_database_exactly_as_it_was(engine):
    load_bytes(engine, workbook(good_rows()), "first.xlsx")
    before = snapshot(engine)
    bad = good_rows(200)
    bad[2][1] = -5  # negative count
    bad[3][2] = 9999  # success above cases
    res = load_bytes(engine, workbook(bad), "bad.xlsx")
    assert res.status == "refused" and res.exit_code == 1
    codes = {p.code for p in res.report.errors}
    assert {"negative_count", "numerator_above_denominator"} <= codes
    neg = next(p for p in res.report.errors if p.code == "negative_count")
    assert neg.sheet == "Sheet1" and neg.cell == "B6"
    assert snapshot(engine) == before


def test_new_values_supersede_and_rollback_restores(engine):
    first = load_bytes(engine, workbook(good_rows()), "v1.xlsx")
    rows = good_rows()
    rows[0][1] = 130
    second = load_bytes(engine, workbook(rows), "v2.xlsx")
    assert second.status == "loaded"
    assert (second.facts_written, second.facts_superseded, second.facts_unchanged) == (1, 1, 20)
    assert current_value(engine, "620502", "mediation_cases") == 130
    from lawstats.store import transaction
    from lawstats.store.revisions import batch_diff, rollback_batch

    with connect(engine) as conn:
        diff = batch_diff(conn, second.batch_id)
    row = diff.iloc[0]
    assert (row["old_value"], row["new_value"], int(row["old_batch_id"])) == (
        100,
        130,
        first.batch_id,
    )
    with transaction(engine) as conn:
        rollback_batch(conn, second.batch_id, actor="t", reason="typo")
    assert current_value(engine, "620502", "mediation_cases") == 100


def test_dry_run_and_strict_write_nothing(engine):
    before = snapshot(engine)
    dry = load_bytes(engine, workbook(good_rows()), "dry.xlsx", dry_run=True)
    assert dry.status == "dry_run" and dry.facts_written == 21
    assert snapshot(engine) == before
    rows = good_rows() + [["合计", 1, 1, 1]]  # totals row that does not add up -> warning
    strict = load_bytes(engine, workbook(rows), "strict.xlsx", strict=True)
    assert strict.status == "refused" and strict.report.ok and strict.report.warnings
    assert snapshot(engine) == before


def test_permissions_default_deny(engine):
    before = snapshot(engine)
    res = load_bytes(engine, workbook(good_rows()), "all.xlsx", allowed_regions=["620502"])
    assert res.status == "refused"
    denied = {p.region for p in res.report.errors if p.code == "region_not_permitted"}
    assert "620503" in denied and "620502" not in denied
    assert snapshot(engine) == before


def test_large_change_against_last_year_warns(demo_db, tmp_path):
    import shutil

    from lawstats.store import get_engine

    path = tmp_path / "demo_copy.duckdb"
    shutil.copy(demo_db, path)
    engine = get_engine(str(path))
    rows = good_rows(5000)  # far above 天水 counties' half-year levels
    res = load_bytes(engine, workbook(rows), "jump.xlsx")
    assert res.status == "loaded"
    warn = [p for p in res.report.warnings if p.code == "large_change"]
    assert warn and warn[0].cell and warn[0].region


def cli_json(capsys, *argv) -> tuple[int, list[dict]]:
    code = main([*argv, "--json"])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines() if line.strip()]


def test_cli_load_contract(store_url, tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook(good_rows()))  # written once, loaded twice below
    code, objs = cli_json(capsys, "load", str(good), "--db", store_url)
    assert code == 0 and objs[0]["status"] == "loaded" and objs[0]["facts_written"] == 21
    assert set(objs[0]) >= {"status", "batch_id", "facts_written", "problems"}
    code, objs = cli_json(capsys, "load", str(good), "--db", store_url)
    assert code == 0 and objs[0]["status"] == "unchanged"
    bad_rows = good_rows()
    bad_rows[0][1] = "见附表"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook(bad_rows))
    code, objs = cli_json(capsys, "load", str(bad), "--db", store_url)
    assert code == 1 and objs[0]["status"] == "refused"
    p = objs[0]["problems"][0]
    assert {
        "severity",
        "code",
        "message_zh",
        "message_en",
        "file",
        "sheet",
        "cell",
        "region",
        "indicator",
    } <= set(p)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)  # an image renamed .xlsx
    code, objs = cli_json(capsys, "load", str(junk), "--db", store_url)
    assert code == 2 and objs[0]["status"] == "refused"
    assert main(["load", str(tmp_path / "missing.xlsx"), "--db", store_url]) == 2


def test_two_processes_loading_at_once_both_succeed(tmp_path):
    """Two CLI loads into one DuckDB file at the same time: one waits, both end correctly."""
    from lawstats.store import get_engine

    db = tmp_path / "race.duckdb"
    get_engine(str(db))
    files = []
    for i in range(2):
        path = tmp_path / f"f{i}.xlsx"
        title = f"2024年{i + 1}月天水市人民调解工作情况统计表"
        path.write_bytes(workbook(good_rows(100 + i), title=title))
        files.append(path)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "etl", "load", str(f), "--db", str(db), "--json"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert json.loads(out)["status"] == "loaded"
    engine = get_engine(str(db))
    with connect(engine) as conn:
        n = conn.execute(
            sa.text("SELECT count(*) FROM batches WHERE status = 'active'")
        ).scalar_one()
        facts = conn.execute(sa.text("SELECT count(*) FROM v_facts")).scalar_one()
    assert n == 2 and facts == 42


@pytest.mark.parametrize("lang,word", [("zh", "错误"), ("en", "error")])
def test_cli_messages_in_both_languages(tmp_path, capsys, lang, word):
    rows = good_rows()
    rows[1][1] = -1
    bad = tmp_path / "neg.xlsx"
    bad.write_bytes(workbook(rows))
    assert main(["load", str(bad), "--db", str(tmp_path / "x.duckdb"), "--lang", lang]) == 1
    err = capsys.readouterr().err
    assert word in err and "Sheet1!B5" in err


def test_totals_row_is_checked_not_stored(engine):
    rows = good_rows()
    total = ["合计", sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows)]
    res = load_bytes(engine, workbook(rows + [total]), "with_total.xlsx")
    assert res.status == "loaded" and not res.report.warnings
    with connect(engine) as conn:
        regions = pd.read_sql(sa.text("SELECT DISTINCT region_code FROM v_facts"), conn)
    assert "620500" not in set(regions["region_code"])


def test_a_load_tells_each_stage_as_it_begins(engine):
    """The upload page shows what is being done (#20 item 5): read, check, then write; a dry run
    and a refused file never reach the write."""
    stages: list[str] = []
    dry = load_bytes(engine, workbook(good_rows()), "a.xlsx", dry_run=True, on_stage=stages.append)
    assert dry.status == "dry_run" and stages == ["read", "check"]
    stages.clear()
    loaded = load_bytes(engine, workbook(good_rows()), "a.xlsx", on_stage=stages.append)
    assert loaded.status == "loaded" and stages == ["read", "check", "write"]
    stages.clear()
    bad = load_bytes(engine, b"\x00\x01 not a spreadsheet", "b.xlsx", on_stage=stages.append)
    assert bad.status == "refused" and stages[0] == "read" and "write" not in stages
