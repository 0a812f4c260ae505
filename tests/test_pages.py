"""AppTest per page: renders on the demo and on an empty store, filters change figures, figures equal `etl show`."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from etl.cli import main as etl_main
from lawstats.i18n import t
from tests.conftest import ROOT

PAGES = ["pages/overview.py", "pages/trends.py", "pages/rankings.py", "pages/methodology.py"]
TIANSHUI = "620500"


def app(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page(page)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += (
        [w.value for w in at.warning] + [i.value for i in at.info] + [s.value for s in at.subheader]
    )
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_demo(demo_copy, page):
    at = app(page)
    assert t("demo_banner", "zh") in [i.value for i in at.info]


@pytest.mark.parametrize("page", PAGES[:3])
def test_page_on_empty_db_says_what_to_do(empty_db, page):
    at = app(page)
    assert t("empty_page", "zh") in [w.value for w in at.warning]


@pytest.mark.parametrize("page", PAGES)
def test_direct_page_link_cannot_bypass_login(tmp_path, monkeypatch, page):
    """Opening a page's own URL runs app.py first, so a store that needs a login shows no data.

    (A folder named pages/ next to app.py would make Streamlit run page files directly on a
    first deep link, skipping this gate: the page scripts live in views/ for that reason.)
    """
    from lawstats.store import auth, get_engine

    path = tmp_path / "private.duckdb"
    monkeypatch.setenv("LAWSTATS_DB_URL", str(path))
    monkeypatch.delenv("LAWSTATS_REQUIRE_LOGIN", raising=False)
    auth.add_user(get_engine(str(path)), "chief", "correct-horse-1", "viewer")
    at = app(page)
    assert not at.dataframe and not at.get("plotly_chart")
    assert t("empty_page", "zh") not in texts(at)
    assert t("demo_banner", "zh") not in texts(at)
    assert at.text_input  # the login form (user name, password)


def test_methodology_on_empty_db_still_lists_indicators(empty_db):
    at = app("pages/methodology.py")
    assert (
        at.dataframe
        and "调解成功件数 ÷ 调解矛盾纠纷件数 × 100" in at.dataframe[1].value.to_string()
    )


def _show(db: str, capsys, region: str, period: str) -> dict:
    capsys.readouterr()
    assert etl_main(["show", "--db", db, "--region", region, "--period", period, "--json"]) == 0
    return {r["indicator_code"]: r for r in json.loads(capsys.readouterr().out)}


def test_overview_figures_equal_etl_show(demo_copy, capsys):
    at = app("pages/overview.py", region=TIANSHUI, period="2024年")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["调解矛盾纠纷件数"] == "1.33 万 件"  # 13,287 件 shown short
    assert metrics["调解成功率"] == "98.6%"
    shown = _show(demo_copy, capsys, "天水市", "2024")
    assert shown["mediation_cases"]["value"] == 13287
    assert shown["office_staff"]["value"] == 374 and metrics["司法所工作人员数"] == "374 人"
    staff = next(m for m in at.metric if m.label == "司法所工作人员数")
    assert staff.delta == "+21.4%" and shown["office_staff"]["change"] == 21.4


def test_overview_filter_changes_figures(demo_copy):
    at = app("pages/overview.py", region=TIANSHUI, period="2024年")
    before = {m.label: m.value for m in at.metric}
    at.selectbox(key="period_year").set_value(2023).run()
    after = {m.label: m.value for m in at.metric}
    assert after["司法所工作人员数"] == "308 人" != before["司法所工作人员数"]
    assert at.query_params["period"] == "2023年"
    at.selectbox(key="region").set_value("620502").run()
    assert {m.label: m.value for m in at.metric}["司法所工作人员数"] != after["司法所工作人员数"]
    assert at.query_params["region"] == "620502"


def test_overview_english(demo_copy):
    at = app("pages/overview.py", region=TIANSHUI, period="2024年", lang="en")
    labels = [m.label for m in at.metric]
    assert "Disputes mediated" in labels


def test_rankings_table_and_normalisation(demo_copy, capsys):
    at = app("pages/rankings.py", region=TIANSHUI, period="2024年", indicator="mediation_cases")
    table = at.dataframe[0].value
    assert list(table.columns[:2]) == ["排名", "地区"]
    top = table.iloc[0]
    shown = _show(demo_copy, capsys, top["地区"], "2024")
    assert top["本期"] == f"{shown['mediation_cases']['value']:,} 件"
    at.selectbox(key="norm").set_value("per_10k").run()
    assert not at.exception
    assert at.dataframe[0].value.iloc[0]["本期"] != top["本期"]
    assert at.query_params["norm"] == "per_10k"


def test_rankings_rate_ceiling_note(demo_copy):
    at = app(
        "pages/rankings.py", region=TIANSHUI, period="2024年", indicator="mediation_success_rate"
    )
    assert any("天花板效应" in w.value for w in at.warning)


def test_rankings_drill_down_and_breadcrumb(demo_copy):
    at = app("pages/rankings.py", region=TIANSHUI, period="2024年", indicator="mediation_cases")
    at.selectbox(key="drill").set_value("620502").run()
    assert at.query_params["region"] == "620502"
    assert at.selectbox(key="region").value == "620502"
    at.button(key=f"crumb_{TIANSHUI}").click().run()
    assert at.selectbox(key="region").value == TIANSHUI


def test_trends_yearly_and_monthly(demo_copy):
    at = app("pages/trends.py", region=TIANSHUI, period="2024年", indicator="mediation_cases")
    assert "调解矛盾纠纷件数" in texts(at) or at.get("plotly_chart")
    at.segmented_control(key="series_kind").set_value("monthly").run()
    assert not at.exception


def test_period_kinds_from_url(demo_copy, capsys):
    at = app("pages/overview.py", region=TIANSHUI, period="2024年1-6月")
    assert at.segmented_control(key="period_kind").value == "ytd"
    metrics = {m.label: m.value for m in at.metric}
    shown = _show(demo_copy, capsys, "天水市", "2024年1-6月")
    assert metrics["司法确认件数"] == f"{shown['judicial_confirmations']['value']:,} 件"


def test_chosen_region_and_period_survive_a_page_change(demo_copy):
    """Streamlit drops widget state and the query string on a page change; the choice stays."""
    at = app("pages/overview.py")
    at.selectbox(key="region").set_value("620502").run()
    at.switch_page("pages/trends.py").run()
    assert not at.exception
    assert at.selectbox(key="region").value == "620502"
    at.switch_page("pages/rankings.py").run()
    assert at.selectbox(key="region").value == "620502"


def test_a_breakdown_member_ranks_and_trends_like_any_figure(demo_copy):
    """Issue 19: 排名 and 趋势 offer each indicator's breakdown members after it; a member's
    ranking shows the member's own figures (never its total's)."""
    from lawstats.domain.catalog import load_catalog
    from lawstats.domain.periods import Period
    from lawstats.domain.regions import load_regions
    from lawstats.store import get_engine
    from lawstats.store.rollup import figures

    member = "mediation_cases.dispute_type.marriage_family"
    codes = load_catalog().codes_with_members
    assert codes.index(member) > codes.index("mediation_cases")
    at = app("pages/rankings.py", region=TIANSHUI, period="2024年", indicator=member)
    assert at.selectbox(key="indicator").value == member
    table = at.dataframe[0].value
    regions = load_regions()
    by_name = {r.name: r.code for r in regions.children(TIANSHUI)}
    top = table.iloc[0]
    code = by_name[top["地区"]]
    got = figures(get_engine(demo_copy), [code], Period.year(2024), [member, "mediation_cases"])
    value = got.set_index("indicator_code")["value"]
    assert top["本期"] == f"{int(value[member]):,} 件"
    assert value[member] < value["mediation_cases"]
    at = app("pages/trends.py", region=TIANSHUI, period="2024年", indicator=member)
    assert at.get("plotly_chart")
