"""The national level (issue 19 item 4): 全国 above the provinces, 新疆生产建设兵团 as the
province-level unit it is; a province-by-province table loads, rolls up to a national total
and ranks the provinces.

Figures: 司法部, 2019年全国行政复议、行政应诉案件统计数据, 表1 省区市和兵团受理行政复议案件情况
(published 2020-09-29, http://www.moj.gov.cn/pub/sfbgw/zwxxgk/fdzdgknr/fdzdgknrtjxx/202009/t20200929_392195.html):
32 units, 183,489 cases in all."""

from __future__ import annotations

import io

import openpyxl
import pytest

from etl.load import load_bytes
from lawstats.analysis.dashboard import ranking
from lawstats.domain.periods import parse_period
from lawstats.domain.regions import load_regions
from lawstats.store.rollup import figures

MOJ_2019_ACCEPTED = {
    "广东": 31392, "上海": 14847, "辽宁": 14665, "山东": 13723, "江苏": 10309, "北京": 9298,
    "吉林": 7682, "四川": 7048, "河北": 7040, "浙江": 6859, "河南": 6829, "安徽": 6185,
    "福建": 5284, "湖南": 4495, "广西": 4424, "湖北": 3993, "黑龙江": 3868, "陕西": 3652,
    "重庆": 3596, "贵州": 3017, "江西": 2917, "内蒙古": 2203, "甘肃": 1992, "天津": 1832,
    "山西": 1726, "海南": 1609, "云南": 1571, "宁夏": 555, "青海": 395, "新疆": 295,
    "兵团": 146, "西藏": 42,
}  # fmt: skip
TOTAL = 183_489


def province_table() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表1"
    ws.append(["2019年全国各省（区、市）和新疆生产建设兵团受理行政复议案件情况"])
    ws.append(["省份", "行政复议受理件数（件）"])
    for name, value in MOJ_2019_ACCEPTED.items():
        ws.append([name, value])
    ws.append(["总计", TOTAL])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_country_is_the_root_and_the_corps_a_province():
    regions = load_regions()
    country = regions.get("100000")
    assert (country.name, country.level, country.parent_code) == ("全国", "country", None)
    children = regions.children("100000")
    assert len(children) == 32 and {r.level for r in children} == {"province"}
    assert "660000" in {r.code for r in children}  # 新疆生产建设兵团
    assert regions.full_name("620502") == "甘肃省天水市秦州区"  # names start at the province
    assert regions.resolve("全国", "100000").status == "total"


def test_a_province_table_loads_and_rolls_up_to_the_national_total(engine):
    result = load_bytes(engine, province_table(), "2019年全国行政复议.xlsx", user="test")
    assert result.status == "loaded", [p.message_en for p in result.report.problems]
    assert result.facts_written == 32
    assert not [p for p in result.report.problems if p.code == "total_mismatch"]
    year = parse_period("2019年")
    national = figures(engine, ["100000"], year, ["reconsideration_accepted"])
    assert national["value"].tolist() == [TOTAL]
    ranked = ranking(engine, "100000", year, "reconsideration_accepted").table
    assert len(ranked) == 32
    assert ranked.iloc[0]["name"] == "广东省" and ranked.iloc[0]["value"] == 31392
    assert ranked.iloc[-1]["name"] == "西藏自治区" and ranked.iloc[-1]["rank"] == 32
    corps = ranked[ranked["region_code"] == "660000"]
    assert corps["value"].tolist() == [146]


def test_a_wrong_national_total_is_a_problem(engine):
    wb = openpyxl.load_workbook(io.BytesIO(province_table()))
    wb.active.cell(row=wb.active.max_row, column=2, value=TOTAL + 1000)
    buf = io.BytesIO()
    wb.save(buf)
    result = load_bytes(
        engine, buf.getvalue(), "2019年全国行政复议.xlsx", user="test", dry_run=True
    )
    mismatch = [p for p in result.report.problems if p.code == "total_mismatch"]
    assert [p.message_zh for p in mismatch] == [
        "第35行（总计） B列（行政复议受理件数（件））的合计184489与各地区之和183489不一致"
    ]


@pytest.mark.parametrize("code", ["100000"])
def test_the_country_counts_every_reporting_unit(code):
    from lawstats.domain.region_scope import region_index

    regions = load_regions()
    index = region_index(regions)
    provinces = regions.children(code)
    assert index.units_expected[code] == sum(index.units_expected[p.code] for p in provinces)
