"""The usual load writes in a thread while validation runs (etl.load._Writer): it commits only
a file validation accepts, records the final warnings on the batch, and leaves the store exactly
as it was when validation refuses the file or fails."""

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
