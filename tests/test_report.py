"""Year-end report: sentences against hand-written expectations (read back from .docx), demo figures,
exports (.docx/.xlsx/.txt, templates, formula-safe cells), traceability, generations and diffs, CLI."""

from __future__ import annotations

import io
import shutil
from datetime import date

import openpyxl
import pandas as pd
import pytest
from docx import Document

from etl.cli import main as etl_main
from lawstats.domain.catalog import load_catalog
from lawstats.domain.periods import Period
from lawstats.reports import generations as rg
from lawstats.reports import report as rp
from lawstats.reports import report_common
from lawstats.reports import report_export as rx
from lawstats.reports import report_text as rt
from lawstats.store import get_engine, transaction
from lawstats.store.revisions import BatchInfo, write_facts
from tests.conftest import require_or_skip

TIANSHUI = "620500"
COUNTIES = ["620502", "620503", "620521", "620522", "620523", "620524", "620525"]
QINZHOU = "620502"
Y2023, Y2024 = Period.year(2023), Period.year(2024)

# The hand-written sentences the small dataset below must produce (one per case of the issue).
EXPECTED = {
    # growth (flow): 7 x 100 -> 7 x 110
    "figure:mediation_cases": "全市调解矛盾纠纷770件，同比增长10.0%，增加70件。",
    "figure:mediation_success": "全市调解成功756件，同比增长13.7%，增加91件。",
    # ratio change in points: 665/700 = 95.0% -> 756/770 = 98.2%
    "figure:mediation_success_rate": "全市调解成功率98.2%，同比提高3.2个百分点。",
    # no change
    "figure:judicial_confirmations": "全市司法确认140件，与上年持平。",
    # approximate value: one county sent "500余"; last year exact
    "figure:prelitigation_cases": "全市诉前调解4100余件，同比约增长17.1%（上年为3500件）。",
    # decline (flow)
    "figure:legal_aid_cases": "全市法律援助案件315件，同比下降10.0%，减少35件。",
    # stock: the published 天水 phrasing
    "figure:office_staff": "全市司法所工作人员374人，比上年度增加66人，增长21.4%。",
    # missing previous year: no comparison at all
    "figure:reconsideration_accepted": "全市行政复议受理70件。",
    # partial coverage this year: 6 of 7 counties, never called a city total
    "figure:released_visits": "已报送的6个县区（全市共7个）安置帮教排查走访合计600人次，数据不全，未作同比。",
    # last year incomplete (5 of 7 counties then)
    "figure:assessors_selected": "全市人民陪审员选任70人；上年数据不全，未作同比。",
}


def _facts(period: Period, code: str, values: dict[str, float], approx=()) -> list[dict]:
    return [
        {
            "region_code": region,
            "period_start": period.start,
            "period_end": period.end,
            "indicator_code": code,
            "value": float(v),
            "is_approximate": region in approx,
        }
        for region, v in values.items()
    ]


def each(value: float, regions=COUNTIES) -> dict[str, float]:
    return dict.fromkeys(regions, value)


def load(engine, rows: list[dict], file_name: str, user: str = "县局统计员") -> int:
    with transaction(engine) as conn:
        res = write_facts(
            conn,
            BatchInfo(
                file_name=file_name, sha256=file_name, source_type="spreadsheet", uploaded_by=user
            ),
            pd.DataFrame(rows),
        )
    return res.batch_id


def build_small(engine) -> dict[str, int]:
    staff_2024 = dict(zip(COUNTIES, [56, 54, 53, 53, 53, 53, 52], strict=True))
    y23 = [
        *_facts(Y2023, "mediation_cases", each(100)),
        *_facts(Y2023, "mediation_success", each(95)),
        *_facts(Y2023, "judicial_confirmations", each(20)),
        *_facts(Y2023, "prelitigation_cases", each(500)),
        *_facts(Y2023, "legal_aid_cases", each(50)),
        *_facts(Y2023, "office_staff", each(44)),
        *_facts(Y2023, "released_visits", each(100)),
        *_facts(Y2023, "assessors_selected", each(10, COUNTIES[:5])),
    ]
    y24 = [
        *_facts(Y2024, "mediation_cases", each(110)),
        *_facts(Y2024, "mediation_success", each(108)),
        *_facts(Y2024, "judicial_confirmations", each(20)),
        *_facts(
            Y2024, "prelitigation_cases", {**each(600), COUNTIES[-1]: 500}, approx={COUNTIES[-1]}
        ),
        *_facts(Y2024, "legal_aid_cases", each(45)),
        *_facts(Y2024, "office_staff", staff_2024),
        *_facts(Y2024, "reconsideration_accepted", each(10)),
        *_facts(Y2024, "released_visits", each(100, COUNTIES[:6])),
        *_facts(Y2024, "assessors_selected", each(10)),
    ]
    return {
        "2023": load(engine, y23, "天水市2023年统计表.xlsx", "市局统计员"),
        "2024": load(engine, y24, "天水市2024年统计表.xlsx", "市局统计员"),
    }


@pytest.fixture
def small(store_url):
    engine = get_engine(store_url)
    ids = build_small(engine)
    return engine, ids


def no_targets(engine, region_code, year, through=None, include_children=False):
    return pd.DataFrame(columns=["region_code", "indicator_code", "status"])


def build(engine, period=Y2024, region=TIANSHUI, progress_fn=no_targets) -> rp.Report:
    return rp.build_report(engine, region, period, progress_fn=progress_fn)


def docx_sentences(data: bytes) -> list[str]:
    """Every sentence of the Word file's paragraphs (split after 。)."""
    doc = Document(io.BytesIO(data))
    out = []
    for p in doc.paragraphs:
        for part in p.text.split("。"):
            if part.strip():
                out.append(part.strip() + "。")
    return out


# --------------------------------------------------------------------------- phrasing


def test_sentences_equal_hand_written_and_read_back_from_docx(small):
    engine, _ = small
    report = build(engine)
    by_key = {s.key: s.text for s in report.sentences()}
    for key, expected in EXPECTED.items():
        assert by_key.get(key) == expected, key
    found = docx_sentences(rx.to_docx(report, charts=False))
    for expected in EXPECTED.values():
        # inside a paragraph the second and later sentences drop the repeated "全市"
        assert expected in found or expected.removeprefix("全市") in found, expected
    # not reported is not zero: figures without data are named, never stated as 0
    note = by_key["missing:office"]
    assert note.startswith("以下指标本期无数据：司法所数、") and "司法所工作人员数" not in note
    assert not any("0件" == s.text[-3:] for s in report.sentences())


def test_phrasing_of_single_rows():
    catalog = load_catalog()
    cases = catalog.get("mediation_cases")
    base = {"units_reported": 7, "units_expected": 7, "months_covered": 12, "months_expected": 12}
    row = {
        **base,
        "value": 12000.0,
        "previous": 13000.0,
        "change": -7.7,
        "change_abs": -1000.0,
        "comparable": True,
    }
    assert rt.figure_sentence(row, cases, scope="全县", period=Y2024) == (
        "全县调解矛盾纠纷12000件，同比下降7.7%，减少1000件。"
    )
    h1 = Period.months(2024, 1, 6)
    row = {
        **base,
        "months_expected": 6,
        "months_covered": 6,
        "value": 50.0,
        "previous": 50.0,
        "change": 0.0,
        "change_abs": 0.0,
        "comparable": True,
    }
    assert (
        rt.figure_sentence(row, cases, scope="全市", period=h1)
        == "全市调解矛盾纠纷50件，与上年同期持平。"
    )
    row = {**base, "value": 50.0, "months_covered": 10}
    assert rt.figure_sentence(row, cases, scope="全市", period=Y2024) == (
        "全市调解矛盾纠纷50件（仅含10个月数据），数据不全，未作同比。"
    )
    ambassadors = catalog.get("law_ambassadors")
    assert rt.amount(21000, ambassadors, approximate=True) == "2.1万余人"
    assert rt.amount(13287, cases) == "13287件"
    assert rt.subject(ambassadors) == "法律明白人"
    assert rt.subject(catalog.get("legal_aid_cases")) == "法律援助案件"
    assert (
        rt.figure_sentence({**base, "value": float("nan")}, cases, scope="全市", period=Y2024)
        is None
    )
    # last year zero: no percentage, the absolute change only
    row = {
        **base,
        "value": 3.0,
        "previous": 0.0,
        "change": None,
        "change_abs": 3.0,
        "comparable": True,
    }
    assert rt.figure_sentence(row, cases, scope="全市", period=Y2024) == (
        "全市调解矛盾纠纷3件，上年为0件，增加3件。"
    )
    assert rt.scope_word("新疆维吾尔自治区", "province") == "全区"
    assert rt.scope_word("秦州区", "county") == "全区"


def test_highlights_top_rise_fall(store_url):
    engine = get_engine(store_url)
    v23 = dict(zip(COUNTIES, [100, 200, 300, 400, 500, 600, 700], strict=True))
    v24 = dict(zip(COUNTIES, [150, 210, 300, 380, 500, 600, 800], strict=True))
    load(
        engine,
        _facts(Y2023, "mediation_cases", v23) + _facts(Y2024, "mediation_cases", v24),
        "a.xlsx",
    )
    report = build(engine)
    by_key = {s.key: s.text for s in report.sentences()}
    assert (
        by_key["top:mediation"]
        == "调解矛盾纠纷件数居前的县区：张家川回族自治县800件、武山县600件、甘谷县500件。"
    )
    assert by_key["rise:mediation"] == "增幅最大的是秦州区调解矛盾纠纷件数，同比增长50.0%。"
    assert by_key["fall:mediation"] == "降幅最大的是秦安县调解矛盾纠纷件数，同比下降5.0%。"
    table = next(s for s in report.sections if s.group == "mediation").table
    total = table[(table["is_total"]) & (table["indicator_code"] == "mediation_cases")].iloc[0]
    assert (
        total["name"] == "全市合计"
        and total["value"] == 2940
        and total["change"] == pytest.approx(5.0)
    )


# --------------------------------------------------------------------------- targets


def test_target_statements_from_progress():
    def fake(engine, region_code, year, through=None, include_children=False):
        rows = [
            (TIANSHUI, "mediation_cases", "behind", 87.5),
            (TIANSHUI, "judicial_confirmations", "done", 104.0),
            (TIANSHUI, "office_staff", "done", 100.0),
        ]
        if include_children:
            rows.append((QINZHOU, "mediation_cases", "missed", 70.0))
        return pd.DataFrame(rows, columns=["region_code", "indicator_code", "status", "completion"])

    catalog = load_catalog()
    progress = fake(None, TIANSHUI, 2024)
    sentences = rp.target_sentences(progress, TIANSHUI, "全市", Y2024, catalog)
    assert [s.text for s in sentences] == [
        "全市2024年度目标共3项：已完成2项，滞后1项（调解矛盾纠纷件数完成87.5%）。"
    ]
    names = {
        c: n
        for c, n in zip(
            COUNTIES,
            ["秦州区", "麦积区", "清水县", "秦安县", "甘谷县", "武山县", "张家川回族自治县"],
            strict=True,
        )
    }
    units = fake(None, TIANSHUI, 2024, include_children=True)
    below = rp.below_target(
        "mediation", ["mediation_cases"], COUNTIES, names, "city", catalog, units
    )
    assert [s.text for s in below] == ["未达目标进度的县区：秦州区（调解矛盾纠纷件数，未完成）。"]
    assert (
        rp.below_target("office", ["office_staff"], COUNTIES, names, "city", catalog, units) == []
    )


def test_no_targets_means_no_target_statement(small):
    engine, _ = small
    report = build(
        engine, progress_fn=None
    )  # the real lawstats.analysis.targets, no targets stored
    assert report.targets == [] and not any("目标" in s.text for s in report.sentences())
    assert "目标" not in rx.to_text(report)


def test_targets_module_feeds_the_report(small):
    targets = pytest.importorskip("lawstats.analysis.targets")
    engine, _ = small
    targets.save_targets(
        engine,
        [targets.Target(TIANSHUI, "mediation_cases", 2024, "at_least", 800.0)],
        actor="test",
        today=date(2024, 1, 15),
    )
    progress = targets.progress(engine, TIANSHUI, 2024, through=Y2024)
    status = progress.iloc[0]["status"]
    report = build(engine, progress_fn=None)
    assert len(report.targets) == 1
    text = report.targets[0].text
    assert text.startswith("全市2024年度目标共1项：")
    assert rt.STATUS_WORDS[status] + "1项" in text
    assert "目标" in rx.to_text(report)


# --------------------------------------------------------------------------- demo figures


def test_demo_tianshui_2024_states_the_published_figures(demo_db):
    engine = get_engine(demo_db)
    report = build(engine)
    text = " ".join(docx_sentences(rx.to_docx(report, charts=False)))
    for figure in ("13287件", "943件", "98.6%", "374人", "比上年度增加66人"):
        assert figure in text, figure
    assert "全市司法所工作人员374人，比上年度增加66人，增长21.4%。" in [
        s.text for s in report.sentences()
    ]
    assert report.is_demo


def test_every_export_of_demo_data_says_demo(demo_db):
    engine = get_engine(demo_db)
    report = build(engine)
    doc = Document(io.BytesIO(rx.to_docx(report, charts=False)))
    assert "示例数据" in doc.paragraphs[1].text
    assert all("示例数据" in s.header.paragraphs[-1].text for s in doc.sections)
    wb = openpyxl.load_workbook(io.BytesIO(rx.to_xlsx(report)))
    for ws in wb.worksheets:
        assert any(
            "示例数据" in str(c.value) for row in ws.iter_rows(max_row=3) for c in row if c.value
        ), ws.title
    assert "示例数据" in rx.to_text(report).splitlines()[1]


def test_real_data_is_not_called_demo(small):
    engine, _ = small
    report = build(engine)
    assert "示例数据" not in rx.to_text(report)
    doc = Document(io.BytesIO(rx.to_docx(report, charts=False)))
    assert not any("示例数据" in p.text for p in doc.paragraphs)


# --------------------------------------------------------------------------- exports


def test_docx_structure_tables_and_sources(small):
    engine, ids = small
    report = build(engine)
    doc = Document(io.BytesIO(rx.to_docx(report, charts=False)))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:2] == ["一、司法所建设", "二、人民调解"] and headings[-1] == "附录 数据来源"
    assert any("未包含图表" in p.text for p in doc.paragraphs)  # says so when charts are off
    med = next(t for t in doc.tables if t.cell(0, 1).text == "调解矛盾纠纷件数（件）")
    assert [med.cell(i, 0).text for i in range(1, 9)][-1] == "全市合计"
    assert med.cell(8, 1).text == "770\n▲ 10.0%"
    sources = next(t for t in doc.tables if t.cell(0, 0).text == "批次")
    files = {sources.cell(i, 1).text for i in range(1, len(sources.rows))}
    assert files == {"天水市2023年统计表.xlsx", "天水市2024年统计表.xlsx"}
    assert {sources.cell(i, 3).text for i in range(1, len(sources.rows))} == {"市局统计员"}


def test_docx_charts_are_png_with_chromium(small):
    import shutil as sh

    require_or_skip(sh.which("chromium") is not None, "Chromium (/usr/bin/chromium)")
    engine, _ = small
    report = build(engine)
    images, note = rx.chart_images(report)
    assert note is None and images
    assert all(png[:8] == b"\x89PNG\r\n\x1a\n" for png in images.values())
    doc = Document(io.BytesIO(rx.to_docx(report, images=images)))
    assert len(doc.inline_shapes) == len(images)
    assert any(p.text.startswith("图1 ") for p in doc.paragraphs)


def test_docx_without_chromium_still_produced_and_says_so(small, monkeypatch):
    engine, _ = small
    report = build(engine)

    def broken(fig, **kwargs):
        raise rx.ChartsUnavailable("ChromeNotFoundError: no chromium")

    monkeypatch.setattr(report_common, "render_png", broken)
    doc = Document(io.BytesIO(rx.to_docx(report)))
    assert len(doc.inline_shapes) == 0
    assert any("需要 Chromium" in p.text for p in doc.paragraphs)
    assert "全市调解矛盾纠纷770件，同比增长10.0%，增加70件。" in docx_sentences(
        rx.to_docx(report, charts=False)
    )


def test_xlsx_sheets_numbers_and_approximate_format(small):
    engine, _ = small
    wb = openpyxl.load_workbook(io.BytesIO(rx.to_xlsx(build(engine))))
    assert (
        wb.sheetnames[0] == "报告" and "人民调解" in wb.sheetnames and "数据来源" in wb.sheetnames
    )
    ws = wb["人民调解"]
    rows = list(ws.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r[0] == "地区")
    header = rows[header_at]
    total = next(r for r in rows[header_at:] if r[0] == "全市合计")
    col = header.index("调解矛盾纠纷件数（件）")
    assert total[col] == 770 and total[col + 1] == 700 and total[col + 2] == pytest.approx(10.0)
    pcol = header.index("诉前调解件数（件）")
    cell = ws.cell(row=header_at + 1 + rows[header_at:].index(total), column=pcol + 1)
    assert cell.value == 4100 and cell.number_format.endswith('"余"')
    texts = [r[1] for r in wb["报告"].iter_rows(values_only=True)]
    assert EXPECTED["figure:mediation_cases"] in texts


def test_xlsx_cells_safe_against_formulas(store_url):
    engine = get_engine(store_url)
    evil = '=HYPERLINK("http://example.invalid","x").xlsx'
    with transaction(engine) as conn:
        write_facts(
            conn,
            BatchInfo(
                file_name=evil, sha256="evil", source_type="spreadsheet", uploaded_by="@SUM(1)"
            ),
            pd.DataFrame(_facts(Y2024, "mediation_cases", each(5))),
        )
    wb = openpyxl.load_workbook(io.BytesIO(rx.to_xlsx(build(engine))))
    cells = [
        c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None
    ]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert "'" + evil in values and "'@SUM(1)" in values and evil not in values


def test_text_export(small):
    engine, _ = small
    text = rx.to_text(build(engine))
    lines = text.splitlines()
    assert lines[0] == "甘肃省天水市2024年法治工作统计报告"
    assert "二、人民调解" in lines
    assert "全市调解矛盾纠纷770件，同比增长10.0%，增加70件。调解成功756件" in text
    assert "#" in lines[-1] and "市局统计员" in lines[-1]


def test_bureau_template_placeholders(small):
    engine, _ = small
    report = build(engine)
    tpl = Document()
    title = tpl.add_paragraph()
    for piece in ("{{reg", "ion}}{{per", "iod}}工作", "总结"):  # Word splits runs like this
        title.add_run(piece)
    tpl.add_paragraph("调解：{{ figure:mediation_cases }}，{{change:mediation_cases}}。")
    tpl.add_paragraph("{{body}}")
    tpl.add_paragraph("{{unknown_thing}}")
    cell = tpl.add_table(rows=1, cols=1).cell(0, 0)
    cell.text = "{{sentence:office_staff}}"
    tpl.add_paragraph("{{sources}}")
    tpl.sections[0].header.paragraphs[0].text = "{{region_full}}司法局"
    buf = io.BytesIO()
    tpl.save(buf)
    template = buf.getvalue()

    assert rx.unknown_placeholders(template, report) == ["unknown_thing"]
    doc = Document(io.BytesIO(rx.to_docx(report, template=template, charts=False)))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "天水市2024年工作总结"
    assert texts[1] == "调解：770件，同比增长10.0%，增加70件。"
    assert "二、人民调解" in texts and "{{body}}" not in texts and "{{sources}}" not in texts
    assert "{{unknown_thing}}" in texts  # left visible, and reported above
    assert doc.tables[0].cell(0, 0).text == EXPECTED["figure:office_staff"]
    assert any(t.cell(0, 0).text == "批次" for t in doc.tables)
    assert doc.sections[0].header.paragraphs[0].text == "甘肃省天水市司法局"
    # body placed where the placeholder was: before the unknown paragraph, after the title lines
    assert texts.index("二、人民调解") < texts.index("{{unknown_thing}}")


# --------------------------------------------------------------------------- traceability


def test_trace_figure_to_batches(small):
    engine, ids = small
    report = build(engine)
    trace = report.trace("mediation_cases")
    assert set(zip(trace["role"], trace["id"], strict=True)) == {
        ("current", ids["2024"]),
        ("previous", ids["2023"]),
    }
    assert set(trace["file_name"]) == {"天水市2023年统计表.xlsx", "天水市2024年统计表.xlsx"}
    assert set(trace["uploaded_by"]) == {"市局统计员"}
    sentence = next(s for s in report.sentences() if s.key == "figure:mediation_cases")
    assert sentence.batch_ids == (ids["2023"], ids["2024"])
    assert report.data_as_of is not None and report.latest_batch_id == ids["2024"]


def test_regeneration_after_revision_changes_exactly_the_affected_sentences(small):
    engine, ids = small
    first = build(engine)
    gen1 = rg.save_generation(engine, first, user="tester")
    # 秦州区 revises its 2024 mediation count: 110 -> 115
    revision = load(
        engine, _facts(Y2024, "mediation_cases", {QINZHOU: 115}), "秦州区修订.xlsx", "秦州统计员"
    )
    second = build(engine)
    gen2 = rg.save_generation(engine, second, user="tester")
    diff = rg.diff_sentences(
        rg.generation_sentences(engine, gen1), rg.generation_sentences(engine, gen2)
    )
    assert set(diff["key"]) == {
        "figure:mediation_cases",
        "figure:mediation_success_rate",
        "top:mediation",
    }
    assert set(diff["status"]) == {"changed"}
    new = dict(zip(diff["key"], diff["new"], strict=True))
    assert new["figure:mediation_cases"] == "全市调解矛盾纠纷775件，同比增长10.7%，增加75件。"
    assert new["figure:mediation_success_rate"] == "全市调解成功率97.5%，同比提高2.5个百分点。"
    assert new["top:mediation"].startswith("调解矛盾纠纷件数居前的县区：秦州区115件、")
    # the revised figure now traces to the revision batch too
    trace = second.trace("mediation_cases")
    assert revision in set(trace["id"]) and "秦州统计员" in set(trace["uploaded_by"])
    assert rg.diff_sentences(
        rg.generation_sentences(engine, gen2), rg.sentences_frame(second)
    ).empty
    gens = rg.list_generations(engine, TIANSHUI, "2024年")
    assert list(gens["id"]) == [gen2, gen1] and set(gens["generated_by"]) == {"tester"}


def test_empty_region_report(store_url):
    engine = get_engine(store_url)
    report = build(engine)
    assert report.empty and not [s for s in report.sentences() if s.kind == "figure"]
    assert "所选地区和期间没有数据" in rx.to_text(report)


def test_county_report_has_no_unit_highlights_and_trend_chart(small):
    engine, _ = small
    report = build(engine, region=QINZHOU)
    by_key = {s.key: s.text for s in report.sentences()}
    assert by_key["figure:mediation_cases"] == "全区调解矛盾纠纷110件，同比增长10.0%，增加10件。"
    assert not [s for s in report.sentences() if s.kind == "highlight"]
    med = next(s for s in report.sections if s.group == "mediation")
    assert med.chart is not None and "走势" in med.chart_title


# --------------------------------------------------------------------------- command line


@pytest.fixture
def small_db(tmp_path):
    path = tmp_path / "small.duckdb"
    build_small(get_engine(str(path)))
    return str(path)


@pytest.mark.parametrize("suffix", ["docx", "xlsx", "txt"])
def test_cli_writes_each_format(small_db, tmp_path, capsys, suffix):
    out = tmp_path / f"天水.{suffix}"
    args = [
        "report",
        "--db",
        small_db,
        "--region",
        "天水市",
        "--period",
        "2024",
        "--out",
        str(out),
        "--no-charts",
    ]
    assert etl_main(args) == 0
    data = out.read_bytes()
    if suffix == "docx":
        assert EXPECTED["figure:office_staff"] in docx_sentences(data)
    elif suffix == "xlsx":
        assert "人民调解" in openpyxl.load_workbook(io.BytesIO(data)).sheetnames
    else:
        assert EXPECTED["figure:reconsideration_accepted"] in data.decode("utf-8")
    assert "archived as generation" in capsys.readouterr().out


def test_cli_second_generation_reports_the_diff(small_db, tmp_path, capsys):
    out = str(tmp_path / "r.txt")
    base = ["report", "--db", small_db, "--region", "天水", "--period", "2024年", "--out", out]
    assert etl_main(base) == 0
    load(get_engine(small_db), _facts(Y2024, "judicial_confirmations", {QINZHOU: 25}), "rev.xlsx")
    capsys.readouterr()
    assert etl_main(base) == 0
    printed = capsys.readouterr().out
    assert "2 sentences differ" in printed  # the figure and the group's largest rise (秦州区 +25%)
    assert "全市司法确认145件，同比增长3.6%，增加5件。" in printed
    assert etl_main(["report-diff", "--db", small_db, "1", "2"]) == 0
    assert "figure:judicial_confirmations" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, code",
    [
        (["--region", "火星市", "--period", "2024", "--out", "x.docx"], 2),
        (["--region", "天水市", "--period", "明年", "--out", "x.docx"], 2),
        (["--region", "天水市", "--period", "2024", "--out", "x.pdf"], 2),
        (["--region", "天水市", "--period", "2024", "--out", "x.txt", "--template", "t.docx"], 2),
        (
            [
                "--region",
                "天水市",
                "--period",
                "2024",
                "--out",
                "x.docx",
                "--template",
                "missing.docx",
            ],
            2,
        ),
        (["--region", "北京市", "--period", "2024", "--out", "x.txt"], 1),
    ],
)
def test_cli_bad_input(small_db, tmp_path, monkeypatch, capsys, args, code):
    monkeypatch.chdir(tmp_path)
    assert etl_main(["report", "--db", small_db, *args]) == code
    assert "error" in capsys.readouterr().err
    assert not (tmp_path / "x.docx").exists() and not (tmp_path / "x.txt").exists()


def test_cli_demo_report_docx(demo_db, tmp_path):
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    out = tmp_path / "天水市2024.docx"
    args = [
        "report",
        "--db",
        str(db),
        "--region",
        "天水市",
        "--period",
        "2024",
        "--out",
        str(out),
        "--no-charts",
    ]
    assert etl_main(args) == 0
    text = " ".join(docx_sentences(out.read_bytes()))
    assert "调解矛盾纠纷13287件" in text and "示例数据" in text
