"""Roll-up rules with hand-computed answers: flow vs stock vs ratio, over months and over counties.

Every case runs the product's roll-up (lawstats.store.rollup) on a store holding exactly the facts given,
on DuckDB and on PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from lawstats.domain.catalog import load_catalog
from lawstats.domain.formatting import format_value
from lawstats.domain.periods import Period
from lawstats.store.rollup import change_of, with_previous
from tests.rollup_support import BACKENDS, backend_store, one, roll, rows

TIANSHUI = "620500"
QINZHOU = "620502"
MAIJI = "620503"
QINGSHUI = "620521"
COUNTIES = ["620502", "620503", "620521", "620522", "620523", "620524", "620525"]


def month(y: int, m: int) -> Period:
    return Period.month(y, m)


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, tmp_path_factory):
    yield from backend_store(request, tmp_path_factory)


H1 = Period.months(2024, 1, 6)


# ---------------------------------------------------------------- flows over months


def test_flow_sums_months_of_a_ytd_range(store):
    raw = rows(*[(QINZHOU, month(2024, m), "mediation_cases", 10.0 * m) for m in range(1, 7)])
    r = one(roll(store, raw, H1, [QINZHOU], ["mediation_cases"]), QINZHOU, "mediation_cases")
    assert r["value"] == 210  # 10+20+30+40+50+60
    assert r["derived"] and r["months_covered"] == 6 and r["months_expected"] == 6


def test_flow_quarter_from_months_ignores_months_outside(store):
    raw = rows(*[(QINZHOU, month(2024, m), "mediation_cases", 10.0 * m) for m in range(1, 7)])
    q1 = Period.quarter(2024, 1)
    inside = raw[raw.period_end <= q1.end]
    r = one(roll(store, inside, q1, [QINZHOU], ["mediation_cases"]), QINZHOU, "mediation_cases")
    assert r["value"] == 60


def test_flow_exact_period_fact_wins_over_months(store):
    raw = rows(
        *[(QINZHOU, month(2024, m), "mediation_cases", 10.0 * m) for m in range(1, 7)],
        (QINZHOU, H1, "mediation_cases", 200.0),
    )
    r = one(roll(store, raw, H1, [QINZHOU], ["mediation_cases"]), QINZHOU, "mediation_cases")
    assert r["value"] == 200 and not r["derived"]


def test_flow_quarters_tile_a_half_year(store):
    raw = rows(
        (QINZHOU, Period.quarter(2024, 1), "mediation_cases", 70.0),
        (QINZHOU, Period.quarter(2024, 2), "mediation_cases", 80.0),
    )
    r = one(roll(store, raw, H1, [QINZHOU], ["mediation_cases"]), QINZHOU, "mediation_cases")
    assert r["value"] == 150 and r["months_covered"] == 6


def test_flow_missing_month_is_flagged_not_hidden(store):
    raw = rows(*[(QINZHOU, month(2024, m), "mediation_cases", 10.0) for m in range(1, 6)])
    r = one(roll(store, raw, H1, [QINZHOU], ["mediation_cases"]), QINZHOU, "mediation_cases")
    assert r["value"] == 50
    assert r["months_covered"] == 5 and r["months_expected"] == 6


def test_not_reported_is_not_zero(store):
    raw = rows((QINZHOU, H1, "mediation_cases", float("nan")))
    r = one(roll(store, raw, H1, [QINZHOU], ["mediation_cases"]), QINZHOU, "mediation_cases")
    assert pd.isna(r["value"]) and r["units_reported"] == 0


# ---------------------------------------------------------------- stocks


def test_stock_year_is_the_year_end_level_not_a_sum(store):
    levels = {m: (10.0 if m <= 6 else 12.0) for m in range(1, 13)}
    raw = rows(*[(QINZHOU, month(2024, m), "office_staff", v) for m, v in levels.items()])
    year = one(
        roll(store, raw, Period.year(2024), [QINZHOU], ["office_staff"]), QINZHOU, "office_staff"
    )
    assert year["value"] == 12  # December level, not 132
    half = raw[raw.period_end <= H1.end]
    h = one(roll(store, half, H1, [QINZHOU], ["office_staff"]), QINZHOU, "office_staff")
    assert h["value"] == 10


def test_stock_over_counties_sums_each_latest_level(store):
    raw = rows(
        (QINZHOU, month(2024, 11), "office_staff", 9.0),
        (QINZHOU, month(2024, 12), "office_staff", 10.0),
        (MAIJI, month(2024, 12), "office_staff", 20.0),
    )
    r = one(
        roll(store, raw, Period.year(2024), [TIANSHUI], ["office_staff"]), TIANSHUI, "office_staff"
    )
    assert r["value"] == 30  # 10 + 20: latest of each, not 9+10+20
    assert (r["units_reported"], r["units_expected"]) == (2, 7)


# ---------------------------------------------------------------- over regions


def test_flow_over_counties_sums_with_full_coverage(store):
    raw = rows(
        *[(c, Period.year(2024), "mediation_cases", 100.0 + i) for i, c in enumerate(COUNTIES)]
    )
    r = one(
        roll(store, raw, Period.year(2024), [TIANSHUI], ["mediation_cases"]),
        TIANSHUI,
        "mediation_cases",
    )
    assert r["value"] == 721  # 100*7 + (0+1+...+6)
    assert (r["units_reported"], r["units_expected"]) == (7, 7)
    assert r["derived"]


def test_missing_children_say_so(store):
    raw = rows(*[(c, Period.year(2024), "mediation_cases", 100.0) for c in COUNTIES[:6]])
    r = one(
        roll(store, raw, Period.year(2024), [TIANSHUI], ["mediation_cases"]),
        TIANSHUI,
        "mediation_cases",
    )
    assert r["value"] == 600
    assert (r["units_reported"], r["units_expected"]) == (6, 7)


def test_city_own_figure_wins_over_children_sum(store):
    raw = rows(
        (TIANSHUI, Period.year(2024), "mediation_cases", 1000.0),
        (QINZHOU, Period.year(2024), "mediation_cases", 100.0),
    )
    r = one(
        roll(store, raw, Period.year(2024), [TIANSHUI], ["mediation_cases"]),
        TIANSHUI,
        "mediation_cases",
    )
    assert r["value"] == 1000 and (r["units_reported"], r["units_expected"]) == (7, 7)


def test_province_rolls_up_through_cities(store):
    raw = rows(
        (QINZHOU, Period.year(2024), "mediation_cases", 100.0),
        ("621102", Period.year(2024), "mediation_cases", 50.0),  # 安定区, 定西市
    )
    r = one(
        roll(store, raw, Period.year(2024), ["620000"], ["mediation_cases"]),
        "620000",
        "mediation_cases",
    )
    assert r["value"] == 150
    assert r["units_reported"] == 2 and r["units_expected"] > 50  # all of 甘肃's counties


def test_approximate_propagates_to_the_sum(store):
    raw = rows(
        (QINZHOU, Period.year(2023), "prelitigation_cases", 4000.0, True),
        (MAIJI, Period.year(2023), "prelitigation_cases", 10.0),
    )
    r = one(
        roll(store, raw, Period.year(2023), [TIANSHUI], ["prelitigation_cases"]),
        TIANSHUI,
        "prelitigation_cases",
    )
    assert r["value"] == 4010 and r["is_approximate"]


def test_batch_ids_of_contributing_facts(store):
    raw = rows(
        (QINZHOU, Period.year(2024), "mediation_cases", 1.0, False, False, 3),
        (MAIJI, Period.year(2024), "mediation_cases", 1.0, False, False, 5),
    )
    r = one(
        roll(store, raw, Period.year(2024), [TIANSHUI], ["mediation_cases"]),
        TIANSHUI,
        "mediation_cases",
    )
    assert r["batch_ids"] == (3, 5)


# ---------------------------------------------------------------- ratios


def test_ratio_is_recomputed_not_averaged(store):
    y = Period.year(2024)
    raw = rows(
        (QINZHOU, y, "mediation_cases", 100.0),
        (QINZHOU, y, "mediation_success", 95.0),
        (MAIJI, y, "mediation_cases", 300.0),
        (MAIJI, y, "mediation_success", 297.0),
    )
    out = roll(store, raw, y, [TIANSHUI, QINZHOU, MAIJI], ["mediation_success_rate"])
    assert one(out, QINZHOU, "mediation_success_rate")["value"] == 95.0
    assert one(out, MAIJI, "mediation_success_rate")["value"] == 99.0
    city = one(out, TIANSHUI, "mediation_success_rate")
    assert city["value"] == 98.0  # 392/400, not (95+99)/2 = 97
    assert (city["units_reported"], city["units_expected"]) == (2, 7)


def test_ratio_over_months_uses_summed_parts(store):
    raw = rows(
        (QINZHOU, month(2024, 1), "mediation_cases", 10.0),
        (QINZHOU, month(2024, 1), "mediation_success", 5.0),  # 50%
        (QINZHOU, month(2024, 2), "mediation_cases", 90.0),
        (QINZHOU, month(2024, 2), "mediation_success", 90.0),  # 100%
    )
    p = Period.months(2024, 1, 2)
    r = one(
        roll(store, raw, p, [QINZHOU], ["mediation_success_rate"]),
        QINZHOU,
        "mediation_success_rate",
    )
    assert r["value"] == 95.0  # 95/100, not 75


def test_reported_only_rate_is_kept_flagged_and_not_averaged_into_parent(store):
    y = Period.year(2024)
    raw = rows(
        (QINZHOU, y, "mediation_cases", 100.0),
        (QINZHOU, y, "mediation_success", 95.0),
        (QINGSHUI, y, "mediation_success_rate", 80.0, False, True),
    )
    out = roll(store, raw, y, [TIANSHUI, QINGSHUI], ["mediation_success_rate"])
    qs = one(out, QINGSHUI, "mediation_success_rate")
    assert qs["value"] == 80.0 and qs["is_reported_rate"]
    city = one(out, TIANSHUI, "mediation_success_rate")
    assert city["value"] == 95.0 and not city["is_reported_rate"]
    assert city["units_reported"] == 1


def test_reported_rate_only_valid_for_its_exact_period(store):
    raw = rows((QINGSHUI, Period.year(2024), "mediation_success_rate", 80.0, False, True))
    r = one(
        roll(store, raw, H1, [QINGSHUI], ["mediation_success_rate"]),
        QINGSHUI,
        "mediation_success_rate",
    )
    assert pd.isna(r["value"])


def test_ratio_is_exact_and_rounded_only_for_display(store):
    y = Period.year(2024)
    raw = rows((QINZHOU, y, "mediation_cases", 13287.0), (QINZHOU, y, "mediation_success", 13101.0))
    r = one(
        roll(store, raw, y, [QINZHOU], ["mediation_success_rate"]),
        QINZHOU,
        "mediation_success_rate",
    )
    assert r["value"] == pytest.approx(13101 / 13287 * 100)  # 98.6001...: ranks see this
    ind = load_catalog().get("mediation_success_rate")
    assert format_value(r["value"], ind) == "98.6%"


# ---------------------------------------------------------------- year over year


@pytest.mark.parametrize(
    "code,value,previous,expected",
    [
        ("mediation_cases", 110.0, 100.0, (10.0, "%")),
        ("mediation_cases", 90.0, 100.0, (-10.0, "%")),
        ("mediation_cases", 100.0, 100.0, (0.0, "%")),
        ("office_staff", 374.0, 308.0, (pytest.approx(21.4286, abs=1e-4), "%")),
        ("mediation_cases", 5.0, 0.0, (None, "%")),
        ("mediation_cases", 5.0, None, (None, "%")),
        ("mediation_success_rate", 98.6, 97.9, (pytest.approx(0.7), "pp")),
        ("mediation_success_rate", 96.0, 98.5, (-2.5, "pp")),
    ],
)
def test_change_of(code, value, previous, expected):
    assert change_of(load_catalog().get(code), value, previous) == expected


def test_ytd_compared_with_same_range_last_year(store):
    cur_p, prev_p = H1, H1.previous_year()
    assert (prev_p.start, prev_p.end) == (date(2023, 1, 1), date(2023, 6, 30))
    cur = roll(
        store,
        rows((QINZHOU, cur_p, "mediation_cases", 120.0)),
        cur_p,
        [QINZHOU],
        ["mediation_cases"],
    )
    prev = roll(
        store,
        rows((QINZHOU, prev_p, "mediation_cases", 100.0)),
        prev_p,
        [QINZHOU],
        ["mediation_cases"],
    )
    r = with_previous(cur, prev).iloc[0]
    assert (r["previous"], r["change"], r["change_unit"], r["change_abs"]) == (
        100.0,
        20.0,
        "%",
        20.0,
    )


def test_no_change_stated_when_coverage_differs(store):
    y, py = Period.year(2024), Period.year(2023)
    cur = roll(
        store,
        rows(*[(c, y, "mediation_cases", 100.0) for c in COUNTIES[:6]]),
        y,
        [TIANSHUI],
        ["mediation_cases"],
    )
    prev = roll(
        store,
        rows(*[(c, py, "mediation_cases", 100.0) for c in COUNTIES]),
        py,
        [TIANSHUI],
        ["mediation_cases"],
    )
    r = with_previous(cur, prev).iloc[0]
    assert r["value"] == 600 and r["previous"] == 700
    assert r["change"] is None and not r["comparable"]
