"""Backfill from report text (#8): number forms, reading rules, the seed report, CLI and the load path."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa

from etl.cli import main as etl_main
from etl.narrative import extract_text, read_document
from etl.narrative.numbers import find_figures, parse_chinese_number, parse_figure
from etl.narrative.review import (
    FORMAT,
    candidates_json,
    document_bytes,
    is_reviewed,
    map_unrecognised,
    reviewed_document,
)
from lawstats.domain.periods import Period
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "narrative"
SEED = DATA / "002_53520f420057d1fb.txt"
TIANSHUI, QINZHOU, LVLIANG = "620500", "620502", "141100"
Y2023, Y2024 = Period.of_year(2023), Period.of_year(2024)


def facts(result) -> set[tuple]:
    return {
        (
            c.region_code,
            c.period.label if c.period else None,
            c.indicator_code,
            c.value,
            c.is_approximate,
        )
        for c in result.candidates
    }


def only(result, code: str):
    found = [c for c in result.candidates if c.indicator_code == code]
    assert len(found) == 1, [(c.indicator_code, c.raw) for c in result.candidates]
    return found[0]


# --- the seed: 吕梁 ------------------------------------------------------------------------------


def test_lvliang_seed_gives_exactly_the_catalog_figures():
    result = extract_text(read_document(SEED.read_bytes(), SEED.name))
    assert result.region_code == LVLIANG
    assert facts(result) == {
        (LVLIANG, "2023年", "mediation_orgs", 2667.0, False),
        (LVLIANG, "2023年", "prelitigation_cases", 4000.0, True),
        (LVLIANG, "2023年", "law_ambassadors", 21000.0, True),
        # 公职律师增至146名: the second edition of the catalog has government lawyers (a level)
        (LVLIANG, "2023年", "government_lawyers", 146.0, False),
    }
    orgs = only(result, "mediation_orgs")
    assert orgs.sentence.endswith("全市共有各类调解组织2667个。")
    assert orgs.sentence[orgs.span[0] : orgs.span[1]] == "2667个"
    # No date and no period in the text: the year it names most, and said so.
    assert result.clock.inferred_year == 2023 and orgs.period_source == "inferred"


def test_lvliang_figures_without_an_indicator_are_listed_not_stored():
    result = extract_text(SEED.read_text(encoding="utf-8"))
    unrec = {u.raw: u for u in result.unrecognised}
    # 引进律所5个、律师42名: brought in this year, not the number of law firms or lawyers
    assert unrec["5个"].reason == "stock_change" and unrec["5个"].indicator_code == "law_firms"
    assert "42名" in unrec
    # "2023年1个调解组织和2名调解员受到司法部表彰": an award, not the count of mediators
    assert "2名" in unrec and "1名" in unrec
    assert not any(c.indicator_code == "mediators" for c in result.candidates)
    # 法律援助200余人次: 人次 is not the unit of legal aid cases (件)
    assert unrec["200余人次"].reason == "unit_mismatch"


# --- number forms --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value, unit, approximate",
    [
        ("13287件", 13287, "件", False),
        ("13,287件", 13287, "件", False),
        ("1.8万余条", 18000, "条", True),
        ("2.1万余人", 21000, "人", True),
        ("4000余件", 4000, "件", True),
        ("9500余名", 9500, "名", True),
        ("2800多个", 2800, "个", True),
        ("两批次", 2, "批次", False),
        ("近百个", 100, "个", True),
        ("百余人", 100, "人", True),
        ("一千二百三十四件", 1234, "件", False),
        ("两万余人", 20000, "人", True),
        ("98.6%", 98.6, "%", False),
        ("90%以上", 90, "%", True),
        ("294.17万元", 2941700, "元", False),
        ("10296平方米", 10296, "平方米", False),
        ("超过3000人", 3000, "人", True),
    ],
)
def test_number_forms(text, value, unit, approximate):
    fig = parse_figure(text)
    assert fig is not None and fig.value == value and fig.unit == unit
    assert fig.is_approximate is approximate


@pytest.mark.parametrize(
    "cn, value",
    [
        ("十五", 15),
        ("一千零五", 1005),
        ("两万三千", 23000),
        ("三千五百万", 35_000_000),
        ("一二", None),
    ],
)
def test_chinese_numerals(cn, value):
    assert parse_chinese_number(cn) == value


@pytest.mark.parametrize(
    "text",
    [
        "2024年",
        "第29项",
        "“五个一”",
        "建立一个法治宣传栏",
        "数十个",
        "12348法律热线",
        "十一届五次全会",
        "3月22日",
    ],
)
def test_not_figures(text):
    assert find_figures(text) == []


@pytest.mark.parametrize(
    "sentence, code, value, approximate",
    [
        ("2024年，全市共调解矛盾纠纷13287件。", "mediation_cases", 13287, False),
        ("全市共有人民调解组织近百个。", "mediation_orgs", 100, True),
        ("全市现有人民调解员9500余名。", "mediators", 9500, True),
        ("全市共有调委会2800多个。", "mediation_orgs", 2800, True),
        ("全市共培育法律明白人2.1万余人。", "law_ambassadors", 21000, True),
        ("全市诉前调解4000余件。", "prelitigation_cases", 4000, True),
        ("全市调解成功率98.6%。", "mediation_success_rate", 98.6, False),
        ("全市司法所业务用房总面积10296平方米。", "office_floor_area", 10296, False),
        ("全年落实人民调解经费294.17万元。", "mediation_funding", 294.17, False),
        ("派遣人民监督员254人次。", "supervisor_dispatches", 254, False),
        ("全市共有调解组织一千二百三十四个。", "mediation_orgs", 1234, False),
        ("组织全市163个司法所开展专项行动。", "office_count", 163, False),
    ],
)
def test_number_forms_in_sentences(sentence, code, value, approximate):
    result = extract_text("天水市2024年工作总结\n" + sentence)
    c = only(result, code)
    assert (c.region_code, c.period, c.value, c.is_approximate) == (
        TIANSHUI,
        Y2024,
        value,
        approximate,
    )


def test_figures_in_units_no_indicator_counts_are_unrecognised():
    result = extract_text("天水市2024年工作总结\n全市发放宣传资料1.8万余条，公布两批次典型案例。")
    assert result.candidates == []
    unrec = {u.raw: (u.value, u.unit, u.is_approximate) for u in result.unrecognised}
    assert unrec == {"1.8万余条": (18000, "条", True), "两批次": (2, "批次", False)}


# --- traditional characters, pinyin, full-width digits -------------------------------------------


def test_traditional_characters_pinyin_and_fullwidth_digits():
    text = (
        "臨洮縣司法局2024年工作總結\n"
        "全縣共有人民調解組織１２０個，調解員８６０人。鄉(xiāng)鎮(zhèn)調委會18個。"
    )
    result = extract_text(text)
    assert result.region_code == "621124"
    assert facts(result) == {
        ("621124", "2024年", "mediation_orgs", 120.0, False),
        ("621124", "2024年", "mediators", 860.0, False),
    }
    sub = next(u for u in result.unrecognised if u.value == 18)
    assert (
        sub.reason == "subcategory" and "乡镇调委会18个" in sub.sentence
    )  # pinyin gone, simplified


def test_pinyin_artefact_in_an_indicator_name():
    text = "天水市2024年工作总结\n全市司法所工作人員(gōng zuò rén yuán)374人。"
    assert only(extract_text(text), "office_staff").value == 374


# --- 其中 parts and 比上年度增加 --------------------------------------------------------------------


def test_parts_under_qizhong_attach_to_their_whole():
    text = (
        "定西市2023年人民调解工作总结\n"
        "截至2023年底，全市共有人民调解组织2172个，其中乡镇调委会119个、街道调委会3个、村调委会1888个、"
        "社区调委会87个、行业性专业性调解组织75个；另有个人调解工作室99个。"
    )
    result = extract_text(text)
    whole = only(result, "mediation_orgs")
    assert whole.value == 2172
    assert [(p.label, p.value) for p in whole.parts] == [
        ("乡镇调委会", 119),
        ("街道调委会", 3),
        ("村调委会", 1888),
        ("社区调委会", 87),
    ]
    assert "parts_add_up" in whole.notes
    sector = only(result, "mediation_orgs_sector")
    assert sector.value == 75 and sector.part_of == whole.id
    assert only(result, "mediation_studios").part_of is None  # 另有: outside the 其中 list
    assert {c.indicator_code for c in result.candidates} == {
        "mediation_orgs",
        "mediation_orgs_sector",
        "mediation_studios",
    }


def test_parts_exceeding_the_whole_are_flagged():
    text = "天水市2024年工作总结\n全市共有调解组织100个，其中村调委会90个、社区调委会20个。"
    assert "parts_exceed_whole" in only(extract_text(text), "mediation_orgs").notes


def test_increase_on_last_year_gives_last_years_value():
    text = "天水市2024年工作总结\n全市司法所工作人员374人，比上年度增加了66人。"
    result = extract_text(text)
    assert facts(result) == {
        (TIANSHUI, "2024年", "office_staff", 374.0, False),
        (TIANSHUI, "2023年", "office_staff", 308.0, False),
    }
    prev = next(c for c in result.candidates if c.period == Y2023)
    assert prev.derived_from == only_period(result, Y2024).id and prev.period_source == "derived"
    assert prev.sentence[prev.span[0] : prev.span[1]] == "66人"


def only_period(result, period):
    return next(c for c in result.candidates if c.period == period)


@pytest.mark.parametrize(
    "tail, value, approximate",
    [
        ("比上年减少5人", 379, False),
        ("较2023年增加66人", 308, False),
        ("同比增加10余人", 364, True),
    ],
)
def test_change_forms(tail, value, approximate):
    text = f"天水市2024年工作总结\n全市司法所工作人员374人，{tail}。"
    prev = only_period(extract_text(text), Y2023)
    assert (prev.value, prev.is_approximate) == (value, approximate)


def test_from_to_gives_the_level_and_last_years_level():
    text = "天水市2023年工作总结\n全市120平方米以上司法所由上年的32个增加到38个；调解员由8000人增加到9000人。"
    result = extract_text(text)
    assert facts(result) == {
        (TIANSHUI, "2023年", "office_over_120sqm", 38.0, False),
        (TIANSHUI, "2022年", "office_over_120sqm", 32.0, False),
        (TIANSHUI, "2023年", "mediators", 9000.0, False),
    }
    # without saying whose level the first figure is, it is not stored
    assert {(u.raw, u.reason) for u in result.unrecognised} == {("8000人", "change")}


def test_percent_change_gives_no_previous_value():
    text = "天水市2024年工作总结\n全市调解矛盾纠纷13287件，同比增长8.0%。"
    result = extract_text(text)
    assert facts(result) == {(TIANSHUI, "2024年", "mediation_cases", 13287.0, False)}
    assert result.unrecognised == []  # a change rate is neither a figure nor unrecognised


# --- periods ---------------------------------------------------------------------------------------


def test_relative_periods_follow_the_report_date():
    text = (
        "天水市司法局工作情况\n"
        "今年以来，全市调解矛盾纠纷6000件。截至目前，全市共有人民调解员9000人。去年全市调解矛盾纠纷12301件。"
    )
    result = extract_text(text, report_date=dt.date(2024, 7, 15))
    assert facts(result) == {
        (TIANSHUI, "2024年1-7月", "mediation_cases", 6000.0, False),
        (TIANSHUI, "2024年1-7月", "mediators", 9000.0, False),
        (TIANSHUI, "2023年", "mediation_cases", 12301.0, False),
    }


def test_report_date_in_text_and_clamped_into_the_title_period():
    text = "天水市2024年工作总结\n发布时间：2025年1月15日\n截至目前，全市共有人民调解员9000人。"
    result = extract_text(text)
    assert result.report_date == dt.date(2025, 1, 15)
    assert only(result, "mediators").period == Y2024  # a review of 2024: 截至目前 = end of 2024


def test_explicit_periods():
    text = (
        "天水市司法局工作情况\n"
        "2024年1-6月，全市调解矛盾纠纷6000件。截至2024年9月底，全市共有人民调解员9000人。"
        "2023年上半年全市司法确认300件。"
    )
    assert facts(extract_text(text)) == {
        (TIANSHUI, "2024年1-6月", "mediation_cases", 6000.0, False),
        (TIANSHUI, "2024年1-9月", "mediators", 9000.0, False),
        (TIANSHUI, "2023年1-6月", "judicial_confirmations", 300.0, False),
    }


def test_periods_without_a_year_take_the_reports_year():
    text = (
        "天水市司法局工作情况\n"
        "1-9月，全市调解矛盾纠纷9000件。截至9月底，全市共有人民调解员9100人。一季度全市司法确认300件。"
    )
    assert facts(extract_text(text, report_date=dt.date(2024, 10, 12))) == {
        (TIANSHUI, "2024年1-9月", "mediation_cases", 9000.0, False),
        (TIANSHUI, "2024年1-9月", "mediators", 9100.0, False),
        (TIANSHUI, "2024年第一季度", "judicial_confirmations", 300.0, False),
    }


@pytest.mark.parametrize(
    "sentence, reason",
    [
        ("近三年来，全市累计调解矛盾纠纷3.6万件。", "cumulative"),
        ("2020年以来，全市调解矛盾纠纷3.6万件。", "cumulative"),
        ("力争全市调解矛盾纠纷不少于13500件。", "target"),
        ("全省共调解矛盾纠纷10.2万件。", "other_scope"),
        ("全年新增人民调解组织12个。", "stock_change"),
        ("秦州区、麦积区分别有调解组织300个和260个。", "respectively"),
        ("2名调解员受到司法部表彰。", "no_count_cue"),
        ("全市3名调解员荣获全国模范人民调解员称号。", "event"),
        ("全市法律援助200余人次。", "unit_mismatch"),
        ("全市办结信访案件36件。", "topic"),
        ("2025年全市调解矛盾纠纷15000件。", "future"),
        ("全市申请司法确认57件。", "subcategory"),
        ("全市面积和标识达标的司法所119个。", "subcategory"),
        ("力争全年调解矛盾纠纷不少于13500件，调解成功率保持在98%以上。", "target"),
        ("全市新创建省级样板司法所10个。", "stock_change"),
    ],
)
def test_precision_rules(sentence, reason):
    result = extract_text("天水市司法局工作情况\n" + sentence, report_date=dt.date(2024, 12, 31))
    assert result.candidates == []
    assert reason in {u.reason for u in result.unrecognised}


def test_no_region_no_period_still_lists_candidates():
    result = extract_text("全市共调解矛盾纠纷100件。")
    c = only(result, "mediation_cases")
    assert c.region_code is None and c.period is None
    assert {"no_region", "no_period"} <= set(c.notes)


# --- regions ----------------------------------------------------------------------------------------


def test_a_county_named_at_the_start_of_a_clause_owns_its_figures():
    text = (
        "天水市2024年工作总结\n"
        "全市调解矛盾纠纷13287件，秦州区调解矛盾纠纷3100件。酒泉市调解矛盾纠纷2000件。"
        "在秦州区、麦积区等地调解矛盾纠纷500件。"
    )
    result = extract_text(text)
    got = {(c.region_code, c.value) for c in result.candidates}
    assert got == {(TIANSHUI, 13287), (QINZHOU, 3100), (TIANSHUI, 500)}
    assert "other_region" in {u.reason for u in result.unrecognised}


def test_region_and_period_options_override_the_text():
    result = extract_text("全市共调解矛盾纠纷100件。", region="秦州区", period="2022")
    assert facts(result) == {(QINZHOU, "2022年", "mediation_cases", 100.0, False)}


def test_bad_options_are_refused():
    from etl.narrative import ExtractError

    with pytest.raises(ExtractError):
        extract_text("x", region="不存在的地方")
    with pytest.raises(ExtractError):
        extract_text("x", period="2024年13月")
    with pytest.raises(ExtractError):
        extract_text("x", report_date="2024-02-30")
    with pytest.raises(ExtractError):
        extract_text("调解纠纷1件。" * 50_000)


# --- spellings taught by analysts ---------------------------------------------------------------------


def test_a_learned_spelling_makes_a_candidate():
    text = "天水市2024年工作总结\n全市化解矛盾纠纷500件。"
    assert extract_text(text).candidates == []
    taught = extract_text(text, extra_spellings={"化解矛盾纠纷": "mediation_cases"})
    assert facts(taught) == {(TIANSHUI, "2024年", "mediation_cases", 500.0, False)}


def test_mapping_an_unrecognised_figure_by_hand():
    result = extract_text("天水市2024年工作总结\n全市化解矛盾纠纷500件，志愿者12名。")
    uid = next(u.id for u in result.unrecognised if u.raw == "500件")
    cand = map_unrecognised(result, uid, "mediation_cases")
    assert (cand.region_code, cand.period, cand.value) == (TIANSHUI, Y2024, 500)
    assert "mapped_by_analyst" in cand.notes and uid not in {u.id for u in result.unrecognised}
    other = next(u.id for u in result.unrecognised if u.raw == "12名")
    with pytest.raises(ValueError):
        map_unrecognised(result, other, "mediation_cases")  # 名 is not 件


# --- files --------------------------------------------------------------------------------------------


def test_docx_html_and_gb18030_text_are_read():
    from docx import Document

    doc = Document()
    doc.add_paragraph("天水市2024年工作总结")
    doc.add_paragraph("全市共调解矛盾纠纷13287件。")
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "司法确认"
    table.rows[0].cells[1].text = "943件"
    buf = io.BytesIO()
    doc.save(buf)
    text = read_document(buf.getvalue(), "report.docx")
    assert facts(extract_text(text)) == {
        (TIANSHUI, "2024年", "mediation_cases", 13287.0, False),
        (TIANSHUI, "2024年", "judicial_confirmations", 943.0, False),
    }
    html = (
        "<html><head><title>天水市2024年工作总结</title><script>var a='调解纠纷999件';</script></head>"
        "<body><p>全市共调解矛盾纠纷13287件。</p></body></html>"
    ).encode()
    assert facts(extract_text(read_document(html, "a.html"))) == {
        (TIANSHUI, "2024年", "mediation_cases", 13287.0, False)
    }
    gbk = "天水市2024年工作总结\n全市共调解矛盾纠纷13287件。".encode("gb18030")
    assert only(extract_text(read_document(gbk, "a.txt")), "mediation_cases").value == 13287


def test_unreadable_files_are_refused():
    from etl.narrative import ReadError

    for data in (
        b"",
        b"%PDF-1.4 ...",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest",
        b"PK\x03\x04broken",
    ):
        with pytest.raises(ReadError):
            read_document(data, "x")


# --- the CLI --------------------------------------------------------------------------------------------


def test_cli_extract_json_shape(capsys):
    assert etl_main(["extract", str(SEED), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["indicator_code"] for r in rows} == {
        "mediation_orgs",
        "prelitigation_cases",
        "law_ambassadors",
        "government_lawyers",
    }
    for r in rows:
        assert {
            "region_code",
            "period_start",
            "period_end",
            "indicator_code",
            "value",
            "is_approximate",
            "sentence",
            "highlight",
            "derived_from",
            "parts",
        } <= set(r)
        a, b = r["highlight"]
        assert r["sentence"][a:b] == r["raw"]
    orgs = next(r for r in rows if r["indicator_code"] == "mediation_orgs")
    assert orgs["region_code"] == LVLIANG and orgs["value"] == 2667
    assert (orgs["period_start"], orgs["period_end"]) == ("2023-01-01", "2023-12-31")
    assert orgs["is_approximate"] is False


def test_cli_extract_text_output_and_errors(capsys, tmp_path):
    assert etl_main(["extract", str(SEED), "--date", "2023-12-31"]) == 0
    out = capsys.readouterr().out
    assert "【2667个】" in out and "公职律师" in out
    assert etl_main(["extract", str(tmp_path / "missing.txt")]) == 2
    assert etl_main(["extract", str(SEED), "--region", "不存在的地方"]) == 2
    assert etl_main(["extract", str(SEED), "--date", "2023-13-01"]) == 2


# --- the reviewed result through the load path (both store legs) ------------------------------------------


def _reviewed(tmp_path, text: str, accept: bool | None = True, **kw) -> tuple:
    result = extract_text(text, **kw)
    doc = reviewed_document(result, "report.txt", accept=accept)
    path = tmp_path / "report.reviewed.json"
    path.write_bytes(document_bytes(doc))
    return result, doc, path


TEXT = (
    "天水市2024年工作总结\n"
    "全市共调解矛盾纠纷13287件，调解成功率98.6%。全市司法所工作人员374人，比上年度增加了66人。"
    "全市共有人民调解员9500余名。"
)


def _batch_rows(url: str):
    from lawstats.store import batches, connect, get_engine

    with connect(get_engine(url)) as conn:
        return conn.execute(sa.select(batches.c.id, batches.c.source_type)).all()


def _v_facts(url: str) -> set[tuple]:
    from lawstats.store import connect, get_engine

    with connect(get_engine(url)) as conn:
        rows = conn.execute(
            sa.text(
                "SELECT region_code, period_start, indicator_code, value, is_approximate FROM v_facts"
            )
        ).all()
    return {(r[0], str(r[1]), r[2], float(r[3]), bool(r[4])) for r in rows}


def test_commit_reviewed_result_as_one_report_text_batch(store_url, tmp_path, capsys):
    result, doc, path = _reviewed(tmp_path, TEXT)
    assert is_reviewed(path.read_bytes()) and doc["format"] == FORMAT
    assert etl_main(["load", str(path), "--db", store_url, "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["status"] == "loaded" and out["facts_written"] == 5
    assert [r.source_type for r in _batch_rows(store_url)] == ["report_text"]
    assert _v_facts(store_url) == {
        (TIANSHUI, "2024-01-01", "mediation_cases", 13287.0, False),
        (TIANSHUI, "2024-01-01", "mediation_success_rate", 98.6, False),
        (TIANSHUI, "2024-01-01", "office_staff", 374.0, False),
        (TIANSHUI, "2023-01-01", "office_staff", 308.0, False),
        (TIANSHUI, "2024-01-01", "mediators", 9500.0, True),
    }
    # the same review again: nothing written
    assert etl_main(["load", str(path), "--db", store_url]) == 0
    assert len(_batch_rows(store_url)) == 1


def test_reviewed_edits_and_rejections_are_honoured(store_url, tmp_path):
    result, doc, path = _reviewed(tmp_path, TEXT)
    for item in doc["candidates"]:
        if item["indicator_code"] == "mediators":
            item["accept"] = False
        if item["indicator_code"] == "mediation_cases":
            item["value"] = 13288  # the analyst corrected a typo in the report
    path.write_bytes(document_bytes(doc))
    assert etl_main(["load", str(path), "--db", store_url]) == 0
    got = _v_facts(store_url)
    assert (TIANSHUI, "2024-01-01", "mediation_cases", 13288.0, False) in got
    assert not any(f[2] == "mediators" for f in got)


def test_unreviewed_candidates_refuse_the_load(store_url, tmp_path, capsys):
    _result, _doc, path = _reviewed(tmp_path, TEXT, accept=None)
    assert etl_main(["extract", str(SEED), "--out", str(tmp_path / "seed.json")]) == 0
    capsys.readouterr()
    for p in (path, tmp_path / "seed.json"):
        assert etl_main(["load", str(p), "--db", store_url, "--json"]) == 1
        out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert out["status"] == "refused"
        assert {pr["code"] for pr in out["problems"]} == {"text_unreviewed"}
    assert _batch_rows(store_url) == []


def test_reviewed_result_goes_through_the_same_validation(store_url, tmp_path, capsys):
    from etl.load import load_bytes
    from lawstats.store import get_engine

    text = "天水市2024年工作总结\n全市调解矛盾纠纷100件，调解成功120件。"
    _result, doc, path = _reviewed(tmp_path, text)
    assert etl_main(["load", str(path), "--db", store_url, "--json"]) == 1
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert "numerator_above_denominator" in {p["code"] for p in out["problems"]}
    # permissions: an analyst of 秦州区 may not write 天水市
    _result, doc, path = _reviewed(tmp_path, TEXT)
    res = load_bytes(get_engine(store_url), path.read_bytes(), path.name, allowed_regions=[QINZHOU])
    assert res.status == "refused" and "region_not_permitted" in res.report.codes()
    assert _batch_rows(store_url) == []


def test_malformed_reviewed_documents(store_url, tmp_path, capsys):
    _result, doc, path = _reviewed(tmp_path, TEXT)
    doc["candidates"][0]["indicator_code"] = "no_such_code"
    doc["candidates"][1]["period_start"] = "someday"
    path.write_bytes(document_bytes(doc))
    assert etl_main(["load", str(path), "--db", store_url, "--json"]) == 1
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [p["code"] for p in out["problems"]].count("text_bad_candidate") == 2
    for c in doc["candidates"]:
        c["accept"] = False
    path.write_bytes(document_bytes(doc))
    assert etl_main(["load", str(path), "--db", store_url, "--json"]) == 1
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [p["code"] for p in out["problems"]] == ["text_nothing_accepted"]


def test_stored_values_show_what_a_candidate_would_replace(store_url, tmp_path):
    from etl.narrative.review import stored_values
    from lawstats.store import get_engine

    result, _doc, path = _reviewed(tmp_path, TEXT)
    assert etl_main(["load", str(path), "--db", store_url]) == 0
    items = candidates_json(extract_text(TEXT))
    found = stored_values(get_engine(store_url), items)
    cases = next(i["id"] for i in items if i["indicator_code"] == "mediation_cases")
    assert found[cases]["value"] == 13287 and found[cases]["source_type"] == "report_text"
    assert len(found) == len(items)


def test_candidates_json_matches_the_cli():
    result = extract_text(SEED.read_text(encoding="utf-8"))
    rows = candidates_json(result)
    assert [r["id"] for r in rows] == [c.id for c in result.candidates]


# --- the dashboard marks report-text figures ------------------------------------------------------------


def test_overview_cards_flag_report_text_figures(store_url, tmp_path):
    from lawstats.analysis import dashboard
    from lawstats.store import get_engine
    from lawstats.store.queries import batch_ids_of_source
    from lawstats.store.rollup import figures

    _result, _doc, path = _reviewed(tmp_path, TEXT)
    assert etl_main(["load", str(path), "--db", store_url]) == 0
    engine = get_engine(store_url)
    report = batch_ids_of_source(engine, "report_text")
    assert len(report) == 1
    frame = figures(engine, [TIANSHUI], Y2024, ["mediation_cases", "office_staff"])
    import pandas as pd

    cards = dashboard.overview_cards(
        frame, pd.DataFrame(), texts={"report_text": "来源：文字报告"}, report_batches=report
    )
    assert all("来源：文字报告" in c.flags for c in cards if c.value is not None)
    plain = dashboard.overview_cards(frame, pd.DataFrame())
    assert not any("来源：文字报告" in c.flags for c in plain)


def test_prose_is_read_with_the_header_grammar():
    """One recogniser (#17 item 7): the words before a figure are read like a column header,
    and the grammar's narrowing and change words refuse a figure as they refuse a column."""
    text = (
        "天水市2024年人民调解工作总结\n"
        "全市调解各类民间纠纷13287件。1万余名人民调解员参加网络培训。全市新聘调解员120名。"
    )
    result = extract_text(text)
    assert facts(result) == {(TIANSHUI, "2024年", "mediation_cases", 13287.0, False)}
    cases = only(result, "mediation_cases")
    assert cases.label == "调解各类民间纠纷"
    assert not any(c.indicator_code == "mediators" for c in result.candidates)
