"""Targets: every kind with hand-computed answers, 序时进度, locking and reopening, settlement and later revisions, import."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from types import SimpleNamespace

import pandas as pd
import pytest
import sqlalchemy as sa

from etl.cli import main as etl_main
from lawstats import store
from lawstats.analysis import targets as tg
from lawstats.domain.catalog import load_catalog
from lawstats.domain.periods import Period
from lawstats.domain.regions import load_regions
from lawstats.store.auth import User
from lawstats.store.revisions import BatchInfo, write_facts

TIANSHUI = "620500"
QINZHOU = "620502"
QINGSHUI = "620521"
COUNTIES = ["620502", "620503", "620521", "620522", "620523", "620524", "620525"]
ADMIN = User("boss", "Boss", "admin", (), True)
ANALYST = User("qz", "QZ", "analyst", (QINZHOU,), True)
VIEWER = User("v", "V", "viewer", (), True)
JAN = date(2024, 1, 10)  # before Q1 closes: targets open
MAY = date(2024, 5, 10)  # after Q1: locked
NEXT_YEAR = date(2025, 1, 10)


# --------------------------------------------------------------------------- pure evaluation


def fig_row(value, *, previous=None, change=None, comparable=True, units=(1, 1), months=(3, 3)):
    return SimpleNamespace(
        value=float("nan") if value is None else float(value),
        previous=previous,
        change=change,
        comparable=comparable,
        units_reported=units[0],
        units_expected=units[1],
        months_covered=months[0],
        months_expected=months[1],
    )


def ev(target: tg.Target, fig: dict, months: int):
    ind = load_catalog().get(target.indicator_code)
    return tg.evaluate_one(target, ind, fig, months, load_regions())


def flow(value: float, months: int, **kw):
    t = tg.Target(QINZHOU, "mediation_cases", 2024, "at_least", value)
    return t, kw


def test_published_example_through_march_27_4_percent_is_2_4_points_ahead():
    t = tg.Target(QINZHOU, "mediation_cases", 2024, "at_least", 10_000)
    e = ev(t, {(QINZHOU, "mediation_cases"): fig_row(2_740)}, 3)
    assert (e.completion, e.expected, e.gap_pp) == (27.4, 25.0, 2.4)
    assert e.status == "on_track" and e.due == 2_500 and e.shortfall == 0


@pytest.mark.parametrize(
    ("actual", "months", "complete", "status", "completion", "expected", "gap", "shortfall"),
    [
        (2_300, 3, True, "behind", 23.0, 25.0, -2.0, 200.0),  # 2,500 due by March
        (5_000, 6, True, "on_track", 50.0, 50.0, 0.0, 0.0),  # exactly on pace
        (10_500, 6, True, "done", 105.0, 50.0, 55.0, 0.0),  # a flow reached: done for good
        (9_800, 12, True, "missed", 98.0, 100.0, -2.0, 200.0),  # the year is in: missed
        (9_800, 12, False, "behind", 98.0, 100.0, -2.0, 200.0),  # December not fully in yet
        (1_000, 1, True, "on_track", 10.0, 8.3, 1.7, 0.0),  # 10% against 8.33%: +1.7
    ],
)
def test_flow_at_least(actual, months, complete, status, completion, expected, gap, shortfall):
    t = tg.Target(QINZHOU, "mediation_cases", 2024, "at_least", 10_000)
    units = (1, 1) if complete else (0, 1)
    e = ev(t, {(QINZHOU, "mediation_cases"): fig_row(actual, units=units)}, months)
    assert (e.status, e.completion, e.expected, e.gap_pp, e.shortfall) == (
        status,
        completion,
        expected,
        gap,
        shortfall,
    )
    assert e.complete is complete


def test_not_reported_is_no_data_never_zero():
    t = tg.Target(QINZHOU, "mediation_cases", 2024, "at_least", 10_000)
    e = ev(t, {(QINZHOU, "mediation_cases"): fig_row(None)}, 3)
    assert e.status == "no_data" and e.actual is None and e.completion is None
    assert ev(t, {}, 3).status == "no_data"


@pytest.mark.parametrize(
    ("actual", "months", "status", "shortfall"),
    [(5, 6, "behind", 5.0), (5, 12, "missed", 5.0), (0, 6, "on_track", 0.0), (0, 12, "done", 0.0)],
)
def test_at_most_single_staff_offices(actual, months, status, shortfall):
    t = tg.Target(TIANSHUI, "office_one_person", 2024, "at_most", 0)
    e = ev(t, {(TIANSHUI, "office_one_person"): fig_row(actual)}, months)
    assert (e.status, e.shortfall, e.completion, e.expected) == (status, shortfall, None, None)


@pytest.mark.parametrize(
    ("actual", "months", "status", "completion", "shortfall"),
    [
        (390, 6, "behind", 97.5, 10.0),
        (410, 6, "on_track", 102.5, 0.0),
        (410, 12, "done", 102.5, 0.0),
    ],
)
def test_at_least_stock_compares_the_level(actual, months, status, completion, shortfall):
    t = tg.Target(TIANSHUI, "office_staff", 2024, "at_least", 400)
    e = ev(t, {(TIANSHUI, "office_staff"): fig_row(actual)}, months)
    assert (e.status, e.completion, e.expected, e.gap_pp, e.shortfall) == (
        status,
        completion,
        None,
        None,
        shortfall,
    )


@pytest.mark.parametrize(
    ("value", "change", "comparable", "status", "gap"),
    [
        (0, 0.0, True, "behind", 0.0),  # 有所增长 means strictly above last year
        (0, 0.1, True, "on_track", 0.1),
        (5, 4.9, True, "behind", -0.1),
        (5, 5.0, True, "on_track", 0.0),
        (5, 7.2, False, "no_data", None),  # no honest comparison: not a pass, not a fail
    ],
)
def test_growth(value, change, comparable, status, gap):
    t = tg.Target(QINZHOU, "judicial_confirmations", 2024, "growth", value)
    row = fig_row(100, previous=95, change=change, comparable=comparable)
    e = ev(t, {(QINZHOU, "judicial_confirmations"): row}, 6)
    assert (e.status, e.gap_pp) == (status, gap)


def test_growth_closed_year_is_done_or_missed():
    t = tg.Target(QINZHOU, "judicial_confirmations", 2024, "growth", 5)
    row = fig_row(107, previous=100, change=7.0, months=(12, 12))
    assert ev(t, {(QINZHOU, "judicial_confirmations"): row}, 12).status == "done"
    row = fig_row(103, previous=100, change=3.0, months=(12, 12))
    e = ev(t, {(QINZHOU, "judicial_confirmations"): row}, 12)
    assert (e.status, e.shortfall) == ("missed", 2.0)


@pytest.mark.parametrize(
    ("actual", "months", "status", "gap", "shortfall"),
    [
        (99.3, 6, "behind", -0.7, 0.7),
        (99.3, 12, "missed", -0.7, 0.7),
        (100.0, 12, "done", 0.0, 0.0),
    ],
)
def test_rate_floor_handover_100_percent(actual, months, status, gap, shortfall):
    t = tg.Target(TIANSHUI, "released_handover_rate", 2024, "rate_floor", 100)
    e = ev(t, {(TIANSHUI, "released_handover_rate"): fig_row(actual)}, months)
    assert (e.status, e.gap_pp, e.shortfall, e.completion) == (status, gap, shortfall, None)


def test_per_unit_floor_checks_each_child_and_names_the_failing_ones():
    # staff per office in each county of 天水: 清水 38/13 = 2.92, 武山 49/17 = 2.88 fail a floor of 3
    staff = dict(zip(COUNTIES, [74, 78, 38, 57, 51, 49, 43], strict=True))
    offices = dict(zip(COUNTIES, [23, 21, 13, 18, 16, 17, 12], strict=True))
    fig = {(c, "office_staff"): fig_row(v) for c, v in staff.items()}
    fig |= {(c, "office_count"): fig_row(v) for c, v in offices.items()}
    t = tg.Target(TIANSHUI, "office_staff", 2025, "per_unit", 3, "office_count")
    e = ev(t, fig, 6)
    assert e.failing_units == ("620521", "620524")
    assert (e.units_total, e.units_passing, e.shortfall, e.actual) == (7, 5, 2.0, 2.88)
    assert e.status == "behind"
    fig[("620524", "office_staff")] = fig_row(None)  # 武山 not reported: not a failure, no data
    e = ev(t, fig, 12)
    assert e.failing_units == ("620521",) and e.units_total == 6 and not e.complete
    assert e.status == "behind"  # incomplete at year end: not yet missed


def test_per_unit_without_per_code_uses_the_units_own_values():
    fig = {
        (c, "mediation_studios"): fig_row(v)
        for c, v in zip(COUNTIES, [3, 2, 1, 5, 2, 2, 4], strict=True)
    }
    t = tg.Target(TIANSHUI, "mediation_studios", 2025, "per_unit", 2)
    e = ev(t, fig, 12)
    assert e.failing_units == ("620521",) and e.status == "missed" and e.actual == 1


# --------------------------------------------------------------------------- validation and parsing


def test_validate_normalises_and_refuses():
    t = tg.validate(tg.Target(TIANSHUI, "mediation_success_rate", 2024, "at_least", 95))
    assert t.kind == "rate_floor"
    with pytest.raises(tg.TargetError):
        tg.validate(tg.Target(TIANSHUI, "mediation_cases", 2024, "rate_floor", 95))
    with pytest.raises(tg.TargetError):
        tg.validate(tg.Target(TIANSHUI, "mediation_success_rate", 2024, "rate_floor", 101))
    with pytest.raises(tg.TargetError):
        tg.validate(tg.Target(TIANSHUI, "mediation_cases", 2024, "at_least", -1))
    with pytest.raises(tg.TargetError):
        tg.validate(tg.Target("999999", "mediation_cases", 2024, "at_least", 1))
    with pytest.raises(tg.TargetError):
        tg.validate(tg.Target(TIANSHUI, "office_staff", 2024, "at_least", 1, "office_count"))
    assert tg.validate(tg.Target(TIANSHUI, "mediation_cases", 2024, "growth", -5)).value == -5


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("14000", None, 14000),
        ("14,000", None, 14000),
        ("≥14,000", "at_least", 14000),
        ("≥ 1.4万", "at_least", 14000),
        ("≤0", "at_most", 0),
        ("不超过 3", "at_most", 3),
        ("=100%", "at_least", 100),
        ("≥95%", "at_least", 95),
        ("有所增长", "growth", 0),
        ("增长>0", "growth", 0),
        ("增长≥5%", "growth", 5),
        ("同比增长5%", "growth", 5),
        ("每所≥5", "per_unit", 5),
        ("各地不少于2", "per_unit", 2),
        ("很多", None, None),
    ],
)
def test_parse_expression(text, kind, value):
    assert tg.parse_expression(text) == (kind, value)


def test_parse_rows_reads_kinds_and_locates_problems():
    rows = [
        ["2025年目标任务表", None, None, None, None],
        ["地区", "指标", "年度", "目标值", "口径"],
        ["天水市", "调解纠纷", 2025, "≥14,000", None],
        ["秦州区", "一人所数", "2025年", "≤0", None],
        ["天水市", "调解成功率", 2025, "95%", None],
        ["天水市", "司法所工作人员数", 2025, "每所≥3", "司法所数"],
        ["天水市", "司法确认件数", None, "增长≥5%", None],
        ["火星市", "调解纠纷", 2025, "1", None],
        ["天水市", "不存在的指标", 2025, "1", None],
        ["天水市", "调解纠纷", 2025, "很多", None],
    ]
    found, problems = tg.parse_rows(rows, sheet="目标", default_year=2026)
    got = {(x.region_code, x.indicator_code, x.year): (x.kind, x.value, x.per_code) for x in found}
    assert got == {
        (TIANSHUI, "mediation_cases", 2025): ("at_least", 14000.0, None),
        (QINZHOU, "office_one_person", 2025): ("at_most", 0.0, None),
        (TIANSHUI, "mediation_success_rate", 2025): ("rate_floor", 95.0, None),
        (TIANSHUI, "office_staff", 2025): ("per_unit", 3.0, "office_count"),
        (TIANSHUI, "judicial_confirmations", 2026): ("growth", 5.0, None),
    }
    assert [p.address for p in problems] == ["目标!A8", "目标!B9", "目标!D10"]
    assert "火星市" in problems[0].message_zh


def test_parse_rows_without_header_says_what_is_needed():
    found, problems = tg.parse_rows([["a", "b"], [1, 2]])
    assert not found and "地区" in problems[0].message_zh and "region" in problems[0].message_en


# --------------------------------------------------------------------------- the store (both legs)


def add_facts(engine, rows, name="test", approximate=False):
    """rows: (region, period, indicator, value)."""
    frame = pd.DataFrame(
        [
            {
                "region_code": r,
                "period_start": p.start,
                "period_end": p.end,
                "indicator_code": c,
                "value": float(v),
                "is_approximate": approximate,
            }
            for r, p, c, v in rows
        ]
    )
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()
    with store.transaction(engine) as conn:
        write_facts(conn, BatchInfo(name, digest, "manual", "test"), frame)


def monthly(region, code, year, values):
    return [(region, Period.month(year, m), code, v) for m, v in enumerate(values, start=1)]


def test_published_example_through_the_store(engine):
    add_facts(engine, monthly(QINZHOU, "mediation_cases", 2024, [900, 840, 1000]))
    tg.save_targets(
        engine,
        [tg.Target(QINZHOU, "mediation_cases", 2024, "at_least", 10_000)],
        actor="t",
        today=JAN,
    )
    frame = tg.progress(engine, QINZHOU, 2024, Period.months(2024, 1, 3))
    row = frame.iloc[0]
    assert (row.actual, row.completion, row.expected, row.gap_pp) == (2740, 27.4, 25.0, 2.4)
    assert (row.status, row.status_zh, bool(row.settled)) == ("on_track", "进度正常", False)
    # through=None: the latest month with data (March)
    assert tg.progress(engine, QINZHOU, 2024).iloc[0].months == 3
    text = tg.explain(row.to_dict())
    assert "完成 27.4%" in text and "序时进度 25%" in text and "超前 2.4 个百分点" in text
    # contract columns
    for col in ("region_code", "indicator_code", "target_kind", "target_value", "actual"):
        assert col in frame.columns
    for col in ("completion", "expected", "gap_pp", "status", "status_zh", "settled"):
        assert col in frame.columns
    assert tg.STATUS_ZH["behind"] == "滞后" and tg.STATUS_EN["missed"] == "missed"


def test_progress_on_an_approximate_figure_says_so(engine):
    """Issue 18: "4000余" reported as the year's mediation cases; the progress against a target
    rests on it and is shown as approximate on the page, in the sentence and in the JSON."""
    add_facts(engine, [(QINZHOU, Period.year(2024), "mediation_cases", 4000)], approximate=True)
    add_facts(engine, [(QINZHOU, Period.year(2024), "judicial_confirmations", 300)], "b")
    tg.save_targets(
        engine,
        [
            tg.Target(QINZHOU, "mediation_cases", 2024, "at_least", 5000),
            tg.Target(QINZHOU, "judicial_confirmations", 2024, "at_least", 400),
        ],
        actor="t",
        today=JAN,
    )
    frame = tg.progress(engine, QINZHOU, 2024, Period.year(2024))
    rows = {r.indicator_code: r for r in frame.itertuples(index=False)}
    assert bool(rows["mediation_cases"].approximate) is True
    assert bool(rows["judicial_confirmations"].approximate) is False
    table = tg.progress_table(frame).set_index(frame["indicator_code"])
    assert table.loc["mediation_cases", "完成进度%"].startswith("约")
    assert not table.loc["judicial_confirmations", "完成进度%"].startswith("约")
    assert "完成进度为近似值" in tg.explain(rows["mediation_cases"]._asdict())
    assert "近似值" not in tg.explain(rows["judicial_confirmations"]._asdict())
    records = {r["indicator_code"]: r for r in tg.progress_records(frame)}
    assert records["mediation_cases"]["approximate"] is True
    assert records["judicial_confirmations"]["approximate"] is False


def test_growth_target_across_a_ytd_period(engine):
    # 1-6月: 2023 sums to 600, 2024 to 636 -> +6.0%; a ≥ 5% target is met, ≥ 8% is 2 points short
    add_facts(engine, monthly(QINZHOU, "judicial_confirmations", 2023, [100] * 6), "a")
    add_facts(
        engine,
        monthly(QINZHOU, "judicial_confirmations", 2024, [100, 100, 100, 110, 110, 116]),
        "b",
    )
    tg.save_targets(
        engine,
        [
            tg.Target(QINZHOU, "judicial_confirmations", 2024, "growth", 5),
            tg.Target(QINGSHUI, "judicial_confirmations", 2024, "growth", 8),
        ],
        actor="t",
        today=JAN,
    )
    add_facts(engine, monthly(QINGSHUI, "judicial_confirmations", 2023, [50] * 6), "c")
    add_facts(engine, monthly(QINGSHUI, "judicial_confirmations", 2024, [53] * 6), "d")
    frame = tg.progress(engine, TIANSHUI, 2024, Period.months(2024, 1, 6), include_children=True)
    got = {r.region_code: (r.growth, r.gap_pp, r.status) for r in frame.itertuples()}
    assert got == {QINZHOU: (6.0, 1.0, "on_track"), QINGSHUI: (6.0, -2.0, "behind")}
    assert frame.set_index("region_code").loc[QINGSHUI, "previous"] == 300


def test_per_unit_through_the_store(engine):
    rows = []
    for c, staff, offices in zip(
        COUNTIES, [74, 78, 38, 57, 51, 49, 43], [23, 21, 13, 18, 16, 17, 12], strict=True
    ):
        rows += [
            (c, Period.month(2025, 6), "office_staff", staff),
            (c, Period.month(2025, 6), "office_count", offices),
        ]
    add_facts(engine, rows)
    tg.save_targets(
        engine,
        [tg.Target(TIANSHUI, "office_staff", 2025, "per_unit", 3, "office_count")],
        actor="t",
        today=date(2025, 1, 2),
    )
    row = tg.progress(engine, TIANSHUI, 2025, Period.months(2025, 1, 6)).iloc[0]
    assert tuple(row.failing_units) == ("620521", "620524") and row.status == "behind"
    assert "未达标：清水县、武山县" in tg.explain(row.to_dict())


def test_every_change_is_versioned_in_history_and_audit(engine):
    t1 = tg.Target(QINZHOU, "mediation_cases", 2024, "at_least", 2_000)
    assert tg.save_targets(engine, [t1], actor="alice", today=JAN).created == 1
    res = tg.save_targets(engine, [t1], actor="alice", today=JAN)
    assert (res.unchanged, res.changed) == (1, 0)
    t2 = tg.Target(QINZHOU, "mediation_cases", 2024, "at_least", 2_200)
    assert (
        tg.save_targets(engine, [t2], actor="bob", source="import:x.xlsx", today=JAN).updated == 1
    )
    assert tg.delete_target(engine, QINZHOU, "mediation_cases", 2024, actor="carol", today=JAN)
    h = tg.history(engine, QINZHOU, 2024)
    assert list(h["action"]) == ["delete", "update", "create"]
    assert list(h["actor"]) == ["carol", "bob", "alice"]
    assert list(h["version"]) == [3, 2, 1]
    upd = h.iloc[1]
    assert (upd.old_value, upd.new_value, upd.source) == (2000, 2200, "import:x.xlsx")
    assert tg.list_targets(engine, QINZHOU, 2024).empty
    with store.connect(engine) as conn:
        actions = [
            r[0]
            for r in conn.execute(
                sa.select(store.audit_log.c.action).where(
                    store.audit_log.c.action.like("targets_%")
                )
            )
        ]
    assert actions == ["targets_save", "targets_save", "targets_delete"]


def test_editor_semantics_delete_missing_only_in_writable_scope(engine):
    both = [
        tg.Target(QINZHOU, "mediation_cases", 2024, "at_least", 2_000),
        tg.Target(QINGSHUI, "mediation_cases", 2024, "at_least", 900),
    ]
    tg.save_targets(engine, both, actor="t", today=JAN)
    res = tg.save_targets(
        engine, [], actor="qz", user=ANALYST, delete_missing_in=([QINZHOU], 2024), today=JAN
    )
    assert res.deleted == 1
    assert list(tg.list_targets(engine, TIANSHUI, 2024)["region_code"]) == [QINGSHUI]


def test_permissions(engine):
    t = tg.Target(QINGSHUI, "mediation_cases", 2024, "at_least", 900)
    with pytest.raises(tg.TargetError, match="无权"):
        tg.save_targets(engine, [t], actor="qz", user=ANALYST, today=JAN)
    with pytest.raises(tg.TargetError):
        tg.save_targets(engine, [t], actor="v", user=VIEWER, today=JAN)
    ok = tg.Target(QINZHOU, "mediation_cases", 2024, "at_least", 2_000)
    assert tg.save_targets(engine, [ok], actor="qz", user=ANALYST, today=JAN).created == 1
    assert tg.list_targets(engine, TIANSHUI, 2024)["region_code"].tolist() == [QINZHOU]


def test_locked_after_q1_until_an_admin_reopens_with_a_reason(engine):
    t = tg.Target(QINZHOU, "mediation_cases", 2024, "at_least", 2_000)
    tg.save_targets(engine, [t], actor="t", today=JAN)
    assert tg.lock_state(engine, QINZHOU, 2024, today=date(2024, 3, 31)).state == "open"
    assert tg.lock_state(engine, QINZHOU, 2024, today=date(2024, 4, 1)).state == "locked"
    t2 = tg.Target(QINZHOU, "mediation_cases", 2024, "at_least", 2_500)
    with pytest.raises(tg.TargetError, match="锁定"):
        tg.save_targets(engine, [t2], actor="qz", user=ANALYST, today=MAY)
    with pytest.raises(tg.TargetError, match="管理员"):
        tg.reopen(engine, QINZHOU, 2024, actor="qz", reason="x" * 10, user=ANALYST, today=MAY)
    with pytest.raises(tg.TargetError, match="理由"):
        tg.reopen(engine, TIANSHUI, 2024, actor="boss", reason="  ", user=ADMIN, today=MAY)
    # an admin reopens the city: its counties open too
    tg.reopen(engine, TIANSHUI, 2024, actor="boss", reason="市委调整任务", user=ADMIN, today=MAY)
    state = tg.lock_state(engine, QINZHOU, 2024, today=MAY)
    assert (state.state, state.reopened_by, state.reason) == ("reopened", "boss", "市委调整任务")
    assert tg.save_targets(engine, [t2], actor="qz", user=ANALYST, today=MAY).updated == 1
    assert tg.relock(engine, TIANSHUI, 2024, actor="boss", user=ADMIN) == 1
    assert tg.lock_state(engine, QINZHOU, 2024, today=MAY).locked
    events = tg.reopenings(engine, QINZHOU, 2024)
    assert events.iloc[0].reason == "市委调整任务" and events.iloc[0].relocked_by == "boss"
    # the refused attempt wrote nothing; the history has create + update
    assert list(tg.history(engine, QINZHOU, 2024)["action"]) == ["update", "create"]


def test_settlement_freezes_and_later_revisions_are_flagged(engine):
    add_facts(engine, monthly(QINZHOU, "mediation_cases", 2024, [200] * 12), "y2024")  # 2,400
    tg.save_targets(
        engine,
        [tg.Target(QINZHOU, "mediation_cases", 2024, "at_least", 2_500)],
        actor="t",
        today=JAN,
    )
    with pytest.raises(tg.TargetError, match="尚未结束"):
        tg.settle(engine, TIANSHUI, 2024, actor="boss", user=ADMIN, today=date(2024, 12, 31))
    with pytest.raises(tg.TargetError, match="管理员"):
        tg.settle(engine, TIANSHUI, 2024, actor="qz", user=ANALYST, today=NEXT_YEAR)
    assert tg.settle(engine, TIANSHUI, 2024, actor="boss", user=ADMIN, today=NEXT_YEAR) == 1
    with pytest.raises(tg.TargetError, match="已结算"):
        tg.settle(engine, TIANSHUI, 2024, actor="boss", user=ADMIN, today=NEXT_YEAR)
    row = tg.progress(engine, QINZHOU, 2024).iloc[0]
    assert (row.actual, row.completion, row.status, bool(row.settled), bool(row.revised)) == (
        2400,
        96.0,
        "missed",
        True,
        False,
    )
    # a county revises December after settlement: 200 -> 350, so the year is now 2,550
    add_facts(engine, [(QINZHOU, Period.month(2024, 12), "mediation_cases", 350)], "revision")
    row = tg.progress(engine, QINZHOU, 2024).iloc[0]
    assert (row.actual, row.status, bool(row.settled)) == (
        2400,
        "missed",
        True,
    )  # not silently changed
    assert bool(row.revised) and row.current_actual == 2550 and row.settled_actual == 2400
    assert "结算 2,400，现为 2,550" in tg.explain(row.to_dict())
    # the live figure through an earlier month is not the settled result
    live = tg.progress(engine, QINZHOU, 2024, Period.months(2024, 1, 6)).iloc[0]
    assert not live.settled and live.actual == 1200
    # a settled year's targets cannot change, not even after a reopen attempt
    with pytest.raises(tg.TargetError, match="结算"):
        tg.save_targets(
            engine,
            [tg.Target(QINZHOU, "mediation_cases", 2024, "at_least", 2_000)],
            actor="boss",
            user=ADMIN,
        )
    with pytest.raises(tg.TargetError, match="结算"):
        tg.reopen(engine, QINZHOU, 2024, actor="boss", reason="改目标", user=ADMIN, today=NEXT_YEAR)
    records = tg.progress_records(tg.progress(engine, QINZHOU, 2024))
    assert records[0]["revised"] is True and records[0]["actual"] == 2400


def test_trend_target_line(engine):
    tg.save_targets(
        engine,
        [
            tg.Target(TIANSHUI, "mediation_cases", 2024, "at_least", 14_000),
            tg.Target(TIANSHUI, "mediation_success_rate", 2024, "rate_floor", 95),
            tg.Target(TIANSHUI, "judicial_confirmations", 2024, "growth", 5),
        ],
        actor="t",
        today=JAN,
    )
    year = tg.trend_target(engine, TIANSHUI, "mediation_cases", Period.year(2024))
    assert year["target"] == 14_000 and year["target_label"] == "2024年目标 ≥ 14,000 件"
    half = tg.trend_target(engine, TIANSHUI, "mediation_cases", Period.months(2024, 1, 6))
    assert half["target"] == 7_000 and "序时目标" in half["target_label"]
    assert (
        tg.trend_target(engine, TIANSHUI, "mediation_cases", Period.year(2024), "monthly")["target"]
        is None
    )
    assert (
        tg.trend_target(engine, TIANSHUI, "mediation_success_rate", Period.month(2024, 3))["target"]
        == 95
    )
    assert (
        tg.trend_target(engine, TIANSHUI, "judicial_confirmations", Period.year(2024))["target"]
        is None
    )
    assert tg.trend_target(engine, TIANSHUI, "mediators", Period.year(2024))["target"] is None


# --------------------------------------------------------------------------- CLI


def test_cli_import_csv_and_xlsx_then_progress_json(tmp_path, capsys):
    db = str(tmp_path / "t.duckdb")
    engine = store.get_engine(db)
    add_facts(engine, monthly(QINZHOU, "mediation_cases", 2030, [900, 840, 1000]))
    csv_file = tmp_path / "targets.csv"
    csv_file.write_text(
        '地区,指标,年度,目标值\n天水市秦州区,调解矛盾纠纷件数,2030,"≥10,000"\n', encoding="gbk"
    )
    assert etl_main(["targets", "import", str(csv_file), "--db", db, "--user", "alice"]) == 0
    capsys.readouterr()
    assert (
        etl_main(
            [
                "progress",
                "--db",
                db,
                "--region",
                "秦州",
                "--year",
                "2030",
                "--as-of",
                "2030-03",
                "--json",
            ]
        )
        == 0
    )
    rec = json.loads(capsys.readouterr().out)[0]
    assert {k: rec[k] for k in ("region_code", "indicator_code", "kind", "target", "actual")} == {
        "region_code": QINZHOU,
        "indicator_code": "mediation_cases",
        "kind": "at_least",
        "target": 10000,
        "actual": 2740,
    }
    assert (rec["completion_pct"], rec["elapsed_pct"], rec["gap_pp"], rec["status"]) == (
        27.4,
        25.0,
        2.4,
        "on_track",
    )
    # the xlsx changes it (a new version by another user)
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["region", "indicator", "year", "kind", "value"])
    ws.append(["620502", "mediation_cases", 2030, "at_least", 12000])
    xlsx = tmp_path / "targets.xlsx"
    wb.save(xlsx)
    assert etl_main(["targets", "import", str(xlsx), "--db", db, "--user", "bob", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["status"], out["updated"]) == ("imported", 1)
    h = tg.history(engine, QINZHOU, 2030)
    assert list(zip(h["actor"], h["old_value"].fillna(-1), h["new_value"], strict=True)) == [
        ("bob", 10000, 12000),
        ("alice", -1, 10000),
    ]


def test_cli_import_refuses_bad_and_locked_files(tmp_path, capsys):
    db = str(tmp_path / "t.duckdb")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "地区,指标,年度,目标值\n火星市,调解纠纷,2030,1\n秦州区,调解纠纷,2030,2\n", encoding="utf-8"
    )
    assert etl_main(["targets", "import", str(bad), "--db", db]) == 1
    assert "A2" in capsys.readouterr().err
    assert tg.list_targets(store.get_engine(db), TIANSHUI).empty  # all or nothing
    locked = tmp_path / "locked.csv"
    locked.write_text("地区,指标,年度,目标值\n天水市秦州区,调解纠纷,2020,≥100\n", encoding="utf-8")
    assert etl_main(["targets", "import", str(locked), "--db", db]) == 1
    assert "锁定" in capsys.readouterr().err
    assert etl_main(["targets", "import", str(tmp_path / "missing.csv"), "--db", db]) == 2
    # reopen (CLI operator), import, settle
    assert (
        etl_main(
            [
                "targets",
                "reopen",
                "--db",
                db,
                "--region",
                "天水市",
                "--year",
                "2020",
                "--reason",
                "补录",
            ]
        )
        == 0
    )
    assert etl_main(["targets", "import", str(locked), "--db", db]) == 0
    assert etl_main(["targets", "settle", "--db", db, "--region", "天水市", "--year", "2020"]) == 0
    capsys.readouterr()
    assert etl_main(["progress", "--db", db, "--region", "天水市", "--year", "2020"]) == 0
    out = capsys.readouterr().out
    assert "无数据" in out and "已年终结算" in out


def _refuse_constant(name: str):
    raise ValueError(f"not JSON: {name}")


def test_cli_progress_json_on_the_demo_database(demo_db, capsys):
    assert (
        etl_main(
            [
                "progress",
                "--db",
                demo_db,
                "--region",
                "天水市",
                "--year",
                "2025",
                "--as-of",
                "2025-03",
                "--json",
            ]
        )
        == 0
    )
    # strict JSON (#18): a per_code of a target without one was printed as NaN
    records = json.loads(capsys.readouterr().out, parse_constant=_refuse_constant)
    city = next(
        r
        for r in records
        if r["region_code"] == TIANSHUI and r["indicator_code"] == "mediation_cases"
    )
    assert city["target"] == 14000 and city["elapsed_pct"] == 25.0
    assert {r["per_code"] for r in records if r["kind"] != "per_unit"} == {None}
    assert city["completion_pct"] == round(city["actual"] / 14000 * 100, 1)
    assert city["gap_pp"] == round(city["actual"] / 14000 * 100 - 25, 1)
    assert {r["status"] for r in records} <= set(tg.STATUSES)
    assert {r["region_code"] for r in records} >= {TIANSHUI, *COUNTIES}
    # the settled demo year 2024
    assert (
        etl_main(["progress", "--db", demo_db, "--region", "天水市", "--year", "2024", "--json"])
        == 0
    )
    settled = json.loads(capsys.readouterr().out)
    assert settled and all(r["settled"] for r in settled)
    mc = next(
        r
        for r in settled
        if r["region_code"] == TIANSHUI and r["indicator_code"] == "mediation_cases"
    )
    assert (mc["actual"], mc["status"]) == (13287, "done")  # the published figure, ≥ 13,000


def test_a_target_on_a_breakdown_member(engine):
    """Issue 19: a target on a member (婚姻家庭纠纷 of the disputes mediated) is evaluated on the
    member's own figure, not on its total's."""
    member = "mediation_cases.dispute_type.marriage_family"
    add_facts(engine, monthly(QINZHOU, "mediation_cases", 2024, [900, 840, 1000]), "a")
    add_facts(engine, monthly(QINZHOU, member, 2024, [150, 160, 170]), "b")
    tg.save_targets(
        engine, [tg.Target(QINZHOU, member, 2024, "at_least", 2000)], actor="t", today=JAN
    )
    row = tg.progress(engine, QINZHOU, 2024, Period.months(2024, 1, 3)).iloc[0]
    assert (row.indicator_code, row.actual, row.completion, row.expected) == (
        member,
        480,
        24.0,
        25.0,
    )
    assert row.status == "behind"
    assert tg.explain(row.to_dict()).startswith("调解矛盾纠纷件数：婚姻家庭纠纷")
