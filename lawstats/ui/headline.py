"""The headline strip on the overview: the region's key figures with target progress against
序时进度, 同比 and 环比, each card with its exact figures and methodology one click away; and the
units below the region as a clickable tile map and ordered bars that open the unit's overview."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from lawstats.analysis import dashboard
from lawstats.analysis import headline as hl
from lawstats.analysis.targets import STATUS_EN, STATUS_ZH
from lawstats.analysis.targets.wording import target_text
from lawstats.domain import display
from lawstats.domain.catalog import load_catalog
from lawstats.domain.periods import Period
from lawstats.reports import charts
from lawstats.ui import common as ui


@st.cache_data(show_spinner=False, max_entries=128)
def figures(version: str, region_code: str, period_label: str) -> list[hl.HeadlineFigure]:
    return hl.headline(ui.engine(), region_code, Period.from_label(period_label))


def _status_tone(status: str) -> str:
    return {"done": "good", "on_track": "good", "behind": "bad", "missed": "bad"}.get(
        status, "neutral"
    )


def _span(text: str, tone: str) -> str:
    return f'<span class="ls-{tone}">{html.escape(text)}</span>'


def card_html(f: hl.HeadlineFigure, lang: str) -> str:
    """One card: name, figure (万/亿), the exact figure when shortened, 同比 · 环比, the target."""
    ind = load_catalog().get(f.code)
    short = display.value_text(f.value, ind, lang, approximate=f.is_approximate)
    exact = display.exact_text(f.value, ind, lang, approximate=f.is_approximate)
    parts = [
        f"<h4>{html.escape(ind.name(lang))}</h4>",
        f'<div class="ls-value">{html.escape(short)}</div>',
    ]
    if exact != short:
        parts.append(f'<div class="ls-exact">{html.escape(ui.tr("hl_exact", value=exact))}</div>')
    yoy = _span(
        display.change_text(f.yoy, f.yoy_unit, lang), display.change_tone(ind.better, f.yoy)
    )
    row = f"{html.escape(ui.tr('hl_yoy'))} {yoy}"
    if f.mom_period is not None:
        mom = _span(
            display.change_text(f.mom, f.mom_unit, lang), display.change_tone(ind.better, f.mom)
        )
        row += f" · {html.escape(ui.tr('hl_mom'))} {mom}"
    parts.append(f'<div class="ls-row">{row}</div>')
    if not f.complete:
        parts.append(f'<div class="ls-row ls-neutral">{html.escape(ui.tr("hl_incomplete"))}</div>')
    t = f.target
    if t is not None and t["target_value"] is not None:
        goal = target_text(t["target_kind"], t["target_value"], ind, t.get("per_code"), lang)
        if lang == "en" and ind.unit != "%":
            goal = goal.replace(f" {ind.unit}", f" {display.unit_text(ind.unit, 'en')}")
        parts.append(f'<div class="ls-row">{html.escape(ui.tr("hl_target", target=goal))}</div>')
        if t["completion"] is not None and t["expected"] is not None:
            width = max(0.0, min(100.0, t["completion"]))
            parts.append(
                f'<div class="ls-bar" title="{t["completion"]:.1f}% / {t["expected"]:.1f}%">'
                f'<span style="width:{width:.1f}%"></span><i style="left:{t["expected"]:.1f}%"></i></div>'
            )
            parts.append(
                '<div class="ls-row">'
                + html.escape(
                    ui.tr("hl_progress", done=f"{t['completion']:.1f}", due=f"{t['expected']:.1f}")
                )
                + "</div>"
            )
        status = (STATUS_EN if lang == "en" else STATUS_ZH).get(t["status"], t["status"])
        parts.append(f'<div class="ls-row">{_span(status, _status_tone(t["status"]))}</div>')
    return '<div class="ls-card">' + "".join(parts) + "</div>"


def details(f: hl.HeadlineFigure, period: Period, lang: str) -> pd.DataFrame:
    """The exact figures behind a card (the popover's table)."""
    ind = load_catalog().get(f.code)
    rows = [
        (
            ui.period_text(period),
            display.exact_text(f.value, ind, lang, approximate=f.is_approximate),
        ),
        (
            ui.period_text(period.previous_year()),
            display.exact_text(f.previous, ind, lang),
        ),
        (ui.tr("hl_yoy"), display.change_text(f.yoy, f.yoy_unit, lang)),
    ]
    if f.mom_period is not None:
        pair = hl.adjacent_periods(period)
        if pair is not None:
            this, before = pair
            rows.append(
                (
                    ui.tr("hl_mom_of", this=ui.period_text(this), before=ui.period_text(before)),
                    display.change_text(f.mom, f.mom_unit, lang),
                )
            )
            rows.append((ui.period_text(before), display.exact_text(f.mom_previous, ind, lang)))
    return pd.DataFrame(rows, columns=[ui.tr("hl_item"), ui.tr("value")])


def strip(version: str, region_code: str, period: Period) -> list[hl.HeadlineFigure]:
    """The strip: one card per figure, each with a details popover (exact figures, methodology)."""
    lang = ui.lang()
    found = figures(version, region_code, period.label)
    if not found:
        return found
    catalog = load_catalog()
    cols = st.columns(len(found))
    for col, f in zip(cols, found, strict=True):
        with col:
            st.markdown(card_html(f, lang), unsafe_allow_html=True)
            with st.popover(ui.tr("hl_details"), width="stretch"):
                ind = catalog.get(f.code)
                st.markdown(f"**{ind.name(lang)}**")
                st.dataframe(details(f, period, lang), hide_index=True, width="stretch")
                st.caption(dashboard.indicator_help(ind, lang))
                st.page_link(
                    "pages/methodology.py",
                    label=ui.tr("nav_methodology"),
                    icon=":material/menu_book:",
                )
    return found


def unit_map(version: str, region_code: str, period: Period, code: str) -> None:
    """The units below the region on one indicator: a tile map and ordered bars, best first; a
    click (or the picker under them) opens that unit's overview."""
    from lawstats.domain.regions import load_regions

    regions = load_regions()
    lang = ui.lang()
    units = dashboard.rank_units(region_code, regions=regions)
    if not units:
        return
    result = ui.ranking(version, region_code, period.label, code, "absolute")
    table = result.table
    if table["value"].isna().all():
        return
    ind = load_catalog().get(code)
    st.markdown(f"#### {ui.tr('hl_units_title', indicator=ind.name(lang))}")
    tiles = hl.unit_tiles(table, columns=6 if len(table) > 8 else 4)
    tiles = tiles.assign(
        label=[display.exact_text(v, ind, lang) for v in tiles["value"]],
    )
    fig = charts.tile_map(tiles, title="")
    ui.drill_chart(fig, region_code, f"tiles_{code}")
    st.caption(ui.tr("hl_units_hint"))


def open_unit(picked: str | None, region_code: str, *, regions=None) -> None:
    """A clicked unit: one with units below it becomes this page's region (drill down); a county
    opens its overview, with the rest of the view (period, indicator, language) kept."""
    from lawstats.domain.regions import load_regions
    from lawstats.ui import url_state

    if not picked or picked == region_code:
        return
    regions = regions or load_regions()
    if dashboard.rank_units(picked, regions=regions):
        ui.goto("region", picked)
    url_state.remember("region", picked)
    st.session_state["_goto_region"] = picked
    st.switch_page("pages/overview.py")
