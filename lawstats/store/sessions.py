"""Login sessions behind the dashboard's session cookie: created at login, claimed once by the
browser, looked up on every visit, ended by logout or expiry for every tab and server process.

A session has three secrets' worth of state, and the store keeps only hashes:
- `handle`: the server's name for it (kept in Streamlit's per-tab state, never sent to a browser);
- the claim token: handed to the browser that just logged in, good once within CLAIM_TTL_S, which
  the browser exchanges (POST /api/session/claim) for
- the session id: the cookie's content (signed in lawstats.ui.session), new at every login, so a
  cookie planted before a login never becomes a logged-in one (no session fixation).

Idle (LAWSTATS_SESSION_IDLE_MINUTES) and absolute (LAWSTATS_SESSION_MAX_HOURS) expiry are
checked here, against seen_at and created_at, so every process behind a proxy agrees.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lawstats import settings, store

CLAIM_TTL_S = 120  # a login's claim token is good this long
TOUCH_EVERY_S = (
    15  # seen_at is written at most this often per session (one write, not one per click)
)


@dataclass(frozen=True)
class Session:
    handle: str
    username: str
    created_at: datetime
    seen_at: datetime
    claimed: bool = False


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _expired(row, now: datetime) -> bool:
    idle = timedelta(seconds=settings.session_idle_s())
    absolute = timedelta(seconds=settings.session_max_s())
    return now - row.seen_at > idle or now - row.created_at > absolute


def create(engine: Engine, username: str) -> tuple[str, str]:
    """A new session for a user who just logged in: (handle, one-time claim token)."""
    handle, token = secrets.token_hex(16), secrets.token_urlsafe(32)
    now = store.now()
    with store.transaction(engine, bump_version=False) as conn:
        conn.execute(
            store.user_sessions.insert().values(
                handle=handle,
                username=username,
                claim_hash=_hash(token),
                sid_hash=None,
                created_at=now,
                seen_at=now,
                ended_at=None,
            )
        )
        # ended and long-expired sessions are of no use: keep the table small
        cutoff = now - timedelta(seconds=settings.session_max_s() + 86_400)
        t = store.user_sessions
        conn.execute(t.delete().where(t.c.created_at < cutoff))
    return handle, token


def claim(engine: Engine, token: str) -> str | None:
    """The claim token exchanged for a fresh session id (the cookie's content), once; None when
    the token is unknown, used, older than CLAIM_TTL_S, or its session ended or expired."""
    if not token or len(token) > 200:
        return None
    t = store.user_sessions
    now = store.now()
    sid = secrets.token_urlsafe(32)
    with store.transaction(engine, bump_version=False) as conn:
        row = conn.execute(
            sa.select(t).where(t.c.claim_hash == _hash(token), t.c.ended_at.is_(None))
        ).first()
        if row is None or (now - row.created_at).total_seconds() > CLAIM_TTL_S:
            return None
        if _expired(row, now):
            return None
        conn.execute(
            t.update()
            .where(t.c.handle == row.handle, t.c.claim_hash == _hash(token))
            .values(claim_hash=None, sid_hash=_hash(sid), seen_at=now)
        )
    return sid


def _active(engine: Engine, where) -> Session | None:
    """The session matching `where`, touched (seen now); None when ended or expired (then it is
    ended here, so the other tabs and processes see it over too)."""
    t = store.user_sessions
    now = store.now()
    with store.connect(engine) as conn:
        row = conn.execute(sa.select(t).where(where, t.c.ended_at.is_(None))).first()
    if row is None:
        return None
    if _expired(row, now):
        end(engine, row.handle)
        return None
    if (now - row.seen_at).total_seconds() >= min(TOUCH_EVERY_S, settings.session_idle_s() / 4):
        try:  # never wait behind a load for this: the next visit touches it
            with store.transaction(engine, bump_version=False, timeout=0) as conn:
                conn.execute(t.update().where(t.c.handle == row.handle).values(seen_at=now))
        except store.LockTimeout:
            pass
    return Session(row.handle, row.username, row.created_at, now, row.sid_hash is not None)


def by_sid(engine: Engine, sid: str) -> Session | None:
    """The live session of a cookie's session id (a visit: reload, new tab, bookmark)."""
    if not sid or len(sid) > 200:
        return None
    return _active(engine, store.user_sessions.c.sid_hash == _hash(sid))


def by_handle(engine: Engine, handle: str) -> Session | None:
    """The live session of a tab that logged in or came in with the cookie (every run)."""
    return _active(engine, store.user_sessions.c.handle == handle)


def end(engine: Engine, handle: str) -> None:
    """Logout or expiry: the session is over everywhere (its cookie opens nothing any more)."""
    t = store.user_sessions
    with store.transaction(engine, bump_version=False) as conn:
        conn.execute(
            t.update()
            .where(t.c.handle == handle, t.c.ended_at.is_(None))
            .values(ended_at=store.now(), claim_hash=None)
        )


def end_by_sid(engine: Engine, sid: str) -> None:
    """Logout through the cookie (POST /api/session/logout)."""
    t = store.user_sessions
    with store.connect(engine) as conn:
        row = conn.execute(sa.select(t.c.handle).where(t.c.sid_hash == _hash(sid))).first()
    if row is not None:
        end(engine, row.handle)


def end_user(engine: Engine, username: str) -> int:
    """Every session of a user (an administrator disabled the account or reset its password)."""
    t = store.user_sessions
    with store.transaction(engine, bump_version=False) as conn:
        result = conn.execute(
            t.update()
            .where(t.c.username == username, t.c.ended_at.is_(None))
            .values(ended_at=store.now(), claim_hash=None)
        )
    return int(result.rowcount or 0)
