"""The fast write path on both backends: set-based classification (new / unchanged / supersedes),
bulk insert, supersede marks and rollback, checked against a plain reference; and the column-wise
fact container the extract, validate and load stages share."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from etl.extract import CandidateFact, CellRefs, Extraction, FactColumns, Same
from etl.load import facts_frame
from etl.problems import Report
from etl.validate import validate
from lawstats.domain.periods import Period
from lawstats.store import connect, facts, read_frame, transaction
from lawstats.store.revisions import (
    FACT_KEY,
    BatchInfo,
    classify,
    normalize_facts,
    rollback_batch,
    write_facts,
)

Y23, Y24 = Period.year(2023), Period.year(2024)
H1 = Period.month_range(2024, 1, 6)
REGIONS = ["620502", "620503", "620521", "620522", "620523"]
CODES = ["mediation_cases", "mediation_success", "mediation_orgs", "mediators"]


def info(name: str) -> BatchInfo:
    return BatchInfo(file_name=name, sha256=name * 8, source_type="spreadsheet", uploaded_by="t")


def rows(values: dict[tuple, tuple], *, categorical: bool = False) -> pd.DataFrame:
    """(region, period, code) -> (value, approximate) as a store frame; with categorical, the
    key columns as etl.load.facts_frame gives them."""
    cols = [*FACT_KEY, "value", "is_approximate", "source_ref"]
    records = [(r, p.start, p.end, c, v, a, f"S!{c}{r}") for (r, p, c), (v, a) in values.items()]
    frame = pd.DataFrame.from_records(records, columns=cols)
    if categorical:
        frame[FACT_KEY] = frame[FACT_KEY].astype("category")
    return frame


def stored(engine) -> pd.DataFrame:
    with connect(engine) as conn:
        got = read_frame(
            conn,
            sa.select(
                facts.c.id,
                *(facts.c[k] for k in FACT_KEY),
                facts.c.value,
                facts.c.is_approximate,
                facts.c.batch_id,
                facts.c.is_current,
                facts.c.superseded_by,
                facts.c.period_months,
                facts.c.source_ref,
            ).order_by(facts.c.id),
        )
    for col in ("period_start", "period_end"):
        got[col] = [pd.Timestamp(v).date() for v in got[col]]
    return got


def current_values(engine) -> dict[tuple, tuple]:
    got = stored(engine)
    got = got[got["is_current"].astype(bool)]
    return {
        (r.region_code, Period(r.period_start, r.period_end), r.indicator_code): (
            None if pd.isna(r.value) else float(r.value),
            bool(r.is_approximate),
        )
        for r in got.itertuples()
    }


def reference(before: dict[tuple, tuple], incoming: dict[tuple, tuple]) -> tuple[set, set, set]:
    """(new keys, superseding keys, unchanged keys) as a fact-by-fact comparison gives them."""
    new, changed, same = set(), set(), set()
    for key, (value, approx) in incoming.items():
        if key not in before:
            new.add(key)
            continue
        old_value, old_approx = before[key]
        equal = (old_value == value or (old_value is None and value is None)) and (
            old_approx == approx
        )
        (same if equal else changed).add(key)
    return new, changed, same


def random_batch(rnd: random.Random, before: dict[tuple, tuple]) -> dict[tuple, tuple]:
    out = {}
    for r in REGIONS:
        for c in CODES:
            for p in (Y23, Y24, H1):
                if rnd.random() < 0.5:
                    continue
                key = (r, p, c)
                if key in before and rnd.random() < 0.6:
                    out[key] = before[key]  # resent unchanged
                    continue
                value = None if rnd.random() < 0.1 else float(rnd.randint(0, 50))
                out[key] = (value, rnd.random() < 0.1)
    return out


def test_batches_against_a_reference_then_rollbacks(engine):
    """Random batches: counts, stored state and superseded rows as a plain comparison says;
    rolling every batch back (newest first) leaves nothing current, step by step as before."""
    rnd = random.Random(3)
    history: list[dict[tuple, tuple]] = []
    batch_ids = []
    for k in range(6):
        before = current_values(engine)
        history.append(before)
        incoming = random_batch(rnd, before)
        new, changed, same = reference(before, incoming)
        with transaction(engine) as conn:
            res = write_facts(conn, info(f"b{k}"), rows(incoming, categorical=k % 2 == 1))
        batch_ids.append(res.batch_id)
        assert (res.written, res.superseded, res.unchanged) == (
            len(new) + len(changed),
            len(changed),
            len(same),
        )
        after = current_values(engine)
        assert after == {**before, **incoming}
        got = {
            (r.region_code, Period(r.period_start, r.period_end), r.indicator_code): r
            for r in res.changes.itertuples()
        }
        assert set(got) == changed
        for key, r in got.items():
            assert (None if pd.isna(r.old_value) else r.old_value) == before[key][0]
            assert (None if pd.isna(r.new_value) else r.new_value) == incoming[key][0]
            assert r.new_batch_id == res.batch_id
        table = stored(engine)
        # every superseded fact points at this batch, and only those
        marked = table[table["superseded_by"] == res.batch_id]
        assert sorted(marked["id"]) == sorted(r.id for r in got.values())
        assert not marked["is_current"].astype(bool).any()
        mine = table[table["batch_id"] == res.batch_id]
        assert len(mine) == res.written and mine["is_current"].astype(bool).all()
        assert set(mine["period_months"]) <= {12, 6}
    assert stored(engine)["id"].is_unique
    for batch_id, before in zip(reversed(batch_ids), reversed(history), strict=True):
        with transaction(engine) as conn:
            rollback_batch(conn, batch_id, actor="t", reason="test")
        assert current_values(engine) == before


def test_unchanged_resend_writes_nothing_and_changed_flag_supersedes(engine):
    key = ("620502", Y24, "mediation_cases")
    blank = ("620503", Y24, "mediation_cases")
    first = {key: (10.0, False), blank: (None, False)}
    with transaction(engine) as conn:
        write_facts(conn, info("a"), rows(first))
    with transaction(engine) as conn:
        again = write_facts(conn, info("b"), rows(first))
    assert (again.written, again.superseded, again.unchanged) == (0, 0, 2)  # blank == blank
    with transaction(engine) as conn:
        flagged = write_facts(conn, info("c"), rows({key: (10.0, True)}))
    assert (flagged.written, flagged.superseded, flagged.unchanged) == (1, 1, 0)
    assert current_values(engine)[key] == (10.0, True)


def test_classify_reads_only_and_matches_write(engine):
    with transaction(engine) as conn:
        write_facts(conn, info("a"), rows({("620502", Y24, "mediators"): (5.0, False)}))
    incoming = rows(
        {("620502", Y24, "mediators"): (6.0, False), ("620503", Y24, "mediators"): (1.0, False)}
    )
    before = stored(engine)
    with connect(engine) as conn:
        to_write, superseded, unchanged = classify(conn, incoming)
    pd.testing.assert_frame_equal(stored(engine), before)
    assert (len(to_write), len(superseded), unchanged) == (2, 1, 0)
    assert list(superseded.columns) == [
        "id",
        "region_code",
        "period_start",
        "period_end",
        "indicator_code",
        "old_value",
        "new_value",
        "old_batch_id",
    ]
    assert superseded.iloc[0]["old_value"] == 5.0 and superseded.iloc[0]["new_value"] == 6.0


def test_duplicate_keys_in_one_batch_are_refused(engine):
    frame = pd.concat([rows({("620502", Y24, "mediators"): (5.0, False)})] * 2)
    with transaction(engine) as conn, pytest.raises(ValueError, match="duplicate fact keys"):
        write_facts(conn, info("a"), frame)


def test_normalize_accepts_dates_timestamps_and_text():
    base = rows(
        {("620502", H1, "mediators"): (5.0, False), ("620503", Y24, "mediators"): (1, False)}
    )
    variants = [
        base,
        base.assign(period_start=pd.to_datetime(base["period_start"])),
        base.assign(period_end=base["period_end"].astype(str)),
    ]
    outs = [normalize_facts(v) for v in variants]
    for out in outs:
        assert list(out["period_start"]) == [date(2024, 1, 1), date(2024, 1, 1)]
        assert list(out["period_end"]) == [date(2024, 6, 30), date(2024, 12, 31)]
        assert list(out["period_months"]) == [6, 12]
        assert out["value"].dtype == "float64" and list(out["is_not_reported"]) == [False, False]
    blank = normalize_facts(rows({("620502", Y24, "mediators"): (None, False)}))
    assert bool(blank["is_not_reported"].iloc[0]) and pd.isna(blank["value"].iloc[0])


# --- the column-wise fact container -----------------------------------------------------


def _fact(rnd: random.Random, k: int) -> CandidateFact:
    code = rnd.choice(CODES + ["mediation_success_rate"])
    status = rnd.choice(["ok"] * 8 + ["not_reported", "invalid", "error"])
    value = float(rnd.randint(-3, 120)) if status == "ok" else None
    if status == "ok" and rnd.random() < 0.1:
        value += 0.5
    return CandidateFact(
        rnd.choice(REGIONS + [None]),
        rnd.choice([Y24, H1, None]),
        code,
        value,
        rnd.random() < 0.1,
        status == "not_reported",
        code.endswith("_rate") and status == "ok",
        rnd.choice(["S1", "S2"]),
        f"{rnd.choice('BCD')}{k % 7 + 3}",
        rnd.choice(["data"] * 5 + ["total"]),
        "某地",
        status,
        value,
        code,
    )


def _chunked(facts: list[CandidateFact]) -> FactColumns:
    """The same facts as extract builds them: column chunks with shared and Same fields."""
    out = FactColumns()
    i = 0
    rnd = random.Random(len(facts))
    while i < len(facts):
        n = rnd.randint(1, 9)
        part = facts[i : i + n]
        i += n
        cols = list(zip(*part, strict=True))
        fields = [Same(c[0]) if len(set(map(repr, c))) == 1 else list(c) for c in cols]
        cells = cols[CandidateFact._fields.index("cell")]
        if len({c[0] for c in cells}) == 1 and rnd.random() < 0.5:  # one column's addresses
            fields[CandidateFact._fields.index("cell")] = CellRefs(
                cells[0][0], [c[1:] for c in cells]
            )
        if rnd.random() < 0.3:
            for f in part:
                out.append(f)
        else:
            out.add_chunk(len(part), fields)
    return out


def _extraction(facts) -> Extraction:
    return Extraction("t.xlsx", "0" * 64, "xlsx", [], facts, Report())


@pytest.mark.parametrize("seed", range(8))
def test_fact_columns_behave_like_the_list(seed):
    rnd = random.Random(seed)
    facts = [_fact(rnd, k) for k in range(rnd.randint(0, 400))]
    cols = _chunked(facts)
    assert len(cols) == len(facts)
    assert [cols.fact(i) for i in range(len(facts))] == facts
    assert list(cols) == facts and cols == facts
    assert cols.field("cell") == [f.cell for f in facts]
    values = cols.numbers("value")
    assert np.array_equal(
        values, np.array([np.nan if f.value is None else f.value for f in facts]), equal_nan=True
    )
    assert cols.addresses() == [f.address for f in facts]
    # validation and the store frame do not depend on how the facts are held
    a, b = validate(_extraction(facts)), validate(_extraction(cols))
    assert [p.to_dict() for p in a.problems] == [p.to_dict() for p in b.problems]
    pd.testing.assert_frame_equal(facts_frame(_extraction(facts)), facts_frame(_extraction(cols)))


# --- a figure given twice ---------------------------------------------------------------


def _workbook(rows: list[list]) -> bytes:
    import io

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Sheet1")
    ws.write_row(0, 0, ["天水市2024年统计表"])
    ws.write_row(1, 0, ["地区", "调解纠纷（件）", "调解成功（件）"])
    for r, row in enumerate(rows, start=2):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    wb.close()
    return buf.getvalue()


def test_same_figure_twice_is_a_warning_and_stored_once(engine):
    """A region row repeated with the same figures (or a blank where the other has the figure)
    loads with a warning; each fact is stored once, with its figure."""
    from etl.load import load_bytes

    data = _workbook([["秦州区", None, 8], ["麦积区", 5, 4], ["秦州区", 10, 8]])
    res = load_bytes(engine, data, "twice.xlsx")
    assert res.status == "loaded", res.report.codes()
    assert "duplicate_same_value" in res.report.codes() and res.report.ok
    got = current_values(engine)
    assert got[("620502", Y24, "mediation_cases")] == (10.0, False)  # the figure, not the blank
    assert got[("620502", Y24, "mediation_success")] == (8.0, False)
    assert res.facts_written == 4 and len(got) == 4
    refs = dict(zip(stored(engine)["value"], stored(engine)["source_ref"], strict=False))
    assert refs[10.0] == "Sheet1!B5"


def test_same_figure_twice_with_different_values_is_refused(engine):
    from etl.load import load_bytes

    before = stored(engine)
    res = load_bytes(engine, _workbook([["秦州区", 9, 8], ["秦州区", 10, 8]]), "conflict.xlsx")
    assert res.status == "refused" and "duplicate_conflict" in res.report.codes()
    pd.testing.assert_frame_equal(stored(engine), before)


def test_resent_file_leaves_the_store_untouched(engine):
    """The usual load asks the store inside its write transaction; a file already loaded is
    answered from there and the transaction is rolled back (not even the data version moves)."""
    from etl.load import load_bytes
    from lawstats.store import data_version

    data = _workbook([["秦州区", 10, 8], ["麦积区", 5, 4]])
    first = load_bytes(engine, data, "a.xlsx")
    before = (stored(engine), data_version(engine))
    again = load_bytes(engine, data, "a_copy.xlsx")
    assert again.status == "unchanged" and again.batch_id == first.batch_id
    assert again.extraction is None and again.report.problems == []
    pd.testing.assert_frame_equal(stored(engine), before[0])
    assert data_version(engine) == before[1]


def test_warnings_found_in_the_store_are_kept_with_the_batch(engine):
    """A change of more than 50% against last year is found inside the write transaction and
    recorded with the batch like the file's own warnings."""
    import json

    from etl.load import load_bytes
    from lawstats.store import batches

    with transaction(engine) as conn:
        last_year = {("620502", Period.year(2023), "mediation_cases"): (100.0, False)}
        write_facts(conn, info("2023"), rows(last_year))
    res = load_bytes(engine, _workbook([["秦州区", 400, 8], ["麦积区", 5, 4]]), "jump.xlsx")
    assert res.status == "loaded"
    assert [p.code for p in res.report.warnings] == ["large_change"]
    with connect(engine) as conn:
        saved = conn.execute(
            sa.select(batches.c.warnings_json).where(batches.c.id == res.batch_id)
        ).scalar_one()
    assert [w["code"] for w in json.loads(saved)] == ["large_change"]


def test_large_batch_uses_the_staged_join_on_both_backends(engine):
    """From _STAGE_AT rows PostgreSQL stages the keys in a temporary table (COPY) and DuckDB
    joins a registered frame: a reload of 2,520 facts with every seventh one changed."""
    from lawstats.domain.catalog import load_catalog
    from lawstats.domain.regions import load_regions
    from lawstats.store.revisions import _STAGE_AT

    counties = [r.code for r in load_regions() if r.level == "county"][:60]
    codes = [i.code for i in load_catalog()][:42]
    first = {
        (r, Y24, c): (float(k), False)
        for k, (r, c) in enumerate((r, c) for r in counties for c in codes)
    }
    assert len(first) >= _STAGE_AT
    with transaction(engine) as conn:
        write_facts(conn, info("big1"), rows(first, categorical=True))
    second = {
        key: ((value + 1.0) if k % 7 == 0 else value, approx)
        for k, (key, (value, approx)) in enumerate(first.items())
    }
    changed = {key for k, key in enumerate(first) if k % 7 == 0}
    before = stored(engine)
    with transaction(engine) as conn:
        res = write_facts(conn, info("big2"), rows(second))
    assert (res.written, res.superseded, res.unchanged) == (
        len(changed),
        len(changed),
        len(first) - len(changed),
    )
    old_ids = before.set_index(FACT_KEY[0:1] + ["indicator_code"])["id"]
    assert sorted(res.changes["id"]) == sorted(int(old_ids.loc[(r, c)]) for (r, _p, c) in changed)
    assert current_values(engine) == second
    with transaction(engine) as conn:
        rollback_batch(conn, res.batch_id, actor="t", reason="test")
    assert current_values(engine) == first
