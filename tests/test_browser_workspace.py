"""Real browser (Playwright + Debian chromium): the analyst workspace end to end.

On a demo copy that already has real accounts (so demo mode has ended and viewing needs a
login), an analyst of 秦州区 logs in, uploads a file with an error, reads the cell-level
report, downloads the annotated copy (comments checked with openpyxl), uploads the corrected
file, commits, sees the figure on 总览, rolls the batch back and sees the old figure again; a
file touching 麦积区 is refused and the database stays as it was. On a pristine demo copy the
demo admin uploads through the real file input: that first real batch ends demo mode, the
demo accounts are disabled and the admin is sent to the login form with the reason. The
analyst answers a mapping question (a bare 办结 column) and commits; next month's file of the
same shape loads without a question.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
import sqlalchemy as sa

from lawstats import store
from lawstats.demo import database as demodb
from lawstats.store import auth
from tests.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    browser_available,
    streamlit_server,
    wait_idle,
)
from tests.conftest import require_or_skip

pytestmark = pytest.mark.browser
QINZHOU = "620502"
TIMEOUT = 60_000


def county_file(tmp_path, name: str, rows: list[tuple[str, object]]) -> str:
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "Sheet1"
    sheet.append(["2024年天水市人民调解工作情况统计表"])
    sheet.append(["地区", "调解纠纷（件）"])
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / name
    wb.save(path)
    return str(path)


REAL_PASSWORD = "browser-test-password"
REAL_ANALYST = "qz_analyst"
REAL_ADMIN = "chief"


@pytest.fixture
def real_accounts() -> bool:
    """Give the copy real accounts (ending demo mode) before the server starts?"""
    return False


@pytest.fixture
def served(demo_db, tmp_path, real_accounts):
    require_or_skip(browser_available(), "Chromium + Playwright")
    from playwright.sync_api import sync_playwright

    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    if real_accounts:
        engine = store.get_engine(str(db))
        auth.add_user(engine, REAL_ADMIN, REAL_PASSWORD, "admin")
        auth.add_user(engine, REAL_ANALYST, REAL_PASSWORD, "analyst", [QINZHOU])
        engine.dispose()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(str(db)) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1400, "height": 2400}, locale="zh-CN", accept_downloads=True
        )
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        # the first run goes through app.py, so its navigation (not the bare pages/ folder)
        # rules; before that script run ends the sidebar lists the raw file names
        page.goto(base + "/")
        wait_idle(page, '[data-testid="stSidebar"] >> text=未登录', timeout_ms=TIMEOUT)
        yield {"base": base, "page": page, "db": str(db)}
        browser.close()


def nav_text(page) -> str:
    """The sidebar navigation's text ('' when the app shows none, e.g. a login-only view)."""
    nav = page.locator('[data-testid="stSidebarNav"]')
    return nav.inner_text() if nav.count() else ""


def body(page) -> str:
    return page.locator('[data-testid="stApp"]').inner_text()


def in_table(page, text: str) -> bool:
    """Does a table cell show `text`? (st.dataframe draws on a canvas; its accessible grid
    cells carry the text, filled in once the grid has rendered.)"""
    cell = page.locator('[data-testid="stDataFrame"] [role="gridcell"]', has_text=text)
    try:
        cell.first.wait_for(state="attached", timeout=15_000)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError: not there
        return False
    return True


def submit_login(served, username: str, password: str) -> None:
    page = served["page"]
    page.goto(served["base"] + "/login")
    wait_idle(
        page,
        '[data-testid="stForm"], [data-testid="stSidebar"] button:has-text("退出登录")',
        timeout_ms=TIMEOUT,
    )
    logout = page.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录")
    if logout.count():  # the session cookie kept the last login: log out first
        logout.click()
        wait_idle(page, 'input[type="password"]', timeout_ms=TIMEOUT)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def log_in(served, username: str, password: str) -> None:
    page = served["page"]
    submit_login(served, username, password)
    page.wait_for_selector('[data-testid="stSidebar"] >> text=退出登录', timeout=TIMEOUT)
    # the login page moves on to the overview by itself; let that finish before clicking on
    page.wait_for_function("() => !location.pathname.endsWith('/login')", timeout=TIMEOUT)
    wait_idle(page, '[data-testid="stMetric"]', timeout_ms=TIMEOUT)


def go(page, link: str, ready: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=link).click()
    page.wait_for_function(
        "(name) => decodeURIComponent(location.pathname) !== '/' || name === '总览'",
        arg=link,
        timeout=TIMEOUT,
    )
    wait_idle(page, ready, timeout_ms=TIMEOUT)


def choose_file(page, path: str) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(path)
    page.wait_for_selector(f'h3:has-text("{Path(path).name}")', timeout=TIMEOUT)
    page.wait_for_selector("text=检查结果", timeout=TIMEOUT)
    wait_idle(page, timeout_ms=TIMEOUT)


def remove_files(page) -> None:
    chips = page.locator('[data-testid="stFileChipDeleteBtn"]')
    while chips.count():
        chips.first.click()
        wait_idle(page, timeout_ms=TIMEOUT)
    page.wait_for_selector("text=尚未选择文件", timeout=TIMEOUT)


def commit(page) -> None:
    """Tick the warnings checkbox if there is one (a ±50% change warns), load, wait for the batch."""
    confirm = page.get_by_text("我已核对以上")
    if confirm.count():
        confirm.click()
        wait_idle(page, timeout_ms=TIMEOUT)
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_selector("text=已导入为批次", timeout=TIMEOUT)


def overview_value(served, region: str, account: tuple[str, str] | None = None) -> str:
    """The card on a fresh load of the overview link (a new session: log in with `account`
    on the form the link opens when viewing needs a login and the session cookie does not hold a
    login any more; the link's address is kept)."""
    page = served["page"]
    page.goto(f"{served['base']}/?region={region}&period={quote('2024年')}")
    if account:
        wait_idle(page, '[data-testid="stForm"], [data-testid="stMetric"]', timeout_ms=TIMEOUT)
    if account and page.locator('[data-testid="stForm"]').count():  # not still logged in
        page.get_by_label("用户名").fill(account[0])
        page.get_by_label("密码").fill(account[1])
        page.get_by_role("button", name="登录").click()
    wait_idle(page, '[data-testid="stMetric"]', timeout_ms=TIMEOUT)
    card = page.locator('[data-testid="stMetric"]', has_text="调解矛盾纠纷件数").first
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def batch_count(db: str) -> int:
    with store.connect(store.get_engine(db)) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(store.batches)).scalar_one()


@pytest.mark.parametrize("real_accounts", [True])
def test_analyst_journey(served, tmp_path):
    page = served["page"]
    # demo mode ended with the real accounts: nothing to view before a login
    assert "总览" not in nav_text(page) and "查看本看板需要登录" in body(page)
    analyst = (REAL_ANALYST, REAL_PASSWORD)
    before = overview_value(served, QINZHOU, analyst)
    assert before == "2,449 件"
    batches = batch_count(served["db"])
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "数据上报" in nav and "数据管理" in nav and "系统管理" not in nav
    go(page, "数据上报", '[data-testid="stFileUploader"]')
    assert "甘肃省天水市秦州区" in body(page)  # what this analyst may write

    # 1. a file with an error: the report points at the cell, the annotated copy carries it
    choose_file(page, county_file(tmp_path, "秦州区_有误.xlsx", [("秦州区", "24x8")]))
    assert in_table(page, "B3") and in_table(page, "不是数字") and in_table(page, "天水市秦州区")
    assert "有 1 个错误，不能导入" in body(page)
    assert page.get_by_role("button", name="确认导入").count() == 0
    with page.expect_download(timeout=TIMEOUT) as download:
        page.get_by_role("button", name="下载标注后的文件").click()
    annotated = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    assert annotated.sheetnames == ["问题清单", "Sheet1"]
    assert "不是数字" in annotated["Sheet1"]["B3"].comment.text
    page.screenshot(path=str(SCREENSHOTS / "upload_errors.png"))
    remove_files(page)

    # 2. a file touching 麦积区 is refused, naming the region; nothing is written
    choose_file(page, county_file(tmp_path, "两区.xlsx", [("秦州区", 2468), ("麦积区", 3000)]))
    assert in_table(page, "您没有权限上报甘肃省天水市麦积区的数据")
    assert page.get_by_role("button", name="确认导入").count() == 0
    assert batch_count(served["db"]) == batches
    remove_files(page)

    # 3. the corrected file: preview, commit, the batch is named
    choose_file(page, county_file(tmp_path, "秦州区.xlsx", [("秦州区", 2468)]))
    assert "新增数据 1 条" in body(page)
    commit(page)
    batch_id = batches + 1
    assert f"已导入为批次 {batch_id}" in body(page)
    assert batch_count(served["db"]) == batch_id
    page.screenshot(path=str(SCREENSHOTS / "upload_loaded.png"))

    # 4. the overview shows the new figure at once
    assert overview_value(served, QINZHOU, analyst) == "2,468 件"

    # 5. roll it back with a reason on 数据管理: the old figure is back
    log_in(served, *analyst)
    go(page, "数据管理", '[data-testid="stDataFrame"]')
    assert in_table(page, "秦州区.xlsx")
    page.get_by_label("回滚原因（必填）").fill("测试回滚")
    page.get_by_role("button", name="确认回滚").click()
    page.wait_for_selector(f"text=批次 {batch_id} 已回滚", timeout=TIMEOUT)
    page.screenshot(path=str(SCREENSHOTS / "data_rollback.png"))
    assert overview_value(served, QINZHOU, analyst) == before


def test_demo_admin_upload_ends_demo_mode(served, tmp_path):
    page = served["page"]
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "总览" in nav and "数据上报" not in nav and "登录" in nav  # public demo, not logged in
    batches = batch_count(served["db"])
    log_in(served, demodb.DEMO_ADMIN_USERNAME, demodb.DEMO_ADMIN_PASSWORD)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "数据上报" in nav and "系统管理" in nav
    go(page, "数据上报", '[data-testid="stFileUploader"]')
    assert "将永久结束演示模式" in body(page)  # the warning before the first real batch
    choose_file(
        page, county_file(tmp_path, "管理员上传.xlsx", [("秦州区", 2470), ("麦积区", 3300)])
    )
    confirm = page.get_by_text("我已核对以上")
    if confirm.count():
        confirm.click()
        wait_idle(page, timeout_ms=TIMEOUT)
    page.get_by_role("button", name="确认导入").click()
    # the batch is in, demo mode is over, the demo account is logged out with the reason
    page.wait_for_selector("text=演示模式已结束", timeout=TIMEOUT)
    wait_idle(page, '[data-testid="stForm"]', timeout_ms=TIMEOUT)
    assert batch_count(served["db"]) == batches + 1
    with store.connect(store.get_engine(served["db"])) as conn:
        assert store.get_meta(conn, "is_demo") == "false"
    assert "数据上报" not in nav_text(page) and "总览" not in nav_text(page)
    page.screenshot(path=str(SCREENSHOTS / "demo_ended.png"))
    # the published demo password no longer opens the account
    submit_login(served, demodb.DEMO_ADMIN_USERNAME, demodb.DEMO_ADMIN_PASSWORD)
    page.wait_for_selector("text=用户名或密码不正确", timeout=TIMEOUT)


@pytest.mark.parametrize("real_accounts", [True])
def test_admin_uploads_and_sees_the_batch(served, tmp_path):
    page = served["page"]
    log_in(served, REAL_ADMIN, REAL_PASSWORD)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "数据上报" in nav and "系统管理" in nav
    go(page, "数据上报", '[data-testid="stFileUploader"]')
    choose_file(
        page, county_file(tmp_path, "管理员上传.xlsx", [("秦州区", 2470), ("麦积区", 3300)])
    )
    commit(page)
    go(page, "数据管理", '[data-testid="stDataFrame"]')
    assert in_table(page, "管理员上传.xlsx")
    # logging out removes the work pages again
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录").click()
    wait_idle(page, timeout_ms=TIMEOUT)
    page.wait_for_selector('[data-testid="stSidebar"] >> text=未登录', timeout=TIMEOUT)
    wait_idle(page, timeout_ms=TIMEOUT)  # the account box comes before the navigation in a run
    assert "数据上报" not in nav_text(page)


@pytest.mark.parametrize("real_accounts", [True])
def test_a_hostile_upload_leaves_the_server_up(served, tmp_path):
    """Issue 16: a 2 KB .xlsx naming XFD1048576 and a million-row sheet are refused on the page
    with the sheet's range named; the server still answers its health check and serves the next
    file; nothing is written."""
    import urllib.request

    from tests.hostile_files import HOSTILE

    page = served["page"]
    batches = batch_count(served["db"])
    log_in(served, REAL_ADMIN, REAL_PASSWORD)
    go(page, "数据上报", '[data-testid="stFileUploader"]')
    for case in ("far_cell_xfd", "million_rows_xlsx"):
        make, name, names = HOSTILE[case]
        path = tmp_path / name
        path.write_bytes(make())
        choose_file(page, str(path))
        assert in_table(page, "表格范围过大") and in_table(page, names)
        assert page.get_by_role("button", name="确认导入").count() == 0
        with urllib.request.urlopen(served["base"] + "/_stcore/health", timeout=5) as r:
            assert r.status == 200
        remove_files(page)
    page.screenshot(path=str(SCREENSHOTS / "upload_hostile_refused.png"))
    choose_file(page, county_file(tmp_path, "秦州区.xlsx", [("秦州区", 2468)]))
    page.wait_for_selector("text=新增数据 1 条", timeout=TIMEOUT)  # the next file is read
    assert batch_count(served["db"]) == batches


def long_csv(tmp_path) -> str:
    """Every county of the country, twelve months, three indicators: a long CSV of about 100,000
    rows, which takes the check a few seconds."""
    from lawstats.domain.regions import load_regions

    regions = load_regions()
    names = [regions.full_name(r.code) for r in regions if r.level == "county" and r.is_official]
    lines = ["地区,时间,指标,数值,单位"]
    for m in range(1, 13):
        for k, name in enumerate(names):
            for indicator in ("调解矛盾纠纷件数", "调解成功件数", "人民调解员人数"):
                unit = "人" if indicator.endswith("人数") else "件"
                lines.append(f"{name},2024年{m}月,{indicator},{100 + (k * 7 + m) % 50},{unit}")
    path = tmp_path / "全国2024年逐月.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("real_accounts", [True])
def test_a_long_check_shows_its_stages_and_can_be_cancelled(served, tmp_path):
    """Issue 20 item 5: while a large file is checked the page says what is being done and
    offers 取消检查; a click stops the check (nothing written), 重新检查 runs it again."""
    page = served["page"]
    batches = batch_count(served["db"])
    log_in(served, REAL_ADMIN, REAL_PASSWORD)
    go(page, "数据上报", '[data-testid="stFileUploader"]')
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        long_csv(tmp_path)
    )
    cancel = page.get_by_role("button", name="取消检查")
    cancel.wait_for(timeout=TIMEOUT)
    page.wait_for_selector("text=读取文件，识别表格", timeout=TIMEOUT)  # the stage it is at
    cancel.click()
    page.wait_for_selector("text=已取消对", timeout=TIMEOUT)
    wait_idle(page, timeout_ms=TIMEOUT)
    assert page.locator("text=检查结果").count() == 0 and batch_count(served["db"]) == batches
    page.get_by_role("button", name="重新检查").click()
    page.wait_for_selector("text=检查结果", timeout=TIMEOUT)
    wait_idle(page, timeout_ms=TIMEOUT)
    assert page.locator("text=已检查").count() >= 1 and batch_count(served["db"]) == batches


def question_file(tmp_path, month: int) -> str:
    """秦州区's legal-aid and reconsideration form: a bare 办结 column could be either."""
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "Sheet1"
    sheet.append([f"2024年{month}月秦州区法律援助和行政复议工作统计表"])
    sheet.append(["地区", "法律援助案件（件）", "办结（件）"])
    sheet.append(["秦州区", 40 + month, 30 + month])
    path = tmp_path / f"秦州区_{month}月.xlsx"
    wb.save(path)
    return str(path)


@pytest.mark.parametrize("real_accounts", [True])
def test_mapping_question_answered_then_next_month_loads_without_one(served, tmp_path):
    """#17 item 2 in a real browser: upload a file with an uncertain column, answer the
    question, commit; next month's file of the same shape asks nothing."""
    page = served["page"]
    log_in(served, REAL_ANALYST, REAL_PASSWORD)
    go(page, "数据上报", '[data-testid="stFileUploader"]')
    batches = batch_count(served["db"])
    choose_file(page, question_file(tmp_path, 5))
    assert "需要您确认的表头" in body(page)
    assert "可能是法律援助结案件数、行政复议办结件数" in body(page)
    assert page.get_by_role("button", name="确认导入").count() == 0  # blocked until answered
    page.screenshot(path=str(SCREENSHOTS / "upload_question.png"))
    form = page.locator('[data-testid="stForm"]', has=page.get_by_role("button", name="应用答复"))
    form.locator('[data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="法律援助结案件数（件）").click()
    wait_idle(page, timeout_ms=TIMEOUT)
    form.get_by_role("button", name="应用答复").click()
    page.wait_for_selector("text=需要您确认的表头", state="detached", timeout=TIMEOUT)
    wait_idle(page, timeout_ms=TIMEOUT)
    page.screenshot(path=str(SCREENSHOTS / "upload_answered.png"))
    # the demo copy has 秦州区's May figures: both are replaced
    page.wait_for_selector("text=替换已有数据 2 条", timeout=TIMEOUT)
    assert "需要您确认的表头" not in body(page)
    commit(page)
    assert batch_count(served["db"]) == batches + 1
    remove_files(page)
    # next month's file of the same shape: the answer applies by itself
    choose_file(page, question_file(tmp_path, 6))
    assert "需要您确认的表头" not in body(page)
    assert "替换已有数据 2 条" in body(page)
    commit(page)
    assert batch_count(served["db"]) == batches + 2
    with store.connect(store.get_engine(served["db"])) as conn:
        rows = conn.execute(
            sa.select(store.header_spellings.c.indicator_code, store.header_spellings.c.unit_code)
        ).all()
    assert [tuple(r) for r in rows] == [("legal_aid_closed", QINZHOU)]
