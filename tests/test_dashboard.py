"""Dashboard metrics with hand-computed answers: ranks, ties, normalisation, notes, periods, exports."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from lawstats.analysis import dashboard
from lawstats.domain import safecell as exports
from lawstats.domain.catalog import load_catalog
from lawstats.domain.periods import Period
from lawstats.domain.regions import load_regions
from lawstats.store import get_engine, transaction
from lawstats.store.revisions import BatchInfo, write_facts
from lawstats.store.rollup import figures

TIANSHUI = "620500"
QINZHOU, MAIJI, QINGSHUI, QINAN = "620502", "620503", "620521", "620522"
Y2023, Y2024 = Period.year(2023), Period.year(2024)


@pytest.mark.parametrize(
    "values,expected",
    [
        ([30, 20, 20, 10], [1, 2, 2, 4]),
        ([5, 5, 5], [1, 1, 1]),
        ([1, None, 3], [2, None, 1]),
    ],
)
def test_competition_rank_shares_ties(values, expected):
    got = dashboard.competition_rank(pd.Series(values, dtype="float64")).tolist()
    assert [None if pd.isna(x) else int(x) for x in got] == expected


def test_competition_rank_lower_is_better():
    assert dashboard.competition_rank(pd.Series([3.0, 1.0, 2.0]), descending=False).tolist() == [
        3,
        1,
        2,
    ]


@pytest.mark.parametrize(
    "better,change,colour",
    [
        ("up", 5.0, "good"),
        ("up", -1.0, "bad"),
        ("down", 5.0, "bad"),
        ("down", -2.0, "good"),
        ("none", 9.0, "neutral"),
        ("up", None, "neutral"),
        ("up", 0.0, "neutral"),
    ],
)
def test_change_colour_follows_better_direction(better, change, colour):
    assert dashboard.change_colour(better, change) == colour


@pytest.mark.parametrize(
    "change,unit,lang,text",
    [
        (8.0, "%", "zh", "+8.0%"),
        (-0.3, "pp", "zh", "-0.3 个百分点"),
        (1.25, "pp", "en", "+1.3 pp"),  # half up by default (LAWSTATS_ROUNDING), as Excel
        (None, "%", "zh", None),
    ],
)
def test_signed_change(change, unit, lang, text):
    assert dashboard.signed_change(change, unit, lang) == text


@pytest.mark.parametrize(
    "change,text", [(2, "↑2"), (-1, "↓1"), (0, "＝"), (None, "—"), (pd.NA, "—")]
)
def test_rank_change_text(change, text):
    assert dashboard.rank_change_text(change) == text


@pytest.mark.parametrize(
    "kind,year,part,label",
    [
        ("year", 2024, 1, "2024年"),
        ("quarter", 2024, 2, "2024年第二季度"),
        ("month", 2024, 3, "2024年3月"),
        ("ytd", 2024, 6, "2024年1-6月"),
        ("ytd", 2024, 12, "2024年"),
    ],
)
def test_make_period_and_back(kind, year, part, label):
    p = dashboard.make_period(kind, year, part)
    assert p.label == label
    if not (kind == "ytd" and part == 12):
        assert dashboard.period_parts(p) == (kind, year, part)


def test_same_kind_back_keeps_the_range():
    got = [p.label for p in dashboard.same_kind_back(Period.months(2024, 1, 6), 3)]
    assert got == ["2022年1-6月", "2023年1-6月", "2024年1-6月"]


@pytest.mark.parametrize(
    "cell,safe",
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-cmd", "'-cmd"),
        ("@x", "'@x"),
        ("秦州区", "秦州区"),
        (5, 5),
    ],
)
def test_safe_cell(cell, safe):
    assert exports.safe_cell(cell) == safe


def test_exports_read_back_neutralised():
    frame = pd.DataFrame({"name": ["=1+1", "秦州区"], "value": [1.5, 2.0]})
    text = exports.to_csv_bytes(frame).decode("utf-8-sig")
    assert "'=1+1" in text and "秦州区" in text
    wb = openpyxl.load_workbook(io.BytesIO(exports.to_excel_bytes(frame)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows == [("name", "value"), ("'=1+1", 1.5), ("秦州区", 2.0)]


# --------------------------------------------------------------------------- on a tiny store


def _fact(region, period, code, value):
    return {
        "region_code": region,
        "period_start": period.start,
        "period_end": period.end,
        "indicator_code": code,
        "value": value,
    }


@pytest.fixture
def tiny(tmp_path):
    """Four Tianshui counties with yearly figures for 2023 and 2024 (other 3 counties silent)."""
    engine = get_engine(str(tmp_path / "tiny.duckdb"))
    rows = []
    cases = {QINZHOU: (100, 300), MAIJI: (200, 200), QINGSHUI: (150, 200), QINAN: (5, 8)}
    success = {QINZHOU: (98, 297), MAIJI: (196, 198), QINGSHUI: (147, 197), QINAN: (5, 8)}
    pop = {QINZHOU: 60.0, MAIJI: 50.0, QINGSHUI: 20.0, QINAN: 40.0}
    for code, (a, b) in cases.items():
        rows += [_fact(code, Y2023, "mediation_cases", a), _fact(code, Y2024, "mediation_cases", b)]
        s23, s24 = success[code]
        rows += [
            _fact(code, Y2023, "mediation_success", s23),
            _fact(code, Y2024, "mediation_success", s24),
        ]
        rows += [
            _fact(code, Period.month(2023, 12), "population", pop[code]),
            _fact(code, Period.month(2024, 12), "population", pop[code]),
        ]
    with transaction(engine) as conn:
        write_facts(conn, BatchInfo("tiny.xlsx", "x" * 64, "manual", "test"), pd.DataFrame(rows))
    return engine


def test_ranking_absolute_ties_and_rank_change(tiny):
    r = dashboard.ranking(tiny, TIANSHUI, Y2024, "mediation_cases")
    t = r.table.set_index("region_code")
    # 2024: 秦州 300, 麦积 200, 清水 200, 秦安 8 -> 1,2,2,4 ; 2023: 麦积 200, 清水 150, 秦州 100, 秦安 5
    assert t.loc[[QINZHOU, MAIJI, QINGSHUI, QINAN], "rank"].tolist() == [1, 2, 2, 4]
    assert t.loc[[QINZHOU, MAIJI, QINGSHUI, QINAN], "previous_rank"].tolist() == [3, 1, 2, 4]
    assert t.loc[QINZHOU, "rank_change"] == 2 and t.loc[MAIJI, "rank_change"] == -1
    assert r.small == [QINAN]
    # counties without data stay unranked, listed last
    assert pd.isna(t.loc["620523", "rank"]) and r.table["region_code"].iloc[-1] == "620525"


def test_ranking_per_10k_residents(tiny):
    r = dashboard.ranking(tiny, TIANSHUI, Y2024, "mediation_cases", "per_10k")
    t = r.table.set_index("region_code")
    # per 10,000 residents: population is in 万人 -> 300/60=5, 200/50=4, 200/20=10, 8/40=0.2
    assert t.loc[[QINZHOU, MAIJI, QINGSHUI, QINAN], "value"].tolist() == [5.0, 4.0, 10.0, 0.2]
    assert t.loc[[QINGSHUI, QINZHOU, MAIJI, QINAN], "rank"].tolist() == [1, 2, 3, 4]


def test_ranking_rate_ceiling_note_and_no_normalisation(tiny):
    r = dashboard.ranking(tiny, TIANSHUI, Y2024, "mediation_success_rate", "per_10k")
    assert r.normalisation == "absolute"
    t = r.table.set_index("region_code")
    # 297/300=99.0, 198/200=99.0, 197/200=98.5, 8/8=100.0
    assert t.loc[[QINZHOU, MAIJI, QINGSHUI, QINAN], "value"].tolist() == [99.0, 99.0, 98.5, 100.0]
    assert t.loc[[QINAN, QINZHOU, MAIJI, QINGSHUI], "rank"].tolist() == [1, 2, 2, 4]
    assert r.ceiling and r.ceiling_band == (98.5, 100.0)
    assert r.small == [QINAN]  # 8 cases behind the rate


def test_ranking_values_equal_rollup_figures(tiny):
    r = dashboard.ranking(tiny, TIANSHUI, Y2024, "mediation_cases")
    fr = figures(tiny, [QINZHOU, MAIJI], Y2024, ["mediation_cases"]).set_index("region_code")
    t = r.table.set_index("region_code")
    assert t.loc[QINZHOU, "value"] == fr.loc[QINZHOU, "value"] == 300


def test_missing_reporters_lists_silent_counties(tiny):
    m = dashboard.missing_reporters(tiny, TIANSHUI, Y2024)
    # yearly facts cover no single month start... each reporting county has one distinct start
    assert set(m["region_code"]) >= {"620523", "620524", "620525"}
    assert set(m.loc[m["months"] == 0, "region_code"]) == {"620523", "620524", "620525"}


def test_series_values_match_figures(tiny):
    s = dashboard.series_values(tiny, [TIANSHUI], [Y2023, Y2024], ["mediation_cases"])
    assert s["value"].tolist() == [455.0, 708.0]
    assert (s["units_reported"] == 4).all() and (s["units_expected"] == 7).all()


def test_overview_cards_flags_and_colours(tiny):
    frame = figures(tiny, [TIANSHUI], Y2024, ["mediation_cases", "mediation_success_rate"])
    spark = dashboard.series_values(tiny, [TIANSHUI], [Y2023, Y2024], ["mediation_cases"])
    cards = {c.code: c for c in dashboard.overview_cards(frame, spark, "zh")}
    c = cards["mediation_cases"]
    assert c.value_text == "708 件" and c.spark == [455.0, 708.0]
    assert "4/7 县区已报" in c.flags
    assert c.delta is None  # incomplete coverage: no year-on-year claim
    assert cards["mediation_success_rate"].help.startswith(
        load_catalog().get("mediation_success_rate").definition_zh
    )


def test_latest_complete_year(tiny, tmp_path):
    assert dashboard.latest_complete_year(tiny) == 2024
    assert dashboard.latest_complete_year(get_engine(str(tmp_path / "empty.duckdb"))) is None


def test_methodology_lists_every_indicator_with_formula():
    cat = load_catalog()
    texts = {k: k for k in dashboard.METHOD_KEYS}
    table = dashboard.methodology_table(cat, "zh", texts)
    assert len(table) == len(cat)
    row = table.set_index("code").loc["mediation_success_rate"]
    assert row["formula"] == "调解成功件数 ÷ 调解矛盾纠纷件数 × 100"


def test_synthetic_small_database(tmp_path):
    from lawstats.demo.synthetic import build_synthetic, synthetic_counties

    engine = get_engine(str(tmp_path / "synth.duckdb"))
    res = build_synthetic(engine, months=13, county_limit=4)
    assert res["counties"] == 4 and res["facts"] == 4 * 13 * res["indicators"]
    counties = synthetic_counties(limit=4)
    fr = figures(engine, counties, Period.year(2025), ["mediation_success_rate", "population"])
    rates = fr[fr["indicator_code"] == "mediation_success_rate"]["value"]
    assert rates.between(90, 100).all()
    assert len(synthetic_counties()) >= 2846
    assert dt.date(2025, 12, 31) == pd.Timestamp(fr["as_of"].dropna().max()).date()


def test_synthetic_batches_are_monthly_files_stored_in_upload_order(tmp_path):
    """One batch per city and month, as real files arrive; the facts lie on disk in that
    order (the benchmark's raw queries and ours then read a realistic table)."""
    from lawstats.demo.synthetic import build_synthetic, synthetic_counties

    engine = get_engine(str(tmp_path / "synth.duckdb"))
    res = build_synthetic(engine, months=14, county_limit=30)
    counties = synthetic_counties(limit=30)
    regions = load_regions()
    cities = {regions.get(c).parent_code for c in counties}
    with engine.connect() as conn:
        got = pd.read_sql(
            sa.text(
                "SELECT b.id, b.context_code, b.period_label, b.facts_written, count(f.id) AS n,"
                " count(DISTINCT f.period_start) AS months"
                " FROM batches b JOIN facts f ON f.batch_id = b.id"
                " GROUP BY ALL ORDER BY b.id"
            ),
            conn,
        )
        order = pd.read_sql(sa.text("SELECT batch_id FROM facts ORDER BY rowid"), conn)["batch_id"]
    assert len(got) == len(cities) * 14
    assert (got["months"] == 1).all() and (got["n"] == got["facts_written"]).all()
    assert set(got["context_code"]) == cities
    assert got["period_label"].iloc[0] == "2024年11月"
    assert int(got["n"].sum()) == res["facts"]
    assert order.is_monotonic_increasing  # upload order on disk
    # a county's year comes from twelve files: every one is named behind its figure
    fr = figures(engine, counties[:1], Period.year(2025), ["mediation_cases"])
    assert len(fr["batch_ids"].iloc[0]) == 12
