"""Demo mode ends at the first real data, for good.

A demo database (meta is_demo = 'true', built by `etl demo` or `etl synth`) is public to read
and has two demo accounts, admin and qinzhou (password lawstats-demo). The first real batch
(BatchInfo.is_demo false; revisions.create_batch calls `note_batch`) or the first real account
(auth.add_user without demo=True calls `end_demo`) ends demo mode in the same transaction: the
meta key is_demo becomes 'false', REAL_SINCE_KEY records when and why (it is never removed),
and the demo accounts are disabled with an unusable password hash (re-enabling one does not
bring lawstats-demo back). From then on LAWSTATS_REQUIRE_LOGIN=auto requires a login, the demo
banner is gone, and `etl demo` / `etl synth` refuse to replace the database, --force or not.

A demo database that took real data before this rule existed is recognised by its rows (a
non-demo batch, an account other than the demo ones) and ended by `is_demo` when first asked.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lawstats import store

DEMO_KEY = "is_demo"
REAL_SINCE_KEY = "real_data_since"
# The demo accounts (lawstats.demo.database creates them with actor DEMO_ACTOR).
DEMO_ADMIN_USERNAME = "admin"
DEMO_ANALYST_USERNAME = "qinzhou"
DEMO_USERNAMES = (DEMO_ADMIN_USERNAME, DEMO_ANALYST_USERNAME)
DEMO_ACTOR = "demo"
# Not an argon2 hash: verifying any password against it fails.
UNUSABLE_HASH = "!demo-ended"


def _is_demo_account(username_col, created_by_col):
    return sa.and_(username_col.in_(DEMO_USERNAMES), created_by_col == DEMO_ACTOR)


def real_evidence(conn: Connection) -> str | None:
    """What shows that this database held real data ('flag', 'batch', 'account'), or None."""
    if store.get_meta(conn, REAL_SINCE_KEY) is not None:
        return "flag"
    b = store.batches
    if conn.execute(sa.select(b.c.id).where(b.c.is_demo.is_(False)).limit(1)).first():
        return "batch"
    u = store.users
    real_user = sa.not_(_is_demo_account(u.c.username, u.c.created_by))
    if conn.execute(sa.select(u.c.username).where(real_user).limit(1)).first():
        return "account"
    return None


def end_demo(conn: Connection, reason: str, actor: str) -> bool:
    """Record that real data arrived (inside the caller's transaction); idempotent.

    Turns is_demo off and disables the demo accounts the first time; returns True then."""
    was_demo = store.get_meta(conn, DEMO_KEY) == "true"
    if store.get_meta(conn, REAL_SINCE_KEY) is not None:
        if was_demo:  # flag set, yet marked demo again: the flag wins
            store.set_meta(conn, DEMO_KEY, "false")
            store.bump_data_version(conn)
        return False
    store.set_meta(conn, REAL_SINCE_KEY, f"{store.now():%Y-%m-%dT%H:%M:%S} {reason}")
    if was_demo:
        store.set_meta(conn, DEMO_KEY, "false")
    u = store.users
    disabled = conn.execute(
        u.update()
        .where(_is_demo_account(u.c.username, u.c.created_by))
        .values(active=False, password_hash=UNUSABLE_HASH, updated_at=store.now())
    ).rowcount
    if was_demo or disabled:
        store.audit(
            conn, actor or "?", "demo_ended", reason, demo_accounts_disabled=int(disabled or 0)
        )
        # account writes do not bump the data version; the demo banner's cache keys on it
        store.bump_data_version(conn)
    return True


def note_batch(conn: Connection, is_demo: bool, actor: str) -> None:
    """Called for every new batch: a real one ends demo mode (revisions.create_batch)."""
    if not is_demo:
        end_demo(conn, "batch", actor)


def is_demo(engine: Engine) -> bool:
    """Is this a demo database: marked so and never held real data? Ends a stale demo mode.
    (Asked on every page view: read again only after a write, store.cached_read.)"""

    def read() -> tuple[bool, str | None]:
        with store.connect(engine) as conn:
            if store.get_meta(conn, DEMO_KEY) != "true":
                return False, None
            return True, real_evidence(conn)

    marked, reason = store.cached_read(engine, DEMO_KEY, read)
    if not marked:
        return False
    if reason is None:
        return True
    with store.transaction(engine, bump_version=True) as conn:
        end_demo(conn, reason, "system")
    return False


def held_real_data(engine: Engine) -> str | None:
    """Why this database may not be replaced by demo data ('flag', 'batch', 'account',
    'spellings'), or None when it never held real data."""
    with store.connect(engine) as conn:
        reason = real_evidence(conn)
        if reason is None:
            t = store.header_spellings
            if conn.execute(sa.select(t.c.id).limit(1)).first():
                reason = "spellings"
    return reason


def holds_anything(engine: Engine) -> bool:
    """Any batch or account at all (demo or not)."""
    with store.connect(engine) as conn:
        for table in (store.batches, store.users):
            if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                return True
    return False
