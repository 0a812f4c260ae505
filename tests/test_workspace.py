"""The analyst workspace logic: preview and commit through load_bytes, annotated copies, learned
spellings, batch history and rollback, missing reports, templates."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa

from etl.annotate import ISSUES_SHEET, annotate, annotated_name
from etl.problems import make_problem
from lawstats import store
from lawstats.domain.periods import parse_period
from lawstats.store import auth
from lawstats.store.rollup import figures
from lawstats.workflow import reporting
from lawstats.workflow import workspace as ws
from tests.conftest import ROOT

MESSY = ROOT / "tests" / "data" / "messy"
TIANSHUI, QINZHOU, MAIJI = "620500", "620502", "620503"
PW = "workspace pw 1"
HEADERS = ["地区", "调解组织（个）", "人民调解员（人）", "调解纠纷（件）", "调解成功（件）"]
COUNTIES = ["秦州区", "麦积区", "清水县", "秦安县", "甘谷县", "武山县", "张家川回族自治县"]


def wide_xlsx(
    rows: list[list[object]],
    *,
    title: str = "2024年天水市人民调解工作情况统计表",
    headers: list[str] | None = None,
) -> bytes:
    """A small county form: a title row, a header row, one row per region."""
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "Sheet1"
    sheet.append([title])
    sheet.append(headers or HEADERS)
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def tianshui_rows(cases: int = 1000, counties: list[str] | None = None) -> list[list[object]]:
    return [
        [name, 100 + i, 500 + i, cases + 10 * i, cases + 10 * i - 5]
        for i, name in enumerate(counties or COUNTIES)
    ]


@pytest.fixture
def people(engine):
    """An admin, an analyst of 天水市, an analyst of 秦州区 and a viewer."""
    return {
        "admin": auth.add_user(engine, "admin", PW, "admin"),
        "city": auth.add_user(engine, "tianshui", PW, "analyst", [TIANSHUI]),
        "qinzhou": auth.add_user(engine, "qinzhou", PW, "analyst", [QINZHOU]),
        "viewer": auth.add_user(engine, "viewer", PW, "viewer"),
    }


def n_facts(engine) -> int:
    with store.connect(engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(store.facts)).scalar_one()


def n_batches(engine) -> int:
    with store.connect(engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(store.batches)).scalar_one()


def value(engine, region: str, code: str, period: str = "2024年") -> float:
    frame = figures(engine, [region], parse_period(period), [code], compare=False)
    return float(frame["value"].iloc[0])


# --------------------------------------------------------------------------- preview and commit


def test_preview_counts_and_writes_nothing(engine, people):
    data = wide_xlsx(tianshui_rows())
    result = ws.preview(engine, people["city"], data, "天水.xlsx", ws.UploadOptions())
    assert result.status == "dry_run", result.problems
    assert (result.facts_written, result.facts_superseded, result.facts_unchanged) == (28, 0, 0)
    assert n_facts(engine) == 0 and n_batches(engine) == 0
    new, superseded = ws.change_frames(result)
    assert len(new) == 28 and superseded.empty
    row = new[(new["region_code"] == QINZHOU) & (new["indicator_code"] == "mediation_cases")]
    assert row["value"].tolist() == [1000.0] and row["period"].tolist() == ["2024年"]
    tables = ws.tables_frame(result)
    assert tables[["layout", "period", "context", "rows", "columns"]].values.tolist() == [
        ["wide", "2024年", "甘肃省天水市", 7, 4]
    ]
    mapping = ws.mapping_frame(result)
    assert dict(zip(mapping["column"], mapping["indicator_code"], strict=True)) == {
        "B": "mediation_orgs",
        "C": "mediators",
        "D": "mediation_cases",
        "E": "mediation_success",
    }
    assert (mapping["confidence"] > 0.9).all()


def test_preview_shows_superseded_old_and_new(engine, people):
    first = ws.commit(
        engine,
        people["city"],
        wide_xlsx(tianshui_rows()),
        "a.xlsx",
        ws.UploadOptions(),
        confirm_warnings=True,
    )
    assert first.status == "loaded"
    rows = tianshui_rows()
    rows[0][3] = 1111  # 秦州区 调解纠纷 1000 -> 1111
    result = ws.preview(engine, people["city"], wide_xlsx(rows), "b.xlsx", ws.UploadOptions())
    assert (result.facts_written, result.facts_superseded, result.facts_unchanged) == (1, 1, 27)
    new, superseded = ws.change_frames(result)
    assert new.empty
    assert superseded[
        ["region", "indicator_code", "old_value", "new_value", "old_batch_id"]
    ].values.tolist() == [["天水市秦州区", "mediation_cases", 1000.0, 1111.0, first.batch_id]]


def test_writes_need_the_analyst_role(engine, people):
    data = wide_xlsx(tianshui_rows())
    for who in (None, people["viewer"], auth.User("x", "x", "analyst", (TIANSHUI,), False)):
        with pytest.raises(ws.WorkspaceError):
            ws.preview(engine, who, data, "a.xlsx", ws.UploadOptions())
        with pytest.raises(ws.WorkspaceError):
            ws.commit(engine, who, data, "a.xlsx", ws.UploadOptions(), confirm_warnings=True)
    assert n_batches(engine) == 0


def test_analyst_cannot_write_another_county(engine, people):
    data = wide_xlsx(tianshui_rows(counties=["秦州区", "麦积区"]))
    result = ws.preview(engine, people["qinzhou"], data, "a.xlsx", ws.UploadOptions())
    refused = result.report.find("region_not_permitted")
    assert [(p.region, p.cell) for p in refused] == [(MAIJI, "B4")]
    assert "麦积区" in refused[0].message_zh and "麦积区" in refused[0].message_en
    loaded = ws.commit(
        engine, people["qinzhou"], data, "a.xlsx", ws.UploadOptions(), confirm_warnings=True
    )
    assert loaded.status == "refused"
    assert n_facts(engine) == 0 and n_batches(engine) == 0
    # their own county alone goes through; the city analyst may write both
    own = wide_xlsx(tianshui_rows(counties=["秦州区"]))
    assert (
        ws.commit(
            engine, people["qinzhou"], own, "o.xlsx", ws.UploadOptions(), confirm_warnings=True
        ).status
        == "loaded"
    )
    assert ws.preview(engine, people["city"], data, "a.xlsx", ws.UploadOptions()).report.ok


def test_warnings_need_confirmation(engine, people):
    rows = tianshui_rows()
    rows.append(["合计", 1, 1, 1, 1])  # a totals row that does not add up: a warning
    data = wide_xlsx(rows)
    result = ws.preview(engine, people["city"], data, "w.xlsx", ws.UploadOptions())
    assert result.report.ok and result.report.warnings
    refused = ws.commit(
        engine, people["city"], data, "w.xlsx", ws.UploadOptions(), confirm_warnings=False
    )
    assert refused.status == "refused" and n_batches(engine) == 0
    loaded = ws.commit(
        engine, people["city"], data, "w.xlsx", ws.UploadOptions(), confirm_warnings=True
    )
    assert loaded.status == "loaded" and loaded.facts_written == 28


def test_period_and_context_corrections(engine, people):
    data = wide_xlsx(tianshui_rows(), title="人民调解工作情况统计表")  # says neither
    result = ws.preview(engine, people["city"], data, "x.xlsx", ws.UploadOptions())
    assert "no_period" in result.report.codes()
    fixed = ws.preview(
        engine,
        people["city"],
        data,
        "x.xlsx",
        ws.UploadOptions(period="2024年1-6月", context="天水市"),
    )
    assert fixed.status == "dry_run"
    assert ws.tables_frame(fixed)["period"].tolist() == ["2024年1-6月"]


def test_bad_files_give_problems_not_exceptions(engine, people):
    for name in ("zip_bomb.xlsx", "not_a_spreadsheet.xlsx", "empty.xlsx"):
        result = ws.preview(
            engine, people["admin"], (MESSY / name).read_bytes(), name, ws.UploadOptions()
        )
        assert result.status == "refused" and result.report.errors, name
        assert not ws.problems_frame(result.problems).empty


def test_oversized_upload_is_refused(engine, people, monkeypatch):
    monkeypatch.setenv("LAWSTATS_MAX_UPLOAD_MB", "0.001")
    result = ws.preview(
        engine, people["admin"], wide_xlsx(tianshui_rows()), "big.xlsx", ws.UploadOptions()
    )
    assert result.report.codes() == ["file_too_large"]


# --------------------------------------------------------------------------- mapping and learned spellings


def test_mapping_a_column_and_remembering_it(engine, people):
    headers = [*HEADERS[:3], "化解矛盾数（件）", HEADERS[4]]  # D is not a known spelling
    data = wide_xlsx(tianshui_rows(), headers=headers)
    before = ws.preview(engine, people["city"], data, "m.xlsx", ws.UploadOptions())
    assert "unmapped_column" in before.report.codes()
    assert ws.mapping_frame(before).query("column == 'D'")["indicator_code"].tolist() == [""]
    options = ws.UploadOptions().with_mapping({"化解矛盾数（件）": "mediation_cases"})
    after = ws.preview(engine, people["city"], data, "m.xlsx", options)
    assert "unmapped_column" not in after.report.codes()
    assert ws.mapping_frame(after).query("column == 'D'")["indicator_code"].tolist() == [
        "mediation_cases"
    ]
    assert ws.list_spellings(engine).empty  # a preview remembers nothing
    loaded = ws.commit(engine, people["city"], data, "m.xlsx", options, confirm_warnings=True)
    assert loaded.status == "loaded"
    assert value(engine, QINZHOU, "mediation_cases") == 1000.0
    spellings = ws.list_spellings(engine)
    template = loaded.extraction.tables[0].template_key
    assert spellings[
        ["spelling", "indicator_code", "created_by", "active", "unit_code", "template_key"]
    ].values.tolist() == [
        ["化解矛盾数（件）", "mediation_cases", "tianshui", True, TIANSHUI, template]
    ]
    # next year's file of the same unit and template maps by itself, whoever uploads it
    other = wide_xlsx(
        tianshui_rows(cases=2000), headers=headers, title="2025年天水市人民调解工作情况统计表"
    )
    again = ws.preview(engine, people["admin"], other, "n.xlsx", ws.UploadOptions())
    assert "unmapped_column" not in again.report.codes()
    # ... but not another unit's file (#16: one analyst's mapping is not everyone's rule)
    dingxi = wide_xlsx(
        tianshui_rows(counties=["安定区", "通渭县"]),
        headers=headers,
        title="2025年定西市人民调解工作情况统计表",
    )
    elsewhere = ws.preview(engine, people["admin"], dingxi, "d.xlsx", ws.UploadOptions())
    assert "unmapped_column" in elsewhere.report.codes()
    # promoting it to every unit is an admin's action, recorded in the audit log
    spelling_id = int(spellings["id"].iloc[0])
    with pytest.raises(ws.WorkspaceError):
        ws.promote_spelling(engine, people["city"], spelling_id)
    assert ws.promote_spelling(engine, people["admin"], spelling_id) == "化解矛盾数（件）"
    promoted = ws.preview(engine, people["admin"], dingxi, "d.xlsx", ws.UploadOptions())
    assert "unmapped_column" not in promoted.report.codes()
    # only an admin may revoke; then the header is unknown again
    for row in ws.list_spellings(engine).itertuples():
        with pytest.raises(ws.WorkspaceError):
            ws.revoke_spelling(engine, people["city"], int(row.id))
        assert ws.revoke_spelling(engine, people["admin"], int(row.id)) == "化解矛盾数（件）"
    revoked = ws.preview(engine, people["admin"], other, "n.xlsx", ws.UploadOptions())
    assert "unmapped_column" in revoked.report.codes()
    with store.connect(engine) as conn:
        actions = [r[0] for r in conn.execute(sa.select(store.audit_log.c.action))]
    assert {"spelling_add", "spelling_promote", "spelling_revoke"} <= set(actions)


def test_a_remembered_answer_never_overrides_a_certain_catalog_match(engine, people):
    """#16: after an analyst mapped "调解纠纷（件）" elsewhere, a standard form still reads it as
    the catalog says (the answer applies only where the grammar is not certain)."""
    ws.remember_spellings(
        engine,
        {"调解纠纷（件）": "mediation_success"},
        actor="qinzhou",
        unit_code=TIANSHUI,
        template_key=None,
    )
    spelling_id = int(ws.list_spellings(engine)["id"].iloc[0])
    ws.promote_spelling(engine, people["admin"], spelling_id)
    result = ws.preview(
        engine, people["city"], wide_xlsx(tianshui_rows()), "std.xlsx", ws.UploadOptions()
    )
    assert ws.mapping_frame(result).query("column == 'D'")["indicator_code"].tolist() == [
        "mediation_cases"
    ]


def test_merged_header_spelling_key_matches_the_matcher():
    assert ws.spelling_key("调解纠纷 › 件数") == "调解纠纷"
    assert ws.spelling_key("化解矛盾数（件）") == "化解矛盾数"


def test_remembering_a_new_meaning_retires_the_old(engine, people):
    scope = {"unit_code": TIANSHUI, "template_key": "t1"}
    ws.remember_spellings(engine, {"某某数": "mediation_cases"}, actor="a", **scope)
    ws.remember_spellings(engine, {"某某数（件）": "mediation_success"}, actor="b", **scope)
    assert ws.learned_spellings(engine, TIANSHUI) == {"某某数": "mediation_success"}
    assert ws.learned_spellings(engine) == {}  # not promoted: no other unit sees it
    assert ws.list_spellings(engine)["active"].tolist() == [True, False]
    with pytest.raises(ws.WorkspaceError):  # remembering for everyone is promote_spelling's
        ws.remember_spellings(engine, {"某某数": "mediators"}, actor="a", unit_code=None,
                              template_key=None)  # fmt: skip


# --------------------------------------------------------------------------- annotated copy


def _comments(wb) -> dict[tuple[str, str], str]:
    return {
        (ws_.title, c.coordinate): c.comment.text
        for ws_ in wb.worksheets
        for row in ws_.iter_rows()
        for c in row
        if c.comment is not None
    }


def test_annotated_xlsx_marks_the_problem_cells(engine, people):
    data = (MESSY / "not_a_number.xlsx").read_bytes()
    result = ws.preview(engine, people["admin"], data, "not_a_number.xlsx", ws.UploadOptions())
    assert [(p.code, p.sheet, p.cell) for p in result.report.errors] == [
        ("not_a_number", "Sheet1", "D7")
    ]
    out = ws.annotated_copy(data, "not_a_number.xlsx", result.problems)
    wb = openpyxl.load_workbook(io.BytesIO(out))
    assert wb.sheetnames == [ISSUES_SHEET, "Sheet1"]
    comments = _comments(wb)
    assert list(comments) == [("Sheet1", "D7")]
    assert "不是数字" in comments[("Sheet1", "D7")] and "1,2,3" in comments[("Sheet1", "D7")]
    assert wb["Sheet1"]["D7"].fill.fgColor.rgb == "FFF4B6B6"  # red: an error
    assert wb["Sheet1"]["D6"].fill.fgColor.rgb != "FFF4B6B6"
    assert wb["Sheet1"]["D7"].value == "1,2,3"  # the analyst's content is kept
    issues = list(wb[ISSUES_SHEET].iter_rows(values_only=True))
    assert issues[0][:4] == ("序号", "严重程度", "工作表", "单元格")
    assert issues[1][1:6] == ("错误", "Sheet1", "D7", "天水市甘谷县", "调解矛盾纠纷件数")
    assert wb[ISSUES_SHEET]["D2"].hyperlink.location == "'Sheet1'!D7" or wb[ISSUES_SHEET][
        "D2"
    ].hyperlink.target.endswith("D7")
    assert annotated_name("not_a_number.xlsx") == "not_a_number_问题标注.xlsx"


def test_annotated_warnings_are_yellow_and_english_works(engine, people):
    rows = tianshui_rows()
    rows.append(["合计", 1, 1, 1, 1])
    data = wide_xlsx(rows)
    result = ws.preview(engine, people["city"], data, "w.xlsx", ws.UploadOptions())
    mismatch = result.report.find("total_mismatch")
    assert mismatch
    wb = openpyxl.load_workbook(
        io.BytesIO(ws.annotated_copy(data, "w.xlsx", result.problems, "en"))
    )
    cell = wb["Sheet1"][mismatch[0].cell]
    assert cell.fill.fgColor.rgb == "FFFFE699"
    assert mismatch[0].message_en in cell.comment.text
    assert next(wb[ISSUES_SHEET].iter_rows(values_only=True))[:2] == ("No.", "Severity")


def test_annotated_csv_becomes_an_xlsx_copy():
    text = "2024年天水市人民调解统计\n地区,调解纠纷（件）\n秦州区,12x\n麦积区,=1+1\n"
    data = text.encode("gb18030")
    problems = [
        make_problem("not_a_number", file="t.csv", sheet="t", cell="B3", raw="12x", region=QINZHOU)
    ]
    wb = openpyxl.load_workbook(io.BytesIO(annotate(data, "t.csv", problems)))
    assert wb.sheetnames == [ISSUES_SHEET, "t"]
    assert wb["t"]["A3"].value == "秦州区" and wb["t"]["B3"].value == "12x"
    assert "不是数字" in wb["t"]["B3"].comment.text
    assert wb["t"]["B4"].value == "'=1+1"  # formula-like text neutralised in the copy


def test_annotated_legacy_xls_becomes_xlsx(engine, people):
    data = (MESSY / "merged_headers_2level.xls").read_bytes()
    result = ws.preview(engine, people["admin"], data, "m.xls", ws.UploadOptions())
    out = ws.annotated_copy(data, "m.xls", result.problems)
    wb = openpyxl.load_workbook(io.BytesIO(out))
    assert ISSUES_SHEET in wb.sheetnames and len(wb.sheetnames) == 2
    located = [p for p in result.problems if p.cell]
    for p in located:
        assert wb[p.sheet][p.cell].comment is not None or any(
            p.cell in rng for rng in wb[p.sheet].merged_cells.ranges
        )


def test_unreadable_file_still_gets_the_problem_list(engine, people):
    data = (MESSY / "zip_bomb.xlsx").read_bytes()
    result = ws.preview(engine, people["admin"], data, "zip_bomb.xlsx", ws.UploadOptions())
    wb = openpyxl.load_workbook(
        io.BytesIO(ws.annotated_copy(data, "zip_bomb.xlsx", result.problems))
    )
    assert wb.sheetnames == [ISSUES_SHEET]
    assert list(wb[ISSUES_SHEET].iter_rows(values_only=True))[1][-1] == "file_too_large"


def test_problem_list_cells_are_neutralised():
    problem = make_problem(
        "unknown_region", file="f.csv", sheet="f", cell="A3", raw="=HYPERLINK(1)"
    )
    hostile = problem.__class__(
        **{**problem.__dict__, "message_zh": "=cmd|' /C calc'!A0", "region": "@x"}
    )
    wb = openpyxl.load_workbook(io.BytesIO(annotate(b"a,b\n1,2\n", "f.csv", [hostile])))
    row = list(wb[ISSUES_SHEET].iter_rows(values_only=True))[1]
    assert row[6] == "'=cmd|' /C calc'!A0" and row[4] == "'@x"


# --------------------------------------------------------------------------- batches and rollback


def test_history_diff_and_rollback_restore(engine, people):
    city = people["city"]
    a = ws.commit(
        engine,
        city,
        wide_xlsx(tianshui_rows()),
        "a.xlsx",
        ws.UploadOptions(),
        confirm_warnings=True,
    )
    rows = tianshui_rows()
    rows[0][3] = 1500
    b = ws.commit(
        engine, city, wide_xlsx(rows), "b.xlsx", ws.UploadOptions(), confirm_warnings=True
    )
    assert value(engine, QINZHOU, "mediation_cases") == 1500.0
    history = ws.batch_history(engine)
    assert history["id"].tolist() == [b.batch_id, a.batch_id]
    assert history["regions"].tolist() == [
        "天水市秦州区",
        "天水 7 个地区".replace("天水", "天水市"),
    ]
    assert history[["facts_written", "facts_superseded", "uploaded_by"]].values.tolist() == [
        [1, 1, "tianshui"],
        [28, 0, "tianshui"],
    ]
    diff = ws.batch_changes(engine, b.batch_id)
    assert diff[["region", "indicator", "old_value", "new_value", "change"]].values.tolist() == [
        ["天水市秦州区", "调解矛盾纠纷件数", 1000.0, 1500.0, "superseded"]
    ]
    # the 秦州区 analyst may roll back b (only 秦州区), not a (all of 天水市)
    assert ws.rollback_refusal(engine, people["qinzhou"], b.batch_id) is None
    refusal = ws.rollback_refusal(engine, people["qinzhou"], a.batch_id)
    assert refusal is not None and "麦积区" in refusal[0]
    with pytest.raises(ws.WorkspaceError):
        ws.rollback(engine, people["qinzhou"], a.batch_id, "wrong")
    with pytest.raises(ws.WorkspaceError):
        ws.rollback(engine, people["viewer"], b.batch_id, "no")
    with pytest.raises(ws.WorkspaceError, match="原因"):
        ws.rollback(engine, city, b.batch_id, "  ")
    done = ws.rollback(engine, people["qinzhou"], b.batch_id, "秦州区数字填错")
    assert done == {"retired": 1, "restored": 1}
    assert value(engine, QINZHOU, "mediation_cases") == 1000.0
    history = ws.batch_history(engine)
    rolled = history[history["id"] == b.batch_id].iloc[0]
    assert (rolled["status"], rolled["rolled_back_by"], rolled["rollback_reason"]) == (
        "rolled_back",
        "qinzhou",
        "秦州区数字填错",
    )
    with pytest.raises(ws.WorkspaceError):
        ws.rollback(engine, city, b.batch_id, "again")
    audit = ws.audit_entries(engine)
    assert "rollback" in audit["action"].tolist()
    assert "秦州区数字填错" in audit[audit["action"] == "rollback"]["detail"].iloc[0]


# --------------------------------------------------------------------------- missing reports and templates


def test_missing_reports(engine, people):
    five = COUNTIES[:5]
    ws.commit(
        engine,
        people["city"],
        wide_xlsx(tianshui_rows(counties=five)),
        "five.xlsx",
        ws.UploadOptions(),
        confirm_warnings=True,
    )
    codes = ["mediation_cases", "mediators"]
    missing = reporting.missing_reports(engine, TIANSHUI, parse_period("2024年"), codes)
    assert missing[["region", "indicator_code", "status"]].values.tolist() == [
        ["天水市武山县", "mediation_cases", "missing"],
        ["天水市武山县", "mediators", "missing"],
        ["天水市张家川回族自治县", "mediation_cases", "missing"],
        ["天水市张家川回族自治县", "mediators", "missing"],
    ]
    summary = reporting.missing_summary(missing, len(codes))
    assert summary[["region", "missing", "expected"]].values.tolist() == [
        ["天水市武山县", 2, 2],
        ["天水市张家川回族自治县", 2, 2],
    ]
    # a quarter of 2024 was never reported by anyone: all seven are chased
    q1 = reporting.missing_reports(engine, TIANSHUI, parse_period("2024年第一季度"), codes)
    assert q1["region_code"].nunique() == 7
    # a blank cell ("not reported") is still missing
    rows = tianshui_rows(counties=["武山县"])
    rows[0][2] = "-"
    ws.commit(
        engine,
        people["city"],
        wide_xlsx(rows),
        "ws.xlsx",
        ws.UploadOptions(),
        confirm_warnings=True,
    )
    after = reporting.missing_reports(engine, TIANSHUI, parse_period("2024年"), codes)
    assert after[after["region"] == "天水市武山县"]["indicator_code"].tolist() == ["mediators"]


def test_missing_export_is_neutralised():
    from lawstats.domain import safecell as exports

    frame = reporting.missing_summary(
        __import__("pandas").DataFrame(
            {
                "region_code": ["620502"],
                "region": ["=1+1"],
                "indicator_code": ["x"],
                "indicator": ["+cmd"],
                "status": ["missing"],
                "months_covered": [0],
                "months_expected": [12],
            }
        ),
        1,
    )
    rows = list(csv.reader(io.StringIO(exports.to_csv_bytes(frame).decode("utf-8-sig"))))
    assert rows[1][1] == "'=1+1" and rows[1][4] == "'+cmd"
    wb = openpyxl.load_workbook(io.BytesIO(exports.to_excel_bytes(frame)))
    assert wb.active["B2"].value == "'=1+1"


def test_template_download_loads_back(engine, people):
    period = parse_period("2024年3月")
    data = reporting.template_bytes(TIANSHUI, period)
    assert reporting.template_name(TIANSHUI, period) == "天水市_2024年3月_填报模板.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(data))
    names = {c.value for s in wb.worksheets for row in s.iter_rows() for c in row}
    assert set(COUNTIES) <= names
    result = ws.preview(engine, people["city"], data, "t.xlsx", ws.UploadOptions())
    assert "region_not_permitted" not in result.report.codes()
    assert ws.tables_frame(result)["layout"].tolist() == ["template"]
