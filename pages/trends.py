"""趋势 Trends: yearly and monthly series of an indicator for several regions, and year to date."""

import streamlit as st

from lawstats.analysis import dashboard
from lawstats.analysis.targets import trend_target
from lawstats.domain import display
from lawstats.domain.catalog import load_catalog
from lawstats.domain.regions import load_regions
from lawstats.reports import charts
from lawstats.ui import common as ui
from lawstats.ui import look, url_state
from lawstats.ui.gate import page_gate

page_gate()

version, region_code, code, period = ui.indicator_page_header("mediation_cases")
catalog = load_catalog()
regions = load_regions()
lang = ui.lang()
ui.breadcrumb(region_code)
ind = catalog.get(code)

children = dashboard.rank_units(region_code, regions=regions)
# the comparison and the series kind live in the URL (?cmp=code,code&series=monthly) like the rest
linked = [c for c in (st.query_params.get("cmp") or "").split(",") if c in children]
compare_key = f"compare_{region_code}"
# (re-assigned when kept: Streamlit resets a keyed widget to its default on another page)
st.session_state[compare_key] = st.session_state.get(compare_key, linked or children[:3])
others = st.multiselect(
    ui.tr("regions_compare"),
    children,
    format_func=lambda c: regions.get(c).name,
    key=compare_key,
    placeholder=ui.tr("choose_options"),
)
url_state.remember("cmp", ",".join(others))
targets = (region_code, *others)
names = {c: regions.get(c).name for c in targets}
st.session_state["series_kind"] = st.session_state.get("series_kind") or (
    "monthly" if st.query_params.get("series") == "monthly" else "yearly"
)
kind = (
    st.segmented_control(
        ui.tr("series_kind"),
        ["yearly", "monthly"],
        format_func=lambda k: ui.tr(f"series_{k}"),
        key="series_kind",
    )
    or "yearly"
)
url_state.remember("series", kind)
years = ui.years_with_data(version)
periods = dashboard.trend_periods(kind, period, min(years))
frame = ui.series(version, targets, tuple(p.label for p in periods), (code,))
frame = frame.assign(x=frame["period"] if lang == "zh" else frame["period_en"])
if frame["value"].isna().all():
    st.info(ui.tr("no_series"))
else:
    fig = charts.trend_chart(
        frame,
        ind,
        names,
        x="x",
        title=ui.tr("trend_title", indicator=ind.name(lang), scope=names[region_code]),
        unit=display.unit_text(ind.unit, lang),
        **trend_target(ui.engine(), region_code, code, period, kind, lang),
    )
    ui.drill_chart(fig, region_code, "trend_chart")
    st.caption(dashboard.indicator_help(ind, lang))
    ui.downloads(
        dashboard.series_export(frame, regions=regions), f"trend_{code}_{region_code}", "trend"
    )

ytd_period = dashboard.ytd_period(period)
ytd = ui.figures_many(version, targets, ytd_period.label, (code,))
st.markdown(f"#### {ui.tr('ytd_title', period=ui.period_text(ytd_period))}")
fig = charts.ytd_chart(ytd, names, (ui.tr("ytd_this"), ui.tr("ytd_last")), decimals=ind.decimals)
st.plotly_chart(fig, key="ytd_chart", width="stretch", config=look.plot_config(lang))
ui.downloads(
    dashboard.figures_export(ytd, ytd_period, catalog=catalog), f"ytd_{code}_{region_code}", "ytd"
)
