"""总览 Overview: the headline strip (key figures, target progress, 同比, 环比), the units below as a
tile map, KPI cards per indicator group for a region and period, freshness and missing reporters."""

import streamlit as st

from lawstats.analysis import dashboard
from lawstats.domain import display
from lawstats.domain.catalog import load_catalog
from lawstats.domain.formatting import rounding_note
from lawstats.domain.regions import load_regions
from lawstats.ui import common as ui
from lawstats.ui import composition, headline, pdf
from lawstats.ui.gate import page_gate

page_gate()

version = ui.data_version()
ui.demo_banner()
ui.require_data(version)
catalog = load_catalog()
lang = ui.lang()

c1, c2 = st.columns([2, 3])
region_code = ui.region_picker(version, container=c1)
period = ui.period_picker(version, container=c2)
ui.breadcrumb(region_code)
previous = period.previous_year()
st.subheader(
    ui.tr("hl_title", region=load_regions().full_name(region_code), period=ui.period_text(period))
)
strip = headline.strip(version, region_code, period)
if not strip:
    st.info(ui.tr("hl_none"))
pdf.button("overview")
if strip:
    headline.unit_map(version, region_code, period, strip[0].code)
st.markdown(f"### {ui.tr('hl_all_figures')}")
st.caption(ui.tr("compared_with", period=ui.period_text(period), previous=ui.period_text(previous)))

frame, spark = ui.overview(version, region_code, period.label, tuple(catalog.codes))
texts = {
    "not_reported": ui.tr("flag_not_reported"),
    "approximate": ui.tr("flag_approximate"),
    "coverage": ui.tr("flag_coverage"),
    "months": ui.tr("flag_months"),
    "reported_rate": ui.tr("reported_rate"),
    "report_text": ui.tr("backfill_flag_report_text"),
    "conflict": ui.tr("flag_conflict"),
}
cards = ui.overview_cards(version, region_code, period.label, tuple(catalog.codes), lang, texts)
by_group = {}
for card in cards:
    by_group.setdefault(card.group, []).append(card)

latest = ui.latest_batch(version)
if latest:
    st.caption(ui.tr("data_as_of", batch=latest["id"], when=latest["uploaded_at"]))
st.caption(rounding_note(lang))

if all(card.value is None for card in cards):
    st.info(ui.tr("no_data_for_selection"))
for group in catalog.groups:
    shown = [c for c in by_group.get(group.code, []) if c.value is not None]
    if not shown:
        continue
    st.markdown(f"#### {group.name(lang)}")
    cols = st.columns(4)
    for i, card in enumerate(shown):
        with cols[i % 4]:
            ind = catalog.get(card.code)
            flat = card.change_text.startswith("＝")  # no change: neutral, no arrow
            st.metric(
                card.label,
                display.value_text(card.value, ind, lang, approximate=card.approximate),
                delta=card.delta,
                delta_color="off" if flat else card.delta_color,
                delta_arrow="off" if flat else "auto",
                help=card.help,
                border=True,
                chart_data=card.spark if len(card.spark) > 1 else None,
                chart_type="line",
            )
            if card.flags:
                st.caption(" · ".join(card.flags))
    # the group's figures by their breakdowns (纠纷类型, 案件类型…), where members were reported
    codes = tuple(c.code for c in shown)
    for i, comp in enumerate(composition.cached(version, region_code, period.label, codes, lang)):
        composition.show(comp, lang, f"{group.code}_{i}")

st.markdown(f"#### {ui.tr('missing_title')}")
missing = ui.missing_reporters(version, region_code, period.label)
if missing.empty:
    st.success(ui.tr("missing_none"))
else:
    st.warning(ui.tr("missing_count", n=len(missing)))
    st.write(
        "、".join(
            ui.tr("missing_months", name=r.name, m=r.months, e=r.months_expected)
            for r in missing.itertuples(index=False)
        )
    )

ui.downloads(
    dashboard.figures_export(frame, period, catalog=catalog),
    f"overview_{region_code}_{period.label}",
    "overview",
)
