"""Issue #18, roll-ups and comparisons: every figure right wherever it is shown.

A stock reported before the period's end is partial; an exact-period figure and the finer figures
of the same period that disagree are a conflict, shown; ranks on exact values; one rounding rule;
a change from an approximate figure is approximate. Each test failed on the code before #18.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lawstats.domain.periods import Period
from lawstats.store import rollup
from tests.rollup_support import BACKENDS, backend_store, one, roll, rows

TIANSHUI = "620500"
QINZHOU = "620502"
MAIJI = "620503"
COUNTIES = ["620502", "620503", "620521", "620522", "620523", "620524", "620525"]
Y24, Y23 = Period.year(2024), Period.year(2023)
H1 = Period.months(2024, 1, 6)


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, tmp_path_factory):
    yield from backend_store(request, tmp_path_factory)


# ---------------------------------------------------------------- a stock before the period's end


def test_stock_reported_only_in_june_is_partial_for_the_year(store):
    raw = rows(
        (QINZHOU, Period.month(2024, 6), "mediators", 500.0),
        (QINZHOU, Period.month(2023, 12), "mediators", 480.0),
    )
    r = one(roll(store, raw, Y24, [QINZHOU], ["mediators"]), QINZHOU, "mediators")
    assert r["value"] == 500  # the latest level there is, shown as such
    assert (r["months_covered"], r["months_expected"]) == (6, 12)  # as of June, not year end


def test_stock_at_year_end_is_complete(store):
    raw = rows((QINZHOU, Period.month(2024, 12), "mediators", 510.0))
    r = one(roll(store, raw, Y24, [QINZHOU], ["mediators"]), QINZHOU, "mediators")
    assert (r["value"], r["months_covered"]) == (510, 12)


def test_stock_before_period_end_is_not_compared_year_over_year(store):
    from tests.rollup_support import replace_facts

    replace_facts(
        store,
        rows(
            (QINZHOU, Period.month(2024, 6), "mediators", 500.0),
            (QINZHOU, Period.month(2023, 12), "mediators", 480.0),
        ),
    )
    r = one(rollup.figures(store, [QINZHOU], Y24, ["mediators"]), QINZHOU, "mediators")
    assert r["previous"] == 480
    assert not r["comparable"] and r["change"] is None
    assert r["change_reason"] == "incomplete"


def test_city_stock_with_one_county_behind_is_partial(store):
    raw = rows(
        *[(c, Period.month(2024, 12), "mediators", 100.0) for c in COUNTIES[1:]],
        (QINZHOU, Period.month(2024, 9), "mediators", 100.0),
    )
    r = one(roll(store, raw, Y24, [TIANSHUI], ["mediators"]), TIANSHUI, "mediators")
    assert r["value"] == 700 and r["units_reported"] == 7
    assert r["months_covered"] == 9  # one unit only as of September


# ---------------------------------------------------------------- annual vs monthly figures


def test_annual_flow_stands_and_the_monthly_sum_is_a_conflict(store):
    raw = rows(
        *[(QINZHOU, Period.month(2024, m), "mediation_cases", 100.0) for m in range(1, 13)],
        (QINZHOU, Y24, "mediation_cases", 1250.0),
    )
    r = one(roll(store, raw, Y24, [QINZHOU], ["mediation_cases"]), QINZHOU, "mediation_cases")
    assert r["value"] == 1250 and not r["derived"]
    assert r["conflicts"] == 1 and r["finer_value"] == 1200


def test_agreeing_annual_and_monthly_figures_are_no_conflict(store):
    raw = rows(
        *[(QINZHOU, Period.month(2024, m), "mediation_cases", 100.0) for m in range(1, 13)],
        (QINZHOU, Y24, "mediation_cases", 1200.0),
    )
    r = one(roll(store, raw, Y24, [QINZHOU], ["mediation_cases"]), QINZHOU, "mediation_cases")
    assert r["conflicts"] == 0 and pd.isna(r["finer_value"])


def test_annual_stock_beats_december_and_a_difference_is_a_conflict(store):
    raw = rows(
        (QINZHOU, Period.month(2024, 12), "mediators", 505.0),
        (QINZHOU, Y24, "mediators", 510.0),
    )
    r = one(roll(store, raw, Y24, [QINZHOU], ["mediators"]), QINZHOU, "mediators")
    # before #18 the December level silently won (the later start date)
    assert r["value"] == 510 and r["months_covered"] == 12
    assert r["conflicts"] == 1 and r["finer_value"] == 505


def test_half_year_cumulative_against_its_months(store):
    raw = rows(
        *[(QINZHOU, Period.month(2024, m), "mediation_cases", 10.0) for m in range(1, 7)],
        (QINZHOU, H1, "mediation_cases", 66.0),
    )
    r = one(roll(store, raw, H1, [QINZHOU], ["mediation_cases"]), QINZHOU, "mediation_cases")
    assert (r["value"], r["conflicts"], r["finer_value"]) == (66, 1, 60)


def test_city_counts_the_conflicts_of_its_units(store):
    raw = rows(
        *[(c, Y24, "mediation_cases", 100.0) for c in COUNTIES],
        *[(MAIJI, Period.month(2024, m), "mediation_cases", 9.0) for m in range(1, 13)],
    )
    r = one(roll(store, raw, Y24, [TIANSHUI], ["mediation_cases"]), TIANSHUI, "mediation_cases")
    assert r["value"] == 700 and r["conflicts"] == 1
    assert pd.isna(r["finer_value"])  # a sum: the note names the unit (rollup.conflicts)


def test_conflicts_list_names_region_values_and_batches(store):
    from tests.rollup_support import replace_facts

    replace_facts(
        store,
        rows(
            *[
                (MAIJI, Period.month(2024, m), "mediation_cases", 9.0, False, False, 2)
                for m in range(1, 13)
            ],
            *[(c, Y24, "mediation_cases", 100.0, False, False, 3) for c in COUNTIES],
        ),
    )
    found = rollup.conflicts(store, [TIANSHUI], Y24, ["mediation_cases"])
    assert len(found) == 1
    c = found.iloc[0].to_dict()
    assert (c["region_code"], c["indicator_code"], c["value"], c["finer_value"]) == (
        MAIJI,
        "mediation_cases",
        100,
        108,
    )
    assert c["batch_ids"] == (3,) and c["finer_batch_ids"] == (2,)
