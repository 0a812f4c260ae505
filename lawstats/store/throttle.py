"""Login throttling without lock-out (lawstats.store.auth.login uses it).

Nothing here ever locks an account. After an allowance of failed password checks, the next
check for that typed user name (LAWSTATS_LOGIN_MAX_FAILURES) or from that client address
(LAWSTATS_LOGIN_CLIENT_MAX_FAILURES) must wait LAWSTATS_LOGIN_BACKOFF_BASE_S seconds, doubling
with each further failure. An attempt during a wait is refused without checking the password
and without counting, so it cannot lengthen the wait, and the right password works once the
wait is over.

The user name's wait is capped at LAWSTATS_LOGIN_BACKOFF_MAX_S; a client's own wait grows to
CLIENT_CAP_FACTOR times that, so one client cannot keep a user name waiting: between two of
its guesses the user name's wait runs out and its owner gets in. A
client that logged in to an account before skips that account's wait (not its own).

The user name's count lives in the database (login_attempts, shared by every server process);
the client counts and the trusted clients in process memory, bounded. `check_slots` bounds the
argon2 checks running at once in this process (LAWSTATS_LOGIN_MAX_CONCURRENT; 64 MiB each).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lawstats import settings, store

# A client's longest wait, as a multiple of the user name's (LAWSTATS_LOGIN_BACKOFF_MAX_S).
CLIENT_CAP_FACTOR = 6


def backoff_s(failures: int, allowance: int, cap_s: float) -> float:
    """The wait before the next check after `failures` failed ones: none within the allowance,
    then LAWSTATS_LOGIN_BACKOFF_BASE_S doubling with each further failure, at most `cap_s`."""
    allowance = max(1, allowance)
    if failures < allowance:
        return 0.0
    k = min(failures - allowance, 40)
    return min(cap_s, settings.login_backoff_base_s() * 2**k)


def whole_seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


# --------------------------------------------------------------------------- per user name (database)


def account_wait_s(conn: Connection, key: str, now: datetime) -> int:
    """Seconds until the next password check for this user name is allowed (0: now)."""
    t = store.login_attempts
    row = conn.execute(sa.select(t.c.locked_until).where(t.c.username == key)).first()
    if row is None or row.locked_until is None or row.locked_until <= now:
        return 0
    return whole_seconds(row.locked_until - now)


def record_account_failure(conn: Connection, key: str, now: datetime) -> None:
    """Count a failed check for a user name; `locked_until` becomes the time the next check is
    allowed. The count is forgotten LAWSTATS_LOGIN_LOCK_MINUTES after the last wait ends."""
    t = store.login_attempts
    window = timedelta(seconds=settings.login_lock_s())
    row = conn.execute(sa.select(t).where(t.c.username == key)).first()
    if row is None or (row.locked_until or row.first_failure_at) + window < now:
        conn.execute(t.delete().where(t.c.username == key))
        conn.execute(t.insert().values(username=key, failures=1, first_failure_at=now))
        failures = 1
    else:
        failures = int(row.failures) + 1
    wait = backoff_s(failures, settings.login_max_failures(), settings.login_backoff_max_s())
    conn.execute(
        t.update()
        .where(t.c.username == key)
        .values(failures=failures, locked_until=now + timedelta(seconds=wait))
    )


def forget_account(conn: Connection, key: str) -> None:
    """A successful login clears the user name's count."""
    conn.execute(store.login_attempts.delete().where(store.login_attempts.c.username == key))


# --------------------------------------------------------------------------- per client (memory)


def client_key(client: str | None) -> str | None:
    """The client address as a throttle key (None: unknown, e.g. a localhost connection)."""
    text = (client or "").strip().lower()
    return text[:64] or None


class ClientThrottle:
    """Per-client backoff, the clients trusted per account, and which refusals were logged.

    Every map is bounded (the oldest entries go first), so a flood of addresses cannot grow
    memory without limit."""

    MAX_ENTRIES = 10_000
    TRUST_DAYS = 30

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, tuple[int, datetime]] = OrderedDict()
        self._trusted: OrderedDict[tuple[str, str], datetime] = OrderedDict()
        self._noted: OrderedDict[tuple[str, str, str], datetime] = OrderedDict()

    def _put(self, table: OrderedDict, key, value) -> None:
        table[key] = value
        table.move_to_end(key)
        while len(table) > self.MAX_ENTRIES:
            table.popitem(last=False)

    def wait_s(self, client: str | None, now: datetime) -> int:
        """Seconds until this client may have a password checked again (0: now)."""
        if not client:
            return 0
        with self._lock:
            entry = self._failures.get(client)
        if entry is None or entry[1] <= now:
            return 0
        return whole_seconds(entry[1] - now)

    def failed(self, client: str | None, now: datetime) -> None:
        if not client:
            return
        window = timedelta(seconds=settings.login_lock_s())
        with self._lock:
            failures, until = self._failures.get(client, (0, now))
            if until + window < now:
                failures = 0
            failures += 1
            wait = backoff_s(
                failures,
                settings.login_client_max_failures(),
                CLIENT_CAP_FACTOR * settings.login_backoff_max_s(),
            )
            self._put(self._failures, client, (failures, now + timedelta(seconds=wait)))

    def trust(self, key: str, client: str | None, now: datetime) -> None:
        """This client logged in to account `key`: it skips the account's wait from now on."""
        if client and key:
            with self._lock:
                self._put(self._trusted, (key, client), now)

    def trusted(self, key: str, client: str | None, now: datetime) -> bool:
        if not client or not key:
            return False
        with self._lock:
            since = self._trusted.get((key, client))
        return since is not None and now - since <= timedelta(days=self.TRUST_DAYS)

    def log_refusal(self, scope: str, key: str, client: str | None, now: datetime) -> bool:
        """Should this refused attempt go to the audit log? Once a minute per database (`scope`),
        user name and client, so an attacker flooding attempts during a wait does not flood the
        log (nor the database with write transactions)."""
        mark = (scope, key, client or "")
        with self._lock:
            last = self._noted.get(mark)
            if last is not None and now - last < timedelta(seconds=60):
                return False
            self._put(self._noted, mark, now)
            return True

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()
            self._trusted.clear()
            self._noted.clear()


clients = ClientThrottle()

# --------------------------------------------------------------------------- concurrent checks

_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def check_slots() -> threading.BoundedSemaphore:
    """The semaphore bounding concurrent argon2 checks in this process; acquire it without
    blocking and refuse the login ('busy') when none is free."""
    n = settings.login_max_concurrent()
    with _slots_lock:
        return _slots.setdefault(n, threading.BoundedSemaphore(n))
