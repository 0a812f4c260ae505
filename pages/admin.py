"""系统管理 Administration: accounts and roles, learned header spellings, the audit log. Admins only."""

import pandas as pd
import streamlit as st

from lawstats.domain.catalog import load_catalog
from lawstats.domain.regions import load_regions
from lawstats.store import auth
from lawstats.ui import auth_ui
from lawstats.ui import common as ui
from lawstats.ui.gate import page_gate
from lawstats.ui.plain_text import md_escape
from lawstats.workflow import workspace as ws

page_gate()

tr = ui.tr
admin = auth_ui.require_role("admin")
ui.demo_banner()
st.title(tr("admin_title"))
engine = ui.engine()
regions = load_regions()
ROLE_OPTIONS = list(auth.ROLES)

flash = st.session_state.pop("admin_flash", None)
if flash:
    st.success(flash)


def _message(exc: auth.AuthError | ws.WorkspaceError) -> str:
    return exc.message_en if ui.lang() == "en" else exc.message_zh


def _done(text: str) -> None:
    st.session_state["admin_flash"] = text
    st.rerun()


def _region_choices() -> list[str]:
    return [r.code for r in regions if r.level in ("country", "province", "city", "county")]


def _role_label(role: str) -> str:
    return tr(f"auth_role_{role}")


def _regions_text(codes) -> str:
    return "、".join(regions.full_name(c) for c in codes if c in regions)


tab_users, tab_spellings, tab_audit = st.tabs(
    [tr("admin_tab_users"), tr("admin_tab_spellings"), tr("admin_tab_audit")]
)

with tab_users:
    st.caption(tr("admin_users_caption"))
    if auth_ui.is_demo_database():
        st.warning(tr("admin_demo_first_account"), icon=":material/warning:")
    accounts = auth.list_accounts(engine)
    table = pd.DataFrame(
        [
            {
                tr("admin_col_username"): a.user.username,
                tr("admin_col_display"): a.user.display_name,
                tr("admin_col_role"): _role_label(a.user.role),
                tr("admin_col_regions"): _regions_text(a.user.regions),
                tr("admin_col_active"): a.user.active,
                tr("admin_col_created"): a.created_at,
                tr("admin_col_last_login"): a.last_login_at,
            }
            for a in accounts
        ]
    )
    st.dataframe(table, hide_index=True, key="admin_users")
    choices = _region_choices()

    with st.expander(tr("admin_add_user"), expanded=not accounts):
        with st.form("admin_add", clear_on_submit=True):
            c1, c2 = st.columns(2)
            username = c1.text_input(tr("admin_col_username"), max_chars=auth.MAX_USERNAME)
            display = c2.text_input(tr("admin_col_display"), max_chars=64)
            c3, c4 = st.columns(2)
            role = c3.selectbox(
                tr("admin_col_role"), ROLE_OPTIONS, format_func=_role_label, index=1
            )
            password = c4.text_input(
                tr("admin_new_password"), type="password", help=tr("admin_password_help")
            )
            new_regions = st.multiselect(
                tr("admin_col_regions"),
                choices,
                format_func=regions.full_name,
                help=tr("admin_regions_help"),
                placeholder=ui.tr("choose_options"),
            )
            if st.form_submit_button(tr("admin_create"), type="primary"):
                try:
                    if role == "analyst" and not new_regions:
                        st.error(tr("admin_analyst_needs_regions"))
                    else:
                        auth.check_password_policy(password)
                        was_demo = auth_ui.is_demo_database()
                        created = auth.add_user(
                            engine,
                            username,
                            password,
                            role,
                            new_regions,
                            display or None,
                            actor=admin.username,
                        )
                        if was_demo:  # the first real account: the demo accounts go
                            auth_ui.set_notice("auth_demo_ended")
                        _done(tr("admin_user_created", username=created.username))
                except auth.AuthError as exc:
                    st.error(_message(exc))

    if accounts:
        st.markdown(f"#### {tr('admin_edit_user')}")
        by_name = {a.user.username: a.user for a in accounts}
        picked = st.selectbox(
            tr("admin_pick_user"),
            list(by_name),
            format_func=lambda n: (
                f"{n} · {by_name[n].display_name} · {_role_label(by_name[n].role)}"
            ),
            key="admin_pick",
        )
        target = by_name[picked]
        with st.form(f"admin_edit_{picked}"):
            c1, c2 = st.columns(2)
            e_display = c1.text_input(tr("admin_col_display"), target.display_name, max_chars=64)
            e_role = c2.selectbox(
                tr("admin_col_role"),
                ROLE_OPTIONS,
                index=ROLE_OPTIONS.index(target.role),
                format_func=_role_label,
            )
            e_regions = st.multiselect(
                tr("admin_col_regions"),
                choices,
                default=[c for c in target.regions if c in regions],
                format_func=regions.full_name,
                help=tr("admin_regions_help"),
                placeholder=ui.tr("choose_options"),
            )
            if st.form_submit_button(tr("admin_save"), type="primary"):
                try:
                    if e_role == "analyst" and not e_regions:
                        st.error(tr("admin_analyst_needs_regions"))
                    else:
                        if e_display != target.display_name:
                            auth.set_display_name(engine, picked, e_display, actor=admin.username)
                        auth.set_role(engine, picked, e_role, e_regions, actor=admin.username)
                        _done(tr("admin_user_saved", username=picked))
                except auth.AuthError as exc:
                    st.error(_message(exc))
        c1, c2 = st.columns(2)
        with c1.form(f"admin_pw_{picked}", clear_on_submit=True):
            new_pw = st.text_input(
                tr("admin_new_password"), type="password", help=tr("admin_password_help")
            )
            if st.form_submit_button(tr("admin_set_password")):
                try:
                    auth.check_password_policy(new_pw)
                    auth.set_password(engine, picked, new_pw, actor=admin.username)
                    _done(tr("admin_password_set", username=picked))
                except auth.AuthError as exc:
                    st.error(_message(exc))
        with c2:
            label = "admin_disable" if target.active else "admin_enable"
            if st.button(tr(label), key=f"admin_toggle_{picked}"):
                try:
                    auth.set_active(engine, picked, not target.active, actor=admin.username)
                    done_key = "admin_user_disabled" if target.active else "admin_user_enabled"
                    _done(tr(done_key, username=picked))
                except auth.AuthError as exc:
                    st.error(_message(exc))

with tab_spellings:
    st.caption(tr("admin_spellings_caption"))
    spellings = ws.list_spellings(engine)
    if spellings.empty:
        st.info(tr("admin_spellings_empty"))
    else:
        catalog = load_catalog()
        shown = pd.DataFrame(
            {
                "#": spellings["id"],
                tr("admin_col_spelling"): spellings["spelling"],
                tr("admin_col_indicator"): [
                    catalog.get(c).name(ui.lang()) if c in catalog else c
                    for c in spellings["indicator_code"]
                ],
                tr("admin_col_scope"): [
                    tr("admin_scope_all") if pd.isna(u) else regions.full_name(u)
                    for u in spellings["unit_code"]
                ],
                tr("admin_col_by"): spellings["created_by"],
                tr("admin_col_at"): spellings["created_at"],
                tr("admin_col_status"): [
                    tr("admin_spelling_active" if a else "admin_spelling_revoked")
                    for a in spellings["active"]
                ],
            }
        )
        st.dataframe(shown, hide_index=True, key="admin_spellings")
        active = spellings[spellings["active"].astype(bool)]
        if not active.empty:
            labels = {
                int(r.id): f"#{r.id} {r.spelling} → {r.indicator_code}"
                for r in active.itertuples(index=False)
            }
            revoke_id = st.selectbox(
                tr("admin_col_spelling"),
                list(labels),
                format_func=labels.get,
                key="admin_revoke_pick",
            )
            if st.button(tr("admin_revoke"), key="admin_revoke"):
                try:
                    gone = ws.revoke_spelling(engine, admin, revoke_id)
                    _done(tr("admin_revoked", spelling=md_escape(gone)))  # text from a file
                except ws.WorkspaceError as exc:
                    st.error(_message(exc))
            if st.button(tr("admin_promote"), key="admin_promote"):  # audited (#16 item 2)
                try:
                    spread = ws.promote_spelling(engine, admin, revoke_id)
                    _done(tr("admin_promoted", spelling=md_escape(spread)))
                except ws.WorkspaceError as exc:
                    st.error(_message(exc))

with tab_audit:
    entries = ws.audit_entries(engine, 200)
    st.caption(tr("admin_audit_caption", n=len(entries)))
    st.dataframe(
        entries[["at", "actor", "action", "target", "detail"]].rename(
            columns={
                "at": tr("admin_col_at"),
                "actor": tr("admin_col_actor"),
                "action": tr("admin_col_action"),
                "target": tr("admin_col_target"),
                "detail": tr("admin_col_detail"),
            }
        ),
        hide_index=True,
    )
