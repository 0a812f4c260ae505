"""The published city-year figures the demo dataset is anchored to.

Each comes from a city's published work report (the source text is kept with it); the demo's
monthly county facts add up to them exactly (lawstats.demo.facts, tests/test_demo.py).
"""

from __future__ import annotations

from typing import NamedTuple

from lawstats.demo.cities import DEMO_CITIES


class PublishedFigure(NamedTuple):
    """A city-year figure taken from a published work report (see the domain brief)."""

    city_code: str
    year: int
    indicator_code: str
    value: float
    is_approximate: bool
    source_text: str


_TS, _QZ, _LL, _WN, _DX = DEMO_CITIES

PUBLISHED: list[PublishedFigure] = [
    # 天水市 2024
    PublishedFigure(_TS, 2024, "mediation_cases", 13287, False, "天水市2024年调解民间纠纷13287件"),
    PublishedFigure(_TS, 2024, "judicial_confirmations", 943, False, "天水市2024年司法确认943件"),
    PublishedFigure(
        _TS, 2024, "mediation_success_rate", 98.6, False, "天水市2024年调解成功率98.6%"
    ),
    PublishedFigure(_TS, 2024, "office_staff", 374, False, "天水市2024年司法所工作人员374人"),
    PublishedFigure(
        _TS, 2023, "office_staff", 308, False, "天水市2024年司法所工作人员374人，比上年增加66人"
    ),
    PublishedFigure(
        _TS, 2024, "office_floor_area", 10296, False, "天水市2024年司法所业务用房总面积10296平方米"
    ),
    PublishedFigure(
        _TS, 2024, "office_over_120sqm", 45, False, "天水市2024年120平方米以上司法所45个"
    ),
    PublishedFigure(_TS, 2024, "office_model", 10, False, "天水市2024年省级样板司法所10个"),
    PublishedFigure(_TS, 2024, "assessors_selected", 561, False, "天水市2024年人民陪审员选任561名"),
    PublishedFigure(
        _TS, 2024, "supervisor_dispatches", 254, False, "天水市2024年人民监督员派遣254人次"
    ),
    PublishedFigure(
        _TS, 2024, "supervisor_activities", 620, False, "天水市2024年人民监督员参与活动620次"
    ),
    PublishedFigure(
        _TS, 2024, "released_subsistence", 30, False, "天水市2024年安置帮教落实低保30人"
    ),
    PublishedFigure(_TS, 2024, "released_relief", 7, False, "天水市2024年安置帮教临时救助7人"),
    PublishedFigure(
        _TS, 2024, "released_placement", 27, False, "天水市2024年安置帮教过渡性安置27人"
    ),
    PublishedFigure(_TS, 2024, "released_jobs", 46, False, "天水市2024年安置帮教就业推荐46人"),
    # 渭南市 2021
    PublishedFigure(_WN, 2021, "office_count", 129, False, "渭南市2021年司法所129个"),
    PublishedFigure(_WN, 2021, "office_staff", 514, False, "渭南市2021年司法所工作人员514人"),
    PublishedFigure(_WN, 2021, "office_quota", 330, False, "渭南市2021年政法专项编制330个"),
    PublishedFigure(_WN, 2021, "office_quota_used", 279, False, "渭南市2021年专编专用279个"),
    PublishedFigure(
        _WN, 2021, "office_fully_staffed", 107, False, "渭南市2021年人员全部到位的司法所107个"
    ),
    PublishedFigure(_WN, 2021, "office_budget", 618.5, False, "渭南市2021年司法所经费618.5万元"),
    PublishedFigure(
        _WN, 2021, "mediators_fulltime", 1070, False, "渭南市2021年专职人民调解员1070名"
    ),
    PublishedFigure(
        _WN, 2021, "mediation_funding", 294.17, False, "渭南市2021年调解经费294.17万元"
    ),
    PublishedFigure(_WN, 2021, "mediation_cases", 7202, False, "渭南市2021年调解纠纷7202件"),
    PublishedFigure(_WN, 2021, "mediation_success", 6986, False, "渭南市2021年调解成功6986件"),
    PublishedFigure(_WN, 2021, "mediation_success_rate", 97.0, False, "渭南市2021年调解成功率97%"),
    PublishedFigure(_WN, 2021, "prevented_escalations", 48, False, "渭南市2021年防止民转刑48起"),
    # 定西市 2023
    PublishedFigure(_DX, 2023, "mediation_orgs", 2172, False, "定西市2023年人民调解组织2172个"),
    PublishedFigure(
        _DX, 2023, "mediation_orgs_sector", 75, False, "定西市2023年行业性专业性调解组织75个"
    ),
    PublishedFigure(_DX, 2023, "mediation_studios", 99, False, "定西市2023年个人调解工作室99个"),
    PublishedFigure(_DX, 2023, "mediators", 9280, False, "定西市2023年调解员9280人"),
    PublishedFigure(_DX, 2023, "disputes_screened", 2607, False, "定西市2023年排查纠纷2607件"),
    PublishedFigure(
        _DX, 2023, "mediation_cases", 2607, False, "定西市2023年排查纠纷2607件（全部调处）"
    ),
    PublishedFigure(_DX, 2023, "mediation_success", 2595, False, "定西市2023年调处成功2595件"),
    PublishedFigure(
        _DX, 2023, "mediation_success_rate", 99.5, False, "定西市2023年调处成功率99.5%"
    ),
    PublishedFigure(
        _DX, 2023, "reconsideration_accepted", 80, False, "定西市2023年行政复议受理80件"
    ),
    PublishedFigure(_DX, 2023, "reconsideration_closed", 68, False, "定西市2023年行政复议办结68件"),
    PublishedFigure(
        _DX, 2023, "reconsideration_mediated", 25, False, "定西市2023年行政复议调解和解25件"
    ),
    PublishedFigure(_DX, 2023, "office_count", 122, False, "定西市2023年司法所122个"),
    # 吕梁市 2023
    PublishedFigure(_LL, 2023, "mediation_orgs", 2667, False, "吕梁市2023年调解组织2667个"),
    PublishedFigure(_LL, 2023, "prelitigation_cases", 4000, True, "吕梁市2023年诉前调解4000余件"),
    PublishedFigure(_LL, 2023, "law_ambassadors", 21000, True, "吕梁市2023年法律明白人2.1万余人"),
    # 泉州市 2024
    PublishedFigure(_QZ, 2024, "office_count", 163, False, "泉州市2024年司法所163个"),
    PublishedFigure(_QZ, 2024, "mediation_orgs", 2800, True, "泉州市2024年调委会2800多个"),
    PublishedFigure(_QZ, 2024, "mediators", 9500, True, "泉州市2024年调解员9500余名"),
]

# Figures implied by a published rate rather than printed: 13101 / 13287 = 98.6%.
_DERIVED_ANCHORS: dict[tuple[str, int, str], float] = {
    (_TS, 2024, "mediation_success"): 13101,
}
