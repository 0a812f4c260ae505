"""总览 Overview: a region's figures for a period, with the same period last year and the change."""

import streamlit as st

from lawstats import ui
from lawstats.catalog import load_catalog
from lawstats.formatting import format_change, format_value
from lawstats.periods import Period
from lawstats.regions import load_regions

version = ui.data_version()
regions = load_regions()
catalog = load_catalog()
codes = ui.regions_with_data(version)
if not codes:
    st.warning(ui.tr("empty_db"))
    st.stop()

# regions on offer: every region with data and all their ancestors (cities first)
offered: dict[str, None] = {}
for code in codes:
    for r in regions.path(code):
        offered[r.code] = None
choices = sorted(offered, key=lambda c: (len(regions.path(c)), c))
default = next((c for c in choices if regions.get(c).level == "city"), choices[0])
lang = ui.lang()
col1, col2 = st.columns([2, 1])
region_code = col1.selectbox(
    ui.tr("region"),
    choices,
    index=choices.index(default),
    format_func=regions.full_name,
    key="region",
)
years = ui.years_with_data(version)
year = col2.selectbox(
    ui.tr("period"), years, index=min(1, len(years) - 1), format_func=lambda y: f"{y}年", key="year"
)
period = Period.year(int(year))

frame = ui.figures(version, region_code, period.label, tuple(catalog.codes))
latest = ui.latest_batch(version)
if latest:
    st.caption(ui.tr("data_as_of", batch=latest["id"], when=latest["uploaded_at"]))

for group in catalog.groups:
    members = [i.code for i in catalog.in_group(group.code)]
    part = frame[frame["indicator_code"].isin(members)]
    if part["value"].isna().all():
        continue
    st.subheader(group.name(lang))
    rows = []
    for r in part.itertuples(index=False):
        ind = catalog.get(r.indicator_code)
        note = []
        if r.units_reported < r.units_expected:
            note.append(
                ui.tr("units_reported", reported=r.units_reported, expected=r.units_expected)
            )
        if r.months_covered < r.months_expected:
            note.append(
                ui.tr("months_missing", covered=r.months_covered, expected=r.months_expected)
            )
        if r.is_reported_rate:
            note.append(ui.tr("reported_rate"))
        rows.append(
            {
                ui.tr("indicator"): ind.name(lang),
                ui.tr("value"): format_value(r.value, ind, approximate=r.is_approximate),
                ui.tr("previous"): format_value(
                    r.previous, ind, approximate=bool(r.previous_is_approximate)
                ),
                ui.tr("change"): format_change(r.change, r.change_unit, lang),
                ui.tr("coverage"): "；".join(note),
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")
