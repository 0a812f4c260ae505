"""AppTest of 文字报告补录: login as analyst, read a report, review, commit as one report_text batch."""

from __future__ import annotations

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from lawstats.i18n import t
from lawstats.store import auth, get_engine
from tests.conftest import ROOT
from tests.page_support import page_alone

PAGE = "pages/backfill.py"
TEXT = (
    "天水市2024年工作总结\n"
    "2024年，全市共调解民间纠纷13287件，调解成功率98.6%。"
    "全市司法所工作人员374人，比上年度增加了66人。全市化解矛盾纠纷500件，志愿者12名。"
)


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "backfill.duckdb"
    monkeypatch.setenv("LAWSTATS_DB_URL", str(path))
    engine = get_engine(str(path))
    auth.add_user(engine, "ana", "secret-pass-1", "analyst", regions=["620500"])
    auth.add_user(engine, "qin", "secret-pass-1", "analyst", regions=["620502"])
    auth.add_user(engine, "viv", "secret-pass-1", "viewer")
    return str(path)


def page(username: str | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if username:
        at.session_state["auth_user"] = username
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def read(at: AppTest, text: str = TEXT) -> AppTest:
    at.text_area(key="bf_text").set_value(text)
    at.button(key="bf_read").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def facts(db: str) -> list[tuple]:
    from lawstats.store import summary

    summary.wait_for_background()  # its read-write connection would refuse a read-only one
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(
            "SELECT f.indicator_code, f.period_start::VARCHAR, f.value, b.source_type"
            " FROM v_facts f JOIN batches b ON b.id = f.batch_id ORDER BY 1, 2"
        ).fetchall()
    finally:
        con.close()


def editor_frame(at: AppTest):
    frames = [d.value for d in at.dataframe if "accept" in getattr(d.value, "columns", [])]
    assert frames, "review table not shown"
    return frames[0]


def test_page_needs_an_analyst(db):
    at = page_alone(PAGE, default_timeout=60)
    at.run()
    needed = t("auth_login_needed", "zh", role=t("auth_role_analyst", "zh"))
    assert any(needed in w.value for w in at.warning)
    assert "bf_read" not in [b.key for b in at.button]  # only the login form


def test_viewer_is_refused(db):
    at = page_alone(PAGE, default_timeout=60)
    at.session_state["auth_user"] = "viv"
    at.run()
    assert at.error and "bf_read" not in [b.key for b in at.button]


def test_analyst_reviews_and_commits_one_report_text_batch(db):
    at = read(page("ana"))
    frame = editor_frame(at)
    assert list(frame["value"]) == [13287, 98.6, 374, 308]
    assert frame["sentence"][0] == "第2句 2024年，全市共调解民间纠纷【13287件】，调解成功率98.6%。"
    assert frame["sentence"][3] == "第3句 …工作人员374人，比上年度增加了【66人】。"
    assert frame["notes"][3] == "上年数：由“374人”和变化量“66人”推算"
    # the unrecognised figures are listed with their reason
    unrec = [
        d.value for d in at.dataframe if "id" in d.value.columns and "accept" not in d.value.columns
    ][0]
    assert list(unrec["原文数字"]) == ["500件", "12名"]
    # reject the success rate, correct the number of cases, then commit
    at.session_state["bf_editor"] = {
        "edited_rows": {"1": {"accept": False}, "0": {"value": 13288}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert t("backfill_accepted", "zh", n=3) in [m.value for m in at.markdown]
    at.button(key="bf_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == [
        t("backfill_loaded", "zh", batch=1, written=3, superseded=0)
    ]
    assert facts(db) == [
        ("mediation_cases", "2024-01-01", 13288.0, "report_text"),
        ("office_staff", "2023-01-01", 308.0, "report_text"),
        ("office_staff", "2024-01-01", 374.0, "report_text"),
    ]
    # committing the same review again writes nothing
    at.button(key="bf_commit").click().run()
    assert [i.value for i in at.info] == [t("backfill_unchanged", "zh", batch=1)]
    # the overview marks the figures as coming from report text
    at.query_params["region"] = "620500"
    at.query_params["period"] = "2024年"
    at.switch_page("pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    flagged = [c.value for c in at.caption if t("backfill_flag_report_text", "zh") in c.value]
    assert len(flagged) == 2  # 调解矛盾纠纷件数 and 司法所工作人员数


def test_mapping_an_unrecognised_figure_and_remembering_the_wording(db):
    at = read(page("ana"))
    at.selectbox(key="bf_map_uid").set_value("u1")
    at.selectbox(key="bf_map_code").set_value("mediation_cases")
    at.text_input(key="bf_map_words").set_value("化解矛盾纠纷")
    at.checkbox(key="bf_map_remember").check()
    form_buttons = [b for b in at.button if b.label == t("backfill_map_apply", "zh")]
    form_buttons[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    frame = editor_frame(at)
    assert 500 in list(frame["value"])
    assert any("化解矛盾纠纷" in s.value for s in at.success)
    # the wording is remembered: a fresh read of the same text finds the figure by itself
    at2 = read(page("ana"))
    assert 500 in list(editor_frame(at2)["value"])


def test_analyst_of_another_region_cannot_commit(db):
    at = read(page("qin"))
    assert any("甘肃省天水市" in e.value for e in at.error)
    assert at.button(key="bf_commit").disabled
    assert facts(db) == []


def test_empty_input_says_what_to_do(db):
    at = page("ana")
    at.button(key="bf_read").click().run()
    assert t("backfill_need_text", "zh") in [w.value for w in at.warning]
