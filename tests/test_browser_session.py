"""A real browser keeps its login across reloads and tabs (the signed session cookie), loses it
after the idle limit and at logout (ended server-side), and gets a new cookie at every login."""

from __future__ import annotations

import shutil
import time

import pytest

from lawstats.store import auth, get_engine
from tests.browser_support import served_page, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "Leader-pass-2026"


def _store(demo_db, tmp_path) -> str:
    db = tmp_path / "private.duckdb"
    shutil.copy(demo_db, db)
    engine = get_engine(str(db))
    auth.add_user(engine, "leader", PASSWORD, "viewer", display_name="Leader")
    return str(db)


def login(page, base: str, path: str = "", username: str = "leader", password: str = PASSWORD):
    page.goto(f"{base}/{path}")
    wait_idle(page, ready='input[type="password"]')
    page.locator('input[type="text"]').first.fill(username)
    page.locator('input[type="password"]').fill(password)
    page.locator('[data-testid="stFormSubmitButton"] button').click()
    wait_idle(page, ready='[data-testid="stSidebar"] button:has-text("退出登录")')


SETTLED = 'input[type="password"], [data-testid="stSidebar"] button:has-text("退出登录")'


def _logged_in(page) -> bool:
    return page.locator('[data-testid="stSidebar"] button:has-text("退出登录")').count() == 1


def _cookie(page):
    return [c for c in page.context.cookies() if c["name"] == "lawstats_session"]


def _wait_cookie(page, present: bool = True, timeout_s: float = 30, other_than: str = ""):
    """The session cookie once it is there (and not `other_than`), or once it is gone."""

    def ready() -> bool:
        found = _cookie(page)
        if not present:
            return not found
        return bool(found) and found[0]["value"] != other_than

    deadline = time.monotonic() + timeout_s
    while not ready() and time.monotonic() < deadline:
        time.sleep(0.2)
    return _cookie(page)


def test_a_login_survives_reload_and_new_tab_and_ends_at_logout(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LAWSTATS_REQUIRE_LOGIN", "true")
    with served_page(_store(demo_db, tmp_path)) as (base, owner):
        context = owner.context.browser.new_context(
            locale="zh-CN", viewport={"width": 1400, "height": 1600}
        )
        page = context.new_page()
        page.context.add_cookies([{"name": "lawstats_session", "value": "planted.x", "url": base}])
        login(page, base)
        (c,) = _wait_cookie(page, other_than="planted.x")
        assert c["httpOnly"] and c["sameSite"] == "Strict" and c["value"] != "planted.x"
        first = c["value"]

        page.reload()
        wait_idle(page, ready=SETTLED)
        assert _logged_in(page), "a reload logged the user out"

        tab = page.context.new_page()
        tab.goto(f"{base}/trends")
        wait_idle(tab, ready='[data-testid="stPlotlyChart"]')
        assert _logged_in(tab) and "/trends" in tab.url

        # the cookie's value is not readable from the page's scripts
        assert "lawstats_session" not in page.evaluate("document.cookie")

        # logout in one tab ends the session everywhere: the other tab's next click, a copy of
        # the old cookie in another browser
        page.locator('[data-testid="stSidebar"] button:has-text("退出登录")').click()
        wait_idle(page, ready='input[type="password"]')
        _wait_cookie(page, present=False)
        tab.reload()
        wait_idle(tab, ready='input[type="password"]')
        other = page.context.browser.new_context()
        other.add_cookies([{"name": "lawstats_session", "value": first, "url": base}])
        stale = other.new_page()
        stale.goto(base)
        wait_idle(stale, ready='input[type="password"]')
        assert not _logged_in(stale)
        other.close()

        # a new login gets a new session id
        login(page, base)
        (c,) = _wait_cookie(page, other_than=first)
        assert c["value"] != first


def test_a_login_expires_after_the_idle_limit(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LAWSTATS_REQUIRE_LOGIN", "true")
    monkeypatch.setenv("LAWSTATS_SESSION_IDLE_MINUTES", "0.25")  # 15 s
    with served_page(_store(demo_db, tmp_path)) as (base, owner):
        page = owner.context.browser.new_context(locale="zh-CN").new_page()
        login(page, base)
        _wait_cookie(page)
        time.sleep(5)
        page.reload()  # activity within the limit keeps it
        wait_idle(page, ready=SETTLED)
        assert _logged_in(page)
        time.sleep(20)
        page.reload()
        wait_idle(page, ready='input[type="password"]')
        assert not _logged_in(page)
