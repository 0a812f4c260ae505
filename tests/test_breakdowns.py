"""Breakdowns as a dimension (#19 item 2): members from data/dimensions.csv, figure codes."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from etl.extract import extract_file
from etl.headers import match_header
from etl.load import load_bytes
from etl.validate import validate
from lawstats.domain.catalog import (
    DIMENSIONS_PATH,
    CatalogError,
    figure_code,
    load_catalog,
    read_catalog,
    split_figure,
)
from lawstats.store import connect, read_frame


def test_members_come_from_the_data_file():
    cat = load_catalog()
    dims = cat.breakdowns_of("mediation_cases")
    assert [m.code for m in dims["dispute_type"]][:2] == ["marriage_family", "neighbourhood"]
    assert set(cat.breakdowns_of("legal_aid_cases")) == {"legal_aid_type"}
    code = figure_code("mediation_cases", "dispute_type", "marriage_family")
    assert code == "mediation_cases.dispute_type.marriage_family"
    assert split_figure(code) == ("mediation_cases", "dispute_type", "marriage_family")
    assert split_figure("mediation_cases") == ("mediation_cases", "", "")
    fig = cat.get(code)
    assert (fig.kind, fig.unit, fig.group) == ("flow", "件", "mediation")
    assert fig.name_zh == "调解矛盾纠纷件数：婚姻家庭纠纷"
    assert cat.member(code).name_zh == "婚姻家庭纠纷" and cat.member("mediation_cases") is None
    assert cat.dimension_name("dispute_type") == "纠纷类型"
    # a member's figure is found by code but is no indicator of the lists and pages
    assert code in cat and code not in cat.codes
    assert all(i.code not in cat.codes for i in cat.member_figures)


def test_a_member_and_a_breakdown_are_data_rows(tmp_path):
    path = tmp_path / "dimensions.csv"
    shutil.copy(DIMENSIONS_PATH, path)
    with path.open("a", encoding="utf-8") as f:
        f.write("dispute_type,online,网络纠纷,Online,网络,mediation_cases\n")
        f.write("aid_person,minor,未成年人,Minors,未成年,legal_aid_cases\n")
    cat = read_catalog(dimensions_path=path)
    assert cat.get("mediation_cases.dispute_type.online").name_en == "Disputes mediated: Online"
    assert [m.code for m in cat.breakdowns_of("legal_aid_cases")["aid_person"]] == ["minor"]
    assert "mediation_success.dispute_type.online" not in cat  # it applies to cases only


def test_a_member_of_an_unknown_or_ratio_indicator_is_refused(tmp_path):
    path = tmp_path / "dimensions.csv"
    shutil.copy(DIMENSIONS_PATH, path)
    with path.open("a", encoding="utf-8") as f:
        f.write("dispute_type,online,网络纠纷,Online,网络,mediation_success_rate\n")
    with pytest.raises(CatalogError, match="mediation_success_rate"):
        read_catalog(dimensions_path=path)


# --------------------------------------------------------------------------- ingest (#19 item 2)

FIXTURES = Path(__file__).resolve().parent / "data" / "breakdowns"
HUANGSHI = "420200"
PINGSHAN = "440310"


def _fixtures():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _stored(engine, region: str, prefix: str) -> dict[str, float]:
    with connect(engine) as conn:
        got = read_frame(
            conn,
            sa.text(
                "SELECT indicator_code, member, value FROM v_facts WHERE region_code = :r "
                "AND indicator_code LIKE :p"
            ),
            {"r": region, "p": prefix + "%"},
        )
    return {row.indicator_code: row.value for row in got.itertuples()}


def test_the_huangshi_table_members_down_the_rows_loads_and_sums_to_its_total(engine):
    res = load_bytes(
        engine, (FIXTURES / "huangshi_2016-08_dispute_types.xlsx").read_bytes(), "hs.xlsx"
    )
    assert res.status == "loaded", [p.message_en for p in res.report.problems]
    stored = _stored(engine, HUANGSHI, "mediation_cases")
    members = {k: v for k, v in stored.items() if k != "mediation_cases"}
    assert len(members) == 15 and stored["mediation_cases"] == 869.0
    assert sum(members.values()) == 869.0
    assert stored["mediation_cases.dispute_type.marriage_family"] == 160.0
    assert stored["mediation_cases.dispute_type.other"] == 54.0  # printed 其它纠纷
    codes = {p.code for p in res.report.problems}
    assert "members_short_of_total" not in codes and "members_above_total" not in codes


def test_the_pingshan_split_members_across_the_columns_loads_in_zong(engine):
    res = load_bytes(engine, (FIXTURES / "pingshan_2022_legal_aid.xlsx").read_bytes(), "ps.xlsx")
    assert res.status == "loaded", [p.message_en for p in res.report.problems]
    stored = _stored(engine, PINGSHAN, "legal_aid_cases")
    assert stored == {
        "legal_aid_cases": 1428.0,
        "legal_aid_cases.legal_aid_type.civil": 381.0,
        "legal_aid_cases.legal_aid_type.criminal": 242.0,
        "legal_aid_cases.legal_aid_type.administrative": 1.0,
        "legal_aid_cases.legal_aid_type.assistance": 804.0,
    }


def test_a_qizhong_list_reads_its_members_and_asks_about_a_word_that_is_also_an_indicator():
    ex = extract_file(_bytes(_fixtures().pingshan()), "ps_list.xlsx")
    (table,) = ex.tables
    codes = {c.col_letter: c.indicator_code for c in table.columns}
    assert codes["C"] == "legal_aid_cases.legal_aid_type.civil"  # 其中：民事
    assert codes["D"] == "legal_aid_cases.legal_aid_type.criminal"  # 刑事, the list goes on
    assert codes["E"] == "legal_aid_cases.legal_aid_type.administrative"
    # 法律帮助 is also an indicator of its own (值班律师): the analyst decides
    f = next(c for c in table.columns if c.col_letter == "F")
    assert f.role == "question"
    assert set(f.options) == {"legal_aid_cases.legal_aid_type.assistance", "legal_aid_duty_lawyer"}
    shortfall = [p for p in validate(ex).problems if p.code == "members_short_of_total"]
    assert [p.cell for p in shortfall] == ["B4"] and "法律帮助" in shortfall[0].message_zh


def test_members_above_their_total_are_refused_at_the_total_cell(engine):
    fx = _fixtures()
    rows = [("婚姻家庭纠纷", 170, 19.6), *fx.HUANGSHI[1:]]
    res = load_bytes(engine, _bytes(fx.huangshi(rows)), "hs_over.xlsx")
    assert res.status == "refused"
    (p,) = [p for p in res.report.problems if p.code == "members_above_total"]
    assert p.severity == "error" and p.cell == "B18"
    assert "879" in p.message_zh and "869" in p.message_zh
    assert _stored(engine, HUANGSHI, "mediation_cases") == {}


def test_a_shortfall_names_the_members_not_reported_and_fills_nothing_in(engine):
    fx = _fixtures()
    rows = [r for r in fx.HUANGSHI if r[0] not in ("物业纠纷", "其它纠纷")]
    res = load_bytes(engine, _bytes(fx.huangshi(rows)), "hs_short.xlsx")
    assert res.status == "loaded"
    (p,) = [p for p in res.report.problems if p.code == "members_short_of_total"]
    assert p.severity == "warning" and p.cell == "B16"
    assert "物业纠纷" in p.message_zh and "其他纠纷" in p.message_zh
    assert "Property management" in p.message_en
    stored = _stored(engine, HUANGSHI, "mediation_cases")
    assert stored["mediation_cases"] == 869.0 and len(stored) == 14  # no member made up


def test_an_unknown_member_label_is_a_question_not_a_guess():
    fx = _fixtures()
    rows = [*fx.HUANGSHI[:-1], ("网络纠纷", 54, 6.2)]
    ex = extract_file(_bytes(fx.huangshi(rows)), "hs_unknown.xlsx")
    assert not any(f.cell == "B17" for f in ex.facts)
    (q,) = [p for p in validate(ex).problems if p.cell == "A17"]
    assert q.code == "mapping_question" and "网络" in q.message_zh


def test_member_headers_read_by_the_grammar():
    cat = load_catalog()
    read = {
        ("调解纠纷", "其中：婚姻家庭"): "mediation_cases.dispute_type.marriage_family",
        ("调解成功", "邻里纠纷"): "mediation_success.dispute_type.neighbourhood",
        ("法律援助案件（宗）", "刑事"): "legal_aid_cases.legal_aid_type.criminal",
        # an indicator of its own keeps its reading (调委会 by level is mediation_orgs_sector)
        ("调解组织", "行业性专业性"): "mediation_orgs_sector",
    }
    for path, code in read.items():
        assert match_header(list(path), cat).indicator_code == code, path
    for path in (("婚姻家庭纠纷",), ("司法所", "婚姻家庭"), ("调解纠纷", "婚姻家庭", "邻里")):
        m = match_header(list(path), cat)
        assert m.indicator_code is None and not m.is_question, path


def test_a_merged_qizhong_over_members_reads_them_under_the_total(engine):
    """调解纠纷（件） | 其中：(merged over) 村(居) | 乡镇(街道) | 企事业 | 行业性专业性 | 其他: the members are
    the committee-level breakdown of the column before; 其他 (a member of two breakdowns) is not
    guessed, and the shortfall names it."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "天水市2024年人民调解工作统计表"
    ws["A2"], ws["B2"], ws["C2"] = "地区", "调解纠纷（件）", "其中："
    ws.merge_cells("C2:G2")
    for i, h in enumerate(["村(居)", "乡镇(街道)", "企事业", "行业性专业性", "其他"]):
        ws.cell(row=3, column=3 + i, value=h)
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.append(["秦州区", 2449, 1500, 600, 100, 200, 49])
    buf = io.BytesIO()
    wb.save(buf)
    res = load_bytes(engine, buf.getvalue(), "天水市2024年.xlsx")
    assert res.status == "loaded", [p.message_en for p in res.report.problems]
    assert _stored(engine, "620502", "mediation_cases") == {
        "mediation_cases": 2449.0,
        "mediation_cases.org_level.village": 1500.0,
        "mediation_cases.org_level.township": 600.0,
        "mediation_cases.org_level.enterprise": 100.0,
        "mediation_cases.org_level.sector": 200.0,
    }
    short = [p for p in res.report.problems if p.code == "members_short_of_total"]
    assert len(short) == 1 and "其他" in short[0].message_zh
