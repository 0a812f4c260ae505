"""法治统计看板 · entry point: page navigation and the language switch (each page shows the demo banner)."""

import streamlit as st

from lawstats import ui

st.set_page_config(page_title="法治统计看板", page_icon="⚖️", layout="wide")
ui.language_switch()
st.sidebar.title(ui.tr("app_title"))

page = st.navigation(
    [
        st.Page("pages/overview.py", title=ui.tr("nav_overview"), icon="📊", default=True),
        st.Page("pages/trends.py", title=ui.tr("nav_trends"), icon="📈"),
        st.Page("pages/rankings.py", title=ui.tr("nav_rankings"), icon="🏅"),
        st.Page("pages/methodology.py", title=ui.tr("nav_methodology"), icon="📖"),
    ]
)
page.run()
