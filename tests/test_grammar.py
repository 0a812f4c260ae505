"""The header grammar (etl.grammar): headers read as words, mapped only when every word is
explained; narrowing words, breakdown members, change words and incompatible units never map to
the parent; spellings that need their group get it from the parents, the title or the sheet
name; uncertain headers are questions, answered on the CLI and remembered per unit and template."""

from __future__ import annotations

import csv
import json

import pytest

from etl.cli import main as etl_main
from etl.grammar import CERTAIN, QUESTION, UNMAPPED, read_header
from lawstats.domain.catalog import load_catalog
from tests.test_workspace import wide_xlsx

MEDIATION = "2024年天水市人民调解工作情况统计表"
LEGAL_AID = "驻马店市2024年法律援助工作统计表"
RECONSIDERATION = "抚州市2023年行政复议案件统计表"


@pytest.mark.parametrize(
    "path, context, status, code",
    [
        # merged parents give the subject; generic leaves say "how many of the parent"
        (["调解纠纷", "受理数(件)"], [MEDIATION], CERTAIN, "mediation_cases"),
        (["调解纠纷", "调解成功数(件)"], [MEDIATION], CERTAIN, "mediation_success"),
        (["调解纠纷", "成功率(%)"], [MEDIATION], CERTAIN, "mediation_success_rate"),
        (["调解组织及人员", "组织数(个)"], [], CERTAIN, "mediation_orgs"),
        (["调解组织及人员", "人员数(人)"], [], CERTAIN, "mediators"),
        (["人民调解员", "合计(人)"], [], CERTAIN, "mediators"),
        (["人民调解员", "其中：专职(人)"], [], CERTAIN, "mediators_fulltime"),
        (["调委会", "本年新设(个)"], [], CERTAIN, "mediation_orgs_new"),
        # narrowing qualifiers and breakdown members are parts, never the parent
        (["规范化建设达标调委会(个)"], [], UNMAPPED, None),
        (["乡镇调委会(个)"], [], UNMAPPED, None),  # not the catalog's 乡镇(街道): no streets
        (["鄉鎮（街道）調委會(個)"], [], CERTAIN, "mediation_orgs_township"),
        (["婚姻家庭纠纷(件)"], [MEDIATION], UNMAPPED, None),
        (["调解纠纷", "婚姻家庭纠纷(件)"], [], UNMAPPED, None),
        (["调解员等级一级"], [], UNMAPPED, None),
        (["办结(件)", "民事(件)"], [LEGAL_AID], UNMAPPED, None),
        # changes in the period are flows, not the stock
        (["新增调解员(人)"], [], UNMAPPED, None),
        (["本年新设行业性专业性调委会(个)"], [], UNMAPPED, None),
        (["人民调解员", "当年新增(人)"], [], UNMAPPED, None),
        # units: incompatible never maps, compatible converts
        (["法律援助服务人次(人次)"], [], UNMAPPED, None),
        (["防止民转刑案件 涉及人数(人)"], [], UNMAPPED, None),
        (["开展矛盾纠纷排查(次)"], [], UNMAPPED, None),
        (["法律援助", "办理案件(件)"], [], CERTAIN, "legal_aid_cases"),
        (["用房面积(亩)"], [], CERTAIN, "office_floor_area"),
        # the same bare word in two lines of work: the context decides, or it is a question
        (["受理(件)"], [LEGAL_AID], CERTAIN, "legal_aid_cases"),
        (["办结(件)"], [LEGAL_AID], CERTAIN, "legal_aid_closed"),
        (["受理(件)"], [RECONSIDERATION], CERTAIN, "reconsideration_accepted"),
        (["办结(件)"], [RECONSIDERATION], CERTAIN, "reconsideration_closed"),
        (["办结(件)"], [], QUESTION, None),
        (["工作人员(人)"], ["附表一：达州市2023年司法所基本情况"], CERTAIN, "office_staff"),
        # a rate never maps to a count, nor a count to a rate
        (["行政复议办结率"], [], UNMAPPED, None),
        (["调解成功率"], [], CERTAIN, "mediation_success_rate"),
        # filler words and traditional characters with pinyin
        (["调解各类民间纠纷"], [], CERTAIN, "mediation_cases"),
        (["調解(tiáo jiě)糾紛（件）"], [], CERTAIN, "mediation_cases"),
        (["群众满意度"], [], UNMAPPED, None),
    ],
)
def test_header_readings(path, context, status, code):
    reading = read_header(path, load_catalog(), context=context)
    assert (reading.status, reading.code) == (status, code), reading.reason_zh
    assert reading.reason_zh and reading.reason_en  # every reading says why


def test_reasons_name_the_words_and_the_conversion():
    catalog = load_catalog()
    narrowed = read_header(["规范化建设达标调委会(个)"], catalog)
    assert "“规范化”" in narrowed.reason_zh and "人民调解组织数" in narrowed.reason_zh
    area = read_header(["业务用房面积(万平方米)"], catalog)
    assert area.multiplier == 10000 and "×10000" in area.reason_zh
    mu = read_header(["用房面积(亩)"], catalog)
    assert abs(mu.multiplier - 10000 / 15) < 1e-9
    unit = read_header(["法律援助服务人次(人次)"], catalog)
    assert "“人次”" in unit.reason_zh and "“件”" in unit.reason_zh
    question = read_header(["办结(件)"], catalog)
    assert question.options == ("legal_aid_closed", "reconsideration_closed")


def test_a_new_header_is_taught_by_a_catalog_row(tmp_path):
    """Teaching the grammar is a data change: a spelling in indicators.csv, a word in
    header_terms.csv; no code."""
    import shutil

    from lawstats.domain import catalog as cat
    from lawstats.settings import DATA_DIR

    for name in ("indicators.csv", "indicator_groups.csv", "dimensions.csv", "indicator_parts.csv"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    terms = (DATA_DIR / "header_terms.csv").read_text(encoding="utf-8")
    (tmp_path / "header_terms.csv").write_text(terms, encoding="utf-8")

    def read(path):
        c = cat.read_catalog(
            tmp_path / "indicators.csv",
            tmp_path / "indicator_groups.csv",
            terms_path=tmp_path / "header_terms.csv",
            dimensions_path=tmp_path / "dimensions.csv",
            parts_path=tmp_path / "indicator_parts.csv",
        )
        return read_header(path, c)

    assert read(["化解矛盾纠纷数(件)"]).status == UNMAPPED
    assert read(["累计化解矛盾纠纷(件)"]).status == UNMAPPED
    with (tmp_path / "indicators.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["code"] == "mediation_cases":
            row["header_spellings"] += "|化解矛盾纠纷"  # the one line that teaches it
    with (tmp_path / "indicators.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert (read(["化解矛盾纠纷数(件)"]).status, read(["化解矛盾纠纷数(件)"]).code) == (
        CERTAIN,
        "mediation_cases",
    )
    assert read(["累计化解矛盾纠纷(件)"]).code == "mediation_cases"  # 累计: a neutral word


# --------------------------------------------------------------------------- the CLI


def question_file(tmp_path, month: int) -> str:
    title = f"2024年{month}月天水市法律援助和行政复议工作统计表"
    rows = [[name, 40 + i, 30 + i] for i, name in enumerate(["秦州区", "麦积区", "清水县"])]
    path = tmp_path / f"m{month}.xlsx"
    path.write_bytes(
        wide_xlsx(rows, title=title, headers=["地区", "法律援助案件（件）", "办结（件）"])
    )
    return str(path)


def test_cli_asks_then_remembers_the_answer_for_the_units_template(tmp_path, capsys):
    db = str(tmp_path / "q.duckdb")
    may, june = question_file(tmp_path, 5), question_file(tmp_path, 6)
    assert etl_main(["load", may, "--db", db, "--json"]) == 3  # 3: questions to answer
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["status"] == "refused"
    (q,) = out["questions"]
    assert (q["column"], q["header"], q["unit_code"]) == ("C", "办结（件）", "620500")
    assert q["options"] == ["legal_aid_closed", "reconsideration_closed"]
    assert etl_main(["load", may, "--db", db, "--answer", "办结（件）=legal_aid_closed"]) == 0
    capsys.readouterr()
    assert etl_main(["load", june, "--db", db, "--json"]) == 0  # same shape: no question
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["status"] == "loaded" and out["questions"] == [] and out["facts_written"] == 6


# --------------------------------------------------------------------------- messages that point


def test_a_duplicate_names_both_columns_the_row_and_why():
    from etl.extract import extract_file
    from etl.validate import validate

    data = wide_xlsx(
        [["秦州区", 10, 12]], title=MEDIATION, headers=["地区", "调解纠纷（件）", "调解案件（件）"]
    )
    (p,) = validate(extract_file(data, "d.xlsx")).find("duplicate_conflict")
    assert p.message_zh.startswith("第3行（秦州区） C列（调解案件（件））")
    assert "“调解案件（件）”和“调解纠纷（件）”都读作调解矛盾纠纷件数" in p.message_zh
    assert "按写法“调解案件”" in p.message_zh and "按写法“调解纠纷”" in p.message_zh
    assert "are both read as mediation_cases" in p.message_en


def test_no_table_lists_the_header_rows_it_saw():
    from etl.extract import extract_file

    data = wide_xlsx([["甲", 1, 2]], title="某某情况表", headers=["单位", "化解纠纷", "满意度"])
    (p,) = extract_file(data, "x.xlsx").report.find("no_table")
    assert "看到的表头行：第2行“单位 | 化解纠纷 | 满意度”" in p.message_zh
    assert "Header rows seen: row 2 “单位 | 化解纠纷 | 满意度”" in p.message_en


# --------------------------------------------------------------------------- blanks never erase


def test_blank_and_one_cell_templates_keep_the_stored_figures_and_withdrawing_is_confirmed(
    tmp_path, capsys
):
    title = "2024年5月天水市人民调解工作月报表"
    headers = ["地区", "调解纠纷（件）", "调解成功（件）"]
    names = ["秦州区", "麦积区", "清水县"]

    def month_file(name: str, rows: list[list]) -> str:
        path = tmp_path / name
        path.write_bytes(wide_xlsx(rows, title=title, headers=headers))
        return str(path)

    def stored() -> dict:
        from lawstats.store import connect, get_engine

        with connect(get_engine(db)) as conn:
            rows = conn.exec_driver_sql(
                "select region_name, indicator_code, value from v_facts"
            ).all()
        return {(r[0], r[1]): r[2] for r in rows}

    db = str(tmp_path / "b.duckdb")
    filled = [[n, 100 + i, 90 + i] for i, n in enumerate(names)]
    assert etl_main(["load", month_file("filled.xlsx", filled), "--db", db]) == 0
    before = stored()
    assert len(before) == 6
    blank = month_file("blank.xlsx", [[n] for n in names])
    assert etl_main(["load", blank, "--db", db, "--json"]) == 1
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [p["code"] for p in out["problems"]] == ["nothing_to_load"]
    dashes = month_file("dashes.xlsx", [[n, "未统计", "—"] for n in names])
    assert etl_main(["load", dashes, "--db", db]) == 1
    one = month_file("one.xlsx", [["秦州区", 105], ["麦积区"], ["清水县", None, "/"]])
    assert etl_main(["load", one, "--db", db]) == 0
    assert stored() == {**before, ("秦州区", "mediation_cases"): 105.0}
    gone = month_file("withdraw.xlsx", [["秦州区", None, "撤回"], ["麦积区"], ["清水县"]])
    capsys.readouterr()
    assert etl_main(["load", gone, "--db", db, "--json"]) == 1
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [(p["code"], p["cell"]) for p in out["problems"]] == [("withdrawal_unconfirmed", "C3")]
    assert etl_main(["load", gone, "--db", db, "--confirm-withdraw"]) == 0
    after = stored()
    assert after[("秦州区", "mediation_success")] is None  # withdrawn: not reported now
    expected = {
        **before,
        ("秦州区", "mediation_cases"): 105.0,
        ("秦州区", "mediation_success"): None,
    }
    assert after == expected
