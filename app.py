"""法治统计看板 · entry point: navigation by role, login/logout, the language switch, the view in the
URL (lawstats.ui.url_state), the stylesheet, 大屏 and print modes (each page shows the demo banner)."""

from pathlib import Path

import streamlit as st

from lawstats.store import summary
from lawstats.ui import auth_ui, look, pdf, url_state
from lawstats.ui import common as ui
from lawstats.ui.gate import through_app

# this long-lived server refreshes the dashboard's summary in the background, off a viewer's request
summary.BACKGROUND = True
# absolute, so they resolve the same when a page file runs first (see lawstats/ui/gate.py)
PAGES = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="法治统计看板", page_icon="⚖️", layout="wide")
url_state.carry()
mode = "wall" if st.query_params.get("wall") == "1" else None
mode = "print" if st.query_params.get("print") == "1" else mode
look.apply(
    mode,
    {
        "upload": ui.tr("builtin_upload"),
        "drop": ui.tr("builtin_drop"),
        "fullscreen": ui.tr("wall_fullscreen"),
    },
)
ui.language_switch()
st.sidebar.title(ui.tr("app_title"))
user = auth_ui.current_user()
auth_ui.sidebar_account(user)
if user is not None or not auth_ui.login_required():
    _version = ui.data_version()
    _offered = ui.region_options(_version) if ui.regions_with_data(_version) else []
    url_state.land(_version, user, _offered, ui.default_region(_offered) if _offered else None)

# Reading pages: everyone who may view (anyone when viewing is public, else logged-in users).
view_pages = [
    st.Page(
        PAGES / "overview.py",
        title=ui.tr("nav_overview"),
        icon=":material/dashboard:",
        default=True,
    ),
    st.Page(PAGES / "trends.py", title=ui.tr("nav_trends"), icon=":material/trending_up:"),
    st.Page(PAGES / "rankings.py", title=ui.tr("nav_rankings"), icon=":material/leaderboard:"),
    st.Page(PAGES / "targets.py", title=ui.tr("tg_nav"), icon=":material/flag:"),
    st.Page(PAGES / "assessment.py", title=ui.tr("asm_nav"), icon=":material/military_tech:"),
    st.Page(PAGES / "methodology.py", title=ui.tr("nav_methodology"), icon=":material/menu_book:"),
    st.Page(PAGES / "report.py", title=ui.tr("report_nav"), icon=":material/description:"),
    st.Page(PAGES / "wall.py", title=ui.tr("nav_wall"), icon=":material/tv:", url_path="wall"),
]
# Pages that write data: analysts (for their regions) and admins. Each page checks the role again.
work_pages = [
    st.Page(PAGES / "upload.py", title=ui.tr("nav_upload"), icon=":material/upload_file:"),
    st.Page(PAGES / "backfill.py", title=ui.tr("backfill_nav"), icon=":material/article:"),
    st.Page(PAGES / "data.py", title=ui.tr("nav_data"), icon=":material/folder_managed:"),
]
admin_pages = [
    st.Page(PAGES / "admin.py", title=ui.tr("nav_admin"), icon=":material/admin_panel_settings:"),
]
# Always present, so the page a login happens on still exists after it: log in / my account.
account_page = st.Page(
    PAGES / "login.py",
    title=ui.tr("auth_nav_login" if user is None else "auth_nav_account"),
    icon=":material/key:",
    url_path="login",
)

if user is None and auth_ui.login_required():
    # Only the login form, at every page's address: a bookmarked /trends or /login opens the
    # form (the address is kept, so after the login the page it names opens), instead of
    # Streamlit's "Page not found" dialog over the form (seen in a real browser).
    login_at = [
        st.Page(PAGES / "login.py", title=account_page.title, url_path=p.url_path)
        for p in [*view_pages[1:], *work_pages, *admin_pages, account_page]
    ]
    login_home = st.Page(
        PAGES / "login.py", title=account_page.title, url_path="sign-in", default=True
    )
    page = st.navigation([login_home, *login_at], position="hidden")
else:
    sections = {ui.tr("nav_section_view"): view_pages}
    if user is not None and user.has_role("analyst"):
        sections[ui.tr("nav_section_work")] = work_pages
    if user is not None and user.has_role("admin"):
        sections[ui.tr("nav_section_admin")] = admin_pages
    sections[ui.tr("nav_section_account")] = [account_page]
    page = st.navigation(sections, expanded=True)  # every page listed: no "View N more"
st.session_state[pdf.PAGE_PATH_KEY] = page.url_path
with through_app():
    page.run()
