"""AppTest of 年度报告: preview on the demo, trace a figure to its batches, archive and diff generations,
the empty database, English labels."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from lawstats.i18n import t
from lawstats.store import auth, facts, get_engine, read_frame, transaction
from lawstats.store.revisions import BatchInfo, write_facts
from tests.conftest import ROOT

PAGE = "pages/report.py"
TIANSHUI = "620500"
QINZHOU = "620502"


def page(username: str | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if username:
        at.session_state["auth_user"] = username
    at.switch_page(PAGE)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_text(at: AppTest) -> str:
    return "\n".join(str(x.value) for x in [*at.text, *at.markdown, *at.caption, *at.subheader])


def test_preview_on_demo_states_the_published_figures(demo_copy):
    at = page(region=TIANSHUI, period="2024年")
    assert t("demo_banner", "zh") in [i.value for i in at.info]
    assert at.subheader[0].value == "甘肃省天水市2024年法治工作统计报告"
    text = shown_text(at)
    for piece in (
        "调解矛盾纠纷13287件",
        "司法确认943件",
        "调解成功率98.6%",
        "司法所工作人员374人，比上年度增加66人",
    ):
        assert piece in text, piece
    assert "二、人民调解" in text
    tables = [d.value for d in at.dataframe]
    med = next(f for f in tables if "调解矛盾纠纷件数（件）" in f.columns)
    assert (
        med.iloc[-1]["地区"] == "全市合计"
        and med.iloc[-1]["调解矛盾纠纷件数（件）"] == "13,287 ▲ 8.0%"
    )
    # the plain text to copy says 示例数据 too
    (copy,) = at.text_area
    assert "示例数据" in copy.value


def test_the_copy_box_follows_the_region(demo_copy):
    """#18: the plain-text box kept the previous region's report (a fixed widget key)."""
    at = page(region=TIANSHUI, period="2024年")
    assert at.text_area[0].value.startswith("甘肃省天水市2024年")
    at.selectbox(key="region").set_value(QINZHOU).run()
    assert not at.exception
    assert at.subheader[0].value == "甘肃省天水市秦州区2024年法治工作统计报告"
    (copy,) = at.text_area
    assert copy.value.startswith("甘肃省天水市秦州区2024年法治工作统计报告")
    assert "秦州区" in copy.value.splitlines()[0]


def test_trace_a_figure_to_its_batches(demo_copy):
    at = page(region=TIANSHUI, period="2024年")
    at.selectbox(key="report_trace_code").set_value("office_staff").run()
    trace = next(d.value for d in at.dataframe if "文件" in d.value.columns)
    assert set(trace["文件"]) == {
        "示例数据 天水市 2024年（程序生成）",
        "示例数据 天水市 2023年（程序生成）",
    }
    assert set(trace["用途"]) == {"本期数", "上年同期数"} and set(trace["上传人"]) == {"demo"}
    at.selectbox(key="report_trace_region").set_value(QINZHOU).run()
    assert not at.exception
    assert "全市司法所工作人员374人，比上年度增加66人，增长21.4%。" in [x.value for x in at.text]


def test_archive_and_diff_after_a_revision(demo_copy):
    engine = get_engine(demo_copy)
    auth.add_user(engine, "ana", "secret-pass-1", "analyst", regions=[TIANSHUI])
    at = page(region=TIANSHUI, period="2024年")
    # a real account ended demo mode: not logged in, the page is behind the login, no archive
    assert "report_save" not in [b.key for b in at.button]
    assert t("report_save_login", "zh") not in [c.value for c in at.caption]
    at = page("ana", region=TIANSHUI, period="2024年")
    assert t("report_diff_need_two", "zh") in [i.value for i in at.info]
    at.button(key="report_save").click().run()
    assert not at.exception and any("第 1 版" in s.value for s in at.success)
    # same data: the current preview says exactly what generation 1 says
    assert t("report_diff_none", "zh") in [s.value for s in at.success]

    # 秦州区 revises December 2024: +100 mediations
    with transaction(engine) as conn:
        dec = read_frame(
            conn,
            sa.select(facts.c.value).where(
                facts.c.is_current,
                facts.c.region_code == QINZHOU,
                facts.c.indicator_code == "mediation_cases",
                facts.c.period_start == pd.Timestamp("2024-12-01").date(),
            ),
        )["value"].iloc[0]
        write_facts(
            conn,
            BatchInfo(
                file_name="秦州区12月修订.xlsx",
                sha256="rev",
                source_type="spreadsheet",
                uploaded_by="ana",
            ),
            pd.DataFrame(
                [
                    {
                        "region_code": QINZHOU,
                        "period_start": pd.Timestamp("2024-12-01").date(),
                        "period_end": pd.Timestamp("2024-12-31").date(),
                        "indicator_code": "mediation_cases",
                        "value": float(dec) + 100,
                    }
                ]
            ),
        )
    at.run()
    assert not at.exception
    diff = next(d.value for d in at.dataframe if "新句" in d.value.columns)
    assert t("report_diff_count", "zh", n=len(diff)) in [w.value for w in at.warning]
    assert "全市调解矛盾纠纷13387件，同比增长8.8%，增加1086件。" in list(diff["新句"])
    assert "全市调解矛盾纠纷13287件，同比增长8.0%，增加986件。" in list(diff["原句"])
    assert set(diff["变化"]) == {"修改"}
    # the figures the revision did not touch are not in the diff
    assert not any("司法确认" in s for s in diff["新句"])


def test_empty_database_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("LAWSTATS_DB_URL", str(tmp_path / "empty.duckdb"))
    monkeypatch.setenv("LAWSTATS_REQUIRE_LOGIN", "false")
    at = page()
    assert t("empty_page", "zh") in [w.value for w in at.warning]


def test_region_and_period_without_data(tmp_path, monkeypatch):
    path = tmp_path / "two.duckdb"
    monkeypatch.setenv("LAWSTATS_DB_URL", str(path))
    monkeypatch.setenv("LAWSTATS_REQUIRE_LOGIN", "false")
    engine = get_engine(str(path))
    rows = [
        ("620502", "2023-01-01", "2023-12-31"),  # 秦州区 has 2023 only
        ("620503", "2024-01-01", "2024-12-31"),  # 麦积区 has 2024 only
    ]
    with transaction(engine) as conn:
        write_facts(
            conn,
            BatchInfo(
                file_name="two.xlsx", sha256="two", source_type="spreadsheet", uploaded_by="t"
            ),
            pd.DataFrame(
                [
                    {
                        "region_code": r,
                        "period_start": pd.Timestamp(a).date(),
                        "period_end": pd.Timestamp(b).date(),
                        "indicator_code": "mediation_cases",
                        "value": 10.0,
                    }
                    for r, a, b in rows
                ]
            ),
        )
    at = page(region="620503", period="2023年")
    assert t("report_no_data", "zh") in [i.value for i in at.info]
    at = page(region="620503", period="2024年")
    assert "全区调解矛盾纠纷10件。" in shown_text(at)


def test_english_labels(demo_copy):
    at = page(region=TIANSHUI, period="2024年", lang="en")
    labels = [tab.label for tab in at.tabs]
    assert labels == ["Preview", "Download", "Trace", "Compare generations"]
    assert t("report_language_note", "en") in [c.value for c in at.caption]


@pytest.mark.browser
def test_browser_downloads_word_with_charts(demo_db, tmp_path):
    """The Word button builds the file on click (deferred) in a real server: charts and figures inside."""
    from docx import Document

    from tests.browser_support import served_page, wait_idle

    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    with served_page(str(db), height=2000, timeout=60) as (base, page):
        page.goto(f"{base}/report?region={TIANSHUI}&period=2024年")
        wait_idle(page, '[data-testid="stTabs"]', timeout_ms=90_000)
        page.get_by_role("tab", name="下载").click()
        wait_idle(page)
        with page.expect_download(timeout=180_000) as download:
            page.get_by_role("button", name="下载 Word (.docx)").click()
        assert download.value.suggested_filename == "天水市2024年法治工作统计报告.docx"
        doc = Document(download.value.path())
    from lawstats.domain.catalog import load_catalog

    groups = [g for g in load_catalog().groups if g.code != "context"]
    assert len(doc.inline_shapes) == len(groups)  # one chart per group
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "调解矛盾纠纷13287件" in text and "示例数据" in text
