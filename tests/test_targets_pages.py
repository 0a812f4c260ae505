"""AppTest for 目标 Targets and 考评 Assessment on the demo and an empty store; writes need a login; a browser journey."""

from __future__ import annotations

import json
import shutil

import pytest

from lawstats.analysis import assessment as asm
from lawstats.analysis import targets as tg
from lawstats.domain.periods import Period
from lawstats.i18n import t
from lawstats.store import get_engine
from tests.test_pages import app

TIANSHUI = "620500"
TARGETS = "pages/targets.py"
ASSESSMENT = "pages/assessment.py"


def as_user(at, username: str):
    at.session_state["auth_user"] = username
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown(at) -> list[str]:
    return [m.value for m in at.markdown]


def upload_csv(at, text: str, name: str = "targets.csv"):
    at.file_uploader(key="tg_upload").set_value((name, text.encode("utf-8"), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]


# --------------------------------------------------------------------------- 目标 Targets


def test_targets_page_on_demo_states_progress_like_the_library(demo_copy):
    at = app(TARGETS, region=TIANSHUI, year="2025", through="3")
    assert t("demo_banner", "zh") in [i.value for i in at.info]
    frame = tg.progress(
        get_engine(demo_copy), TIANSHUI, 2025, Period.months(2025, 1, 3), include_children=True
    )
    assert f"**{tg.summary_sentence(frame)}**" in markdown(at)
    # the lagging list comes first and holds exactly the behind/missed targets
    lagging = at.dataframe[0].value
    assert len(lagging) == int(frame["status"].isin(tg.LAGGING).sum()) > 0
    assert set(lagging["状态"]) <= {"滞后", "未完成"}
    assert markdown(at).index("#### 滞后事项") < markdown(at).index("#### 全部目标")
    city = frame[
        (frame.region_code == TIANSHUI) & (frame.indicator_code == "mediation_cases")
    ].iloc[0]
    table = at.dataframe[1].value
    row = table[(table["地区"] == "天水市") & (table["指标"] == "调解矛盾纠纷件数")].iloc[0]
    assert row["完成进度%"] == f"{city.completion:.1f}" and row["序时进度%"] == "25.0"
    assert row["差距（个百分点）"] == f"{city.gap_pp:+.1f}"
    # the heat map: one cell per target, hover text is the explanation
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    heat = spec["data"][0]
    assert heat["type"] == "heatmap" and "天水市" in heat["y"] and "调解矛盾纠纷件数" in heat["x"]
    hover = [h for line in heat["customdata"] for h in line if h]
    assert len(hover) == len(frame) and any("序时进度 25%" in h for h in hover)
    # a cell explains itself on demand
    at.selectbox(key="tg_cell").set_value(f"{TIANSHUI}|mediation_cases").run()
    assert any("年度目标 ≥ 14,000 件" in i.value and "序时进度 25%" in i.value for i in at.info)
    # the year is locked (Q1 2025 is over): viewers are told how to log in to manage
    assert any("锁定" in c.value for c in at.caption)
    assert any(
        t("auth_login_needed", "zh", role=t("auth_role_analyst", "zh")) == w.value
        for w in at.warning
    )


def test_targets_page_settled_year_and_english(demo_copy):
    at = app(TARGETS, region=TIANSHUI, year="2024", lang="en")
    assert any("has been settled" in s.value for s in at.success)
    assert any("targets:" in m for m in markdown(at))
    assert "Status" in at.dataframe[-1].value.columns or "Status" in at.dataframe[0].value.columns


def test_targets_page_on_empty_db_says_what_to_do(empty_db):
    at = app(TARGETS)
    assert t("tg_empty_db", "zh") in [w.value for w in at.warning]


def test_targets_page_without_targets_says_how_to_add_them(demo_copy):
    at = app(TARGETS, region="141100", year="2025")  # 吕梁市: no demo targets
    assert any("还没有目标" in i.value and "targets import" in i.value for i in at.info)


def test_admin_reopens_imports_and_the_status_changes(demo_copy):
    at = app(TARGETS, region=TIANSHUI, year="2025", through="12")
    as_user(at, "admin")
    before = tg.progress(get_engine(demo_copy), TIANSHUI, 2025, include_children=True)
    city = before[
        (before.region_code == TIANSHUI) & (before.indicator_code == "mediation_cases")
    ].iloc[0]
    assert city.status == "done"  # 14,139 against 14,000
    at.text_input(key=f"tg_reopen_reason_{TIANSHUI}_2025").set_value("市里调高全年任务")
    at.button(key="tg_reopen").click().run()
    assert not at.exception
    assert any("市里调高全年任务" in i.value for i in at.info)  # reopened, with the reason shown
    upload_csv(at, '地区,指标,目标值\n天水市,调解矛盾纠纷件数,"≥15,000"\n')
    at.button(key="tg_import").click().run()
    assert not at.exception
    assert any("修改 1 项" in s.value for s in at.success)
    after = tg.progress(get_engine(demo_copy), TIANSHUI, 2025, include_children=True)
    city = after[
        (after.region_code == TIANSHUI) & (after.indicator_code == "mediation_cases")
    ].iloc[0]
    assert (city.target_value, city.status) == (15000, "missed")
    assert f"**{tg.summary_sentence(after)}**" in markdown(at)
    h = tg.history(get_engine(demo_copy), TIANSHUI, 2025, include_children=False)
    assert (h.iloc[0].actor, h.iloc[0].old_value, h.iloc[0].new_value) == ("admin", 14000, 15000)
    assert h.iloc[0].source == "import:targets.csv"
    # lock again
    at.button(key="tg_relock").click().run()
    assert tg.lock_state(get_engine(demo_copy), TIANSHUI, 2025).state == "locked"


def test_analyst_writes_only_its_region(demo_copy):
    at = app(TARGETS, region=TIANSHUI, year="2027")
    as_user(at, "qinzhou")  # demo analyst for 秦州区
    upload_csv(at, "地区,指标,目标值\n清水县,调解矛盾纠纷件数,≥1000\n", "other.csv")
    at.button(key="tg_import").click().run()
    assert any("无权" in e.value for e in at.error)
    upload_csv(at, "地区,指标,目标值\n秦州区,调解矛盾纠纷件数,≥3000\n", "mine.csv")
    at.button(key="tg_import").click().run()
    assert any("新增 1 项" in s.value for s in at.success)
    stored = tg.list_targets(get_engine(demo_copy), TIANSHUI, 2027)
    assert stored[["region_code", "value", "updated_by"]].values.tolist() == [
        ["620502", 3000.0, "qinzhou"]
    ]
    # analysts cannot reopen or settle
    assert not [b for b in at.button if b.key in ("tg_reopen", "tg_settle")]


def test_import_problems_are_shown_and_nothing_is_written(demo_copy):
    at = app(TARGETS, region=TIANSHUI, year="2027")
    as_user(at, "admin")
    upload_csv(at, "地区,指标,目标值\n火星市,调解矛盾纠纷件数,1\n", "bad.csv")
    assert any("1 处问题" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "tg_import"]
    assert tg.list_targets(get_engine(demo_copy), TIANSHUI, 2027).empty


def test_admin_settles_a_year(demo_copy):
    at = app(TARGETS, region="621100", year="2025")  # 定西市
    as_user(at, "admin")
    at.checkbox(key="tg_settle_sure_621100_2025").check().run()
    at.button(key="tg_settle").click().run()
    assert any("已结算 4 项目标" in s.value for s in at.success)
    assert tg.lock_state(get_engine(demo_copy), "621100", 2025).state == "settled"
    assert any("已年终结算" in s.value for s in at.success)


def test_a_settle_confirmation_does_not_carry_over_to_another_region(demo_copy):
    """#18: the confirmation box kept its tick when the region changed (a fixed key), so one
    click settled a region nobody had confirmed."""
    at = app(TARGETS, region="621100", year="2025")  # 定西市
    as_user(at, "admin")
    (sure,) = [c for c in at.checkbox if c.key.startswith("tg_settle_sure")]
    sure.check().run()
    assert not at.button(key="tg_settle").disabled
    at.selectbox(key="region").set_value(TIANSHUI).run()
    assert not at.exception
    (sure,) = [c for c in at.checkbox if c.key.startswith("tg_settle_sure")]
    assert not sure.value and at.button(key="tg_settle").disabled
    assert tg.lock_state(get_engine(demo_copy), TIANSHUI, 2025).state != "settled"


def test_editor_rows_round_trip():
    stored = [
        tg.Target(TIANSHUI, "mediation_cases", 2030, "at_least", 14000, None, "年初定账"),
        tg.Target("620502", "office_staff", 2030, "per_unit", 3, "office_count"),
        tg.Target("620502", "judicial_confirmations", 2030, "growth", 5),
        # a breakdown member is a figure a target can be set on (#19)
        tg.Target("620502", "mediation_cases.dispute_type.marriage_family", 2030, "at_least", 600),
    ]
    import pandas as pd

    frame = pd.DataFrame(
        [
            {
                "region_code": x.region_code,
                "indicator_code": x.indicator_code,
                "year": x.year,
                "kind": x.kind,
                "value": x.value,
                "per_code": x.per_code,
                "note": x.note,
            }
            for x in stored
        ]
    )
    names = tg.unique_names([TIANSHUI, "620502"])
    for lang in ("zh", "en"):
        shown = tg.editor_frame(frame, names, lang)
        back, problems = tg.targets_from_editor(shown, 2030, names, lang)
        assert not problems and back == stored
    shown = tg.editor_frame(frame, names)
    shown.loc[len(shown)] = ["天水市", "调解成功率", None, 95.0, None, ""]
    back, problems = tg.targets_from_editor(shown, 2030, names)
    assert problems == ["第 5 行缺少地区、指标、类型或目标值。"]


def test_trend_chart_draws_the_years_target(demo_copy):
    at = app("pages/trends.py", region=TIANSHUI, period="2025年", indicator="mediation_cases")
    layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    lines = [sh for sh in layout.get("shapes", []) if sh.get("y0") == sh.get("y1")]
    assert [sh["y0"] for sh in lines] == [14000]
    labels = [a["text"] for a in layout.get("annotations", [])]
    assert "2025年目标 ≥ 14,000 件" in labels
    half = app(
        "pages/trends.py", region=TIANSHUI, period="2025年1-6月", indicator="mediation_cases"
    )
    layout = json.loads(half.get("plotly_chart")[0].proto.spec)["layout"]
    assert [sh["y0"] for sh in layout.get("shapes", [])] == [7000]  # 序时目标: half the year


# --------------------------------------------------------------------------- 考评 Assessment


def test_assessment_page_on_demo_equals_the_library(demo_copy):
    at = app(ASSESSMENT, scheme="tianshui_annual", region=TIANSHUI, year="2025")
    assert t("demo_banner", "zh") in [i.value for i in at.info]
    a = asm.score(get_engine(demo_copy), asm.load_schemes()["tianshui_annual"], TIANSHUI, 2025, 12)
    ranking = at.dataframe[0].value
    assert ranking["县区"].tolist() == a.totals["region_name"].tolist()
    assert ranking["总分"].tolist() == a.totals["total"].tolist()
    assert set(ranking.columns) == {"名次", "县区", "总分", "上期名次", "名次变化"}
    from lawstats.reports.bulletin import summary_sentences

    for s in summary_sentences(a):
        assert s in markdown(at)
    matrix = at.dataframe[1].value
    assert len(matrix) == 7 and matrix["总分"].max() <= 100
    labels = [b.label for b in at.get("download_button")]
    assert "下载通报 Word" in labels and "下载通报 Excel" in labels
    # a unit's detail
    at.selectbox(key="asm_unit").set_value("620524").run()
    detail = at.dataframe[2].value
    assert detail["得分"].sum() == pytest.approx(
        float(a.totals.set_index("region_code").loc["620524", "total"])
    )


def test_assessment_quarterly_scheme_and_english(demo_copy):
    at = app(
        ASSESSMENT,
        scheme="tianshui_quarterly",
        region=TIANSHUI,
        year="2025",
        quarter="2",
        lang="en",
    )
    assert any("against 2025 Q1" in c.value for c in at.caption)
    assert at.dataframe[0].value.columns[0] == "Rank"


def test_assessment_page_on_empty_db_says_what_to_do(empty_db):
    at = app(ASSESSMENT)
    assert t("asm_empty_db", "zh") in [w.value for w in at.warning]


# --------------------------------------------------------------------------- a real browser


@pytest.mark.browser
def test_browser_admin_sets_a_target_and_sees_the_status_change(demo_db, tmp_path):
    from playwright.sync_api import expect

    from tests.browser_support import SCREENSHOTS, served_page, wait_idle

    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    csv_file = tmp_path / "目标.csv"
    csv_file.write_text("地区,指标,目标值\n天水市,调解矛盾纠纷件数,≥15000\n", encoding="utf-8")
    before = tg.summary_sentence(
        tg.progress(get_engine(str(db)), TIANSHUI, 2025, include_children=True)
    )
    with served_page(str(db), height=3000) as (base, page):
        # a full page load is a new session: log in on the page itself (its 目标管理 section)
        page.goto(f"{base}/targets?region={TIANSHUI}&year=2025&through=12")
        wait_idle(page, ".js-plotly-plot")
        page.get_by_label("用户名").fill("admin")
        page.get_by_label("密码").fill("lawstats-demo")
        page.get_by_role("button", name="登录").click()
        wait_idle(page)
        app_root = page.locator('[data-testid="stApp"]')
        expect(app_root).to_contain_text(before, timeout=20_000)
        page.get_by_label("重新开放的理由").fill("市里调高全年任务")
        page.get_by_role("button", name="重新开放2025年目标").click()
        wait_idle(page)
        expect(app_root).to_contain_text("市里调高全年任务", timeout=20_000)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv_file))
        page.get_by_role("button", name="导入 1 项目标").click()
        expect(app_root).to_contain_text("修改 1 项", timeout=20_000)
        after = tg.summary_sentence(
            tg.progress(get_engine(str(db)), TIANSHUI, 2025, include_children=True)
        )
        assert after != before
        expect(app_root).to_contain_text(after, timeout=20_000)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "targets.png"))
