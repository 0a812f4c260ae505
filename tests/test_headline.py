"""The headline (#20): 环比 periods and figures, the default view, figures written for each
language, the session cookie's signature and the stored sessions' lifecycle."""

from __future__ import annotations

import ast
from datetime import timedelta

import pandas as pd
import pytest

from lawstats.analysis import headline as hl
from lawstats.analysis import targets
from lawstats.domain import display
from lawstats.domain.catalog import load_catalog
from lawstats.domain.periods import Period
from lawstats.store import get_engine, rollup, sessions
from tests.conftest import ROOT

TIANSHUI, QINZHOU = "620500", "620502"


@pytest.mark.parametrize(
    "label, this, before",
    [
        ("2025年6月", "2025年6月", "2025年5月"),
        ("2025年1月", "2025年1月", "2024年12月"),
        ("2025年第一季度", "2025年第一季度", "2024年第四季度"),
        ("2025年第三季度", "2025年第三季度", "2025年第二季度"),
        ("2025年1-6月", "2025年6月", "2025年5月"),
        ("2025年", None, None),
        ("2025年1月", "2025年1月", "2024年12月"),
    ],
)
def test_month_on_month_compares_the_period_with_the_one_just_before(label, this, before):
    pair = hl.adjacent_periods(Period.from_label(label))
    if this is None:
        assert pair is None
    else:
        assert (pair[0].label, pair[1].label) == (this, before)


def test_month_on_month_is_the_change_between_two_rolled_up_months(demo_copy):
    engine = get_engine(demo_copy)
    codes = ["mediation_cases", "mediation_success_rate"]
    got = hl.month_on_month(engine, [TIANSHUI], Period.from_label("2025年1-6月"), codes)
    june = rollup.figures(engine, [TIANSHUI], Period.month(2025, 6), codes, compare=False)
    may = rollup.figures(engine, [TIANSHUI], Period.month(2025, 5), codes, compare=False)
    v = dict(zip(june["indicator_code"], june["value"], strict=True))
    p = dict(zip(may["indicator_code"], may["value"], strict=True))
    row = got.set_index("indicator_code")
    # changes stay exact until shown (#18): the same formula, unrounded
    cases = (v["mediation_cases"] - p["mediation_cases"]) / p["mediation_cases"] * 100
    assert row.loc["mediation_cases", "change"] == pytest.approx(cases, rel=1e-12)
    assert row.loc["mediation_cases", "change_unit"] == "%"
    rate = v["mediation_success_rate"] - p["mediation_success_rate"]
    assert row.loc["mediation_success_rate", "change"] == pytest.approx(rate, rel=1e-12)
    assert row.loc["mediation_success_rate", "change_unit"] == "pp"


def test_the_headline_carries_figures_changes_and_target_progress(demo_copy):
    engine = get_engine(demo_copy)
    period = Period.from_label("2025年1-6月")
    found = hl.headline(engine, TIANSHUI, period)
    assert 1 <= len(found) <= hl.HEADLINE_SIZE
    by = {f.code: f for f in found}
    progress = targets.progress(engine, TIANSHUI, 2025, through=period)
    own = progress[progress["region_code"] == TIANSHUI].set_index("indicator_code")
    # indicators with a target come first
    assert [f.code for f in found][: min(len(own), len(found))] == [
        c for c in own.index if c in by
    ][: min(len(own), len(found))]
    f = by["mediation_cases"]
    fig = rollup.figures(engine, [TIANSHUI], period, ["mediation_cases"]).iloc[0]
    assert f.value == fig["value"] and f.previous == fig["previous"] and f.yoy == fig["change"]
    assert f.target["completion"] == own.loc["mediation_cases", "completion"]
    assert f.target["expected"] == own.loc["mediation_cases", "expected"] == 50.0
    assert f.mom_period == "2025年6月"


def test_the_default_period_is_the_latest_every_unit_reported(demo_copy):
    engine = get_engine(demo_copy)
    assert hl.latest_complete_period(engine, TIANSHUI).label == "2025年"
    assert hl.latest_complete_period(engine, QINZHOU).label == "2025年"
    # one county's December goes missing: Tianshui is complete through November only
    import sqlalchemy as sa

    from lawstats.store import facts

    with engine.begin() as conn:
        conn.execute(
            sa.delete(facts).where(
                facts.c.region_code == QINZHOU, facts.c.period_start == pd.Timestamp("2025-12-01")
            )
        )
    assert hl.latest_complete_period(engine, TIANSHUI).label == "2025年1-11月"
    assert hl.latest_complete_period(engine, "620503").label == "2025年"


def test_home_region_is_the_first_assigned_region_with_data():
    assert hl.home_region(["999999", QINZHOU, TIANSHUI], [TIANSHUI, QINZHOU]) == QINZHOU
    assert hl.home_region([], [TIANSHUI]) is None


# --------------------------------------------------------------------------- display


@pytest.mark.parametrize(
    "code, value, lang, approx, short, expected",
    [
        ("mediation_cases", 15422, "zh", False, True, "1.54 万 件"),
        ("mediation_cases", 15422, "zh", False, False, "15,422 件"),
        ("mediation_cases", 15422, "en", False, True, "15,422 cases"),
        ("mediation_cases", 4000, "en", True, True, "4,000+ cases"),
        ("mediation_cases", 4000, "zh", True, True, "4,000余 件"),
        ("mediation_success_rate", 98.3, "en", False, True, "98.3%"),
        ("mediation_cases", None, "en", False, True, "—"),
        ("mediation_cases", 123_456_789, "zh", False, True, "1.23 亿 件"),
    ],
)
def test_figures_are_written_for_the_reader(code, value, lang, approx, short, expected):
    ind = load_catalog().get(code)
    assert display.value_text(value, ind, lang, approximate=approx, short=short) == expected


@pytest.mark.parametrize(
    "change, unit, lang, better, text, tone",
    [
        (8.04, "%", "zh", "up", "▲ 8.0%", "good"),
        (-0.3, "pp", "zh", "up", "▼ 0.3 个百分点", "bad"),
        (-0.3, "pp", "en", "down", "▼ 0.3 pp", "good"),
        (0.0, "%", "zh", "up", "＝ 0.0%", "neutral"),
        (None, "%", "zh", "up", "—", "neutral"),
        (12.0, "%", "en", "none", "▲ 12.0%", "neutral"),
    ],
)
def test_a_change_has_its_mark_and_no_change_is_neutral(change, unit, lang, better, text, tone):
    assert display.change_text(change, unit, lang) == text
    assert display.change_tone(better, change) == tone


def test_every_catalog_unit_has_an_english_word():
    units = {i.unit for i in load_catalog().indicators}
    missing = {u for u in units if u not in display.UNIT_KEYS}
    assert missing == set()
    assert all(display.unit_text(u, "en") != u for u in units - {"%"})


def test_every_multiselect_on_a_page_has_a_placeholder_from_the_catalog():
    """Streamlit's own 'Choose options' never shows: each multiselect names its placeholder."""
    bare = []
    for path in sorted((ROOT / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "multiselect"
                and not any(k.arg == "placeholder" for k in node.keywords)
            ):
                bare.append(f"{path.name}:{node.lineno}")
    assert bare == []


def test_the_uploaders_words_are_drawn_in_the_page_language():
    from lawstats.i18n import t
    from lawstats.ui import look

    for lang in ("zh", "en"):
        css = look.builtin_texts_css(
            {
                "upload": t("builtin_upload", lang),
                "drop": t("builtin_drop", lang),
                "fullscreen": t("wall_fullscreen", lang),
            }
        )
        assert f'content: "{t("builtin_upload", lang)}"' in css
        assert "display: none" in css


def test_plotly_speaks_chinese_from_the_config_alone():
    from lawstats.ui import look

    zh = look.plot_config("zh")
    assert zh["locale"] == "zh-CN" and zh["locales"]["zh-CN"]["dictionary"]["Zoom in"] == "放大"
    assert zh["displaylogo"] is False
    assert "locale" not in look.plot_config("en")


# --------------------------------------------------------------------------- sessions


def test_the_cookie_signature_refuses_tampering(tmp_path, monkeypatch):
    from lawstats.ui import session

    monkeypatch.setenv("LAWSTATS_SESSION_KEY_FILE", str(tmp_path / "k" / "session.key"))
    value = session.sign("abc")
    assert session.unsign(value) == "abc"
    assert session.unsign("abd." + value.split(".")[1]) is None
    assert session.unsign(value + "0") is None
    assert session.unsign(None) is None and session.unsign("nodot") is None
    assert (tmp_path / "k" / "session.key").stat().st_mode & 0o077 == 0
    # another process with the same key file accepts the same cookie; another key does not
    monkeypatch.setenv("LAWSTATS_SESSION_KEY_FILE", str(tmp_path / "other.key"))
    assert session.unsign(value) is None


def test_a_stored_session_is_claimed_once_and_ends_everywhere(tmp_path):
    engine = get_engine(str(tmp_path / "s.duckdb"))
    handle, token = sessions.create(engine, "alice")
    assert sessions.by_handle(engine, handle).claimed is False
    sid = sessions.claim(engine, token)
    assert sid and sessions.claim(engine, token) is None  # once
    assert sessions.by_sid(engine, sid).username == "alice"
    assert sessions.by_handle(engine, handle).claimed is True
    sessions.end(engine, handle)
    assert sessions.by_sid(engine, sid) is None and sessions.by_handle(engine, handle) is None
    h2, t2 = sessions.create(engine, "alice")
    sid2 = sessions.claim(engine, t2)
    assert sid2 != sid
    assert sessions.end_user(engine, "alice") == 1 and sessions.by_sid(engine, sid2) is None


def test_a_stored_session_expires_idle_and_absolute(tmp_path, monkeypatch):
    import sqlalchemy as sa

    from lawstats import store

    engine = get_engine(str(tmp_path / "s.duckdb"))
    handle, token = sessions.create(engine, "bob")
    sid = sessions.claim(engine, token)
    t = store.user_sessions

    def age(**delta):
        with engine.begin() as conn:
            conn.execute(
                t.update()
                .where(t.c.handle == handle)
                .values(
                    seen_at=store.now() - timedelta(**delta.get("seen", {})),
                    created_at=store.now() - timedelta(**delta.get("created", {})),
                )
            )

    monkeypatch.setenv("LAWSTATS_SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("LAWSTATS_SESSION_MAX_HOURS", "12")
    age(seen={"minutes": 29}, created={"hours": 11})
    assert sessions.by_sid(engine, sid) is not None  # and touched: seen now
    age(seen={"minutes": 31}, created={"hours": 1})
    assert sessions.by_sid(engine, sid) is None
    with engine.connect() as conn:
        assert conn.execute(sa.select(t.c.ended_at).where(t.c.handle == handle)).scalar()
    h2, t2 = sessions.create(engine, "bob")
    with engine.begin() as conn:
        conn.execute(
            t.update()
            .where(t.c.handle == h2)
            .values(created_at=store.now() - timedelta(seconds=sessions.CLAIM_TTL_S + 5))
        )
    assert sessions.claim(engine, t2) is None  # a stale claim token opens nothing
