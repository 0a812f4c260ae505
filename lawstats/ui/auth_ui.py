"""Streamlit glue for accounts: who is logged in, the login form, role gates for pages that write.

The logged-in user name lives in st.session_state["auth_user"] (server side, per browser
session), with the handle of its stored login session (lawstats.store.sessions); a reload, a new
tab or a bookmark finds that session again through the signed session cookie (lawstats.ui.session).
Every run re-reads the account and the session from the database, so disabling a user, changing a
role or logging out in another tab takes effect on the next click. A login expires after
LAWSTATS_SESSION_IDLE_MINUTES without activity or LAWSTATS_SESSION_MAX_HOURS after it began (checked
on the stored session, so every tab and server process agrees); a single sign-on identity too
(lawstats.store.sso), and it must pass the claim checks of sso.sso_refusal. Logins are throttled
per user name and per client address (`client_address`: st.context.ip_address, or the header
named by LAWSTATS_CLIENT_IP_HEADER behind a reverse proxy).
"""

from __future__ import annotations

import time

import streamlit as st

from lawstats import settings
from lawstats.store import auth, sessions, sso
from lawstats.ui import common as ui
from lawstats.ui import session as cookie

USER_KEY = "auth_user"
_LOGIN_AT = "auth_login_at"
_SEEN_AT = "auth_seen_at"
_NOTICE = "auth_notice"
REDIRECT_KEY = "auth_redirect"
_HANDLE = "auth_session"  # the stored login session (lawstats.store.sessions)
_CLAIM = "auth_claim"  # (claim token, when) until the browser has its cookie
_CLEAR_COOKIE = "auth_clear_cookie"


def _forget() -> None:
    for key in (USER_KEY, _LOGIN_AT, _SEEN_AT, _HANDLE, _CLAIM):
        st.session_state.pop(key, None)


def _cookie_session() -> sessions.Session | None:
    """The live stored session named by this browser's session cookie (reload, new tab)."""
    try:
        value = st.context.cookies.get(cookie.COOKIE)
    except Exception:  # noqa: BLE001 - no browser session (bare script runs, tests)
        return None
    sid = cookie.unsign(value)
    return sessions.by_sid(ui.engine(), sid) if sid else None


def client_address() -> str | None:
    """The client's address for login throttling: the LAWSTATS_CLIENT_IP_HEADER header (its
    last entry, the one the proxy added) if set, else the connection's (None on localhost)."""
    try:
        header = settings.client_ip_header()
        if header:
            value = st.context.headers.get(header) or ""
            return value.split(",")[-1].strip() or None
        return st.context.ip_address
    except Exception:  # noqa: BLE001 - no browser session (bare script runs, tests)
        return None


def _sso_claims() -> dict | None:
    """The OIDC identity's claims when single sign-on is on and the browser is logged in."""
    if not settings.sso_enabled():
        return None
    try:
        if not st.user.is_logged_in:
            return None
        return dict(st.user.to_dict())
    except Exception:  # noqa: BLE001 - no [auth] configuration: SSO is simply unavailable
        return None


def _sso_user() -> auth.User | None:
    """The local account matching the OIDC identity: its claims pass sso.sso_refusal, it has
    not expired (idle or absolute, as a password login), and the e-mail names an active account."""
    claims = _sso_claims()
    if claims is None:
        return None
    refusal = sso.sso_refusal(claims)
    if refusal is not None:
        st.session_state[_NOTICE] = f"auth_sso_{refusal}"
        return None
    if not sso.sso_sessions.touch(claims, time.time()):
        st.session_state[_NOTICE] = "auth_expired"
        return None
    email = str(claims.get("email") or "")
    user = auth.get_user(ui.engine(), email)
    if user is None or not user.active:
        st.session_state[_NOTICE] = "auth_sso_no_account"
        return None
    return user


def current_user() -> auth.User | None:
    """The logged-in, active user of this browser session, or None."""
    name = st.session_state.get(USER_KEY)
    if not name and not st.session_state.get(_CLEAR_COOKIE):
        found = _cookie_session()
        if found is not None:
            name = found.username
            st.session_state[USER_KEY] = name
            st.session_state[_HANDLE] = found.handle
            st.session_state[_LOGIN_AT] = found.created_at.timestamp()
    if not name:
        return _sso_user()
    handle = st.session_state.get(_HANDLE)
    if handle and sessions.by_handle(ui.engine(), handle) is None:
        # logged out in another tab, or expired: over everywhere
        _forget()
        st.session_state[_NOTICE] = "auth_expired"
        return None
    now = time.time()
    login_at = st.session_state.setdefault(_LOGIN_AT, now)
    seen_at = st.session_state.get(_SEEN_AT, now)
    if now - seen_at > settings.session_idle_s() or now - login_at > settings.session_max_s():
        _forget()
        st.session_state[_NOTICE] = "auth_expired"
        return None
    user = auth.get_user(ui.engine(), str(name))
    if user is None or not user.active:
        _forget()
        return None
    st.session_state[_SEEN_AT] = now
    return user


def set_notice(key: str) -> None:
    """A message (a string key) the next login form shows, e.g. after demo mode ended."""
    st.session_state[_NOTICE] = key


def is_demo_database() -> bool:
    """A demo database that never held real data (demo_mode ends a stale demo mode here)."""
    from lawstats.store import demo_mode

    return demo_mode.is_demo(ui.engine())


def login_required() -> bool:
    """Does viewing need a login? LAWSTATS_REQUIRE_LOGIN, 'auto' = yes except on demo data
    (a database that ever took a real batch or account is not demo data any more)."""
    mode = settings.require_login()
    if mode == "auto":
        return not is_demo_database()
    return mode == "true"


def demo_hint() -> None:
    """On the demo database: how to log in as the demo administrator."""
    from lawstats.demo import database as demodb

    if is_demo_database():
        demodb.ensure_demo_accounts(ui.engine())
        st.info(
            ui.tr(
                "auth_demo_hint",
                username=demodb.DEMO_ADMIN_USERNAME,
                password=demodb.DEMO_ADMIN_PASSWORD,
            ),
            icon=":material/key:",
        )


def _do_login(username: str, password: str, redirect: bool) -> None:
    result = auth.login(ui.engine(), username, password, client=client_address())
    if result.user is not None:
        old = st.session_state.get(_HANDLE)
        if old:
            sessions.end(ui.engine(), old)
        # a new stored session (and later a new cookie) at every login: no session fixation
        handle, token = sessions.create(ui.engine(), result.user.username)
        st.session_state[_HANDLE] = handle
        st.session_state[_CLAIM] = (token, time.time())
        st.session_state.pop(_CLEAR_COOKIE, None)
        st.session_state[USER_KEY] = result.user.username
        st.session_state[_LOGIN_AT] = time.time()
        st.session_state[_SEEN_AT] = time.time()
        st.session_state.pop(_NOTICE, None)
        if redirect:
            st.session_state[REDIRECT_KEY] = True
        st.rerun()
    if result.status == "busy":
        st.error(ui.tr("auth_busy"))
    elif result.status == "locked":
        st.error(ui.tr("auth_wait", seconds=result.retry_after_s))
    else:
        st.error(ui.tr("auth_invalid"))


def login_form(key: str = "login", *, redirect: bool = False) -> None:
    """User name + password form; on success stores the user and reruns (with `redirect`, the
    login page then moves on to the overview)."""
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        st.warning(ui.tr(notice))
    demo_hint()
    with st.form(key, clear_on_submit=False, enter_to_submit=True):
        username = st.text_input(ui.tr("auth_username"), key=f"{key}_username", max_chars=64)
        password = st.text_input(
            ui.tr("auth_password"), type="password", key=f"{key}_password", max_chars=256
        )
        submitted = st.form_submit_button(ui.tr("auth_login"), type="primary")
    if submitted:
        _do_login(username, password, redirect)
    if settings.sso_enabled():
        st.caption(ui.tr("auth_sso_hint"))
        if st.button(ui.tr("auth_sso_login"), key=f"{key}_sso"):
            st.login()


def require_role(role: str) -> auth.User:
    """The logged-in user if at least `role`; otherwise explain, offer the login form, stop."""
    user = current_user()
    if user is not None and user.has_role(role):
        return user
    role_name = ui.tr(f"auth_role_{role}")
    if user is None:
        st.warning(ui.tr("auth_login_needed", role=role_name))
        login_form(key=f"login_{role}")
    else:
        st.error(ui.tr("auth_forbidden", role=role_name, mine=user.role_name(ui.lang())))
    st.stop()
    raise RuntimeError("unreachable")  # st.stop() raises; keeps type checkers honest


def logout() -> None:
    name = st.session_state.get(USER_KEY)
    if name:
        auth.record_logout(ui.engine(), str(name))
    handle = st.session_state.get(_HANDLE)
    if handle:
        sessions.end(ui.engine(), handle)  # every tab's cookie opens nothing from now on
    _forget()
    st.session_state[_CLEAR_COOKIE] = True
    claims = _sso_claims()
    if claims is not None:
        sso.sso_sessions.end(claims, time.time())  # refused from now on, also in other tabs
        try:
            st.logout()
        except Exception:  # noqa: BLE001 - SSO not configured
            pass


def cookie_sync() -> None:
    """Give the browser its session cookie after a login (the claim, repeated until the stored
    session says it was claimed: a page switch may cut a run short), or clear it after a logout."""
    pending = st.session_state.get(_CLAIM)
    handle = st.session_state.get(_HANDLE)
    if pending and handle:
        token, since = pending
        found = sessions.by_handle(ui.engine(), handle)
        if found is None or found.claimed or time.time() - since > sessions.CLAIM_TTL_S:
            st.session_state.pop(_CLAIM, None)
        else:
            st.sidebar.html(
                cookie.post_script(cookie.CLAIM_PATH, {"token": token}),
                unsafe_allow_javascript=True,
                width="content",
            )
    if st.session_state.get(_CLEAR_COOKIE):
        st.sidebar.html(
            cookie.post_script(cookie.LOGOUT_PATH), unsafe_allow_javascript=True, width="content"
        )


def sidebar_account(user: auth.User | None) -> None:
    """Who is logged in and a log-out button, in the sidebar."""
    cookie_sync()
    box = st.sidebar.container(border=True)
    if user is None:
        box.caption(ui.tr("auth_not_logged_in"))
        return
    regions = regions_text(user) if user.role == "analyst" else ""
    box.markdown(ui.tr("auth_logged_in_as", name=user.display_name, role=user.role_name(ui.lang())))
    if regions:
        box.caption(ui.tr("auth_my_regions", regions=regions))
    if box.button(ui.tr("auth_logout"), key="auth_logout"):
        logout()
        st.rerun()


def regions_text(user: auth.User) -> str:
    """The user's assigned regions by full name (甘肃省天水市秦州区、...)."""
    from lawstats.domain.regions import load_regions

    table = load_regions()
    return "、".join(table.full_name(c) for c in user.regions if c in table)


def password_change_form(user: auth.User) -> None:
    """Change one's own password: the current one, then the new one twice."""
    with st.form("own_password", clear_on_submit=True):
        st.markdown(f"**{ui.tr('auth_change_password')}**")
        current = st.text_input(ui.tr("auth_current_password"), type="password")
        new = st.text_input(
            ui.tr("admin_new_password"), type="password", help=ui.tr("admin_password_help")
        )
        again = st.text_input(ui.tr("auth_repeat_password"), type="password")
        if not st.form_submit_button(ui.tr("auth_change_password")):
            return
    if new != again:
        st.error(ui.tr("auth_passwords_differ"))
        return
    try:
        auth.change_own_password(ui.engine(), user.username, current, new, client=client_address())
    except auth.AuthError as exc:
        st.error(exc.message_en if ui.lang() == "en" else exc.message_zh)
        return
    st.success(ui.tr("auth_password_changed"))
