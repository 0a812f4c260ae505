"""登录 Log in / 我的账户 My account: the login form, or who is logged in and a password change."""

import streamlit as st

from lawstats.store import auth
from lawstats.ui import auth_ui
from lawstats.ui import common as ui
from lawstats.ui.gate import page_gate

page_gate()

user = auth_ui.current_user()
if user is None:
    st.title(ui.tr("auth_login_title"))
    if auth_ui.login_required():
        st.info(ui.tr("auth_view_login_needed"))
    st.caption(ui.tr("auth_login_intro"))
    if auth.count_users(ui.engine()) == 0:
        st.warning(ui.tr("auth_no_accounts"))
    auth_ui.login_form(redirect=True)
    st.stop()

if st.session_state.pop(auth_ui.REDIRECT_KEY, False):
    st.switch_page("pages/overview.py")

st.title(ui.tr("auth_account_title"))
st.success(ui.tr("auth_logged_in_as", name=user.display_name, role=user.role_name(ui.lang())))
st.markdown(f"{ui.tr('auth_username')}：`{user.username}`")
if user.role == "analyst":
    st.markdown(ui.tr("auth_my_regions", regions=auth_ui.regions_text(user)))
auth_ui.password_change_form(user)
