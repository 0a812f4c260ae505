"""History is append-only (#18): a rollback never rewrites what another batch's load did; it is
an event of its own; the same file after its rollback loads again and says so; a file whose
figures equal the stored ones makes no batch."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from lawstats.store import batches, connect, transaction
from lawstats.store.revisions import batch_diff, rollback_batch, rollback_effects, write_facts
from tests.test_store import Y, current, frame, info

KEY = ("620502", Y, "mediation_cases")


def _load(engine, name: str, value: float, sha: str | None = None):
    with transaction(engine) as conn:
        return write_facts(conn, info(name, sha or name[0] * 64), frame((*KEY, value)))


def _diff(engine, batch_id: int) -> list[tuple]:
    with connect(engine) as conn:
        d = batch_diff(conn, batch_id)
    return [
        (
            None if pd.isna(r.old_value) else float(r.old_value),
            None if pd.isna(r.old_batch_id) else int(r.old_batch_id),
            float(r.new_value),
        )
        for r in d.itertuples(index=False)
    ]


def _rollback(engine, batch_id: int, reason: str = "wrong") -> dict:
    with transaction(engine) as conn:
        return rollback_batch(conn, batch_id, actor="t", reason=reason)


def test_rolling_back_a_batch_leaves_the_later_batches_diff_as_it_was(engine):
    a, b, c = (_load(engine, n, v).batch_id for n, v in (("a", 100.0), ("b", 110.0), ("c", 130.0)))
    before = {x: _diff(engine, x) for x in (a, b, c)}
    assert before[c] == [(110.0, b, 130.0)] and before[b] == [(100.0, a, 110.0)]
    _rollback(engine, b)
    assert current(engine) == 130.0
    # before #18 the rollback handed a's fact over to c: c's diff then said it replaced 100
    assert {x: _diff(engine, x) for x in (a, b, c)} == before
    _rollback(engine, c)
    assert current(engine) == 100.0  # the latest fact of a batch still active
    assert {x: _diff(engine, x) for x in (a, b, c)} == before


def test_a_restored_fact_superseded_again_keeps_the_first_diff(engine):
    a = _load(engine, "a", 100.0).batch_id
    b = _load(engine, "b", 120.0).batch_id
    _rollback(engine, b)
    d = _load(engine, "d", 140.0).batch_id
    # before #18 the restore cleared a's link to b, and d's load then overwrote it
    assert _diff(engine, b) == [(100.0, a, 120.0)]
    assert _diff(engine, d) == [(100.0, a, 140.0)]


def test_a_rollback_is_an_event_with_its_own_record(engine):
    a = _load(engine, "a", 100.0).batch_id
    b = _load(engine, "b", 120.0).batch_id
    assert _rollback(engine, b, "typo in March") == {"retired": 1, "restored": 1}
    with connect(engine) as conn:
        effects = rollback_effects(conn, b)
        row = conn.execute(sa.select(batches).where(batches.c.id == b)).mappings().one()
    (e,) = effects.itertuples(index=False)
    assert (e.retired_value, e.restored_value, int(e.restored_batch_id)) == (120.0, 100.0, a)
    assert (row["status"], row["rolled_back_by"], row["rollback_reason"]) == (
        "rolled_back",
        "t",
        "typo in March",
    )


def test_figures_equal_to_the_stored_ones_make_no_batch(engine):
    first = _load(engine, "a", 100.0)
    with connect(engine) as conn:
        n_before = conn.execute(sa.select(sa.func.count()).select_from(batches)).scalar()
    again = _load(engine, "b", 100.0)  # another file, the same figures
    with connect(engine) as conn:
        n_after = conn.execute(sa.select(sa.func.count()).select_from(batches)).scalar()
    assert again.batch_id is None and n_after == n_before  # before #18: an empty batch
    assert (again.written, again.superseded, again.unchanged) == (0, 0, 1)
    assert again.same_as == (first.batch_id,)


def test_the_same_file_after_its_rollback_loads_again_and_says_so(engine):
    from etl.load import load_bytes
    from tests.test_load import good_rows, workbook

    data = workbook(good_rows())
    first = load_bytes(engine, data, "county.xlsx", user="t")
    assert first.status == "loaded"
    assert load_bytes(engine, data, "county.xlsx", user="t").status == "unchanged"
    # other bytes, the same figures: refused as changing nothing (#17), no batch, and the
    # message names the batch that holds them (#18)
    resaved = workbook(good_rows(), title="2024年1-6月天水市人民调解工作情况统计表（复核）")
    same = load_bytes(engine, resaved, "resaved.xlsx", user="t")
    assert (same.status, same.batch_id) == ("refused", None)
    (problem,) = [p for p in same.report.problems if p.code == "nothing_changed"]
    assert f"#{first.batch_id}" in problem.message_zh and f"#{first.batch_id}" in problem.message_en
    assert same.facts_unchanged == first.facts_written
    _rollback(engine, first.batch_id)
    again = load_bytes(engine, data, "county.xlsx", user="t")
    assert again.status == "loaded" and again.batch_id != first.batch_id
    assert again.reloaded == (first.batch_id,)
    assert f"批次 #{first.batch_id} 导入并已回滚" in again.message_zh
    assert "rolled back" in again.message_en
