"""指标说明 Methodology: every catalog indicator with definition, unit, kind, formula, direction and source."""

import streamlit as st

from lawstats.analysis import dashboard
from lawstats.domain.catalog import load_catalog
from lawstats.ui import common as ui
from lawstats.ui.gate import page_gate

page_gate()

catalog = load_catalog()
lang = ui.lang()
ui.demo_banner()
st.markdown(ui.tr("methodology_intro"))
st.caption(ui.tr("rollup_rules"))
table = dashboard.methodology_table(catalog, lang, {k: ui.tr(k) for k in dashboard.METHOD_KEYS})
for group in catalog.groups:
    part = table[table["_group"] == group.code].drop(columns="_group")
    if part.empty:
        continue
    st.markdown(f"#### {group.name(lang)}")
    st.dataframe(part, hide_index=True, width="stretch")
ui.downloads(table.drop(columns="_group"), "indicators", "methodology")
