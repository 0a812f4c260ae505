"""A figure by its breakdown (#19 item 3): roll-ups, year over year and ranks on a member as on any
figure; the composition (share of total, change by member, movers); the report's 其中 sentence
with its batches; the Excel export's member rows; the overview's composition view."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from etl.load import load_bytes
from lawstats.analysis import dashboard
from lawstats.analysis.composition import composition_table, compositions
from lawstats.domain.catalog import load_catalog
from lawstats.domain.periods import Period
from lawstats.reports.report import build_report
from lawstats.reports.report_xlsx import detail_frame
from lawstats.store import get_engine
from lawstats.store.rollup import figures
from tests.page_support import page_on_store

TIANSHUI = "620500"
Y2024, Y2023 = Period.year(2024), Period.year(2023)
MARRIAGE = "mediation_cases.dispute_type.marriage_family"
NEIGHBOURS = "mediation_cases.dispute_type.neighbourhood"
# (county, total, 婚姻家庭, 邻里, 其他): members across the columns under a merged header
COUNTIES = {
    2024: [("秦州区", 3120, 620, 1100, 400), ("麦积区", 2980, 500, 900, None)],
    2023: [("秦州区", 2900, 700, 800, 380), ("麦积区", 2700, 450, 1000, 300)],
}


def workbook(year: int) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([f"天水市{year}年人民调解工作情况统计表"])
    ws.append(["地区", "调解纠纷（件）", None, None, None])
    ws.append([None, "合计", "婚姻家庭", "邻里", "其他"])
    ws.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)
    ws.merge_cells(start_row=2, start_column=2, end_row=2, end_column=5)
    for row in COUNTIES[year]:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def loaded(engine):
    for year in (2023, 2024):
        res = load_bytes(engine, workbook(year), f"tianshui_{year}.xlsx")
        assert res.status == "loaded", [p.message_en for p in res.report.problems]
    return engine


def test_members_roll_up_compare_and_rank_like_any_figure(loaded):
    f = figures(loaded, [TIANSHUI, "620503"], Y2024, ["mediation_cases", MARRIAGE, NEIGHBOURS])
    got = f.set_index(["region_code", "indicator_code"])
    # the city: the counties' reported totals, never its members added up
    assert got.loc[(TIANSHUI, "mediation_cases"), "value"] == 6100.0
    city = got.loc[(TIANSHUI, MARRIAGE)]
    assert city["value"] == 1120.0 and (city["units_reported"], city["units_expected"]) == (2, 7)
    assert not city["comparable"]  # 2 of 7 counties: no year-over-year claimed
    county = got.loc[("620503", MARRIAGE)]
    assert county["previous"] == 450.0 and round(county["change"], 1) == 11.1
    ranked = dashboard.ranking(loaded, TIANSHUI, Y2024, MARRIAGE).table
    top = ranked.dropna(subset=["value"]).sort_values("value", ascending=False)
    assert list(top["value"])[:2] == [620.0, 500.0]


def test_the_composition_shares_changes_and_movers(loaded):
    (comp,) = compositions(loaded, "620503", Y2024, ["mediation_cases"])
    assert comp.total == 2980.0 and comp.members_sum == 1400.0  # the total is as reported
    m = comp.members.set_index("member")
    assert round(m.loc["marriage_family", "share"], 1) == 16.8  # 500 / 2980
    assert m.loc["other", "value"] != m.loc["other", "value"]  # not reported: NaN, not 0
    assert pd.isna(m.loc["other", "share"]) and "其他纠纷" in comp.missing
    assert list(comp.movers(2)["member"]) == ["neighbourhood", "marriage_family"]  # -100, +50
    table = composition_table(
        comp,
        load_catalog().get("mediation_cases"),
        "zh",
        {k: k for k in ("member", "value", "share", "previous", "change")},
    )
    row = table.set_index("member").loc["婚姻家庭纠纷"]
    assert row["value"] == "500 件" and row["share"] == "16.8%" and row["change"] == "▲ 11.1%"
    assert table.set_index("member").loc["其他纠纷", "value"] == "—"


def test_the_report_writes_the_breakdown_with_its_batches_and_exports_member_rows(loaded):
    report = build_report(loaded, "620503", Y2024)
    (s,) = [s for s in report.sentences() if s.key == "breakdown:mediation_cases:dispute_type"]
    assert s.text == "其中，婚姻家庭纠纷500件，占16.8%；邻里纠纷900件，占30.2%。"
    assert MARRIAGE in s.indicator_codes and s.batch_ids == (2,)
    detail = detail_frame(report).set_index("指标代码")
    assert detail.loc[MARRIAGE, "本期"] == 500 and detail.loc[MARRIAGE, "本期批次"] == "#2"
    assert "mediation_cases.dispute_type.other" in detail.index  # a row, with no figure
    assert detail.loc["mediation_cases.dispute_type.other", "本期"] != 0


def test_the_overview_shows_the_composition(tmp_path, monkeypatch):
    path = tmp_path / "store.duckdb"
    engine = get_engine(str(path))
    for year in (2023, 2024):
        assert load_bytes(engine, workbook(year), f"t{year}.xlsx").status == "loaded"
    engine.dispose()
    at = page_on_store(path, monkeypatch, "pages/overview.py", region="620503", period="2024年")
    assert any(e.label == "调解矛盾纠纷件数构成（按纠纷类型）" for e in at.expander)
    table = next(d.value for d in at.dataframe if "分类项" in d.value.columns)
    row = table.set_index("分类项").loc["婚姻家庭纠纷"]
    assert row["本期"] == "500 件" and row["占总数"] == "16.8%" and row["同比"] == "▲ 11.1%"
    assert any("其他纠纷" in c.value for c in at.caption)  # not reported, said so


def test_the_demo_shows_breakdowns_that_add_up_to_their_totals(demo_db):
    """示例数据: each demo unit's disputes by type and legal aid by case type, exactly its figure."""
    from lawstats.store import demo_mode

    engine = get_engine(demo_db)
    assert demo_mode.is_demo(engine)
    got = {
        c.code: c
        for c in compositions(engine, TIANSHUI, Y2024, ["mediation_cases", "legal_aid_cases"])
    }
    assert set(got) == {"mediation_cases", "legal_aid_cases"}
    for comp in got.values():
        assert comp.total and comp.members_sum == comp.total
        assert comp.members["comparable"].any()  # last year's composition too
    by_type = got["legal_aid_cases"].members.set_index("member")["share"]
    assert (
        by_type["assistance"] > by_type["civil"] > by_type["criminal"] > by_type["administrative"]
    )
