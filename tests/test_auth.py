"""Accounts and roles: argon2 hashes, role order, region scoping (default deny), login throttle, users CLI."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from etl.cli import main as etl_main
from lawstats import store
from lawstats.store import auth
from lawstats.store.auth import User

TIANSHUI, QINZHOU, MAIJI, LANZHOU, CHENGGUAN = "620500", "620502", "620503", "620100", "620102"
PW = "correct horse 1"


def user(role: str, regions=(), active: bool = True) -> User:
    return User("u", "U", role, tuple(regions), active)


# --------------------------------------------------------------------------- pure role logic


@pytest.mark.parametrize(
    "role, wanted, expected",
    [
        ("viewer", "viewer", True),
        ("viewer", "analyst", False),
        ("analyst", "viewer", True),
        ("analyst", "analyst", True),
        ("analyst", "admin", False),
        ("admin", "analyst", True),
        ("admin", "admin", True),
        ("superuser", "viewer", False),  # unknown role: nothing
    ],
)
def test_role_order(role, wanted, expected):
    assert user(role).has_role(wanted) is expected


@pytest.mark.parametrize(
    "role, regions, region, expected",
    [
        ("admin", (), LANZHOU, True),
        ("analyst", (TIANSHUI,), TIANSHUI, True),  # the assigned region itself
        ("analyst", (TIANSHUI,), QINZHOU, True),  # a descendant
        ("analyst", (TIANSHUI,), LANZHOU, False),  # another city
        ("analyst", (TIANSHUI,), CHENGGUAN, False),  # a county of another city
        ("analyst", (QINZHOU,), MAIJI, False),  # a sibling county
        ("analyst", (QINZHOU,), TIANSHUI, False),  # the parent
        ("analyst", (QINZHOU, MAIJI), MAIJI, True),
        ("analyst", (), QINZHOU, False),  # no assignment: default deny
        ("viewer", (TIANSHUI,), QINZHOU, False),  # viewers never write
        ("analyst", (TIANSHUI,), "999999", False),  # unknown region
    ],
)
def test_can_write(role, regions, region, expected):
    assert user(role, regions).can_write(region) is expected


def test_disabled_user_may_do_nothing():
    for role in auth.ROLES:
        u = user(role, (TIANSHUI,), active=False)
        assert not u.can_write(QINZHOU)
        assert not u.has_role("viewer")
        assert u.allowed_regions() == set()


def test_allowed_regions():
    assert user("admin").allowed_regions() is None
    scoped = user("analyst", (TIANSHUI,)).allowed_regions()
    assert {TIANSHUI, QINZHOU, MAIJI} <= scoped
    assert LANZHOU not in scoped and CHENGGUAN not in scoped
    assert len(scoped) == 8  # the city and its 7 county-level units
    assert user("analyst", (QINZHOU,)).allowed_regions() == {QINZHOU}
    assert user("analyst").allowed_regions() == set()
    assert user("viewer", (TIANSHUI,)).allowed_regions() == set()


# --------------------------------------------------------------------------- accounts in the store


def _audit(engine) -> list[tuple[str, str, str, str]]:
    with store.connect(engine) as conn:
        rows = conn.execute(
            sa.select(
                store.audit_log.c.actor,
                store.audit_log.c.action,
                store.audit_log.c.target,
                store.audit_log.c.detail,
            ).order_by(store.audit_log.c.id)
        ).all()
    return [tuple(str(v) for v in r) for r in rows]


def test_password_is_stored_as_argon2_hash(engine):
    auth.add_user(engine, "Zhang", PW, "analyst", [TIANSHUI], "张三", actor="tester")
    with store.connect(engine) as conn:
        row = conn.execute(sa.select(store.users)).one()
    assert row.username == "zhang"  # user names are case-insensitive
    assert row.password_hash.startswith("$argon2id$")
    assert PW not in row.password_hash
    assert row.regions == TIANSHUI and row.active
    assert auth.get_user(engine, "ZHANG") == User("zhang", "张三", "analyst", (TIANSHUI,), True)
    # the password never reaches the audit log
    assert all(PW not in " ".join(r) for r in _audit(engine))
    assert ("tester", "user_add", "zhang") == _audit(engine)[0][:3]


def test_authenticate(engine):
    auth.add_user(engine, "li", PW, "viewer")
    assert auth.authenticate(engine, "li", PW) == User("li", "li", "viewer", (), True)
    assert auth.authenticate(engine, " LI ", PW) is not None
    assert auth.authenticate(engine, "li", PW + "x") is None
    assert auth.authenticate(engine, "li", "") is None
    assert auth.authenticate(engine, "nobody", PW) is None
    assert auth.list_accounts(engine)[0].last_login_at is not None
    actions = [r[1] for r in _audit(engine)]
    assert actions.count("login") == 2 and actions.count("login_failed") == 3
    assert all(PW not in " ".join(r) for r in _audit(engine))


def test_unknown_user_and_wrong_password_look_the_same(engine):
    auth.add_user(engine, "li", PW, "viewer")
    wrong = auth.login(engine, "li", "nope")
    unknown = auth.login(engine, "ghost", "nope")
    assert (wrong.user, wrong.status) == (unknown.user, unknown.status) == (None, "invalid")


def test_disabled_user_cannot_log_in(engine):
    auth.add_user(engine, "admin", PW, "admin")
    auth.add_user(engine, "li", PW, "analyst", [QINZHOU])
    auth.set_active(engine, "li", False, actor="admin")
    assert auth.authenticate(engine, "li", PW) is None
    assert auth.login(engine, "li", PW).status == "invalid"
    auth.set_active(engine, "li", True, actor="admin")
    assert auth.authenticate(engine, "li", PW) is not None


def test_failed_logins_are_throttled_per_name(engine, monkeypatch):
    monkeypatch.setenv("LAWSTATS_LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("LAWSTATS_LOGIN_LOCK_MINUTES", "10")
    auth.add_user(engine, "li", PW, "viewer")
    for _ in range(3):
        assert auth.login(engine, "li", "bad").status == "invalid"
    locked = auth.login(engine, "li", PW)  # even the right password waits now
    assert locked.status == "locked" and locked.user is None and 0 < locked.retry_after_s <= 600
    # an unknown name is throttled exactly alike (nothing reveals which names exist)
    for _ in range(3):
        auth.login(engine, "ghost", "bad")
    assert auth.login(engine, "ghost", "bad").status == "locked"
    # other names are not affected
    auth.add_user(engine, "wang", PW, "viewer")
    assert auth.authenticate(engine, "wang", PW) is not None
    # after the lock expires the right password works and resets the counter
    later = store.now() + timedelta(minutes=11)
    monkeypatch.setattr(store, "now", lambda: later)
    assert auth.login(engine, "li", PW).status == "ok"
    assert auth.login(engine, "li", "bad").status == "invalid"
    assert auth.login(engine, "li", PW).status == "ok"


def test_logins_do_not_change_the_data_version(engine):
    auth.add_user(engine, "li", PW, "viewer")
    before = store.data_version(engine)
    auth.authenticate(engine, "li", PW)
    auth.authenticate(engine, "li", "wrong")
    assert store.data_version(engine) == before


def test_account_changes(engine):
    auth.add_user(engine, "admin", PW, "admin")
    auth.add_user(engine, "li", PW, "viewer")
    u = auth.set_role(engine, "li", "analyst", [QINZHOU, MAIJI], actor="admin")
    assert (u.role, u.regions) == ("analyst", (QINZHOU, MAIJI))
    assert auth.set_regions(engine, "li", [TIANSHUI], actor="admin").regions == (TIANSHUI,)
    assert auth.set_display_name(engine, "li", "李四", actor="admin").display_name == "李四"
    auth.set_password(engine, "li", "another pass 2", actor="admin")
    assert auth.authenticate(engine, "li", PW) is None
    assert auth.authenticate(engine, "li", "another pass 2") is not None
    actions = [r[1] for r in _audit(engine)]
    for action in ("user_set_role", "user_set_regions", "user_rename", "user_passwd"):
        assert action in actions
    assert all("another pass 2" not in " ".join(r) for r in _audit(engine))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"username": "li"}, "已存在"),
        ({"username": "new", "role": "root"}, "未知角色"),
        ({"username": "new", "regions": ["999999"]}, "未知地区"),
        ({"username": "has space"}, "用户名"),
        ({"username": ""}, "用户名"),
        ({"username": "new", "password": ""}, "密码"),
    ],
)
def test_add_user_refusals(engine, kwargs, message):
    auth.add_user(engine, "li", PW, "viewer")
    args = {"username": "x", "password": PW, "role": "viewer", "regions": ()} | kwargs
    with pytest.raises(auth.AuthError, match=message):
        auth.add_user(engine, args["username"], args["password"], args["role"], args["regions"])


def test_last_admin_cannot_be_removed(engine):
    auth.add_user(engine, "root", PW, "admin")
    with pytest.raises(auth.AuthError, match="最后一个管理员"):
        auth.set_active(engine, "root", False)
    with pytest.raises(auth.AuthError, match="最后一个管理员"):
        auth.set_role(engine, "root", "viewer")
    auth.add_user(engine, "root2", PW, "admin")
    assert auth.set_role(engine, "root", "viewer").role == "viewer"


def test_resolve_regions_accepts_names():
    assert auth.resolve_regions(["秦州区", "天水市麦积区", TIANSHUI]) == (QINZHOU, MAIJI, TIANSHUI)
    with pytest.raises(auth.AuthError):
        auth.resolve_regions(["朝阳区"])  # ambiguous


def test_password_policy():
    with pytest.raises(auth.AuthError):
        auth.check_password_policy("short")
    auth.check_password_policy("long enough")


# --------------------------------------------------------------------------- users CLI


def _cli(args: list[str], db: str, monkeypatch, stdin: str | None = None) -> int:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return etl_main([*args, "--db", db])


def test_users_cli(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "cli.duckdb")
    monkeypatch.delenv("LAWSTATS_USER_PASSWORD", raising=False)
    secret = "cli secret 123"
    assert (
        _cli(
            ["users", "add", "boss", "--role", "admin", "--password-stdin"],
            db,
            monkeypatch,
            secret + "\n",
        )
        == 0
    )
    monkeypatch.setenv("LAWSTATS_USER_PASSWORD", secret)
    assert (
        _cli(
            ["users", "add", "li", "--role", "analyst", "--region", "秦州区", "--name", "李四"],
            db,
            monkeypatch,
        )
        == 0
    )
    # an analyst needs a region; duplicates and short passwords are refused (exit 1)
    assert _cli(["users", "add", "wang", "--role", "analyst"], db, monkeypatch) == 1
    assert _cli(["users", "add", "li", "--role", "viewer"], db, monkeypatch) == 1
    monkeypatch.setenv("LAWSTATS_USER_PASSWORD", "short")
    assert _cli(["users", "add", "zhao", "--role", "viewer"], db, monkeypatch) == 1
    # no password at all (no stdin flag, no env, not a terminal): usage error
    monkeypatch.delenv("LAWSTATS_USER_PASSWORD")
    assert _cli(["users", "add", "zhao", "--role", "viewer"], db, monkeypatch, "") == 2
    assert _cli(["users", "set-role", "li", "analyst", "--region", "麦积区"], db, monkeypatch) == 0
    assert _cli(["users", "disable", "li"], db, monkeypatch) == 0
    assert _cli(["users", "disable", "boss"], db, monkeypatch) == 1  # the last admin
    assert _cli(["users", "disable", "ghost"], db, monkeypatch) == 1
    capsys.readouterr()
    assert _cli(["users", "list", "--json"], db, monkeypatch) == 0
    out = capsys.readouterr()
    listed = {u["username"]: u for u in json.loads(out.out)}
    assert listed["li"]["regions"] == [MAIJI] and listed["li"]["active"] is False
    assert listed["li"]["display_name"] == "李四" and listed["boss"]["role"] == "admin"
    engine = store.get_engine(db)
    assert auth.authenticate(engine, "boss", secret) is not None
    assert auth.authenticate(engine, "li", secret) is None  # disabled
    assert _cli(["users", "enable", "li"], db, monkeypatch) == 0
    new = "new secret 456"
    assert _cli(["users", "passwd", "li", "--password-stdin"], db, monkeypatch, new + "\n") == 0
    assert auth.authenticate(engine, "li", new) is not None
    everything = capsys.readouterr()
    assert (
        secret not in everything.out + everything.err and new not in everything.out + everything.err
    )
    assert all(secret not in " ".join(r) and new not in " ".join(r) for r in _audit(engine))


def test_demo_accounts_only_on_demo_databases(engine):
    from lawstats.demo import database as demodb

    demodb.ensure_demo_accounts(engine)  # not a demo database: nothing
    assert auth.count_users(engine, active_only=False) == 0
    with store.transaction(engine) as conn:
        store.set_meta(conn, "is_demo", "true")
    demodb.ensure_demo_accounts(engine)  # an older demo database without accounts
    admin = auth.authenticate(engine, demodb.DEMO_ADMIN_USERNAME, demodb.DEMO_ADMIN_PASSWORD)
    assert admin is not None and admin.role == "admin"
    analyst = auth.get_user(engine, demodb.DEMO_ANALYST_USERNAME)
    assert analyst.regions == ("620502",) and analyst.role == "analyst"
    demodb.ensure_demo_accounts(engine)  # idempotent
    assert auth.count_users(engine, active_only=False) == 2
