"""The leader's and the analyst's day in a real browser (#20): a copied URL reopens the same view
after the login, a county user lands on their county, no text is clipped at 1366x768 or 390x844,
the PDF of the overview carries the figures on screen, and the 大屏 mode cycles without errors."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from lawstats.store import auth, get_engine
from tests.browser_support import SCREENSHOTS, served_page, wait_idle
from tests.test_browser_session import login

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "Leader-pass-2026"
QINZHOU = "620502"  # 甘肃省天水市秦州区
CLIP_JS = (Path(__file__).with_name("clipped.js")).read_text(encoding="utf-8")
VIEW_PAGES = ["", "trends", "rankings", "targets", "assessment", "methodology", "report", "wall"]
WORK_PAGES = ["upload", "backfill", "data", "admin", "login"]


def _store(demo_db, tmp_path) -> str:
    db = tmp_path / "private.duckdb"
    shutil.copy(demo_db, db)
    engine = get_engine(str(db))
    auth.add_user(engine, "leader", PASSWORD, "viewer", display_name="Leader")
    auth.add_user(engine, "county_qz", PASSWORD, "analyst", regions=[QINZHOU], display_name="秦州")
    auth.add_user(engine, "boss", PASSWORD, "admin", display_name="Boss")
    return str(db)


def _context(owner, width=1366, height=900):
    return owner.context.browser.new_context(
        locale="zh-CN", viewport={"width": width, "height": height}, accept_downloads=True
    )


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_a_copied_url_reopens_the_same_view_in_a_fresh_browser(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LAWSTATS_REQUIRE_LOGIN", "true")
    with served_page(_store(demo_db, tmp_path)) as (base, owner):
        first = _context(owner).new_page()
        login(first, base, "trends")
        view = "trends?region=620500&indicator=mediation_cases&period=2025年1-6月&cmp=620503,620522&series=monthly&lang=en"
        first.goto(f"{base}/{view}")
        wait_idle(first, ready='[data-testid="stPlotlyChart"]')
        copied = first.url
        shown = first.locator('[data-testid="stMain"]').inner_text()
        tags = first.locator('[data-testid="stMultiSelect"] [data-tag]').all_inner_texts()
        assert len(tags) == 2, tags

        fresh = _context(owner).new_page()  # another browser: no cookie, no memory
        fresh.goto(copied)
        wait_idle(fresh, ready='input[type="password"]')
        login_here = fresh.url
        fresh.locator('input[type="text"]').first.fill("leader")
        fresh.locator('input[type="password"]').fill(PASSWORD)
        fresh.locator('[data-testid="stFormSubmitButton"] button').click()
        wait_idle(fresh, ready='[data-testid="stPlotlyChart"]')
        assert "/trends" in login_here and "/trends" in fresh.url
        assert _query(fresh.url) == _query(copied)
        again = fresh.locator('[data-testid="stMain"]').inner_text()
        # the same view: region, comparison, series kind, language, period in the chart titles
        for words in ("Disputes mediated", "2025-01 to 2025-06", "Monthly"):
            assert words in shown and words in again, words
        assert fresh.locator('[data-testid="stMultiSelect"] [data-tag]').all_inner_texts() == tags
        # and another page of the same tab keeps the view (the sidebar drops the query string)
        fresh.locator('[data-testid="stSidebarNav"] a[href$="/rankings"]').click()
        wait_idle(fresh, ready='[data-testid="stPlotlyChart"]')
        q = _query(fresh.url)
        assert q["region"] == ["620500"] and q["lang"] == ["en"]
        assert q["period"] == ["2025年1-6月"] and q["indicator"] == ["mediation_cases"]


def test_a_county_user_lands_on_their_county(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LAWSTATS_REQUIRE_LOGIN", "true")
    with served_page(_store(demo_db, tmp_path)) as (base, owner):
        page = _context(owner).new_page()
        login(page, base, "", "county_qz", PASSWORD)
        page.goto(base)
        wait_idle(page, ready=".ls-card")
        q = _query(page.url)
        assert q["region"] == [QINZHOU]
        assert q["period"] == ["2025年"]  # the demo's latest period every unit reported in full
        assert (
            "甘肃省天水市秦州区 · 2025年 要情"
            in page.locator('[data-testid="stMain"]').inner_text()
        )
        _shot(page, "county_lands")

        leader = _context(owner).new_page()  # no region on the account: the first city
        login(leader, base, "", "leader", PASSWORD)
        leader.goto(base)
        wait_idle(leader, ready=".ls-card")
        assert _query(leader.url)["region"] != [QINZHOU]


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)], ids=["laptop", "phone"])
def test_no_text_is_clipped_on_any_page(demo_db, tmp_path, monkeypatch, size):
    monkeypatch.setenv("LAWSTATS_REQUIRE_LOGIN", "true")
    width, height = size
    with served_page(_store(demo_db, tmp_path)) as (base, owner):
        page = _context(owner, width, height).new_page()
        login(page, base, "", "boss", PASSWORD) if width > 600 else _login_phone(page, base)
        clipped = {}
        for path in VIEW_PAGES + WORK_PAGES:
            for lang in ("zh", "en"):
                page.goto(f"{base}/{path}?region=620500&period=2025年1-6月&lang={lang}&every=600")
                wait_idle(page, ready='[data-testid="stMain"] [data-testid="stMarkdownContainer"]')
                found = page.evaluate(CLIP_JS)
                if found:
                    clipped[f"{path or 'overview'} {lang}"] = found[:5]
            if path == "" and width < 600:
                _shot(page, "overview_phone")
        assert clipped == {}


def _login_phone(page, base: str) -> None:
    """On a phone the sidebar (and its logout button) is folded away: log in by the form and
    wait for the overview's strip instead."""
    page.goto(f"{base}/login")
    wait_idle(page, ready='input[type="password"]')
    page.locator('input[type="text"]').first.fill("boss")
    page.locator('input[type="password"]').fill(PASSWORD)
    page.locator('[data-testid="stFormSubmitButton"] button').click()
    wait_idle(page, ready=".ls-card")


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_pdf_of_the_overview_has_the_figures_on_screen(demo_db, tmp_path, monkeypatch):
    from pypdf import PdfReader

    monkeypatch.setenv("LAWSTATS_REQUIRE_LOGIN", "true")
    db = _store(demo_db, tmp_path)
    with served_page(db, timeout=60) as (base, owner):
        page = _context(owner).new_page()
        login(page, base, "", "leader", PASSWORD)
        page.goto(f"{base}/?region=620500&period=2025年1-6月")
        wait_idle(page, ready=".ls-card")
        cards = page.locator(".ls-card").all_inner_texts()
        assert len(cards) >= 3
        _shot(page, "overview")
        with page.expect_download(timeout=120_000) as download:
            page.get_by_role("button", name="下载本页 PDF").click()
        target = tmp_path / "overview.pdf"
        download.value.save_as(target)
        reader = PdfReader(str(target))
        text = _plain("".join(p.extract_text() for p in reader.pages))
        fonts = {
            str(f.get_object()["/BaseFont"])
            for p in reader.pages
            for f in (p["/Resources"].get("/Font") or {}).values()
            if "/BaseFont" in f.get_object()
        }
        assert any("WenQuanYi" in f for f in fonts), fonts  # the Chinese font travels inside
        for card in cards:
            for line in card.splitlines():
                assert _plain(line) in text, line
        # the print browser's own session ended with the print
        engine = get_engine(db)
        from lawstats.store import user_sessions

        with engine.connect() as conn:
            rows = conn.execute(user_sessions.select()).all()
        assert sum(r.ended_at is None for r in rows) == 1  # the leader's own tab only


def test_the_wall_screen_cycles_without_errors(demo_db, tmp_path, monkeypatch):
    """10 minutes (LAWSTATS_WALL_SOAK_S shortens it on a developer's machine) of a duty-room
    screen turning every 2 s: every group shown in turn, no error, no browser exception."""
    soak = float(os.environ.get("LAWSTATS_WALL_SOAK_S", "600"))
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    monkeypatch.delenv("LAWSTATS_REQUIRE_LOGIN", raising=False)
    with served_page(str(db)) as (base, owner):
        page = _context(owner, 1920, 1080).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/wall?region=620500&every=2")
        wait_idle(page, ready=".ls-wall-group")
        _shot(page, "wall")
        groups: set[str] = set()
        turns: list[int] = []
        end = time.monotonic() + soak
        while time.monotonic() < end:
            time.sleep(5)
            heading = page.locator(".ls-wall-group").first
            groups.add(heading.inner_text().split("(")[0].strip())
            turns.append(int(heading.get_attribute("data-turn")))
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.locator(".ls-card").count() > 0
        assert errors == []
        assert turns == sorted(turns) and turns[-1] - turns[0] >= soak / 2 / 2  # it kept turning
        from lawstats.domain.catalog import load_catalog

        shown = {g for g in groups}
        assert len(shown) == len(
            [g for g in load_catalog().groups if g.name("zh") in shown]
        ) and len(shown) >= min(5, len(load_catalog().groups))
