"""排名 Rankings: units below a region ranked on an indicator, normalised, with rank change and caveats."""

import streamlit as st

from lawstats.analysis import dashboard
from lawstats.domain import display
from lawstats.domain.catalog import load_catalog
from lawstats.domain.formatting import format_number, rounding_note
from lawstats.domain.regions import load_regions
from lawstats.reports import charts
from lawstats.ui import common as ui
from lawstats.ui import headline
from lawstats.ui.gate import page_gate

page_gate()

version, region_code, code, period = ui.indicator_page_header("mediation_cases")
catalog = load_catalog()
regions = load_regions()
lang = ui.lang()
ind = catalog.get(code)
norm = ui.synced_selectbox(
    ui.tr("normalisation"),
    list(dashboard.NORMALISATIONS),
    "norm",
    "absolute",
    format_func=lambda n: ui.tr(f"norm_{n}"),
    disabled=ind.is_ratio,
)
if ind.is_ratio:
    st.caption(ui.tr("norm_ratio_note"))
ui.breadcrumb(region_code)

units = dashboard.rank_units(region_code, regions=regions)
if not units:
    st.info(ui.tr("no_units"))
    # the end of the ranking is the start of the unit's own page
    st.page_link(
        "pages/overview.py",
        label=ui.tr("open_overview", name=regions.get(region_code).name),
        icon=":material/dashboard:",
    )
    st.stop()
level = regions.get(units[0]).level
result = ui.ranking(version, region_code, period.label, code, norm)
unit_label = (
    display.unit_text(ind.unit, lang)
    if result.normalisation == "absolute"
    else ui.tr(f"norm_{result.normalisation}")
)
title = ui.tr(
    "ranking_title",
    scope=regions.get(region_code).name,
    level=ui.tr("level_city" if level == "city" else "level_county"),
    indicator=ind.name(lang),
)
if result.table["value"].isna().all():
    st.info(ui.tr("no_series"))
    st.stop()

fig = charts.ranking_chart(
    result.table,
    ind,
    title=title,
    unit=unit_label,
    normalised=result.normalisation != "absolute",
)
# a click on a unit with units of its own ranks those; on a county it opens the county's overview
headline.open_unit(ui.clicked_code(fig, region_code, "rank_chart"), region_code, regions=regions)
st.caption(ui.tr("drill_hint") + " " + dashboard.indicator_help(ind, lang))
ui.drill_selectbox(units, lambda c: regions.get(c).name)

if result.small:
    st.warning(
        ui.tr(
            "small_warning",
            names="、".join(regions.get(c).name for c in result.small),
            n=dashboard.SMALL_COUNT,
        )
    )
if result.ceiling and result.ceiling_band:
    lo, hi = result.ceiling_band
    st.warning(
        ui.tr(
            "ceiling_note",
            indicator=ind.name(lang),
            lo=format_number(lo, ind.decimals),
            hi=format_number(hi, ind.decimals),
        )
    )

headers = {k: ui.tr(k) for k in ("rank", "region", "value", "previous", "rank_change", "note")}
headers["small"] = ui.tr("small_flag")
st.dataframe(dashboard.ranking_table(result, ind, headers, lang), hide_index=True, width="stretch")
st.caption(rounding_note(lang))  # ranks come from exact values; the table shows them rounded
ui.downloads(
    dashboard.ranking_export(result, ind, lang), f"ranking_{code}_{region_code}", "ranking"
)
