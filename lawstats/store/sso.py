"""Single sign-on checks: the identity claims the settings name, and the same idle and absolute
expiry as a password login (lawstats.ui.auth_ui uses both before it maps an OIDC identity to
its local account by e-mail)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from lawstats import settings


def _claim_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def sso_refusal(claims: Mapping[str, Any]) -> str | None:
    """Why an OIDC identity may not log in: 'no_email', 'unverified' (email_verified is not true
    while LAWSTATS_SSO_REQUIRE_VERIFIED_EMAIL), 'domain' (not in LAWSTATS_SSO_ALLOWED_DOMAINS);
    None when its claims pass. The e-mail must still match an active local account."""
    email = str(claims.get("email") or "").strip().lower()
    local, _, domain = email.partition("@")
    if not local or not domain or "@" in domain or any(c.isspace() for c in email):
        return "no_email"
    if settings.sso_require_verified_email() and not _claim_true(claims.get("email_verified")):
        return "unverified"
    domains = settings.sso_allowed_domains()
    if domains and domain not in domains:
        return "domain"
    return None


def _claim_time(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


class SsoSessions:
    """Idle and absolute expiry for single sign-on, like a password login's.

    Streamlit keeps an OIDC identity in a cookie for 30 days and reads it at the start of every
    browser session, so expiry cannot live in one session's state alone. An identity is the
    e-mail with its token's issue time (iat): it starts at auth_time or iat (else when first
    seen), its last activity is kept here (process memory, bounded), and once expired (or
    logged out) that identity stays refused; a new st.login() brings a new token."""

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()
        self._ended: OrderedDict[tuple[str, str], float] = OrderedDict()

    @staticmethod
    def identity(claims: Mapping[str, Any]) -> tuple[str, str]:
        email = str(claims.get("email") or "").strip().lower()
        issued = claims.get("iat") or claims.get("auth_time") or claims.get("sub") or ""
        return email, str(issued)

    def _bounded(self, table: OrderedDict, key, value) -> None:
        table[key] = value
        table.move_to_end(key)
        while len(table) > self.MAX_ENTRIES:
            table.popitem(last=False)

    def touch(self, claims: Mapping[str, Any], now: float) -> bool:
        """True if the identity is still valid (and records activity); False once expired."""
        ident = self.identity(claims)
        started_claim = _claim_time(claims.get("auth_time")) or _claim_time(claims.get("iat"))
        with self._lock:
            if ident in self._ended:
                return False
            started, seen = self._seen.get(ident, (started_claim or now, now))
            if now - seen > settings.session_idle_s() or now - started > settings.session_max_s():
                self._seen.pop(ident, None)
                self._bounded(self._ended, ident, now)
                return False
            self._bounded(self._seen, ident, (started, now))
            return True

    def end(self, claims: Mapping[str, Any], now: float) -> None:
        """Logged out: this identity is refused from now on."""
        ident = self.identity(claims)
        with self._lock:
            self._seen.pop(ident, None)
            self._bounded(self._ended, ident, now)


sso_sessions = SsoSessions()
