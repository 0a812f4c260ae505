"""Tests of the demo dataset generator: published totals, determinism, shape and internal consistency."""

from __future__ import annotations

import time
from datetime import date

import numpy as np
import pandas as pd
import pytest

from lawstats.demo import facts as demo
from lawstats.domain.catalog import load_catalog

CATALOG = load_catalog()
KIND = {i.code: i.kind for i in CATALOG}
UNIT = {i.code: i.unit for i in CATALOG}
GENERATED = [i.code for i in CATALOG if i.kind in ("flow", "stock")]
STOCKS = [i.code for i in CATALOG if i.kind == "stock"]
N_MONTHS = 84

# (smaller, larger): smaller <= larger on every unit-month row.
NOT_ABOVE = [
    ("mediation_success", "mediation_cases"),
    ("judicial_confirmations", "mediation_success"),
    ("mediation_cases", "disputes_screened"),
    ("released_handed_over", "released_total"),
    ("reconsideration_mediated", "reconsideration_accepted"),
    ("reconsideration_closed", "reconsideration_accepted"),
    ("reconsideration_mediated", "reconsideration_closed"),
    ("mediation_orgs_sector", "mediation_orgs"),
    ("village_legal_advisers", "mediation_orgs"),
    ("mediators_fulltime", "mediators"),
    ("office_quota_used", "office_quota"),
    ("office_quota_used", "office_staff"),
    ("office_fully_staffed", "office_count"),
    ("office_one_person", "office_count"),
    ("office_over_120sqm", "office_count"),
    ("office_model", "office_count"),
]


@pytest.fixture(scope="module")
def facts() -> pd.DataFrame:
    return demo.generate_demo_facts()


@pytest.fixture(scope="module")
def dated(facts: pd.DataFrame) -> pd.DataFrame:
    """The facts with city, year and month columns added."""
    parent = {u: city for city, units in demo.demo_units().items() for u in units}
    out = facts.copy()
    out["city"] = out["region_code"].map(parent)
    out["year"] = [d.year for d in out["period_start"]]
    out["month"] = [d.month for d in out["period_start"]]
    return out


@pytest.fixture(scope="module")
def wide(dated: pd.DataFrame) -> pd.DataFrame:
    """One row per unit and month, one column per indicator."""
    return dated.pivot(
        index=["city", "region_code", "year", "month"], columns="indicator_code", values="value"
    )


def _fig_id(fig: demo.PublishedFigure) -> str:
    return f"{fig.city_code}-{fig.year}-{fig.indicator_code}"


# --------------------------------------------------------------------------- published figures


@pytest.mark.parametrize("fig", demo.PUBLISHED, ids=_fig_id)
def test_published_figure_is_matched_exactly(facts: pd.DataFrame, fig: demo.PublishedFigure):
    assert fig.indicator_code in CATALOG
    assert demo.city_total(facts, fig.city_code, fig.year, fig.indicator_code) == fig.value


@pytest.mark.parametrize(
    "fig", [f for f in demo.PUBLISHED if KIND[f.indicator_code] != "ratio"], ids=_fig_id
)
def test_published_figure_approximate_flag(dated: pd.DataFrame, fig: demo.PublishedFigure):
    rows = dated[
        (dated["city"] == fig.city_code)
        & (dated["year"] == fig.year)
        & (dated["indicator_code"] == fig.indicator_code)
    ]
    assert len(rows) == 12 * len(demo.demo_units()[fig.city_code])
    assert (rows["is_approximate"] == fig.is_approximate).all()


def test_only_published_approximate_figures_are_flagged(dated: pd.DataFrame):
    flagged = dated[dated["is_approximate"]]
    got = set(zip(flagged["city"], flagged["indicator_code"], flagged["year"], strict=True))
    expected = {(f.city_code, f.indicator_code, f.year) for f in demo.PUBLISHED if f.is_approximate}
    assert got == expected
    assert expected == {
        ("141100", "prelitigation_cases", 2023),
        ("141100", "law_ambassadors", 2023),
        ("350500", "mediation_orgs", 2024),
        ("350500", "mediators", 2024),
    }


def test_tianshui_office_staff_rose_by_66(facts: pd.DataFrame):
    assert demo.city_total(facts, "620500", 2023, "office_staff") == 308
    assert demo.city_total(facts, "620500", 2024, "office_staff") == 374


def test_published_rates_follow_from_their_parts(facts: pd.DataFrame):
    cases = demo.city_total(facts, "620500", 2024, "mediation_cases")
    success = demo.city_total(facts, "620500", 2024, "mediation_success")
    assert round(success / cases * 100, 1) == 98.6
    assert demo.city_total(facts, "621100", 2023, "disputes_screened") == 2607


def test_published_figures_hold_for_another_seed():
    other = demo.generate_demo_facts(seed=7)
    for fig in demo.PUBLISHED:
        assert demo.city_total(other, fig.city_code, fig.year, fig.indicator_code) == fig.value


# --------------------------------------------------------------------------- shape


def test_deterministic(facts: pd.DataFrame):
    pd.testing.assert_frame_equal(facts, demo.generate_demo_facts())
    assert not facts["value"].equals(demo.generate_demo_facts(seed=1)["value"])


def test_columns_and_types(facts: pd.DataFrame):
    assert tuple(facts.columns) == demo.COLUMNS
    assert facts["value"].dtype == np.float64
    assert facts["is_approximate"].dtype == bool
    assert all(isinstance(c, str) for c in facts["region_code"].unique())
    assert all(isinstance(c, str) for c in facts["indicator_code"].unique())
    starts, ends = set(facts["period_start"]), set(facts["period_end"])
    assert all(type(d) is date and d.day == 1 for d in starts)
    assert all(type(d) is date for d in ends)
    assert all((d + pd.Timedelta(days=1)).day == 1 for d in ends)
    assert min(starts) == date(2019, 1, 1) and max(ends) == date(2025, 12, 31)


def test_no_ratio_rows_and_every_flow_and_stock(facts: pd.DataFrame):
    assert set(facts["indicator_code"]) == set(GENERATED)


def test_no_missing_values(facts: pd.DataFrame):
    assert not facts.isna().any().any()
    assert (facts["value"] >= 0).all()


def test_month_coverage_is_complete(facts: pd.DataFrame):
    n_units = sum(len(u) for u in demo.demo_units().values())
    assert len(facts) == n_units * len(GENERATED) * N_MONTHS
    per_series = facts.groupby(["region_code", "indicator_code"])["period_start"].nunique()
    assert len(per_series) == n_units * len(GENERATED)
    assert (per_series == N_MONTHS).all()
    assert not facts.duplicated(["region_code", "indicator_code", "period_start"]).any()


def test_generation_is_fast():
    started = time.perf_counter()
    demo.generate_demo_facts()
    assert time.perf_counter() - started < 5.0


# --------------------------------------------------------------------------- reporting units


def test_unit_counts_per_city(facts: pd.DataFrame):
    units = demo.demo_units()
    assert {c: len(u) for c, u in units.items()} == {
        "620500": 7,
        "350500": 12,
        "141100": 13,
        "610500": 11,
        "621100": 7,
    }
    present = set(facts["region_code"])
    assert present == {u for us in units.values() for u in us}
    assert "350527" not in present  # 金门县 never reports
    assert "350599" in present  # 泉州台商投资区 reports like a county
    assert not present & set(demo.DEMO_CITIES)


# --------------------------------------------------------------------------- consistency


@pytest.mark.parametrize(("smaller", "larger"), NOT_ABOVE, ids=lambda p: str(p))
def test_part_never_exceeds_whole(wide: pd.DataFrame, smaller: str, larger: str):
    assert (wide[smaller] <= wide[larger]).all()


@pytest.mark.parametrize("code", GENERATED)
def test_values_have_the_units_resolution(facts: pd.DataFrame, code: str):
    values = facts.loc[facts["indicator_code"] == code, "value"].to_numpy()
    if UNIT[code] in ("万元", "万人"):
        assert np.allclose(values * 100, np.round(values * 100), atol=1e-6)
    else:
        assert (values == np.round(values)).all()


def test_success_rates_are_plausible(wide: pd.DataFrame):
    unit_year = wide.groupby(["city", "region_code", "year"]).sum()
    rate = unit_year["mediation_success"] / unit_year["mediation_cases"] * 100
    assert ((rate >= 95) & (rate <= 99.9)).mean() > 0.85
    city_year = wide.groupby(["city", "year"]).sum()
    city_rate = city_year["mediation_success"] / city_year["mediation_cases"] * 100
    assert city_rate.between(95, 99.9).all()
    handover = unit_year["released_handed_over"] / unit_year["released_total"] * 100
    assert (handover == 100).mean() > 0.75
    assert (handover >= 97).mean() > 0.95
    assert city_year["judicial_confirmations"].gt(0).all()


def test_population_is_plausible(wide: pd.DataFrame):
    dec_2024 = wide.xs((2024, 12), level=("year", "month"))["population"]
    city = dec_2024.groupby(level="city").sum()
    expected = {"350500": 890, "610500": 460, "141100": 330, "621100": 250, "620500": 290}
    for code, level in expected.items():
        assert abs(city[code] - level) / level < 0.05
    assert dec_2024.between(5, 250).all()
    assert 55 <= dec_2024.loc[("620500", "620502")] <= 65  # 秦州区


def test_village_legal_advisers_per_county(wide: pd.DataFrame):
    levels = wide.xs((2024, 12), level=("year", "month"))["village_legal_advisers"]
    assert levels.between(50, 600).all()
    assert 100 <= levels.median() <= 400


def test_flows_are_seasonal_and_grow(dated: pd.DataFrame):
    cases = dated[dated["indicator_code"] == "mediation_cases"]
    by_month = cases.groupby("month")["value"].sum()
    assert by_month[[1, 2]].mean() > by_month.mean() * 1.1
    assert by_month[[7, 8]].mean() > by_month[[10, 11]].mean()
    by_year = cases.groupby(["city", "year"])["value"].sum().unstack()
    assert (by_year[2025] > by_year[2019]).all()


def test_larger_units_carry_more_cases(wide: pd.DataFrame):
    totals = wide.groupby(["city", "region_code"])[["mediation_cases", "population"]].mean()
    corr = np.corrcoef(totals["mediation_cases"], totals["population"])[0, 1]
    assert corr > 0.7


# --------------------------------------------------------------------------- stocks


def test_stock_year_on_year_changes_are_plausible(dated: pd.DataFrame):
    dec = dated[dated["indicator_code"].isin(STOCKS) & (dated["month"] == 12)]
    city = dec.groupby(["indicator_code", "city", "year"])["value"].sum().unstack("year")
    change = city.diff(axis=1).iloc[:, 1:]
    relative = (change / city.shift(axis=1).iloc[:, 1:]).abs()
    assert ((relative < 0.4) | (change.abs() <= 2)).all().all()
    unit = dec.pivot(index=["indicator_code", "region_code"], columns="year", values="value")
    unit_change = unit.diff(axis=1).iloc[:, 1:]
    unit_relative = (unit_change / unit.shift(axis=1).iloc[:, 1:]).abs()
    assert ((unit_relative < 0.4) | (unit_change.abs() <= 3)).all().all()


def test_stocks_change_at_most_three_times_a_year(dated: pd.DataFrame):
    stocks = dated[dated["indicator_code"].isin(STOCKS)].sort_values(
        ["region_code", "indicator_code", "period_start"]
    )
    series = stocks.groupby(["region_code", "indicator_code"])["value"]
    moved = series.diff().fillna(0).ne(0)
    changes = moved.groupby([stocks["region_code"], stocks["indicator_code"], stocks["year"]]).sum()
    assert changes.max() <= 3
    assert changes.mean() < 2


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("total", "weights", "caps", "expected"),
    [
        (10, [1, 1, 1], None, [4, 3, 3]),
        (7, [0, 1, 1], None, [0, 4, 3]),
        (5, [10, 1, 1], [2, 5, 5], [2, 2, 1]),
        (0, [1, 2], None, [0, 0]),
        (3, [0, 0, 0], [1, 1, 1], [1, 1, 1]),
    ],
)
def test_apportion(total, weights, caps, expected):
    caps_arr = None if caps is None else np.array(caps)
    got = demo._apportion(total, np.array(weights, dtype=float), caps_arr)
    assert got.tolist() == expected


def test_apportion_refuses_impossible_caps():
    with pytest.raises(ValueError):
        demo._apportion(5, np.ones(2), np.array([1, 1]))


def test_city_total_semantics():
    rows = []
    for month in range(1, 13):
        start = date(2024, month, 1)
        end = (pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date()
        for region, cases, orgs in (("620502", 10, 5 + month), ("620503", 1, 100)):
            rows.append((region, start, end, "mediation_cases", float(cases), False))
            rows.append((region, start, end, "mediation_success", float(cases - 1), False))
            rows.append((region, start, end, "mediation_orgs", float(orgs), False))
    frame = pd.DataFrame(rows, columns=list(demo.COLUMNS))
    assert demo.city_total(frame, "620500", 2024, "mediation_cases") == 132
    assert demo.city_total(frame, "620500", 2024, "mediation_orgs") == 117
    assert demo.city_total(frame, "620500", 2024, "mediation_success_rate") == 81.8
    assert demo.city_total(frame, "620500", 2023, "mediation_cases") == 0


def test_the_second_edition_groups_are_plausible(facts):
    """示例数据 for the new groups (#19 item 5): sizes a bureau of ~300万 people reports, and the
    relations real figures keep."""
    from lawstats.demo.facts import city_total

    def total(code: str, city: str = "620500") -> float:
        return city_total(facts, city, 2024, code)

    for city in ("620500", "350500", "141100", "610500", "621100"):
        assert total("legal_aid_closed", city) <= total("legal_aid_cases", city)
        assert total("legal_aid_recipients", city) >= total("legal_aid_cases", city)
        assert total("reconsideration_received", city) >= total("reconsideration_accepted", city)
        assert total("reconsideration_upheld", city) <= total("reconsideration_closed", city)
        assert total("cc_absconded", city) < total("cc_enrolled", city) / 50
        assert total("litigation_head_appearances", city) <= total("litigation_responses", city)
    assert 5 <= total("pls_centres") <= 20 and 5 <= total("notary_offices") <= 20
    assert 200 <= total("cc_enrolled") <= 2000 and 200 <= total("lawyers") <= 2000
    assert total("cc_reoffence_rate") < 1.0  # 再犯罪率 in percent
    assert 5 <= total("reconsideration_correction_rate") <= 25
