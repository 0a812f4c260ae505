"""Issue #18, roll-ups and comparisons: every figure right wherever it is shown.

A stock reported before the period's end is partial; an exact-period figure and the finer figures
of the same period that disagree are a conflict, shown; ranks on exact values; one rounding rule;
a change from an approximate figure is approximate. Each test failed on the code before #18.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lawstats.domain.catalog import load_catalog
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


# ---------------------------------------------------------------- ranks on exact values


def test_ranks_are_computed_on_exact_values_not_rounded_ones(store):
    from lawstats.analysis import dashboard
    from tests.rollup_support import replace_facts

    replace_facts(
        store,
        rows(
            (QINZHOU, Y24, "mediation_cases", 5000.0),
            (QINZHOU, Y24, "mediation_success", 4932.0),  # 98.64%
            (MAIJI, Y24, "mediation_cases", 5000.0),
            (MAIJI, Y24, "mediation_success", 4931.0),  # 98.62%: both show 98.6%
        ),
    )
    r = dashboard.ranking(store, TIANSHUI, Y24, "mediation_success_rate")
    ranked = r.table.set_index("region_code")
    # before #18 the roll-up rounded to 98.6 first: a false tie, both ranked 1
    assert (ranked.loc[QINZHOU, "rank"], ranked.loc[MAIJI, "rank"]) == (1, 2)
    headers = {k: k for k in ("rank", "region", "value", "previous", "rank_change", "note")}
    shown = dashboard.ranking_table(
        r, load_catalog().get("mediation_success_rate"), {**headers, "small": "s"}
    )
    assert list(shown["value"][:2]) == ["98.6%", "98.6%"]  # rounded only for display


def test_normalised_ranks_are_exact_too(store):
    from lawstats.analysis import dashboard
    from tests.rollup_support import replace_facts

    replace_facts(
        store,
        rows(
            (QINZHOU, Y24, "mediation_cases", 1234.0),
            (QINZHOU, Y24, "population", 1000.0),  # 1.234 per 10,000
            (MAIJI, Y24, "mediation_cases", 1231.0),
            (MAIJI, Y24, "population", 1000.0),  # 1.231: both 1.23
        ),
    )
    r = dashboard.ranking(store, TIANSHUI, Y24, "mediation_cases", "per_10k")
    ranked = r.table.set_index("region_code")
    assert (ranked.loc[QINZHOU, "rank"], ranked.loc[MAIJI, "rank"]) == (1, 2)


# ---------------------------------------------------------------- one rounding rule everywhere


@pytest.fixture
def rate_96_25(store):
    """秦州区 2024: 385 of 400 mediations succeeded (96.25%); 2023: 380 of 400 (95.0%)."""
    from tests.rollup_support import replace_facts

    replace_facts(
        store,
        rows(
            (QINZHOU, Y24, "mediation_cases", 400.0),
            (QINZHOU, Y24, "mediation_success", 385.0),
            (QINZHOU, Y23, "mediation_cases", 400.0),
            (QINZHOU, Y23, "mediation_success", 380.0),
        ),
    )
    return store


@pytest.mark.parametrize(
    "rule,rate,points", [("half_up", "96.3", "1.3"), ("half_even", "96.2", "1.2")]
)
def test_one_rounding_rule_on_page_text_json_and_export(
    rate_96_25, monkeypatch, rule, rate, points
):
    """385/400 = 96.25%, +1.25 points: Excel's ROUND gives 96.3 and 1.3 (half up, the
    default); GB/T 8170 gives 96.2 and 1.2. Whichever is set, every output says the same."""
    from lawstats.analysis import dashboard
    from lawstats.domain.formatting import rounding_note
    from lawstats.reports import report_text as rt

    monkeypatch.setenv("LAWSTATS_ROUNDING", rule)
    code = "mediation_success_rate"
    ind = load_catalog().get(code)
    frame = rollup.figures(rate_96_25, [QINZHOU], Y24, [code])
    row = frame.iloc[0].to_dict()
    card = dashboard.overview_cards(frame, pd.DataFrame(), period=Y24)[0]
    assert card.value_text == f"{rate}%" and card.delta == f"+{points} 个百分点"
    sentence = rt.figure_sentence(row, ind, scope="全区", period=Y24)
    assert sentence == f"全区调解成功率{rate}%，同比提高{points}个百分点。"
    (record,) = dashboard.figure_records(frame, Y24)
    assert (str(record["value"]), str(record["change"]), record["rounding"]) == (rate, points, rule)
    export = dashboard.figures_export(frame, Y24).iloc[0]
    assert (str(export["value"]), str(export["change"])) == (rate, points)
    assert ("四舍五入" if rule == "half_up" else "GB/T 8170") in rounding_note("zh")


def test_an_unknown_rounding_setting_is_refused(monkeypatch):
    from lawstats.domain.formatting import format_number

    monkeypatch.setenv("LAWSTATS_ROUNDING", "bankers")
    with pytest.raises(ValueError, match="LAWSTATS_ROUNDING"):
        format_number(96.25, 1)


# ---------------------------------------------------------------- approximate changes


def test_a_change_from_an_approximate_figure_is_approximate(store):
    from lawstats.analysis import dashboard
    from lawstats.reports import report_text as rt
    from tests.rollup_support import replace_facts

    code = "prelitigation_cases"
    replace_facts(
        store,
        rows((QINZHOU, Y23, code, 4000.0, True), (QINZHOU, Y24, code, 4276.0)),  # 4000余 → 4276
    )
    frame = rollup.figures(store, [QINZHOU], Y24, [code])
    row = frame.iloc[0].to_dict()
    assert row["change_is_approximate"] and row["previous_is_approximate"]
    card = dashboard.overview_cards(frame, pd.DataFrame(), period=Y24)[0]
    assert card.change_text == "▲ ≈6.9%" and card.delta == "+≈6.9%"
    ind = load_catalog().get(code)
    assert rt.figure_sentence(row, ind, scope="全区", period=Y24) == (
        "全区诉前调解4276件，同比约增长6.9%（上年为4000余件）。"
    )
    export = dashboard.figures_export(frame, Y24).iloc[0]
    assert export["change_is_approximate"] and export["previous_is_approximate"]


# ---------------------------------------------------------------- shown as of, and conflicts


def test_a_partial_stock_reads_as_of_its_month_on_cards_and_in_sentences(store):
    from lawstats.analysis import dashboard
    from lawstats.reports import report_text as rt
    from tests.rollup_support import replace_facts

    replace_facts(
        store,
        rows(
            (QINZHOU, Period.month(2024, 6), "mediators", 500.0),
            (QINZHOU, Period.month(2023, 12), "mediators", 480.0),
        ),
    )
    frame = rollup.figures(store, [QINZHOU], Y24, ["mediators"])
    card = dashboard.overview_cards(frame, pd.DataFrame(), period=Y24)[0]
    assert "截至2024年6月" in card.flags and card.delta is None
    row = frame.iloc[0].to_dict()
    text = rt.figure_sentence(row, load_catalog().get("mediators"), scope="全区", period=Y24)
    assert text == "全区人民调解员500人（截至2024年6月，非期末数），未作同比。"
    (record,) = dashboard.figure_records(frame, Y24)
    assert record["coverage"]["as_of_month"] == "2024年6月" and record["change"] is None


def test_a_conflict_is_on_the_figures_note(store):
    from lawstats.analysis import dashboard
    from tests.rollup_support import replace_facts

    replace_facts(
        store,
        rows(
            *[(QINZHOU, Period.month(2024, m), "mediation_cases", 100.0) for m in range(1, 13)],
            (QINZHOU, Y24, "mediation_cases", 1250.0),
        ),
    )
    frame = rollup.figures(store, [QINZHOU], Y24, ["mediation_cases"])
    card = dashboard.overview_cards(frame, pd.DataFrame(), period=Y24)[0]
    assert any("不一致" in f for f in card.flags)
    assert (
        "2024年报送数 1,250 件，各月（季）合计 1,200 件，二者不一致，采用2024年报送数" in card.help
    )


def test_an_annual_return_is_not_listed_as_missing_eleven_months(store):
    """The same class as the stock coverage (#18): the 催报 list counted a fact's first month
    only, so a county that sent its annual return showed as missing 11/12 months."""
    from lawstats.analysis import dashboard
    from tests.rollup_support import replace_facts

    replace_facts(
        store,
        rows(
            *[(c, Y24, "mediation_cases", 100.0) for c in COUNTIES[1:]],
            *[(QINZHOU, Period.month(2024, m), "mediation_cases", 10.0) for m in range(1, 10)],
        ),
    )
    missing = dashboard.missing_reporters(store, TIANSHUI, Y24)
    assert missing[["region_code", "months"]].values.tolist() == [[QINZHOU, 9]]
