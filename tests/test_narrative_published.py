"""Backfill from prose (#18): rules found on published report texts, each on a short sentence of
our own (the published texts are not in the repository; tests/data/narrative/real/PROVENANCE.md)."""

from __future__ import annotations

import datetime as dt

from etl.narrative import extract_text
from etl.narrative.timeexpr import find_report_date
from tests.test_narrative import facts

TIANSHUI, QINZHOU = "620500", "620502"


def reasons(result) -> dict[str, str]:
    return {u.raw: u.reason for u in result.unrecognised}


# --- the report's own region ---------------------------------------------------------------------


def test_a_county_report_is_the_countys_not_its_citys():
    text = "2024年，县司法局抓好调解工作，全县共调解矛盾纠纷300件。秦州区玉泉镇一起纠纷得到化解。"
    assert extract_text(text).region_code == QINZHOU


def test_a_county_named_with_its_city_is_the_county():
    text = "2024年度天水市秦州区法律援助中心共办理法律援助案件120件。"
    assert extract_text(text).region_code == QINZHOU


def test_a_city_report_naming_one_county_stays_the_citys():
    text = "2024年，全市共调解矛盾纠纷300件。秦州区玉泉镇一起纠纷得到化解。天水市司法局表示。"
    assert extract_text(text).region_code == TIANSHUI


# --- time -----------------------------------------------------------------------------------------


def test_a_day_first_date_line_is_the_report_date_only_when_unambiguous():
    assert find_report_date(["14.09.2014  21:06"]) == dt.date(2014, 9, 14)
    assert find_report_date(["05.09.2014"]) is None  # May 9th or 5 September: not guessed


def test_this_years_first_half_is_the_half_not_the_year_so_far():
    text = "天水市法律援助\n\n14.09.2014 21:06\n\n今年上半年，全市共办理法律援助案件180件。"
    assert facts(extract_text(text)) == {(TIANSHUI, "2014年1-6月", "legal_aid_cases", 180, False)}


def test_a_sentence_without_a_time_keeps_the_period_its_paragraph_named():
    text = (
        "天水市司法局\n时间:2021-03-14\n"
        "截止到2020年11月30日，全市调解矛盾纠纷600件。全市排查发现矛盾纠纷130件。\n"
        "全市调解成功500件。"
    )
    assert facts(extract_text(text)) == {
        (TIANSHUI, "2020年1-11月", "mediation_cases", 600, False),
        (TIANSHUI, "2020年1-11月", "disputes_screened", 130, False),
        (TIANSHUI, "2021年第一季度", "mediation_success", 500, False),  # another paragraph
    }


def test_now_after_a_cut_off_date_is_that_date():
    text = (
        "天水市司法局\n时间:2017-04-01\n截至2017年2月，全市调解矛盾纠纷60件。目前全市有调委会30个。"
    )
    assert (TIANSHUI, "2017年1-2月", "mediation_orgs", 30, False) in facts(extract_text(text))


def test_a_success_rate_spelled_with_tiaochu():
    text = "2020年，天水市调处纠纷100件，调处成功96件，调处成功率96%。"
    assert (TIANSHUI, "2020年", "mediation_success_rate", 96, False) in facts(extract_text(text))


# --- totals that are not the period's ---------------------------------------------------------------


def test_a_running_total_after_a_cut_off_date_is_not_the_periods():
    text = (
        "天水市司法局\n时间:2017-04-01\n"
        "截至2017年2月，全市累计调解矛盾纠纷2000件，调解成功1900件。累计办理法律援助案件300件。"
        "2016年，全市累计调解矛盾纠纷500件。"
    )
    result = extract_text(text)
    assert facts(result) == {(TIANSHUI, "2016年", "mediation_cases", 500, False)}
    assert {reasons(result)[r] for r in ("2000件", "1900件", "300件")} == {"cumulative"}


def test_since_an_event_of_a_year_is_a_running_total():
    text = "2022年法律援助法实施以来，全市共办理法律援助案件8000多件。"
    result = extract_text(text, region=TIANSHUI)
    assert result.candidates == [] and reasons(result)["8000多件"] == "cumulative"


def test_a_figure_among_the_named_ones_is_a_part():
    text = "天水市社区矫正工作\n目前全市在册社区矫正对象365名。在册人员中缓刑322名。"
    result = extract_text(text, report_date="2017-04-01")
    assert facts(result) == {(TIANSHUI, "2017年1-4月", "cc_enrolled", 365, False)}
    assert reasons(result)["322名"] == "subcategory"


def test_this_year_in_a_january_report_is_asked_not_guessed():
    text = (
        "天水网 发表于 2013-1-19 18:10:16\n\n我市今年办理法律援助案件1500余件\n\n"
        "去年全市共办理法律援助案件1503件。"
    )
    result = extract_text(text)
    assert facts(result) == {(TIANSHUI, "2012年", "legal_aid_cases", 1503, False)}
    assert reasons(result)["1500余件"] == "period_unsure"


# --- units and words ----------------------------------------------------------------------------------


def test_zong_counts_cases_and_jian_counts_what_the_catalog_counts_in_qi():
    text = "2018年，天水市办理法律援助案件1200宗，成功调解矛盾纠纷约3.9万宗，防止民转刑案件22件。"
    assert facts(extract_text(text)) == {
        (TIANSHUI, "2018年", "legal_aid_cases", 1200, False),
        (TIANSHUI, "2018年", "mediation_success", 39000, True),
        (TIANSHUI, "2018年", "prevented_escalations", 22, False),
    }


def test_a_figure_counts_the_qualified_noun_after_it_not_the_verb_before():
    text = "2020年，天水市司法局组织138个基层调委会开展排查。全市共有调委会150个。"
    result = extract_text(text)
    assert facts(result) == {(TIANSHUI, "2020年", "mediation_orgs", 150, False)}
    assert reasons(result)["138个"] == "subcategory"


def test_the_other_party_of_an_act_is_not_a_count():
    text = "2023年，天水市司法局与辖区4家律师事务所签约。全市共有律师事务所40家。"
    result = extract_text(text)
    assert facts(result) == {(TIANSHUI, "2023年", "law_firms", 40, False)}
    assert reasons(result)["4家"] == "partner"


def test_the_past_year_is_last_year_in_january_and_asked_otherwise():
    text = "天水市司法局\n一年来，12348公共法律服务热线服务群众3.4万人次。"
    january = extract_text(text, report_date="2023-01-19")
    assert facts(january) == {(TIANSHUI, "2022年", "pls_hotline", 34000, False)}
    july = extract_text(text, report_date="2023-07-19")
    assert july.candidates == [] and reasons(july)["3.4万人次"] == "period_unsure"


def test_a_mediation_rate_in_a_reconsideration_paragraph():
    text = "2024年，天水市办理行政复议案件60件，办结54件，调解率为40.74%。"
    assert (TIANSHUI, "2024年", "reconsideration_mediation_rate", 40.74, False) in facts(
        extract_text(text)
    )


# --- breakdown members ------------------------------------------------------------------------------

MEMBER_TEXT = (
    "2022年度天水市法律援助中心共办理法律援助案件500宗(其中民事法律援助案件300宗、"
    "刑事法律援助案件150宗、法律帮助50宗)。"
)


def test_a_part_naming_a_breakdown_member_is_a_member_candidate():
    result = extract_text(MEMBER_TEXT)
    got = {(c.indicator_code, c.value, c.dimension, c.member) for c in result.candidates}
    assert got == {
        ("legal_aid_cases", 500, None, None),
        ("legal_aid_cases", 300, "legal_aid_type", "civil"),
        ("legal_aid_cases", 150, "legal_aid_type", "criminal"),
        ("legal_aid_cases", 50, "legal_aid_type", "assistance"),
    }
    whole = next(c for c in result.candidates if c.member is None)
    assert "parts_add_up" in whole.notes


def test_a_member_candidate_is_not_loaded_as_the_total():
    from etl.narrative.review import (
        document_bytes,
        review_rows,
        reviewed_document,
        reviewed_extraction,
    )

    result = extract_text(MEMBER_TEXT)
    rows = {r["value"]: r["accept"] for r in review_rows(result)}
    assert rows == {500: True, 300: False, 150: False, 50: False}
    doc = reviewed_document(result, "x.txt", accept=True)
    assert [c["value"] for c in doc["candidates"] if c["accept"]] == [500]
    loaded = reviewed_extraction(document_bytes(doc), "x.json")
    assert [f.value for f in loaded.facts] == [500]
    for c in doc["candidates"]:
        c["accept"] = True
    refused = reviewed_extraction(document_bytes(doc), "x.json")
    assert not refused.report.ok


# --- 分别 over a span of years ------------------------------------------------------------------------


def test_figures_respectively_over_a_span_of_years_are_one_a_year():
    text = (
        "天水市社区矫正工作\n2019年至2021年全市社区矫正对象重新犯罪率分别是0.3%、0.25%、0.2%，"
        "2022年和2023年为零。"
    )
    got = {(c.period.label, c.indicator_code, c.value) for c in extract_text(text).candidates}
    assert got == {
        ("2019年", "cc_reoffence_rate", 0.3),
        ("2020年", "cc_reoffence_rate", 0.25),
        ("2021年", "cc_reoffence_rate", 0.2),
        ("2022年", "cc_reoffence_rate", 0.0),
        ("2023年", "cc_reoffence_rate", 0.0),
    }


def test_respectively_with_another_count_of_figures_than_years_is_not_read():
    text = "天水市社区矫正工作\n2019年至2021年全市社区矫正对象重新犯罪率分别是0.3%、0.25%。"
    result = extract_text(text)
    assert result.candidates == []
    assert {u.reason for u in result.unrecognised} <= {"respectively", "no_indicator"}


# --- what the rules above must not over-reach -----------------------------------------------------------


def test_a_year_inside_a_sentence_does_not_frame_its_paragraph():
    text = "天水市2016年工作总结\n全市调解工作在2008年全面开展。全市共调解矛盾纠纷300件。"
    assert facts(extract_text(text)) == {(TIANSHUI, "2016年", "mediation_cases", 300, False)}


def test_a_running_total_within_the_year_its_paragraph_names_is_that_years():
    text = "天水市司法局\n2023年，全市调解工作成效明显。全市累计调解矛盾纠纷500件。"
    assert facts(extract_text(text)) == {(TIANSHUI, "2023年", "mediation_cases", 500, False)}


def test_since_an_event_this_year_is_not_the_year_so_far():
    text = "天水市司法局\n2024年新法实施以来，全市办理法律援助案件300件。"
    result = extract_text(text, report_date="2024-10-01")
    assert result.candidates == [] and reasons(result)["300件"] == "cumulative"


def test_a_neutral_word_between_figure_and_noun_keeps_the_noun():
    text = "2023年，天水市共培育45个各类调解组织。"
    assert facts(extract_text(text)) == {(TIANSHUI, "2023年", "mediation_orgs", 45, False)}


def test_the_whole_year_in_a_fourth_quarter_review_is_the_year():
    text = "天水市司法局2020年第四季度工作总结\n全年解答群众法律咨询3600人次。"
    assert facts(extract_text(text)) == {
        (TIANSHUI, "2020年", "legal_aid_consultations", 3600, False)
    }
    mid = extract_text("天水市司法局\n全年解答群众法律咨询3600人次。", report_date="2020-07-01")
    assert mid.candidates == [] and reasons(mid)["3600人次"] == "period_unsure"


def test_a_count_for_the_units_a_wei_names_is_theirs():
    text = "2022年，天水市为1100个村调委会选聘人民调解员5900名。全市共有人民调解员8000名。"
    result = extract_text(text)
    assert facts(result) == {(TIANSHUI, "2022年", "mediators", 8000, False)}
    assert reasons(result)["5900名"] == "subcategory"


def test_a_bracketed_list_after_a_total_lists_its_parts():
    text = "截至9月底，天水市已办理法律援助案件245件(刑事189件,民事55件,行政1件)，全年目标200件。"
    result = extract_text(text, report_date="2022-10-15")
    got = {(c.period.label, c.value, c.member) for c in result.candidates}
    assert got == {
        ("2022年1-9月", 245, None),
        ("2022年1-9月", 189, "criminal"),
        ("2022年1-9月", 55, "civil"),
        ("2022年1-9月", 1, "administrative"),
    }
    whole = next(c for c in result.candidates if c.member is None)
    assert "parts_add_up" in whole.notes and len(whole.parts) == 3


def test_a_by_line_with_a_full_date_is_the_report_date():
    lines = ["来源: 天水日报 作者: 张三 2014-07-16 09:23:31"]
    assert find_report_date(lines) == dt.date(2014, 7, 16)
    text = (
        "天水市上半年办理法律援助案件\n\n"
        + lines[0]
        + "\n\n今年以来，全市共办理法律援助案件1822件。"
    )
    assert facts(extract_text(text)) == {(TIANSHUI, "2014年1-7月", "legal_aid_cases", 1822, False)}


def test_since_a_month_up_to_now_is_a_running_total():
    text = "天水市社区矫正\n截至3月底，全市在册社区矫正对象900人。2012年3月至今已收监执行11人。"
    result = extract_text(text, report_date="2014-04-23")
    assert facts(result) == {(TIANSHUI, "2014年第一季度", "cc_enrolled", 900, False)}
    assert reasons(result)["11人"] == "cumulative"


def test_a_bound_is_not_a_figure():
    text = "2014年，天水市社区矫正对象再犯罪率控制在0.2%以下。"
    result = extract_text(text)
    assert result.candidates == [] and reasons(result)["0.2%"] == "target"


def test_a_bracket_inside_a_list_of_parts_is_a_detail_of_one_part():
    text = "截至目前，天水市在册社区矫正对象310人，其中缓刑309人(宣告禁止令12人)，暂予监外执行1人。"
    result = extract_text(text, report_date="2023-08-01")
    whole = next(c for c in result.candidates if c.indicator_code == "cc_enrolled")
    assert [p.value for p in whole.parts] == [309, 1] and "parts_add_up" in whole.notes


def test_a_flow_up_to_now_is_asked():
    text = "天水市社区矫正\n截至目前，全市共接收社区矫正对象495人，在册社区矫正对象486人。"
    result = extract_text(text, report_date="2021-06-01")
    assert reasons(result)["495人"] == "period_unsure"
    assert (TIANSHUI, "2021年1-6月", "cc_enrolled", 486, False) in facts(result)


def test_respectively_pairs_only_the_figures_of_its_own_stretch():
    text = "2018年，天水市共调解矛盾纠纷4769件，调解成功4760件；上访批次和人次分别下降36%、38%。"
    assert facts(extract_text(text)) == {
        (TIANSHUI, "2018年", "mediation_cases", 4769, False),
        (TIANSHUI, "2018年", "mediation_success", 4760, False),
    }


def test_a_list_of_parts_after_a_semicolon_has_no_whole_before_it():
    text = "2018年，天水市调解成功率达99.8%；其中婚姻纠纷调解成功率99%。"
    result = extract_text(text)
    rate = next(c for c in result.candidates if c.indicator_code == "mediation_success_rate")
    assert rate.parts == [] and "parts_exceed_whole" not in rate.notes


def test_a_narrowing_subject_before_n_nouns_makes_a_part():
    text = "2016年，天水市企事业、行业建成22个调委会。全市共有调委会600个。"
    result = extract_text(text)
    assert facts(result) == {(TIANSHUI, "2016年", "mediation_orgs", 600, False)}
    assert reasons(result)["22个"] == "subcategory"


def test_a_narrowing_word_spelled_out_in_brackets_still_narrows():
    text = "2020年，天水市配备乡镇(街道)专职调解员251名。"
    result = extract_text(text)
    assert result.candidates == [] and reasons(result)["251名"] == "subcategory"


def test_words_of_the_indicators_own_name_do_not_narrow_it():
    text = "截至目前，天水市设立村(社区)公共法律服务工作室1541个。"
    result = extract_text(text, report_date="2021-05-10")
    assert facts(result) == {(TIANSHUI, "2021年1-5月", "pls_rooms", 1541, False)}


def test_the_whole_year_after_a_named_year_is_that_year():
    text = "记者获悉：2022年，天水市全年共办理法律援助案件1160件。"
    result = extract_text(text, report_date="2023-02-09")
    assert facts(result) == {(TIANSHUI, "2022年", "legal_aid_cases", 1160, False)}


def test_a_text_about_the_whole_country_gives_no_regions_figures():
    text = "2022年全国人民调解工作情况\n\n截至目前，人民调解委员会已发展到69.3万个。"
    result = extract_text(text)
    assert result.candidates == [] and reasons(result)["69.3万个"] == "other_scope"
