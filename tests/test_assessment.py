"""考评: scheme files, each scoring rule with hand-computed answers, a scored scheme with rank change, the bulletin read back."""

from __future__ import annotations

import io
import json
import math
from datetime import date

import pandas as pd
import pytest

from etl.cli import main as etl_main
from lawstats.analysis import assessment as asm
from lawstats.analysis import targets as tg
from lawstats.domain.periods import Period
from lawstats.reports import bulletin
from tests.test_targets import add_facts

TIANSHUI = "620500"
QINZHOU, MAIJI, QINGSHUI = "620502", "620503", "620521"


# --------------------------------------------------------------------------- rules (pure)


def test_rank_points_with_ties_average_and_best():
    values = pd.Series([10.0, 8.0, 8.0, 5.0, float("nan")], index=list("abcde"))
    avg = asm.rank_scores(values, [10, 8, 6, 4], ties="average")
    assert list(avg["rank"].astype("float").fillna(-1)) == [1, 2, 2, 4, -1]
    assert list(avg["score"]) == [10, 7, 7, 4, 0]  # 2nd and 3rd tied: (8 + 6) / 2
    best = asm.rank_scores(values, [10, 8, 6, 4], ties="best")
    assert list(best["score"]) == [10, 8, 8, 4, 0]
    low_is_good = asm.rank_scores(values, [10, 8, 6, 4], descending=False)
    assert list(low_is_good["score"]) == [4, 7, 7, 10, 0]
    # places beyond the list score nothing; a tie straddling its end averages in the zeros
    tail = asm.rank_scores(pd.Series([3.0, 2.0, 2.0]), [5, 3])
    assert list(tail["score"]) == [5, 1.5, 1.5]


@pytest.mark.parametrize(
    ("att", "score"),
    [(1.3, 20.0), (1.0, 20.0), (0.9, 18.0), (0.123, 2.46), (-0.2, 0.0), (None, 0.0)],
)
def test_proportional_is_capped_at_full_points(att, score):
    assert asm.proportional(20, att) == score


def test_all_or_nothing():
    assert (
        asm.all_or_nothing(10, True),
        asm.all_or_nothing(10, False),
        asm.all_or_nothing(10, None),
    ) == (10, 0, 0)


@pytest.mark.parametrize(
    ("shortfall", "met", "deduct", "per", "floor", "score"),
    [
        (0.7, False, 2, 0.5, 0, 6.0),  # 0.7 points short: 2 started half-points, 4 off
        (1.0, False, 2, 0.5, 0, 6.0),  # exactly 2 units
        (0.3, False, 1, 0.1, 0, 7.0),  # 0.3 / 0.1 is 2.9999999999999996 in floats: still 3 units
        (10, False, 3, 1, 2, 2.0),  # never below the floor
        (0, False, 3, 1, 0, 7.0),  # missed with no measurable shortfall counts one unit
        (0, True, 3, 1, 0, 10.0),
        (None, None, 3, 1, 2, 2.0),  # no data: the floor
    ],
)
def test_deduction_per_shortfall_unit_with_floor(shortfall, met, deduct, per, floor, score):
    assert asm.deduction(10, shortfall, met, deduct=deduct, per=per, floor=floor) == score


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            {
                "target_kind": "at_least",
                "target_value": 1000,
                "actual": 600,
                "due": 500,
                "status": "on_track",
            },
            1.2,
        ),
        (
            {
                "target_kind": "at_least",
                "target_value": 400,
                "actual": 390,
                "due": 400,
                "status": "behind",
            },
            0.975,
        ),
        (
            {
                "target_kind": "rate_floor",
                "target_value": 100,
                "actual": 99,
                "due": 100,
                "status": "behind",
            },
            0.99,
        ),
        ({"target_kind": "at_most", "target_value": 0, "actual": 2, "status": "behind"}, 0.0),
        ({"target_kind": "at_most", "target_value": 4, "actual": 5, "status": "behind"}, 0.8),
        (
            {
                "target_kind": "growth",
                "target_value": 5,
                "actual": 1,
                "growth": 2.5,
                "status": "behind",
            },
            0.5,
        ),
        (
            {
                "target_kind": "growth",
                "target_value": 0,
                "actual": 1,
                "growth": 0.0,
                "status": "behind",
            },
            0.0,
        ),
        (
            {
                "target_kind": "per_unit",
                "target_value": 3,
                "units_total": 7,
                "units_passing": 5,
                "status": "behind",
            },
            5 / 7,
        ),
        (
            {"target_kind": "at_least", "target_value": 1000, "actual": None, "status": "no_data"},
            None,
        ),
    ],
)
def test_attainment(row, expected):
    got = asm.attainment(row)
    assert got == expected if expected is None else math.isclose(got, expected)


# --------------------------------------------------------------------------- scheme files


def test_shipped_schemes_load_and_add_up():
    schemes = asm.load_schemes()
    assert {"tianshui_annual", "tianshui_quarterly"} <= set(schemes)
    annual, quarterly = schemes["tianshui_annual"], schemes["tianshui_quarterly"]
    assert (annual.frequency, annual.max_points, annual.scope) == ("annual", 100, TIANSHUI)
    assert (quarterly.frequency, quarterly.max_points) == ("quarterly", 50)
    assert {i.rule for i in annual.items} == set(asm.RULES)
    rate = next(i for i in quarterly.items if i.code == "success_rate")
    assert (rate.target_kind, rate.target_value, rate.deduct, rate.per) == (
        "rate_floor",
        97,
        2,
        0.5,
    )
    rank = next(i for i in quarterly.items if i.rule == "rank")
    assert rank.rank_points == (10, 8, 6, 5, 4, 3, 2) and rank.normalise == "per_10k"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rule": "guess"}, "未知计分规则"),
        ({"indicator": "nope"}, "未知指标"),
        ({"points": 0}, "分值"),
        ({"rule": "rank"}, "rank_points"),
        ({"rule": "deduction", "target": {"kind": "at_most", "value": 0}}, "deduct"),
        ({"basis": "value", "rule": "all_or_nothing"}, "依据目标"),
        ({"target": {"kind": "rate_floor", "value": 95}}, "比率"),
    ],
)
def test_bad_scheme_items_are_refused_with_the_item_named(change, message):
    item = {
        "code": "x1",
        "indicator": "mediation_cases",
        "points": 10,
        "rule": "proportional",
    } | change
    with pytest.raises(asm.SchemeError, match=message) as err:
        asm.scheme_from_dict({"code": "s", "items": [item]}, "bad.yaml")
    assert "bad.yaml item x1" in err.value.message_zh


def test_points_must_add_up_to_the_stated_total():
    items = [{"code": "a", "indicator": "mediation_cases", "points": 60, "rule": "proportional"}]
    with pytest.raises(asm.SchemeError, match="合计 60"):
        asm.scheme_from_dict({"code": "s", "total": 100, "items": items})


def test_several_schemes_side_by_side_from_a_directory(tmp_path):
    (tmp_path / "a.yaml").write_text(
        "code: a\nname_zh: 甲\nitems:\n  - {indicator: mediation_cases, points: 5, rule: proportional}\n",
        encoding="utf-8",
    )
    (tmp_path / "b.csv").write_text(
        "scheme_code,frequency,indicator,points,rule,target_kind,target_value\n"
        "b,quarterly,mediation_success_rate,5,all_or_nothing,rate_floor,95\n",
        encoding="utf-8",
    )
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    schemes = asm.load_schemes(tmp_path)
    assert sorted(schemes) == ["a", "b"] and schemes["b"].frequency == "quarterly"
    (tmp_path / "c.yaml").write_text(
        "code: a\nitems:\n  - {indicator: mediators, points: 1, rule: proportional}\n",
        encoding="utf-8",
    )
    with pytest.raises(asm.SchemeError, match="重复"):
        asm.load_schemes(tmp_path)


# --------------------------------------------------------------------------- scoring on a store

SCHEME = {
    "code": "test_q",
    "name_zh": "测试方案",
    "frequency": "quarterly",
    "scope": "天水市",
    "total": 50,
    "items": [
        {
            "code": "pace",
            "area": "业务",
            "indicator": "mediation_cases",
            "points": 20,
            "rule": "proportional",
        },
        {
            "code": "rate",
            "area": "成效",
            "indicator": "mediation_success_rate",
            "points": 10,
            "rule": "all_or_nothing",
            "target": {"kind": "rate_floor", "value": 97},
        },
        {
            "code": "volume",
            "area": "业务",
            "indicator": "mediation_cases",
            "points": 10,
            "rule": "rank",
            "basis": "value",
            "rank_points": [10, 8, 6, 4, 2, 1, 0],
        },
        {
            "code": "one_person",
            "area": "队伍",
            "indicator": "office_one_person",
            "points": 10,
            "rule": "deduction",
            "target": {"kind": "at_most", "value": 0},
            "deduct": 3,
            "per": 1,
            "floor": 2,
        },
    ],
}


def month(m: int) -> Period:
    return Period.month(2030, m)


@pytest.fixture
def scored_store(engine):
    rows = []
    cases = {QINZHOU: [100] * 6, MAIJI: [120] * 6, QINGSHUI: [100] * 6}
    success = {QINZHOU: [98, 97, 98, 97, 98, 97], MAIJI: [118] * 3 + [110] * 3, QINGSHUI: [100] * 6}
    one_person = {QINZHOU: 0, MAIJI: 2, QINGSHUI: 5}
    for code in cases:
        for m in range(1, 7):
            rows.append((code, month(m), "mediation_cases", cases[code][m - 1]))
            rows.append((code, month(m), "mediation_success", success[code][m - 1]))
        rows += [
            (code, month(3), "office_one_person", one_person[code]),
            (code, month(6), "office_one_person", one_person[code]),
        ]
    add_facts(engine, rows)
    tg.save_targets(
        engine,
        [
            tg.Target(QINZHOU, "mediation_cases", 2030, "at_least", 1000),
            tg.Target(MAIJI, "mediation_cases", 2030, "at_least", 1600),
            tg.Target(QINGSHUI, "mediation_cases", 2030, "at_least", 1200),
        ],
        actor="t",
        today=date(2030, 1, 5),
    )
    return engine


def scores(a: asm.Assessment, code: str) -> dict[str, float]:
    b = a.breakdown[a.breakdown["region_code"] == code]
    return dict(zip(b["item_code"], b["score"], strict=True))


def test_scheme_scored_by_hand(scored_store):
    scheme = asm.scheme_from_dict(SCHEME)
    a = asm.score(scored_store, scheme, TIANSHUI, 2030, 6)
    # pace: due by June = half the target. 秦州 600/500 capped at 20; 麦积 720/800 = 0.9 -> 18
    # rate: 麦积 (354 + 330) / 720 = 95.0% < 97 -> 0. volume: 麦积 720 first (10), 秦州 and 清水
    # tie on 600 for 2nd/3rd: (8 + 6) / 2 = 7. one_person: 麦积 2 over -> 10 - 6 = 4, 清水 5 over
    # -> 10 - 15, floored at 2; counties without data get the floor 2 and nothing else.
    assert scores(a, QINZHOU) == {"pace": 20, "rate": 10, "volume": 7, "one_person": 10}
    assert scores(a, MAIJI) == {"pace": 18, "rate": 0, "volume": 10, "one_person": 4}
    assert scores(a, QINGSHUI) == {"pace": 20, "rate": 10, "volume": 7, "one_person": 2}
    assert scores(a, "620522") == {"pace": 0, "rate": 0, "volume": 0, "one_person": 2}
    totals = a.totals.set_index("region_code")
    assert totals.loc[[QINZHOU, QINGSHUI, MAIJI], "total"].tolist() == [47, 39, 32]
    assert totals.loc[[QINZHOU, QINGSHUI, MAIJI, "620525"], "rank"].tolist() == [1, 2, 3, 4]
    # rank change on last quarter (1-3月): 秦州 47, 麦积 42 (rate still met), 清水 39
    assert a.previous_label == "2030年第一季度"
    assert totals.loc[[QINZHOU, MAIJI, QINGSHUI], "previous_rank"].tolist() == [1, 2, 3]
    assert totals.loc[[QINZHOU, MAIJI, QINGSHUI], "rank_change"].tolist() == [0, -1, 1]
    notes = a.breakdown.set_index(["region_code", "item_code"])["note"]
    assert notes[("620522", "pace")] == "未设目标，不得分"
    assert "落后 5 个百分点" in notes[(MAIJI, "pace")]  # 45% done against 50% elapsed
    table = asm.ranking_table(a)
    assert table.iloc[:3]["县区"].tolist() == ["秦州区", "清水县", "麦积区"]
    assert table.iloc[:3]["名次变化"].tolist() == ["＝", "↑1", "↓1"]
    matrix = asm.breakdown_matrix(a)
    assert list(matrix.columns) == [
        "县区",
        "调解矛盾纠纷件数（20）",
        "调解成功率（10）",
        "调解矛盾纠纷件数（10）",
        "一人所数（10）",
        "总分",
        "名次",
    ]
    assert matrix.iloc[0]["总分"] == 47 and matrix.iloc[0]["名次"] == 1


def test_rank_change_on_q1_compares_with_last_years_q4_only_when_it_has_data(scored_store):
    a = asm.score(scored_store, asm.scheme_from_dict(SCHEME), TIANSHUI, 2030, 3)
    assert a.previous_label is None and a.totals["rank_change"].isna().all()


def test_bulletin_counts_come_from_the_list_it_prints(scored_store):
    """#18: "滞后 0 项" followed by "滞后项目最多的是…" when every lagging target was missed: the
    second count must name the statuses it counts, and count the lines the bulletin lists."""
    import dataclasses

    a = asm.score(scored_store, asm.scheme_from_dict(SCHEME), TIANSHUI, 2030, 6)
    progress = a.progress.assign(status=a.progress["status"].replace({"behind": "missed"}))
    a = dataclasses.replace(a, progress=progress)
    b = bulletin.build(a, "zh")
    counts, most = b.sentences[-2], b.sentences[-1]
    assert "滞后 0 项" in counts and "未完成 4 项" in counts
    assert most == "滞后或未完成项目最多的是麦积区（3 项），请加快工作进度。"
    rows = bulletin.lagging_rows(a)
    maiji = rows[rows["region_name"] == "麦积区"]
    assert len(b.lagging["麦积区"]) == len(maiji)  # the lines printed are these rows
    assert int(maiji["status"].isin(("behind", "missed")).sum()) == 3


def test_bulletin_docx_and_xlsx_read_back(scored_store):
    import openpyxl
    from docx import Document

    scheme_dict = json.loads(json.dumps(SCHEME))
    scheme_dict["items"][0]["name_zh"] = "=调解进度"  # a formula-like item name must be neutralised
    a = asm.score(scored_store, asm.scheme_from_dict(scheme_dict), TIANSHUI, 2030, 6)
    b = bulletin.build(a, "zh", is_demo=True)
    expected = [
        "2030年1-6月，按测试方案对天水市所辖 7 个县区进行考评（满分 50 分），平均得分 18 分。",
        "秦州区以 47 分位列第一；秦安县、甘谷县、武山县、张家川回族自治县得分最低，为 2 分。",
        "与2030年第一季度相比，名次上升的有清水县（1 位）；名次下降的有麦积区（1 位）。",
        "目标任务方面，共 17 项：已完成 0 项，进度正常 5 项，滞后 4 项，未完成 0 项，无数据 8 项。",
        "滞后或未完成项目最多的是麦积区（3 项），请加快工作进度。",
    ]
    assert b.sentences == expected
    doc = Document(io.BytesIO(bulletin.to_docx(b)))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "天水市2030年1-6月考评通报"
    assert "注：本通报由示例数据生成（程序生成的演示数据），不是真实统计。" in paragraphs
    for s in expected:
        assert s in paragraphs
    ranking = doc.tables[0]
    assert [c.text for c in ranking.rows[0].cells] == [
        "名次",
        "县区",
        "总分",
        "上期名次",
        "名次变化",
    ]
    assert [c.text for c in ranking.rows[1].cells] == ["1", "秦州区", "47", "1", "＝"]
    assert [c.text for c in ranking.rows[3].cells] == ["3", "麦积区", "32", "2", "↓1"]
    assert any(
        "麦积区" == p and doc.paragraphs[i].style.name.startswith("Heading")
        for i, p in enumerate(paragraphs)
    )
    assert any(
        p.startswith("调解矛盾纠纷件数：2030年1-6月累计 720 件") and "落后 5 个百分点" in p
        for p in paragraphs
    )

    wb = openpyxl.load_workbook(io.BytesIO(bulletin.to_xlsx(b)))
    assert wb.sheetnames == ["通报", "排名", "得分明细", "滞后事项"]
    text = [r[0] for r in wb["通报"].iter_rows(min_row=2, values_only=True)]
    assert text[0] == "天水市2030年1-6月考评通报" and all(s in text for s in expected)
    rows = list(wb["排名"].iter_rows(values_only=True))
    assert rows[0] == ("名次", "县区", "总分", "上期名次", "名次变化")
    assert rows[1] == (1, "秦州区", 47, 1, "＝") and rows[3] == (3, "麦积区", 32, 2, "↓1")
    header = [c for c in next(wb["得分明细"].iter_rows(values_only=True))]
    assert header[1] == "'=调解进度（20）"  # formula-like text neutralised
    lag = list(wb["滞后事项"].iter_rows(values_only=True))
    assert lag[1][0] == "清水县"  # in ranking order: 秦州区 (1st) has nothing lagging
    assert any(r[0] == "麦积区" and r[1].startswith("调解成功率：现为 95%") for r in lag[1:])


def test_cli_assess_json_and_bulletin_files(demo_db, tmp_path, capsys):
    assert etl_main(["assess", "--list"]) == 0
    assert "tianshui_annual" in capsys.readouterr().out
    out = tmp_path / "通报.docx"
    args = ["assess", "--db", demo_db, "--scheme", "tianshui_annual", "--year", "2025", "--json"]
    assert etl_main([*args, "--out", str(out)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["period"] == "2025年" and payload["previous_period"] == "2024年"
    totals = payload["totals"]
    assert len(totals) == 7 and all(0 <= r["total"] <= 100 for r in totals)
    assert sorted(r["rank"] for r in totals)[0] == 1
    by_unit = pd.DataFrame(payload["breakdown"]).groupby("region_code")["score"].sum().round(2)
    assert {r["region_code"]: r["total"] for r in totals} == by_unit.to_dict()
    from docx import Document

    assert Document(str(out)).paragraphs[0].text == "天水市2025年考评通报"
    assert etl_main(["assess", "--db", demo_db, "--scheme", "nope", "--year", "2025"]) == 2
