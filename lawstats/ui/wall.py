"""大屏 (wall screen) mode for a duty room: full screen, large type, the region's headline on top and
the indicator groups below, one group at a time, cycling every few seconds; the figures re-read
on every turn (cached on the data version, so a new batch shows on the next turn)."""

from __future__ import annotations

import html

import streamlit as st

from lawstats.analysis import dashboard
from lawstats.domain import display
from lawstats.domain.catalog import load_catalog
from lawstats.domain.periods import Period
from lawstats.ui import common as ui
from lawstats.ui import headline, look

DEFAULT_SECONDS = 20
MIN_SECONDS = 2
TURN_KEY = "_wall_turn"

FULLSCREEN_BUTTON = """
<button id="ls-fs" class="ls-noprint" style="font-size:1rem;padding:.3rem .8rem;border-radius:.4rem;
  border:1px solid #999;background:#fff;cursor:pointer">{label}</button>
<script>(function(){{
  var b = document.getElementById('ls-fs');
  if (b) b.onclick = function(){{ (document.documentElement.requestFullscreen || function(){{}}).call(document.documentElement); }};
}})();</script>
"""


def seconds() -> int:
    """The turn length: ?every=N seconds (at least MIN_SECONDS), else DEFAULT_SECONDS."""
    try:
        return max(MIN_SECONDS, int(st.query_params.get("every", DEFAULT_SECONDS)))
    except ValueError:
        return DEFAULT_SECONDS


def group_cards_html(version: str, region_code: str, period: Period, group_code: str) -> str:
    """The group's figures as large cards: name, figure, 同比."""
    lang = ui.lang()
    catalog = load_catalog()
    frame, spark = ui.overview(version, region_code, period.label, tuple(catalog.codes))
    cards = dashboard.overview_cards(frame, spark, lang, catalog=catalog)
    parts = []
    for card in cards:
        if card.group != group_code or card.value is None:
            continue
        ind = catalog.get(card.code)
        value = display.value_text(card.value, ind, lang, approximate="余" in card.value_text)
        tone = display.change_tone(ind.better, None if card.change_text == "—" else _sign(card))
        parts.append(
            '<div class="ls-card">'
            f"<h4>{html.escape(card.label)}</h4>"
            f'<div class="ls-value">{html.escape(value)}</div>'
            f'<div class="ls-row">{html.escape(ui.tr("hl_yoy"))} '
            f'<span class="ls-{tone}">{html.escape(card.change_text)}</span></div>'
            "</div>"
        )
    return '<div class="ls-strip">' + "".join(parts) + "</div>"


def _sign(card) -> float:
    text = card.change_text
    return 1.0 if text.startswith("▲") else (-1.0 if text.startswith("▼") else 0.0)


def groups_with_figures(version: str, region_code: str, period: Period) -> list[str]:
    catalog = load_catalog()
    frame, _ = ui.overview(version, region_code, period.label, tuple(catalog.codes))
    shown = set(frame.loc[frame["value"].notna(), "indicator_code"])
    return [
        g.code for g in catalog.groups if any(i.code in shown for i in catalog.in_group(g.code))
    ]


def show(version: str, region_code: str, period: Period) -> None:
    """The wall: headline strip, then the cycling group panel (a fragment that reruns itself)."""
    st.html(look.WALL_CSS)
    st.html(
        FULLSCREEN_BUTTON.format(label=html.escape(ui.tr("wall_fullscreen"))),
        unsafe_allow_javascript=True,
    )
    from lawstats.domain.regions import load_regions

    st.markdown(
        f"## {ui.tr('hl_title', region=load_regions().full_name(region_code), period=ui.period_text(period))}"
    )
    headline.strip(version, region_code, period)
    every = seconds()

    @st.fragment(run_every=every)
    def panel() -> None:
        groups = groups_with_figures(ui.data_version(), region_code, period)
        if not groups:
            st.info(ui.tr("no_data_for_selection"))
            return
        turn = st.session_state.get(TURN_KEY, -1) + 1
        st.session_state[TURN_KEY] = turn
        code = groups[turn % len(groups)]
        name = load_catalog().group(code).name(ui.lang())
        st.markdown(
            f'<h2 class="ls-wall-group" data-turn="{turn}">{html.escape(name)}'
            f" <small>({turn % len(groups) + 1}/{len(groups)})</small></h2>",
            unsafe_allow_html=True,
        )
        st.markdown(
            group_cards_html(ui.data_version(), region_code, period, code), unsafe_allow_html=True
        )

    panel()
