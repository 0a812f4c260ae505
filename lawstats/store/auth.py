"""Local accounts and roles: argon2 password hashes, region-scoped write permission, login throttle.

Roles, weakest first: viewer (reads), analyst (writes for its assigned regions and everything
below them), admin (everything). Permission is default deny: an unknown role, an inactive
account or a region outside the assignment may not write. Passwords are never stored, logged
or put in an error message; a failed login never says whether the user name exists.

Login throttling slows guessing without ever locking an account out (see `login` and
lawstats.store.throttle): exponential backoff per typed user name and per client address, and
at most LAWSTATS_LOGIN_MAX_CONCURRENT argon2 checks at once per process (each costs 64 MiB),
further attempts refused at once as 'busy'. Single sign-on checks: lawstats.store.sso.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Connection, Engine

from lawstats import store
from lawstats.domain.roles import ROLE_NAMES, ROLES  # noqa: F401  (re-exported)
from lawstats.store import demo_mode, throttle

MAX_USERNAME = 64
MIN_PASSWORD = 8

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the user name is unknown, so both cases cost the same time; made
    at the first login (an argon2 hash costs about 0.4 s and 64 MiB: not at import time)."""
    return _hasher.hash("lawstats-no-such-user")


class AuthError(store.StoreError):
    """An account operation was refused (message in Chinese and English)."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    regions: tuple[str, ...]
    active: bool

    def has_role(self, role: str) -> bool:
        """True if this active user's role is `role` or a stronger one."""
        if not self.active or self.role not in ROLES or role not in ROLES:
            return False
        return ROLES.index(self.role) >= ROLES.index(role)

    def can_write(self, region_code: str) -> bool:
        """May this user write figures for the region? Admin always; analyst within its regions."""
        if not self.active:
            return False
        if self.role == "admin":
            return True
        if self.role != "analyst" or not self.regions:
            return False
        from lawstats.domain.regions import load_regions

        table = load_regions()
        return any(table.is_within(str(region_code), a) for a in self.regions)

    def allowed_regions(self) -> set[str] | None:
        """Regions this user may write: None = no restriction (admin); else the assigned ones
        and all their descendants (empty for viewers and inactive accounts: default deny)."""
        if self.active and self.role == "admin":
            return None
        if not self.active or self.role != "analyst":
            return set()
        from lawstats.domain.regions import load_regions

        table = load_regions()
        out: set[str] = set()
        for code in self.regions:
            if code in table:
                out.add(code)
                out.update(r.code for r in table.descendants(code))
        return out

    def role_name(self, lang: str = "zh") -> str:
        zh, en = ROLE_NAMES.get(self.role, (self.role, self.role))
        return en if lang == "en" else zh


@dataclass(frozen=True)
class Account:
    """A user row with its bookkeeping, for the admin page and `etl users list`."""

    user: User
    created_at: datetime
    created_by: str
    updated_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True)
class LoginResult:
    """`user` on success; otherwise `status` is 'invalid', 'locked' (wait `retry_after_s`
    seconds) or 'busy' (too many password checks at once); never 'no such user'."""

    user: User | None
    status: str  # ok | invalid | locked | busy
    retry_after_s: int = 0


BUSY_MESSAGE = ("登录过于频繁，请稍后再试", "too many logins at once; please try again shortly")


# --------------------------------------------------------------------------- validation


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()


def _check_username(username: str) -> str:
    name = normalize_username(username)
    if (
        not name
        or len(name) > MAX_USERNAME
        or any(c.isspace() or not c.isprintable() for c in name)
    ):
        raise AuthError(
            f"用户名须为 1–{MAX_USERNAME} 个字符，不含空格",
            f"a user name has 1–{MAX_USERNAME} characters and no spaces",
        )
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AuthError(
            f"未知角色 {role!r}，可选：{'、'.join(ROLES)}",
            f"unknown role {role!r}; choose one of {', '.join(ROLES)}",
        )
    return role


def check_password_policy(password: str) -> None:
    """Refuse passwords shorter than MIN_PASSWORD (the CLI and the admin page apply this)."""
    if len(password or "") < MIN_PASSWORD:
        raise AuthError(
            f"密码至少 {MIN_PASSWORD} 个字符",
            f"a password needs at least {MIN_PASSWORD} characters",
        )


def _check_password(password: str) -> None:
    if not password:
        raise AuthError("密码不能为空", "the password may not be empty")


def _check_regions(codes: Iterable[str]) -> tuple[str, ...]:
    from lawstats.domain.regions import load_regions

    table = load_regions()
    out: list[str] = []
    for code in codes:
        code = str(code).strip()
        if not code:
            continue
        if code not in table:
            raise AuthError(f"未知地区代码 {code}", f"unknown region code {code}")
        if code not in out:
            out.append(code)
    return tuple(out)


def resolve_regions(texts: Iterable[str]) -> tuple[str, ...]:
    """Region codes from codes or names as people write them (秦州区, 天水市秦州区, 620502)."""
    from lawstats.domain.regions import load_regions

    table = load_regions()
    codes: list[str] = []
    for text in texts:
        text = str(text).strip()
        if not text:
            continue
        if text in table:
            codes.append(text)
            continue
        res = table.resolve(text)
        if not res.ok:
            raise AuthError(f"无法确定地区“{text}”", f"cannot resolve region {text!r}")
        codes.append(res.code)
    return _check_regions(codes)


def hash_password(password: str) -> str:
    _check_password(password)
    return _hasher.hash(password)


# --------------------------------------------------------------------------- reading


def _user_from_row(row) -> User:
    regions = tuple(c for c in (row.regions or "").split(",") if c)
    return User(
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        regions=regions,
        active=bool(row.active),
    )


def get_user(engine: Engine, username: str) -> User | None:
    """The account (active or not), or None."""
    name = normalize_username(username)
    if not name:
        return None
    with store.connect(engine) as conn:
        row = conn.execute(sa.select(store.users).where(store.users.c.username == name)).first()
    return _user_from_row(row) if row is not None else None


def list_accounts(engine: Engine) -> list[Account]:
    with store.connect(engine) as conn:
        rows = conn.execute(sa.select(store.users).order_by(store.users.c.username)).all()
    return [
        Account(
            user=_user_from_row(r),
            created_at=r.created_at,
            created_by=r.created_by,
            updated_at=r.updated_at,
            last_login_at=r.last_login_at,
        )
        for r in rows
    ]


def count_users(engine: Engine, *, role: str | None = None, active_only: bool = True) -> int:
    q = sa.select(sa.func.count()).select_from(store.users)
    if role is not None:
        q = q.where(store.users.c.role == role)
    if active_only:
        q = q.where(store.users.c.active.is_(True))
    with store.connect(engine) as conn:
        return int(conn.execute(q).scalar_one())


# --------------------------------------------------------------------------- writing


def _require(conn: Connection, name: str):
    row = conn.execute(sa.select(store.users).where(store.users.c.username == name)).first()
    if row is None:
        raise AuthError(f"没有用户 {name}", f"no user {name}")
    return row


def add_user(
    engine: Engine,
    username: str,
    password: str,
    role: str,
    regions: Iterable[str] = (),
    display_name: str | None = None,
    actor: str = "cli",
    *,
    demo: bool = False,
) -> User:
    """Create an account (argon2 hash); refuses an existing user name.

    A real account (not `demo`, which only lawstats.demo.database passes) ends demo mode in the
    same transaction: the demo accounts are disabled (lawstats.store.demo_mode)."""
    name = _check_username(username)
    _check_role(role)
    codes = _check_regions(regions)
    password_hash = hash_password(password)
    shown = (display_name or "").strip()[:64] or name
    now = store.now()
    with store.transaction(engine, bump_version=False) as conn:
        exists = conn.execute(
            sa.select(store.users.c.username).where(store.users.c.username == name)
        ).first()
        if exists is not None:
            raise AuthError(f"用户 {name} 已存在", f"user {name} already exists")
        conn.execute(
            store.users.insert().values(
                username=name,
                display_name=shown,
                password_hash=password_hash,
                role=role,
                regions=",".join(codes),
                active=True,
                created_at=now,
                created_by=actor,
                updated_at=now,
            )
        )
        store.audit(conn, actor, "user_add", name, role=role, regions=list(codes))
        if not demo:
            demo_mode.end_demo(conn, "account", actor)
    return User(name, shown, role, codes, True)


def _update(engine: Engine, username: str, actor: str, action: str, values: dict, **detail) -> User:
    name = normalize_username(username)
    with store.transaction(engine, bump_version=False) as conn:
        before = _require(conn, name)
        if _removes_last_admin(conn, before, values):
            raise AuthError(
                "不能停用或降级最后一个管理员",
                "cannot disable or demote the last active administrator",
            )
        conn.execute(
            store.users.update()
            .where(store.users.c.username == name)
            .values(updated_at=store.now(), **values)
        )
        store.audit(conn, actor, action, name, **detail)
        row = _require(conn, name)
    return _user_from_row(row)


def _removes_last_admin(conn: Connection, before, values: dict) -> bool:
    if before.role != "admin" or not before.active:
        return False
    stays = values.get("role", "admin") == "admin" and values.get("active", True)
    if stays:
        return False
    others = conn.execute(
        sa.select(sa.func.count())
        .select_from(store.users)
        .where(
            store.users.c.role == "admin",
            store.users.c.active.is_(True),
            store.users.c.username != before.username,
        )
    ).scalar_one()
    return int(others) == 0


def set_role(
    engine: Engine,
    username: str,
    role: str,
    regions: Iterable[str] | None = None,
    actor: str = "cli",
) -> User:
    """Change the role (and, if given, the assigned regions)."""
    _check_role(role)
    values: dict = {"role": role}
    detail: dict = {"role": role}
    if regions is not None:
        codes = _check_regions(regions)
        values["regions"] = ",".join(codes)
        detail["regions"] = list(codes)
    return _update(engine, username, actor, "user_set_role", values, **detail)


def set_regions(engine: Engine, username: str, regions: Iterable[str], actor: str = "cli") -> User:
    codes = _check_regions(regions)
    return _update(
        engine,
        username,
        actor,
        "user_set_regions",
        {"regions": ",".join(codes)},
        regions=list(codes),
    )


def set_active(engine: Engine, username: str, active: bool, actor: str = "cli") -> User:
    action = "user_enable" if active else "user_disable"
    return _update(engine, username, actor, action, {"active": bool(active)})


def set_display_name(engine: Engine, username: str, display_name: str, actor: str = "cli") -> User:
    shown = (display_name or "").strip()[:64] or normalize_username(username)
    return _update(
        engine, username, actor, "user_rename", {"display_name": shown}, display_name=shown
    )


def set_password(engine: Engine, username: str, password: str, actor: str = "cli") -> User:
    """Replace the password hash (the password itself goes nowhere else)."""
    return _update(
        engine, username, actor, "user_passwd", {"password_hash": hash_password(password)}
    )


def change_own_password(
    engine: Engine, username: str, current: str, new: str, *, client: str | None = None
) -> User:
    """A user's own password change: the current password must be right (throttled like a login)."""
    check_password_policy(new)
    result = login(engine, username, current, via="password_change", client=client)
    if result.status == "busy":
        raise AuthError(*BUSY_MESSAGE)
    if result.status == "locked":
        raise AuthError(
            f"尝试次数过多，请 {result.retry_after_s} 秒后再试",
            f"too many attempts; try again in {result.retry_after_s} seconds",
        )
    if result.user is None:
        raise AuthError("当前密码不正确", "the current password is wrong")
    return set_password(engine, username, new, actor=normalize_username(username))


# --------------------------------------------------------------------------- logging in


def _throttle_key(username: str) -> str:
    return normalize_username(username)[:MAX_USERNAME]


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def login(
    engine: Engine,
    username: str,
    password: str,
    *,
    via: str = "password",
    client: str | None = None,
) -> LoginResult:
    """Check a user name and password, throttled per typed user name and per client address.

    During a backoff wait (lawstats.store.throttle) an attempt is 'locked' without checking the
    password or counting, so the right password after the wait works and nobody can keep an
    account locked. At most LAWSTATS_LOGIN_MAX_CONCURRENT password checks run at once; another
    attempt is 'busy' at once. The password is checked outside any write transaction. Records
    the outcome in the audit log (never the password). An unknown user, a wrong password and a
    disabled account all give status 'invalid'.
    """
    key = _throttle_key(username)
    client = throttle.client_key(client)
    clients = throttle.clients
    now = store.now()
    wait = clients.wait_s(client, now)
    row = None
    if key:
        with store.connect(engine) as conn:
            if not clients.trusted(key, client, now):
                wait = max(wait, throttle.account_wait_s(conn, key, now))
            if not wait:
                row = conn.execute(
                    sa.select(store.users).where(store.users.c.username == key)
                ).first()
    if wait:
        if clients.log_refusal(str(engine.url), key, client, now):
            with store.transaction(engine, bump_version=False) as conn:
                store.audit(conn, key or "?", "login_locked", key, via=via, client=client)
        return LoginResult(None, "locked", wait)
    slot = throttle.check_slots()
    if not slot.acquire(blocking=False):
        return LoginResult(None, "busy")
    try:
        dummy = _dummy_hash()  # made at the first login, known user or not: the same time
        checked_hash = row.password_hash if row is not None else dummy
        ok = _verify(checked_hash, password or "") and row is not None
        new_hash = (
            _hasher.hash(password) if ok and _hasher.check_needs_rehash(checked_hash) else None
        )
    finally:
        slot.release()
    with store.transaction(engine, bump_version=False) as conn:
        current = (
            conn.execute(sa.select(store.users).where(store.users.c.username == key)).first()
            if ok
            else None
        )
        # the account as checked: not disabled or given a new password meanwhile
        if current is None or not current.active or current.password_hash != checked_hash:
            if key:
                throttle.record_account_failure(conn, key, now)
            clients.failed(client, now)
            store.audit(conn, key or "?", "login_failed", key, via=via, client=client)
            return LoginResult(None, "invalid")
        values: dict = {"last_login_at": now}
        if new_hash is not None:
            values["password_hash"] = new_hash
        conn.execute(store.users.update().where(store.users.c.username == key).values(**values))
        throttle.forget_account(conn, key)
        store.audit(conn, key, "login", key, via=via, client=client)
    clients.trust(key, client, now)
    return LoginResult(_user_from_row(current), "ok")


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    """The active user for these credentials, or None (wrong, unknown, disabled or throttled)."""
    return login(engine, username, password).user


def record_logout(engine: Engine, username: str) -> None:
    with store.transaction(engine, bump_version=False) as conn:
        store.audit(conn, username, "logout", username)
