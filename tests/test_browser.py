"""Real browser (Playwright + Debian chromium): every page, a filter change, no foreign hosts, rollback while serving."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from urllib.parse import quote, urlparse

import pytest

from tests.browser_support import ROOT, SCREENSHOTS, served_page, wait_idle

pytestmark = pytest.mark.browser
TIANSHUI = "620500"
PAGES = [
    ("", "总览", '[data-testid="stMetric"]'),
    ("trends", "趋势", ".js-plotly-plot"),
    ("rankings", "排名", ".js-plotly-plot"),
    ("methodology", "指标说明", '[data-testid="stDataFrame"]'),
]


@pytest.fixture(scope="module")
def served(demo_db, tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "demo.duckdb"
    shutil.copy(demo_db, db)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with served_page(str(db)) as (base, page):
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        yield {"base": base, "page": page, "requests": requests, "db": str(db)}


def _open(served, path: str, ready: str | None = None, **params: str) -> None:
    query = "&".join(f"{k}={quote(v)}" for k, v in params.items())
    served["page"].goto(f"{served['base']}/{path}?{query}")
    wait_idle(served["page"], ready)


def _metric(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]', has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def test_every_page_filter_and_no_foreign_hosts(served):
    page = served["page"]
    for path, title, ready in PAGES:
        _open(served, path, ready, region=TIANSHUI, period="2024年", indicator="mediation_cases")
        body = page.locator('[data-testid="stApp"]').inner_text()
        assert title in body and "示例数据" in body
        page.screenshot(path=str(SCREENSHOTS / f"{path or 'overview'}.png"))
    _open(served, "", '[data-testid="stMetric"]', region=TIANSHUI, period="2024年")
    assert _metric(page, "调解矛盾纠纷件数") == "1.33 万 件"
    assert _metric(page, "司法所工作人员数") == "374 人"
    # change a filter: the year selectbox
    page.locator('[data-testid="stSelectbox"]', has_text="年份").click()
    page.get_by_role("option", name="2023").click()
    wait_idle(page)
    from playwright.sync_api import expect

    card = page.locator('[data-testid="stMetric"]', has_text="司法所工作人员数").first
    expect(card.locator('[data-testid="stMetricValue"]')).to_have_text("308 人", timeout=15_000)
    assert "2023" in page.url
    own = urlparse(served["base"]).netloc
    foreign = {
        urlparse(u).netloc
        for u in served["requests"]
        if urlparse(u).scheme in ("http", "https", "ws", "wss")
    }
    assert foreign <= {own}, foreign


def test_rollback_while_serving_shows_at_once(served):
    import duckdb

    page = served["page"]
    _open(served, "", '[data-testid="stMetric"]', region=TIANSHUI, period="2024年")
    assert _metric(page, "调解矛盾纠纷件数") == "1.33 万 件"
    con = duckdb.connect(served["db"], read_only=True)
    try:
        batch = con.execute(
            "SELECT id FROM batches WHERE context_code = ? AND period_label = ? AND status = 'active'",
            [TIANSHUI, "2024年"],
        ).fetchone()[0]
    finally:
        con.close()
    t0 = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "etl",
            "rollback",
            str(batch),
            "--db",
            served["db"],
            "--reason",
            "test",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - t0 < 10
    page.reload()
    wait_idle(page)
    import re

    from playwright.sync_api import expect

    app = page.locator('[data-testid="stApp"]')
    expect(app).to_contain_text(re.compile("所选地区和期间没有数据|未报送"), timeout=15_000)
    assert "1.33 万 件" not in app.inner_text()
