"""大屏 Wall screen: full screen, large type, the headline and the indicator groups in turn, refreshing itself."""

import streamlit as st

from lawstats.ui import common as ui
from lawstats.ui import wall
from lawstats.ui.gate import page_gate

page_gate()

version = ui.data_version()
ui.require_data(version)
with st.expander(ui.tr("wall_settings"), expanded=False):
    c1, c2 = st.columns(2)
    region_code = ui.region_picker(version, container=c1)
    period = ui.period_picker(version, container=c2)
wall.show(version, region_code, period)
