"""The usual load reads what the store has to say while validation runs (etl.load._Snapshot) and
takes the write lock only to write: it commits only a file validation accepts, records the final
warnings on the batch, leaves the store exactly as it was when validation refuses the file or
fails, and lets readers in other processes read meanwhile."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

import etl.validate
from etl.load import load_bytes
from lawstats.store import batches, connect, facts, get_engine
from tests.conftest import ROOT

MESSY = ROOT / "tests" / "data" / "messy"


def snapshot(engine) -> tuple:
    with connect(engine) as conn:
        n_facts = conn.execute(sa.select(sa.func.count()).select_from(facts)).scalar_one()
        rows = conn.execute(sa.select(batches.c.id, batches.c.status).order_by(batches.c.id)).all()
    return n_facts, [tuple(r) for r in rows]


def load(engine, name: str, **kw):
    path = MESSY / name
    return load_bytes(engine, path.read_bytes(), path.name, **kw)


def test_warnings_found_during_the_write_are_kept_on_the_batch(tmp_path):
    engine = get_engine(tmp_path / "s.duckdb")
    res = load(engine, "unmapped_column.xlsx")
    assert res.status == "loaded" and res.report.warnings
    with connect(engine) as conn:
        stored = conn.execute(
            sa.select(batches.c.warnings_json).where(batches.c.id == res.batch_id)
        ).scalar_one()
    codes = [w["code"] for w in json.loads(stored)]
    assert codes == [p.code for p in res.report.warnings]


def test_refused_file_leaves_no_trace_and_no_gap_in_batch_numbers(tmp_path):
    engine = get_engine(tmp_path / "s.duckdb")
    first = load(engine, "wide_simple.xlsx")
    before = snapshot(engine)
    refused = load(engine, "negative_count.xlsx")
    assert refused.status == "refused"
    assert snapshot(engine) == before
    same = load(engine, "unmapped_column.xlsx")  # wide_simple's figures again: changes nothing
    assert same.report.codes()[-1] == "nothing_changed" and snapshot(engine) == before
    nxt = load(engine, "multi_sheet.xlsx")
    assert nxt.status == "loaded" and nxt.batch_id == first.batch_id + 1


def test_validation_failure_rolls_back_and_frees_the_store(tmp_path, monkeypatch):
    engine = get_engine(tmp_path / "s.duckdb")
    before = snapshot(engine)

    def broken(*args, **kwargs):
        raise RuntimeError("validator bug")

    monkeypatch.setattr(etl.validate, "validate", broken)
    with pytest.raises(RuntimeError, match="validator bug"):
        load(engine, "wide_simple.xlsx")
    assert snapshot(engine) == before
    monkeypatch.undo()
    assert load(engine, "wide_simple.xlsx").status == "loaded"  # no lock left behind


def test_same_file_twice_is_unchanged(tmp_path):
    engine = get_engine(tmp_path / "s.duckdb")
    first = load(engine, "wide_simple.xlsx")
    again = load(engine, "wide_simple.xlsx")
    assert again.status == "unchanged" and again.batch_id == first.batch_id


def test_comparison_columns_checked_against_the_store_during_a_load(engine):
    from tests.test_etl_gaps import COUNTIES, xlsx

    stored = [1480, 1402, 690, 852, 902, 600, 400]  # 张家川: 400 stored, the file says 431
    rows = [["地区", "调解纠纷（件）"], *([n, v] for n, v in zip(COUNTIES, stored, strict=True))]
    title = "2023年1-6月天水市人民调解工作情况统计表"
    assert load_bytes(engine, xlsx(rows, title=title), "h1.xlsx").status == "loaded"
    res = load(engine, "comparison_columns.xlsx")
    assert res.status == "loaded"
    codes = {(p.code, p.address) for p in res.report.problems}
    assert ("previous_year_mismatch", "Sheet1!C10") in codes
    assert not any(p.code == "unmapped_columns" for p in res.report.problems)
    notes = res.to_dict()["notes"]
    assert any("已与已入库数据核对7行" in n["zh"] for n in notes) and all(n["en"] for n in notes)


def test_hidden_sheets_load_only_on_request(tmp_path):
    default = load(get_engine(tmp_path / "a.duckdb"), "hidden_sheets.xlsx")
    assert any(p.code == "hidden_sheet_skipped" for p in default.report.warnings)
    included = load(get_engine(tmp_path / "b.duckdb"), "hidden_sheets.xlsx", include_hidden=True)
    assert included.status == "loaded"
    assert included.facts_written > default.facts_written
    assert not any(p.code == "hidden_sheet_skipped" for p in included.report.warnings)


def test_a_reader_in_another_process_does_not_wait_while_a_file_is_validated(tmp_path, monkeypatch):
    """Parsing, validation and the comparisons with the store run without the write lock: a
    dashboard in another process reads meanwhile; the lock is taken only to write."""
    import subprocess
    import sys
    import textwrap
    import time

    path = tmp_path / "s.duckdb"
    engine = get_engine(path)
    real = etl.validate.validate
    waits: list[float] = []

    def slow_validate(*args, **kwargs):
        code = textwrap.dedent(
            f"""
            import time
            from lawstats.store import connect, get_engine
            t0 = time.monotonic()
            with connect(get_engine({str(path)!r}, create=False), timeout=30) as conn:
                conn.exec_driver_sql("SELECT count(*) FROM facts").fetchall()
            print(time.monotonic() - t0)
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        )
        waits.append(float(done.stdout.strip().splitlines()[-1]))
        time.sleep(0.2)
        return real(*args, **kwargs)

    monkeypatch.setattr(etl.validate, "validate", slow_validate)
    res = load(engine, "wide_simple.xlsx")
    assert res.status == "loaded"
    assert waits and waits[0] < 2.0, waits


def test_a_workbook_of_twelve_monthly_sheets_loads_on_both_stores(engine):
    """The batch names its sheets and periods; a list longer than the column is shortened (on
    PostgreSQL a longer value refused the whole file)."""
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for m in range(1, 13):
        sheet = wb.create_sheet(f"{m}月")
        sheet.append([f"2024年{m}月天水市人民调解工作情况统计表"])
        sheet.append(["地区", "调解纠纷（件）"])
        sheet.append(["秦州区", 100 + m])
    buf = io.BytesIO()
    wb.save(buf)
    res = load_bytes(engine, buf.getvalue(), "十二个月.xlsx")
    assert res.status == "loaded" and res.facts_written == 12, res.problems
    with connect(engine) as conn:
        label, sheets = conn.execute(
            sa.select(batches.c.period_label, batches.c.sheet).where(batches.c.id == res.batch_id)
        ).one()
    assert label == "2024年1月 … 2024年12月（12）"
    assert sheets == ", ".join(f"{m}月" for m in range(1, 13))
