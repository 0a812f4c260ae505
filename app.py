"""法治统计看板 · entry point: page navigation, language switch and the demo banner."""

import streamlit as st

from lawstats import ui

st.set_page_config(page_title="法治统计看板", page_icon="⚖️", layout="wide")
ui.language_switch()
st.sidebar.title(ui.tr("app_title"))
ui.demo_banner()

page = st.navigation(
    [st.Page("pages/overview.py", title=ui.tr("nav_overview"), icon="📊", default=True)]
)
page.run()
