"""The roll-up as the product runs it (grains in SQL, vectorised choice and roll-up) against the oracle.

tests/rollup_reference.py is the former pandas implementation, kept verbatim. On random fact sets
(gaps, partial months, mixed grains, approximate and not-reported figures, reported rates, stocks,
own figures at city and province level, several batches) the product must state exactly what the
oracle states, on DuckDB and on PostgreSQL. Then hand-computed edge cases and the demo's published
figures on both backends.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawstats.demo import facts as demo
from lawstats.domain.catalog import load_catalog
from lawstats.domain.formatting import round_figure
from lawstats.domain.periods import Period
from lawstats.store import rollup
from tests import rollup_reference as reference
from tests.rollup_support import BACKENDS, backend_store, replace_facts, roll, rows

CATALOG = load_catalog()
GANSU, TIANSHUI, DINGXI, JIAYUGUAN = "620000", "620500", "621100", "620200"
QINZHOU, MAIJI, QINGSHUI, ANDING = "620502", "620503", "620521", "621102"
REGIONS = [GANSU, TIANSHUI, QINZHOU, MAIJI, QINGSHUI, DINGXI, ANDING, JIAYUGUAN]
TARGETS = [GANSU, TIANSHUI, QINZHOU, DINGXI, JIAYUGUAN]
CODES = [
    "mediation_cases",
    "mediation_success",
    "mediation_success_rate",
    "office_staff",
    "prelitigation_cases",
    "office_budget",
]
RATE = "mediation_success_rate"
RATE_AND_PARTS = frozenset({"mediation_cases", "mediation_success", RATE})


def _fact_periods() -> list[Period]:
    out: list[Period] = []
    for y in (2023, 2024):
        out += [Period.month(y, m) for m in range(1, 13)]
        out += [Period.quarter(y, q) for q in range(1, 5)]
        out += [Period.months(y, 1, 6), Period.months(y, 7, 12), Period.year(y)]
    out += [Period.months(2024, 1, 9), Period(dt.date(2024, 1, 15), dt.date(2024, 2, 14))]
    return out


FACT_PERIODS = _fact_periods()
ASKED_PERIODS = [
    Period.year(2024),
    Period.year(2023),
    Period.months(2024, 1, 6),
    Period.quarter(2024, 2),
    Period.month(2024, 3),
    Period.months(2024, 1, 9),
    Period.quarter(2023, 4),
]


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, tmp_path_factory):
    yield from backend_store(request, tmp_path_factory)


# --------------------------------------------------------------------------- random fact sets


@st.composite
def fields(draw, code: str) -> tuple:
    """(value, approximate, reported rate, batch) for one fact; values exact in binary."""
    value = draw(
        st.one_of(
            st.integers(0, 400).map(lambda k: k / 4), st.sampled_from([0.0, 1.0]), st.just(math.nan)
        )
    )
    if code == RATE:
        value = value if math.isnan(value) else min(value, 100.0)
    approx = draw(st.sampled_from([False, False, False, True]))
    reported_rate = code == RATE or draw(st.sampled_from([False] * 9 + [True]))
    return value, approx, reported_rate, draw(st.integers(1, 4))


@st.composite
def fact_sets(draw, targets: list[str], periods: list[Period]) -> pd.DataFrame:
    """Runs of months with gaps (the tiling cases), rates with their parts at the targets and
    periods asked for, plus facts scattered over every region and grain."""
    found: dict[tuple, tuple] = {}
    for _ in range(draw(st.integers(0, 5))):
        region, code = draw(st.sampled_from(REGIONS)), draw(st.sampled_from(CODES))
        year = draw(st.sampled_from([2023, 2024]))
        for m in sorted(draw(st.one_of(st.just(range(1, 13)), st.sets(st.integers(1, 12))))):
            found[(region, Period.month(year, m), code)] = draw(fields(code))
        # the same range again in coarser pieces: the finest complete tiling must win
        for q in sorted(draw(st.one_of(st.just(range(1, 5)), st.sets(st.integers(1, 4))))):
            found[(region, Period.quarter(year, q), code)] = draw(fields(code))
        for h in sorted(draw(st.sets(st.integers(0, 1)))):
            found[(region, Period.months(year, 1 + 6 * h, 6 + 6 * h), code)] = draw(fields(code))
    for _ in range(draw(st.integers(0, 3))):  # a rate and its parts together, zeros likely
        region = draw(st.one_of(st.sampled_from(targets), st.sampled_from(REGIONS)))
        period = draw(st.one_of(st.sampled_from(periods), st.sampled_from(FACT_PERIODS)))
        parts = st.sampled_from(["mediation_cases", "mediation_success", RATE])
        codes = draw(st.one_of(st.just(RATE_AND_PARTS), st.sets(parts, min_size=1)))
        for code in sorted(codes):
            value, *flags = draw(fields(code))
            zero = code != RATE and draw(st.booleans())
            found[(region, period, code)] = (0.0 if zero else value, *flags)
    for _ in range(draw(st.integers(0, 30))):
        key = (
            draw(st.sampled_from(REGIONS)),
            draw(st.sampled_from(FACT_PERIODS)),
            draw(st.sampled_from(CODES)),
        )
        found[key] = draw(fields(key[2]))
    return rows(*[(r, p, c, *f) for (r, p, c), f in found.items()])


def same(a: object, b: object) -> bool:
    missing_a = a is None or (isinstance(a, float) and math.isnan(a))
    missing_b = b is None or (isinstance(b, float) and math.isnan(b))
    if missing_a or missing_b:
        return missing_a and missing_b
    return a == b


def assert_same_frames(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    for col in expected.columns:
        for i, (a, b) in enumerate(zip(got[col], expected[col], strict=True)):
            row = expected.iloc[i]
            assert same(a, b), (col, row["region_code"], row["indicator_code"], a, b)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    targets=st.lists(st.sampled_from(TARGETS), min_size=1, max_size=3, unique=True),
    periods=st.lists(st.sampled_from(ASKED_PERIODS), min_size=1, max_size=3, unique=True),
    codes=st.lists(st.sampled_from(CODES), min_size=1, max_size=6, unique=True),
    data=st.data(),
)
def test_rollup_states_what_the_reference_states(store, targets, periods, codes, data):
    raw = data.draw(fact_sets(targets, periods), label="facts")
    replace_facts(store, raw)
    got = rollup.series(store, targets, periods, codes)
    for i, period in enumerate(periods):
        inside = raw[(raw["period_start"] >= period.start) & (raw["period_end"] <= period.end)]
        expected = reference.compute(inside, period, targets, codes)
        mine = got[got["period_index"] == i].drop(columns="period_index").reset_index(drop=True)
        assert_same_frames(mine, expected)
    # the whole public call, last year and the change included, against the oracle's own reads
    assert_same_frames(
        rollup.figures(store, targets, periods[0], codes),
        reference.figures(store, targets, periods[0], codes),
    )


# --------------------------------------------------------------------------- hand-computed edges


def one(frame: pd.DataFrame, region: str, code: str) -> dict:
    hit = frame[(frame.region_code == region) & (frame.indicator_code == code)]
    assert len(hit) == 1
    return hit.iloc[0].to_dict()


Y = Period.year(2024)


def test_own_figures_at_every_level_beat_their_children(store):
    raw = rows(
        (QINZHOU, Y, "mediation_cases", 10.0, False, False, 1),
        (MAIJI, Y, "mediation_cases", 20.0, False, False, 2),
        (TIANSHUI, Y, "mediation_cases", 500.0, False, False, 3),  # the city's own figure
        (ANDING, Y, "mediation_cases", 7.0, True, False, 4),
        (GANSU, Y, "mediation_cases", 9999.0, False, False, 5),  # the province's own figure
    )
    out = roll(store, raw, Y, [GANSU, TIANSHUI, DINGXI, QINZHOU], ["mediation_cases"])
    assert one(out, GANSU, "mediation_cases")["value"] == 9999
    assert one(out, GANSU, "mediation_cases")["batch_ids"] == (5,)
    city = one(out, TIANSHUI, "mediation_cases")
    assert (city["value"], city["derived"], city["batch_ids"]) == (500, False, (3,))
    assert city["units_reported"] == city["units_expected"] == 7
    dingxi = one(out, DINGXI, "mediation_cases")
    assert (dingxi["value"], dingxi["is_approximate"], dingxi["units_reported"]) == (7, True, 1)
    # without the province's own figure: 天水 (own, 7 units) + 定西 (1 of its units)
    out = roll(store, raw[raw.region_code != GANSU], Y, [GANSU], ["mediation_cases"])
    province = one(out, GANSU, "mediation_cases")
    assert (province["value"], province["units_reported"]) == (507, 8)
    assert province["is_approximate"] and province["batch_ids"] == (3, 4)


def test_reported_rate_stands_in_only_without_parts_of_its_own(store):
    raw = rows(
        (QINZHOU, Y, "mediation_cases", 0.0),
        (QINZHOU, Y, "mediation_success", 0.0),
        (QINZHOU, Y, RATE, 96.5, False, True, 7),
        (MAIJI, Y, "mediation_cases", 0.0),
        (MAIJI, Y, "mediation_success", 0.0),
        (TIANSHUI, Y, RATE, 97.5, False, True, 8),
    )
    out = roll(store, raw, Y, [QINZHOU, TIANSHUI], [RATE])
    # 秦州 has both parts (0 of 0 cases): no rate, and its reported 96.5 does not stand in
    assert pd.isna(one(out, QINZHOU, RATE)["value"])
    # 天水 has no parts of its own and its units' parts give no rate: its reported rate stands
    city = one(out, TIANSHUI, RATE)
    assert (city["value"], city["is_reported_rate"], city["batch_ids"]) == (97.5, True, (8,))
    for target in (QINZHOU, TIANSHUI):
        expected = reference.compute(raw, Y, [target], [RATE])
        mine = out[out.region_code == target].reset_index(drop=True)
        assert_same_frames(mine, expected)


def test_parts_beat_a_reported_rate_and_batches_of_both_parts_count(store):
    raw = rows(
        (QINZHOU, Y, "mediation_cases", 200.0, False, False, 1),
        (QINZHOU, Y, "mediation_success", 199.0, False, False, 2),
        (QINZHOU, Y, RATE, 90.0, False, True, 3),
    )
    r = one(roll(store, raw, Y, [QINZHOU], [RATE]), QINZHOU, RATE)
    assert (r["value"], r["is_reported_rate"], r["batch_ids"]) == (99.5, False, (1, 2))


def test_grid_order_duplicates_and_empty_store(store):
    out = roll(store, rows(), Y, [TIANSHUI, QINZHOU, TIANSHUI], [RATE, "office_staff", RATE])
    assert list(zip(out.region_code, out.indicator_code, strict=True)) == [
        (TIANSHUI, RATE),
        (TIANSHUI, "office_staff"),
        (TIANSHUI, RATE),
        (QINZHOU, RATE),
        (QINZHOU, "office_staff"),
        (QINZHOU, RATE),
    ]
    assert out["value"].isna().all() and (out["units_reported"] == 0).all()
    assert (out["units_expected"].tolist()[:2], out["batch_ids"].tolist()[0]) == ([7, 7], ())


def test_many_periods_in_one_call_equal_one_call_each(store):
    raw = rows(
        *[
            (QINZHOU, Period.month(y, m), "mediation_cases", float(m + y % 10))
            for y in (2023, 2024)
            for m in range(1, 13)
        ],
        *[(MAIJI, Period.month(2024, m), "office_staff", float(30 + m)) for m in range(1, 13)],
    )
    replace_facts(store, raw)
    months = [Period.month(y, m) for y in (2023, 2024) for m in range(1, 13)]
    together = rollup.series(store, [TIANSHUI], months, ["mediation_cases", "office_staff"])
    for i in (0, 5, 17, 23):
        alone = rollup.series(store, [TIANSHUI], [months[i]], ["mediation_cases", "office_staff"])
        mine = together[together.period_index == i].drop(columns="period_index")
        assert_same_frames(mine.reset_index(drop=True), alone.drop(columns="period_index"))


# --------------------------------------------------------------------------- published figures


def test_demo_published_figures_on_this_backend(store):
    facts = demo.generate_demo_facts()
    units = demo.demo_units()
    wanted: dict[tuple[str, int], list[str]] = {}
    for fig in demo.PUBLISHED:
        wanted.setdefault((fig.city_code, fig.year), []).append(fig.indicator_code)
    keep = pd.Series(False, index=facts.index)
    years = pd.Series([d.year for d in facts["period_start"]], index=facts.index)
    for (city, year), codes in wanted.items():
        needed = rollup.needed_codes(codes, CATALOG)
        keep |= (
            facts["region_code"].isin(units[city])
            & facts["indicator_code"].isin(needed)
            & years.isin([year, year - 1])
        )
    part = facts[keep].assign(period_months=0, is_reported_rate=False, batch_id=1)
    replace_facts(store, part[reference.RAW_COLUMNS])
    checked = 0
    for (city, year), codes in wanted.items():
        got = rollup.figures(store, [city], Period.year(year), codes).set_index("indicator_code")
        for fig in (f for f in demo.PUBLISHED if (f.city_code, f.year) == (city, year)):
            row = got.loc[fig.indicator_code]
            # exact values, as published once rounded for a reader
            decimals = CATALOG.get(fig.indicator_code).decimals
            assert round_figure(row["value"], decimals) == fig.value, (city, fig.indicator_code)
            assert bool(row["is_approximate"]) == fig.is_approximate
            assert row["units_reported"] == row["units_expected"] == len(units[city])
            checked += 1
        if (city, year) == (TIANSHUI, 2024):
            assert got.loc["office_staff", "previous"] == 308  # 比上年增加 66 人
            checked += 1
    assert checked == len(demo.PUBLISHED) + 1 == 46
