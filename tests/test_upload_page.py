"""AppTest for the workspace pages: login, role-gated navigation, 数据上报, 数据管理, 系统管理."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from lawstats import store
from lawstats.demo import database as demodb
from lawstats.domain.periods import parse_period
from lawstats.i18n import t
from lawstats.store import auth
from lawstats.store.rollup import figures
from tests.conftest import ROOT
from tests.page_support import page_alone
from tests.test_workspace import MESSY, QINZHOU, TIANSHUI, tianshui_rows, wide_xlsx

PW = "page test pw 1"
UPLOAD, DATA, ADMIN = "pages/upload.py", "pages/data.py", "pages/admin.py"


@pytest.fixture
def demo_copy(demo_copy, monkeypatch):
    """conftest's private demo copy as an engine, served with LAWSTATS_REQUIRE_LOGIN=auto."""
    monkeypatch.delenv("LAWSTATS_REQUIRE_LOGIN", raising=False)
    return store.get_engine(demo_copy)


@pytest.fixture
def real_db(tmp_path, monkeypatch):
    """A non-demo database with four accounts (viewing needs a login here by default)."""
    path = tmp_path / "real.duckdb"
    monkeypatch.setenv("LAWSTATS_DB_URL", str(path))
    monkeypatch.delenv("LAWSTATS_REQUIRE_LOGIN", raising=False)
    engine = store.get_engine(str(path))
    auth.add_user(engine, "boss", PW, "admin")
    auth.add_user(engine, "tianshui", PW, "analyst", [TIANSHUI])
    auth.add_user(engine, "qinzhou", PW, "analyst", [QINZHOU])
    auth.add_user(engine, "viewer", PW, "viewer")
    return engine


def run(
    page: str | None = None, user: str | None = None, script: str = "app.py", **params: str
) -> AppTest:
    at = (
        AppTest.from_file(str(ROOT / script), default_timeout=90)
        if script == "app.py"
        else page_alone(script)
    )
    if user:
        at.session_state["auth_user"] = user
    for key, value in params.items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    at.run()
    ok(at)
    return at


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in (at.info, at.warning, at.error, at.success, at.title):
        parts += [x.value for x in kind]
    return "\n".join(str(p) for p in parts)


def uploaders(at: AppTest) -> list:
    return list(at.get("file_uploader"))


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="up_files").set_value([(name, data, "application/octet-stream")]).run()
    ok(at)
    return at


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, [b.label for b in at.button]
    return found[0]


def labelled(widgets, label: str):
    """The first widget with this label."""
    return next(w for w in widgets if w.label == label)


def n_batches(engine) -> int:
    with store.connect(engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(store.batches)).scalar_one()


# --------------------------------------------------------------------------- login and navigation


def test_real_database_needs_a_login(real_db):
    at = run()
    assert at.title[0].value == t("auth_login_title")
    assert t("auth_view_login_needed") in texts(at)
    assert not at.metric and not uploaders(at)
    for page in (UPLOAD, DATA, ADMIN):  # the write pages refuse without a login
        at = run(page)
        assert not uploaders(at) and not at.dataframe
        assert t("auth_login_title") in [b.label for b in at.button]  # the inline login form


def test_public_viewing_by_setting(real_db, monkeypatch):
    monkeypatch.setenv("LAWSTATS_REQUIRE_LOGIN", "false")
    at = run()  # app.py: the default page is the overview, no login form
    assert t("auth_login_title") not in [x.value for x in at.title]
    assert t("empty_page") in [w.value for w in at.warning]
    assert not uploaders(run(UPLOAD))


def test_demo_database_is_public_and_tells_how_to_log_in(demo_copy):
    assert run().metric  # app.py shows the overview's figures without a login
    at = run("pages/login.py")
    hint = t(
        "auth_demo_hint",
        username=demodb.DEMO_ADMIN_USERNAME,
        password=demodb.DEMO_ADMIN_PASSWORD,
    )
    assert hint in [i.value for i in at.info]
    assert not uploaders(run(UPLOAD))
    # and the documented demo credentials work
    assert auth.authenticate(demo_copy, "admin", demodb.DEMO_ADMIN_PASSWORD).role == "admin"


def test_demo_database_can_require_a_login_too(demo_copy, monkeypatch):
    monkeypatch.setenv("LAWSTATS_REQUIRE_LOGIN", "true")
    at = run()
    assert at.title[0].value == t("auth_login_title") and not at.metric
    assert t("auth_view_login_needed") in [i.value for i in at.info]


def test_upload_page_in_english(real_db):
    at = run(UPLOAD, user="qinzhou", lang="en")
    assert at.title[0].value == t("up_title", "en")
    assert t("up_scope", "en", regions="甘肃省天水市秦州区") in [c.value for c in at.caption]
    upload(at, "bad.xlsx", (MESSY / "not_a_number.xlsx").read_bytes())
    table = next(d.value for d in at.dataframe if t("up_col_message", "en") in d.value.columns)
    assert "is not a number" in " ".join(table[t("up_col_message", "en")])


def test_login_form(real_db):
    at = run()
    at.text_input(key="login_username").input("tianshui")
    at.text_input(key="login_password").input("wrong password")
    at.button[0].click().run()
    ok(at)
    assert t("auth_invalid") in [e.value for e in at.error]
    assert "auth_user" not in at.session_state
    at.text_input(key="login_username").input("nobody")
    at.text_input(key="login_password").input(PW)
    at.button[0].click().run()
    assert t("auth_invalid") in [e.value for e in at.error]  # same words for an unknown name
    at.text_input(key="login_username").input("tianshui")
    at.text_input(key="login_password").input(PW)
    at.button[0].click().run()
    ok(at)
    assert at.session_state["auth_user"] == "tianshui"
    at.run()  # the login page moved on to the overview
    ok(at)
    assert t("auth_login_title") not in [x.value for x in at.title]
    assert t("empty_page") in [w.value for w in at.warning]
    with store.connect(real_db) as conn:
        actions = [r[0] for r in conn.execute(sa.select(store.audit_log.c.action))]
    assert actions[-3:] == ["login_failed", "login_failed", "login"]


def test_account_page_changes_own_password(real_db):
    at = run("pages/login.py", user="viewer")
    assert at.title[0].value == t("auth_account_title")
    current, new, again = at.text_input
    current.input("wrong one")
    new.input("brand new pw 9")
    again.input("brand new pw 9")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["当前密码不正确"]
    current, new, again = at.text_input
    current.input(PW)
    new.input("brand new pw 9")
    again.input("brand new pw 9")
    at.button[0].click().run()
    ok(at)
    assert t("auth_password_changed") in [x.value for x in at.success]
    assert auth.authenticate(real_db, "viewer", "brand new pw 9") is not None
    assert auth.authenticate(real_db, "viewer", PW) is None


def test_analyst_sees_the_work_pages(real_db):
    at = run(UPLOAD, user="tianshui")
    assert uploaders(at)


def test_session_expires(real_db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["auth_user"] = "tianshui"
    at.session_state["auth_login_at"] = time.time() - 13 * 3600
    at.run()
    ok(at)
    assert "auth_user" not in at.session_state
    assert t("auth_expired") in [w.value for w in at.warning]


def test_disabled_user_is_logged_out(real_db):
    auth.set_active(real_db, "tianshui", False, actor="boss")
    at = run(UPLOAD, user="tianshui")
    assert not uploaders(at) and "auth_user" not in at.session_state


def test_viewer_cannot_see_upload_controls(real_db):
    assert not uploaders(run(UPLOAD, user="viewer"))
    # the pages guard themselves (the navigation hides them too; see the browser test)
    for page, role in ((UPLOAD, "analyst"), (DATA, "analyst"), (ADMIN, "admin")):
        at = run(user="viewer", script=page)
        assert not uploaders(at) and not at.button
        assert t("auth_forbidden", role=t(f"auth_role_{role}"), mine=t("auth_role_viewer")) in [
            e.value for e in at.error
        ]
    anonymous = run(script=UPLOAD)
    assert not uploaders(anonymous)
    assert t("auth_login_needed", role=t("auth_role_analyst")) in [
        w.value for w in anonymous.warning
    ]


# --------------------------------------------------------------------------- upload page


def test_messy_file_shows_problems_by_cell(real_db):
    at = upload(
        run(UPLOAD, user="tianshui"),
        "not_a_number.xlsx",
        (MESSY / "not_a_number.xlsx").read_bytes(),
    )
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("up_errors")] == "1"
    table = next(d.value for d in at.dataframe if t("up_col_message") in d.value.columns)
    row = table.iloc[0]
    assert (row[t("up_col_sheet")], row[t("up_col_cell")], row[t("up_col_region")]) == (
        "Sheet1",
        "D7",
        "天水市甘谷县",
    )
    assert "1,2,3" in row[t("up_col_message")]
    assert t("up_blocked", n=1) in [e.value for e in at.error]
    assert t("up_commit") not in [b.label for b in at.button]
    assert any(d.label == t("up_download_annotated") for d in at.get("download_button"))
    assert n_batches(real_db) == 0


def test_unreadable_file_does_not_crash(real_db):
    for name in ("zip_bomb.xlsx", "not_a_spreadsheet.xlsx"):
        at = upload(run(UPLOAD, user="tianshui"), name, (MESSY / name).read_bytes())
        assert at.error, name


def test_analyst_of_one_county_cannot_commit_another(real_db):
    data = wide_xlsx(tianshui_rows(counties=["秦州区", "麦积区"]))
    at = upload(run(UPLOAD, user="qinzhou"), "两县.xlsx", data)
    table = next(d.value for d in at.dataframe if t("up_col_message") in d.value.columns)
    assert any("麦积区" in m and "没有权限" in m for m in table[t("up_col_message")])
    assert t("up_commit") not in [b.label for b in at.button]
    assert n_batches(real_db) == 0


def test_commit_then_batch_listed_then_rollback_restores(real_db):
    first = wide_xlsx(tianshui_rows())
    at = upload(run(UPLOAD, user="tianshui"), "first.xlsx", first)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics[t("up_to_write")], metrics[t("up_to_supersede")]) == ("28", "0")
    button(at, t("up_commit")).click().run()
    ok(at)
    assert t("up_loaded", batch=1, written="28", superseded="0", unchanged="0") in [
        s.value for s in at.success
    ]
    rows = tianshui_rows()
    rows[0][3] = 1500
    at = upload(run(UPLOAD, user="tianshui"), "second.xlsx", wide_xlsx(rows))
    superseded = next(d.value for d in at.dataframe if t("up_col_old") in d.value.columns)
    assert superseded[[t("up_col_old"), t("up_col_new")]].values.tolist() == [[1000.0, 1500.0]]
    button(at, t("up_commit")).click().run()
    ok(at)
    period = parse_period("2024年")
    assert figures(real_db, [QINZHOU], period, ["mediation_cases"])["value"].iloc[0] == 1500

    at = run(DATA, user="tianshui")
    batches = at.dataframe[0].value
    assert batches[t("data_col_id")].tolist() == [2, 1]
    assert batches[t("data_col_file")].tolist() == ["second.xlsx", "first.xlsx"]
    assert at.selectbox(key="data_batch").value == 2
    diff = next(d.value for d in at.dataframe if t("data_col_change") in d.value.columns)
    assert diff[[t("up_col_old"), t("up_col_new")]].values.tolist() == [[1000.0, 1500.0]]
    # a rollback needs a reason
    at.button(key="FormSubmitter:rollback_2-" + t("data_rollback_confirm")).click().run()
    assert t("data_rollback_need_reason") in [e.value for e in at.error]
    at.text_input(key="reason_2").input("秦州区数字有误")
    at.button(key="FormSubmitter:rollback_2-" + t("data_rollback_confirm")).click().run()
    ok(at)
    assert t("data_rollback_done", batch=2, retired=1, restored=1) in [s.value for s in at.success]
    assert figures(real_db, [QINZHOU], period, ["mediation_cases"])["value"].iloc[0] == 1000
    with store.connect(real_db) as conn:
        status = conn.execute(
            sa.select(store.batches.c.status).where(store.batches.c.id == 2)
        ).scalar_one()
    assert status == "rolled_back"


def test_a_file_rolled_back_since_loads_again_not_a_stale_success(real_db):
    """#18: after a rollback, the same file uploaded again in the same session showed the kept
    "loaded" message and loaded nothing. It is checked again, loads as a new batch and says so."""
    data = wide_xlsx(tianshui_rows())
    at = upload(run(UPLOAD, user="tianshui"), "first.xlsx", data)
    button(at, t("up_commit")).click().run()
    ok(at)
    assert n_batches(real_db) == 1
    # roll it back on the data page, in the same session
    at.switch_page(DATA).run()
    ok(at)
    at.text_input(key="reason_1").input("传错了")
    at.button(key="FormSubmitter:rollback_1-" + t("data_rollback_confirm")).click().run()
    ok(at)
    # back to the upload page with the same file
    at.switch_page(UPLOAD).run()
    at = upload(at, "first.xlsx", data)
    assert t("up_rolled_back_since", batch=1) in [i.value for i in at.info]
    button(at, t("up_commit")).click().run()
    ok(at)
    assert n_batches(real_db) == 2
    assert t("up_reloaded", batches="#1") in [i.value for i in at.info]


def test_data_page_shows_annual_and_monthly_conflicts(real_db):
    """#18: an annual figure and the months of the same year that disagree are shown to the
    analyst, with the figure that stands and the batches of both."""
    import pandas as pd

    from lawstats.domain.periods import Period
    from lawstats.store.revisions import BatchInfo, write_facts

    def load(name: str, rows: list[tuple]) -> None:
        frame = pd.DataFrame(
            [
                {"region_code": r, "period_start": p.start, "period_end": p.end,
                 "indicator_code": "mediation_cases", "value": v}
                for r, p, v in rows
            ]
        )  # fmt: skip
        with store.transaction(real_db) as conn:
            write_facts(conn, BatchInfo(name, name * 8, "spreadsheet", "tianshui"), frame)

    load("months", [(QINZHOU, Period.month(2024, m), 100.0) for m in range(1, 13)])
    load("annual", [(QINZHOU, Period.year(2024), 1250.0)])
    at = run(DATA, user="tianshui")
    at.selectbox(key="conflict_region").set_value(TIANSHUI)
    at.text_input(key="conflict_period").set_value("2024").run()
    ok(at)
    assert t("data_conflicts_count", period="2024年", n=1) in [w.value for w in at.warning]
    table = next(d.value for d in at.dataframe if t("conflict_col_finer") in d.value.columns)
    row = table.iloc[0]
    assert row[t("conflict_col_region")] == "甘肃省天水市秦州区"
    assert row[t("conflict_col_value", period="2024年")] == "1,250 件"
    assert row[t("conflict_col_finer")] == "各月（季）合计 1,200 件"
    assert (row[t("conflict_col_batches")], row[t("conflict_col_finer_batches")]) == ("#2", "#1")


def test_warnings_need_the_checkbox(real_db):
    rows = tianshui_rows()
    rows.append(["合计", 1, 1, 1, 1])
    at = upload(run(UPLOAD, user="tianshui"), "w.xlsx", wide_xlsx(rows))
    assert button(at, t("up_commit")).disabled
    at.checkbox(key=next(c.key for c in at.checkbox)).check().run()
    assert not button(at, t("up_commit")).disabled
    button(at, t("up_commit")).click().run()
    ok(at)
    assert n_batches(real_db) == 1


def test_mapping_an_unknown_column(real_db):
    headers = ["地区", "调解组织（个）", "人民调解员（人）", "化解矛盾数（件）", "调解成功（件）"]
    at = upload(run(UPLOAD, user="tianshui"), "m.xlsx", wide_xlsx(tianshui_rows(), headers=headers))
    assert {m.label: m.value for m in at.metric}[t("up_to_write")] == "21"  # D is not read
    key = next(s.key for s in at.selectbox if s.key and s.key.startswith("map_header_"))
    at.selectbox(key=key).select("化解矛盾数（件）")
    at.selectbox(key=key.replace("map_header_", "map_code_")).select("mediation_cases")
    at.button(
        key=f"FormSubmitter:map_{key.removeprefix('map_header_')}-{t('up_apply_mapping')}"
    ).click().run()
    ok(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("up_to_write")] == "28"  # 7 more figures now that column D is read
    assert metrics[t("up_warnings")] == "0"  # the unmapped-column warning is gone
    assert at.checkbox(key=next(c.key for c in at.checkbox if c.key.startswith("remember_"))).value
    button(at, t("up_commit")).click().run()
    ok(at)
    from lawstats.workflow import workspace as ws

    assert ws.list_spellings(real_db)["spelling"].tolist() == ["化解矛盾数（件）"]


def question_file(month: int) -> bytes:
    """A 天水市 legal-aid and reconsideration form whose bare 办结 column could be either."""
    title = f"2024年{month}月天水市法律援助和行政复议工作统计表"
    headers = ["地区", "法律援助案件（件）", "办结（件）"]
    rows = [[name, 40 + i, 30 + i] for i, name in enumerate(["秦州区", "麦积区", "清水县"])]
    return wide_xlsx(rows, title=title, headers=headers)


def test_a_mapping_question_is_answered_then_remembered_for_the_next_month(real_db):
    at = upload(run(UPLOAD, user="tianshui"), "may.xlsx", question_file(5))
    assert t("up_questions") in texts(at)
    assert "可能是法律援助结案件数、行政复议办结件数" in texts(at)
    assert t("up_commit") not in [b.label for b in at.button]  # blocked until answered
    at.selectbox(key=next(s.key for s in at.selectbox if (s.key or "").startswith("q_"))).select(
        "legal_aid_closed"
    )
    submit = next(b for b in at.button if b.label == t("up_apply_answers"))
    submit.click().run()
    ok(at)
    assert t("up_questions") not in texts(at)
    assert {m.label: m.value for m in at.metric}[t("up_to_write")] == "6"
    button(at, t("up_commit")).click().run()
    ok(at)
    from lawstats.workflow import workspace as ws

    remembered = ws.list_spellings(real_db)
    assert remembered[["spelling", "indicator_code", "unit_code"]].values.tolist() == [
        ["办结（件）", "legal_aid_closed", TIANSHUI]
    ]
    # next month's file of the same shape: no question, the answer applies by itself
    june = upload(run(UPLOAD, user="tianshui"), "june.xlsx", question_file(6))
    assert t("up_questions") not in texts(june)
    assert {m.label: m.value for m in june.metric}[t("up_to_write")] == "6"


def test_admin_promotes_an_answer_on_the_admin_page(real_db):
    from lawstats.workflow import workspace as ws

    ws.remember_spellings(
        real_db, {"办结（件）": "legal_aid_closed"}, actor="tianshui", unit_code=TIANSHUI,
        template_key="t",
    )  # fmt: skip
    at = run(ADMIN, user="boss")
    at.button(key="admin_promote").click().run()
    ok(at)
    assert t("admin_promoted", spelling="办结（件）") in [x.value for x in at.success]
    spellings = ws.list_spellings(real_db)
    assert spellings["unit_code"].isna().tolist() == [True, False]  # newest first: promoted
    with store.connect(real_db) as conn:
        actions = [r[0] for r in conn.execute(sa.select(store.audit_log.c.action))]
    assert "spelling_promote" in actions
    # the same question in another unit's file is answered by the promoted answer
    dingxi = wide_xlsx(
        [["安定区", 40, 30]],
        title="2024年5月定西市法律援助和行政复议工作统计表",
        headers=["地区", "法律援助案件（件）", "办结（件）"],
    )
    other = upload(run(UPLOAD, user="boss"), "dx.xlsx", dingxi)
    assert t("up_questions") not in texts(other)


def test_a_withdrawal_needs_the_confirmation(real_db):
    at = upload(run(UPLOAD, user="tianshui"), "w.xlsx", wide_xlsx(tianshui_rows()))
    button(at, t("up_commit")).click().run()
    ok(at)
    rows = tianshui_rows()
    rows[0][3] = "撤回"  # 秦州区 调解纠纷
    again = upload(run(UPLOAD, user="tianshui"), "w2.xlsx", wide_xlsx(rows))
    assert t("up_withdrawals", n=1) in texts(again)
    assert button(again, t("up_commit")).disabled
    again.checkbox(key=next(c.key for c in again.checkbox if c.key.startswith("withdraw_"))).check()
    again.run()
    button(again, t("up_commit")).click().run()
    ok(again)
    frame = figures(real_db, [QINZHOU], parse_period("2024年"), ["mediation_cases"], compare=False)
    assert frame["value"].isna().all()


# --------------------------------------------------------------------------- data and admin pages


def test_missing_reports_and_template_tabs(real_db):
    from lawstats.workflow import workspace as ws

    user = auth.get_user(real_db, "tianshui")
    five = wide_xlsx(tianshui_rows(counties=["秦州区", "麦积区", "清水县", "秦安县", "甘谷县"]))
    ws.commit(real_db, user, five, "five.xlsx", ws.UploadOptions(), confirm_warnings=True)
    at = run(DATA, user="tianshui", period="2024年")
    assert at.selectbox(key="missing_region").value == TIANSHUI
    codes = ["mediation_orgs", "mediators", "mediation_cases", "mediation_success"]
    at.multiselect(key="missing_codes").set_value(codes).run()
    ok(at)
    warning = [w.value for w in at.warning]
    assert t("data_missing_count", period="2024年", units=2, n=2 * 4) in warning
    summary = next(d.value for d in at.dataframe if t("data_col_indicators") in d.value.columns)
    assert summary[t("up_col_region")].tolist() == ["天水市武山县", "天水市张家川回族自治县"]
    labels = [d.label for d in at.get("download_button")]
    assert t("download_csv") in labels
    at.text_input(key="template_period").input("2025年3月").run()
    ok(at)
    assert t("data_template_download") in [d.label for d in at.get("download_button")]


def test_admin_page_manages_users(real_db):
    at = run(ADMIN, user="boss")
    users = at.dataframe[0].value
    assert sorted(users[t("admin_col_username")]) == ["boss", "qinzhou", "tianshui", "viewer"]
    form = "FormSubmitter:admin_add-" + t("admin_create")
    labelled(at.text_input, t("admin_col_username")).input("wang")
    labelled(at.text_input, t("admin_new_password")).input("short")
    at.button(key=form).click().run()
    ok(at)
    assert auth.get_user(real_db, "wang") is None  # analyst without a region and a short password
    at = run(ADMIN, user="boss")
    labelled(at.text_input, t("admin_col_username")).input("wang")
    labelled(at.text_input, t("admin_new_password")).input("long enough pw")
    labelled(at.selectbox, t("admin_col_role")).select("viewer")
    at.button(key=form).click().run()
    ok(at)
    assert at.success and "wang" in at.success[0].value
    assert auth.authenticate(real_db, "wang", "long enough pw").role == "viewer"
    # not for analysts
    assert not run(user="tianshui", script=ADMIN).dataframe


def test_comparison_columns_are_listed_as_checked_not_stored(real_db):
    at = upload(
        run(UPLOAD, user="tianshui"),
        "comparison_columns.xlsx",
        (MESSY / "comparison_columns.xlsx").read_bytes(),
    )
    shown = texts(at)
    assert t("up_comparisons") in shown
    assert "上年同期数，不作为本期数据导入" in shown and "核对7行" in shown
    # the 同比 that does not follow from its row is a warning at its cell
    table = next(d.value for d in at.dataframe if t("up_col_message") in d.value.columns)
    assert "D5" in set(table[t("up_col_cell")])
