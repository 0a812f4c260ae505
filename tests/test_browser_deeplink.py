"""A real browser opening a page's own URL first: app.py's navigation still decides.

Page files live in pages/ next to app.py, where Streamlit 1.67 runs a page file by itself on
the first request that names it; lawstats/ui/gate.py sends such a run through app.py. These
tests open each deep link in a fresh browser session (the case the gate exists for)."""

from __future__ import annotations

import shutil

import pytest

from tests.browser_support import served_page, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

READING = ["trends", "rankings", "targets", "report"]
WRITING = ["upload", "data", "admin"]


def _text(page) -> str:
    return page.locator('[data-testid="stApp"]').inner_text()


def test_deep_links_on_a_store_that_needs_a_login_show_only_the_login(
    demo_db, tmp_path, monkeypatch
):
    db = tmp_path / "private.duckdb"
    shutil.copy(demo_db, db)
    monkeypatch.setenv("LAWSTATS_REQUIRE_LOGIN", "true")
    with served_page(str(db)) as (base, page):
        for path in READING + WRITING:
            context = page.context.browser.new_context(locale="zh-CN")  # a fresh session
            fresh = context.new_page()
            fresh.goto(f"{base}/{path}")
            wait_idle(fresh, ready='input[type="password"]')
            assert fresh.locator('input[type="password"]').count() == 1, path
            assert fresh.locator('[data-testid="stDataFrame"]').count() == 0, path
            assert fresh.locator('[data-testid="stPlotlyChart"]').count() == 0, path
            assert "示例数据" not in _text(fresh), path  # no page body (its demo banner) ran
            context.close()


def test_a_deep_link_opens_its_page_when_the_visitor_may_see_it(demo_db, tmp_path, monkeypatch):
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    monkeypatch.delenv("LAWSTATS_REQUIRE_LOGIN", raising=False)
    with served_page(str(db)) as (base, page):
        page.goto(f"{base}/rankings?region=620500&period=2024年&indicator=mediation_cases")
        wait_idle(page, ready='[data-testid="stPlotlyChart"]')
        assert "/rankings" in page.url
        assert "麦积区" in _text(page)  # the ranking of 天水市's counties, not the overview
