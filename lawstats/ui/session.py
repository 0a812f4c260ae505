"""The session cookie: a login survives a reload, a new tab and a bookmark, until idle or absolute
expiry or logout (lawstats.store.sessions keeps the sessions; this module signs the cookie and
answers the two routes that set and clear it).

Streamlit's script cannot set a cookie (it talks over a WebSocket), and an HttpOnly cookie can
only come from an HTTP response. So after a password login the script hands the browser a
one-time claim token (a few lines of JavaScript in the page), the browser POSTs it to
/api/session/claim, and that response sets the cookie: HttpOnly, SameSite=Strict, Path=/,
Secure behind TLS (LAWSTATS_COOKIE_SECURE), its value a fresh session id signed with the key in
LAWSTATS_SESSION_KEY_FILE, which every server process behind one proxy shares. Later visits send
the cookie with the WebSocket handshake, where `st.context.cookies` reads it.

The routes exist when the server runs lawstats/ui/asgi.py (scripts/start does). Under a plain
`streamlit run app.py` the claim request fails quietly and the login lasts as long as the tab.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from lawstats import settings

COOKIE = "lawstats_session"
CLAIM_PATH = "/api/session/claim"
LOGOUT_PATH = "/api/session/logout"
_KEY_BYTES = 32


# --------------------------------------------------------------------------- signing


def _read_or_make_key(path: Path) -> bytes:
    """The signing key from `path`, made (0600, exclusively: two processes starting at once
    agree on one key) when missing."""
    try:
        data = path.read_bytes().strip()
        if len(data) >= _KEY_BYTES:
            return data
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_hex(_KEY_BYTES).encode())
    return path.read_bytes().strip()


def _key() -> bytes:
    return _read_or_make_key(settings.session_key_file())


def _mac(sid: str) -> str:
    return hmac.new(_key(), sid.encode(), hashlib.sha256).hexdigest()


def sign(sid: str) -> str:
    """The cookie value for a session id: `sid.mac`."""
    return f"{sid}.{_mac(sid)}"


def unsign(value: str | None) -> str | None:
    """The session id of a cookie value whose signature is right, else None."""
    if not value or len(value) > 300 or "." not in value:
        return None
    sid, _, mac = value.rpartition(".")
    return sid if sid and hmac.compare_digest(mac, _mac(sid)) else None


# --------------------------------------------------------------------------- the routes


def _secure(headers, scheme: str) -> bool:
    mode = settings.cookie_secure()
    if mode in ("true", "false"):
        return mode == "true"
    forwarded = (headers.get("x-forwarded-proto") or "").split(",")[0].strip().lower()
    return scheme == "https" or forwarded == "https"


def _same_origin(request) -> bool:
    """The request came from a page of this site (login CSRF: a foreign page cannot make a
    browser adopt someone else's session)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")
    host = request.headers.get("host")
    return bool(origin and host and origin.split("://", 1)[-1] == host)


def _engine():
    from lawstats.store import get_engine

    return get_engine(settings.db_url())


async def claim_route(request):
    """POST /api/session/claim {"token": ...}: a fresh session cookie for a login's claim token."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response

    from lawstats.store import sessions

    if not _same_origin(request):
        return Response(status_code=403)
    try:
        body = json.loads((await request.body())[:1000] or b"{}")
        token = str(body.get("token") or "")
    except (ValueError, AttributeError):
        return Response(status_code=400)
    sid = await run_in_threadpool(sessions.claim, _engine(), token)
    if sid is None:
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        COOKIE,
        sign(sid),
        max_age=int(settings.session_max_s()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request.headers, request.url.scheme),
    )
    return response


async def logout_route(request):
    """POST /api/session/logout: the cookie's session ended server-side and the cookie cleared."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response

    from lawstats.store import sessions

    if not _same_origin(request):
        return Response(status_code=403)
    sid = unsign(request.cookies.get(COOKIE))
    if sid is not None:
        await run_in_threadpool(sessions.end_by_sid, _engine(), sid)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(
        COOKIE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request.headers, request.url.scheme),
    )
    return response


def routes() -> list:
    from starlette.routing import Route

    return [
        Route(CLAIM_PATH, claim_route, methods=["POST"]),
        Route(LOGOUT_PATH, logout_route, methods=["POST"]),
    ]


# --------------------------------------------------------------------------- the page's side


def post_script(path: str, body: dict | None = None) -> str:
    """JavaScript that POSTs `body` to one of the routes above (same origin, cookies included).
    Relative to the page's folder, so a base path behind a proxy is kept."""
    payload = json.dumps(body or {})
    rel = path.lstrip("/")
    return (
        "<script>(function(){"
        "var base=window.location.pathname.replace(/[^/]*$/,'');"
        f"fetch(base+{json.dumps(rel)},{{method:'POST',credentials:'same-origin',"
        f"headers:{{'Content-Type':'application/json'}},body:{json.dumps(payload)}}})"
        ".catch(function(){});})();</script>"
    )
