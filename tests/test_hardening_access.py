"""Issue 16 hardening: demo mode ends at the first real data, login throttling without lock-out,
single sign-on claims and expiry, the loopback bind, the export formula guard and plain-text
file names on the pages."""

from __future__ import annotations

import ast
import csv
import io
import os
import shutil
import socket
import string
import subprocess
import sys
import threading
import time
import tomllib
from datetime import datetime, timedelta

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from etl.cli import main
from lawstats import store
from lawstats.demo import database as demodb
from lawstats.domain import safecell
from lawstats.domain.periods import Period
from lawstats.i18n import t
from lawstats.store import auth, demo_mode, sso, throttle
from lawstats.store.revisions import BatchInfo, write_facts
from lawstats.ui.plain_text import md_escape
from tests.browser_support import free_port, stop, wait_healthy
from tests.conftest import ROOT
from tests.page_support import page_alone
from tests.test_workspace import QINZHOU, TIANSHUI, tianshui_rows, wide_xlsx

PW = "hardening pw 1"
DEMO_PW = demodb.DEMO_ADMIN_PASSWORD
DEMO_HINT = t("auth_demo_hint", username=demodb.DEMO_ADMIN_USERNAME, password=DEMO_PW)


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """The client throttle lives in process memory: every test starts and ends without it."""
    throttle.clients.clear()
    yield
    throttle.clients.clear()


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def texts(at: AppTest) -> list[str]:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in (at.info, at.warning, at.error, at.success, at.title, at.subheader, at.header):
        parts += [x.value for x in kind]
    return [str(p) for p in parts]


def write_real_batch(engine, name: str = "real.xlsx", value: float = 7.0) -> None:
    y = Period.year(2024)
    with store.transaction(engine) as conn:
        write_facts(
            conn,
            BatchInfo(name, name.encode().hex().ljust(64, "0")[:64], "spreadsheet", "tianshui"),
            pd.DataFrame(
                [
                    {
                        "region_code": QINZHOU,
                        "period_start": y.start,
                        "period_end": y.end,
                        "indicator_code": "mediation_cases",
                        "value": value,
                    }
                ]
            ),
        )


def add_spelling(engine, spelling: str) -> None:
    with store.transaction(engine, bump_version=False) as conn:
        conn.execute(
            store.header_spellings.insert().values(
                spelling=spelling,
                indicator_code="mediation_cases",
                created_by="boss",
                created_at=store.now(),
                active=True,
            )
        )


def count(engine, table) -> int:
    with store.connect(engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


@pytest.fixture
def demo_copy(demo_copy, monkeypatch):
    """conftest's private demo copy as an engine, served with LAWSTATS_REQUIRE_LOGIN=auto."""
    monkeypatch.delenv("LAWSTATS_REQUIRE_LOGIN", raising=False)
    return store.get_engine(demo_copy)


@pytest.fixture
def real_db(tmp_path, monkeypatch):
    path = tmp_path / "real.duckdb"
    monkeypatch.setenv("LAWSTATS_DB_URL", str(path))
    monkeypatch.delenv("LAWSTATS_REQUIRE_LOGIN", raising=False)
    engine = store.get_engine(str(path))
    auth.add_user(engine, "boss", PW, "admin")
    auth.add_user(engine, "tianshui", PW, "analyst", [TIANSHUI])
    return engine


def run_app(user: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if user:
        at.session_state["auth_user"] = user
    at.run()
    ok(at)
    return at


# --------------------------------------------------------------------------- 3. demo ends at the first real data


def demo_accounts_fail(engine) -> bool:
    return all(
        auth.login(engine, name, DEMO_PW).user is None
        for name in (demodb.DEMO_ADMIN_USERNAME, demodb.DEMO_ANALYST_USERNAME)
    )


def test_a_demo_database_is_public_until_real_data(demo_copy):
    assert demo_mode.is_demo(demo_copy)
    demodb.check_replaceable(demo_copy)  # a demo database may be rebuilt
    at = run_app()
    assert at.metric and t("auth_login_title") not in [x.value for x in at.title]
    assert auth.login(demo_copy, "admin", DEMO_PW).user is not None


def test_one_real_batch_ends_demo_mode_for_good(demo_copy):
    write_real_batch(demo_copy)
    assert not demo_mode.is_demo(demo_copy)
    with store.connect(demo_copy) as conn:
        assert store.get_meta(conn, "is_demo") == "false"
        assert store.get_meta(conn, demo_mode.REAL_SINCE_KEY)
    assert demo_accounts_fail(demo_copy)
    assert not auth.get_user(demo_copy, "admin").active
    # the demo accounts do not come back, and re-enabling one does not bring lawstats-demo back
    demodb.ensure_demo_accounts(demo_copy)
    auth.add_user(demo_copy, "boss", PW, "admin")
    auth.set_active(demo_copy, "admin", True, actor="boss")
    assert demo_accounts_fail(demo_copy)

    # the pages: a login is needed, the demo hint and the demo accounts are gone
    at = run_app()
    assert at.title[0].value == t("auth_login_title") and not at.metric
    assert DEMO_HINT not in [i.value for i in at.info]
    at.text_input(key="login_username").input("admin")
    at.text_input(key="login_password").input(DEMO_PW)
    at.button[0].click().run()
    ok(at)
    assert t("auth_invalid") in [e.value for e in at.error]
    assert "auth_user" not in at.session_state
    # logged in as a real user: no demo banner
    at = run_app(user="boss")
    assert at.metric
    assert t("demo_banner") not in [i.value for i in at.info]


def test_one_real_account_ends_demo_mode(demo_copy):
    auth.add_user(demo_copy, "li", PW, "viewer", actor="admin")
    assert not demo_mode.is_demo(demo_copy)
    assert demo_accounts_fail(demo_copy)
    assert auth.login(demo_copy, "li", PW).user is not None
    with store.connect(demo_copy) as conn:
        actions = [r.action for r in conn.execute(sa.select(store.audit_log.c.action))]
    assert "demo_ended" in actions
    at = run_app()
    assert at.title[0].value == t("auth_login_title")


def test_a_demo_database_that_took_real_data_before_the_rule_is_ended_too(demo_copy):
    """The observed case: real batches loaded into a demo database by an earlier version, which
    left it marked demo, public, and with admin / lawstats-demo working."""
    with store.connect(demo_copy) as conn:
        admin_hash = conn.execute(
            sa.select(store.users.c.password_hash).where(store.users.c.username == "admin")
        ).scalar_one()
    write_real_batch(demo_copy)
    u = store.users
    with store.transaction(demo_copy) as conn:  # undo what the new rule recorded
        conn.execute(store.meta.delete().where(store.meta.c.key == demo_mode.REAL_SINCE_KEY))
        store.set_meta(conn, "is_demo", "true")
        conn.execute(
            u.update().where(u.c.username.in_(demo_mode.DEMO_USERNAMES)).values(active=True)
        )
        conn.execute(u.update().where(u.c.username == "admin").values(password_hash=admin_hash))
    assert not demo_mode.is_demo(demo_copy)
    assert demo_accounts_fail(demo_copy)
    with pytest.raises(store.StoreError):
        demodb.check_replaceable(demo_copy, force=True)


@pytest.mark.parametrize("command", ["demo", "demo --force", "synth --months 1 --counties 1"])
def test_etl_demo_and_synth_refuse_a_database_that_held_real_data(demo_copy, command, capsys):
    write_real_batch(demo_copy)
    add_spelling(demo_copy, "化解矛盾数（件）")
    batches_before = count(demo_copy, store.batches)
    url = str(demo_copy.url.database)
    assert main([*command.split()[:1], "--db", url, *command.split()[1:]]) == 2
    err = capsys.readouterr().err
    assert "示例数据不会覆盖它" in err and "refusing to overwrite this database" in err
    assert "--force" in err  # says that --force does not override it
    assert count(demo_copy, store.batches) == batches_before
    assert count(demo_copy, store.header_spellings) == 1


@pytest.mark.parametrize("what", ["account", "spellings"])
def test_real_accounts_or_learned_mappings_alone_are_refused_too(tmp_path, what, capsys):
    engine = store.get_engine(str(tmp_path / "x.duckdb"))
    if what == "account":
        auth.add_user(engine, "boss", PW, "admin")
    else:
        add_spelling(engine, "化解矛盾数（件）")
    assert main(["demo", "--db", str(tmp_path / "x.duckdb"), "--force"]) == 2
    assert "--force" in capsys.readouterr().err


def test_the_pages_warn_before_the_first_real_data(demo_copy):
    at = page_alone("pages/upload.py")
    at.session_state["auth_user"] = "admin"
    at.run()
    ok(at)
    assert t("up_demo_first_real") in [w.value for w in at.warning]
    at = page_alone("pages/admin.py")
    at.session_state["auth_user"] = "admin"
    at.run()
    ok(at)
    assert t("admin_demo_first_account") in [w.value for w in at.warning]


def test_the_demo_user_who_loads_the_first_real_file_is_told_and_logged_out(demo_copy):
    at = page_alone("pages/upload.py")
    at.session_state["auth_user"] = demodb.DEMO_ANALYST_USERNAME
    at.run()
    ok(at)
    data = wide_xlsx(tianshui_rows(counties=["秦州区"]))
    at.file_uploader(key="up_files").set_value([("秦州区.xlsx", data, "application/x")]).run()
    ok(at)
    for box in at.checkbox:
        if box.key and box.key.startswith("confirm_"):
            box.check().run()
    next(b for b in at.button if b.label == t("up_commit")).click().run()
    ok(at)
    assert not demo_mode.is_demo(demo_copy)
    assert "auth_user" not in at.session_state
    assert t("auth_demo_ended") in [w.value for w in at.warning]
    assert demo_accounts_fail(demo_copy)


# --------------------------------------------------------------------------- 4. throttling without lock-out


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(store, "now", c)
    monkeypatch.setenv("LAWSTATS_LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("LAWSTATS_LOGIN_CLIENT_MAX_FAILURES", "3")
    monkeypatch.setenv("LAWSTATS_LOGIN_BACKOFF_BASE_S", "5")
    monkeypatch.setenv("LAWSTATS_LOGIN_BACKOFF_MAX_S", "60")
    return c


@pytest.fixture
def accounts(tmp_path):
    engine = store.get_engine(str(tmp_path / "accounts.duckdb"))
    auth.add_user(engine, "admin", PW, "admin")
    auth.add_user(engine, "li", PW, "viewer")
    return engine


def test_a_wait_not_a_lock_and_waiting_attempts_do_not_lengthen_it(accounts, clock):
    for _ in range(3):
        assert auth.login(accounts, "admin", "wrong guess").status == "invalid"
    first = auth.login(accounts, "admin", PW)  # even the right password waits now
    assert first.status == "locked" and first.user is None and 0 < first.retry_after_s <= 5
    clock.advance(2)
    for _ in range(50):  # an attacker hammering during the wait is refused unchecked
        assert auth.login(accounts, "admin", "wrong guess").status == "locked"
    assert auth.login(accounts, "admin", PW).retry_after_s == first.retry_after_s - 2
    clock.advance(first.retry_after_s - 2)
    assert auth.login(accounts, "admin", PW).user is not None  # after the wait it works


def guess_until_checked(engine, clock, n: int, client: str | None = None) -> int:
    """An attacker's best: guess again the moment each wait ends, until `n` guesses were
    checked (the last attempt is a checked failure); returns the longest wait seen."""
    longest, checked = 0, 0
    while checked < n:
        r = auth.login(engine, "admin", "wrong guess", client=client)
        if r.status == "locked":
            longest = max(longest, r.retry_after_s)
            clock.advance(r.retry_after_s)
        else:
            assert r.status == "invalid"
            checked += 1
    return longest


def test_the_wait_is_capped_however_many_failures(accounts, clock):
    assert guess_until_checked(accounts, clock, 30) == 60  # LAWSTATS_LOGIN_BACKOFF_MAX_S
    r = auth.login(accounts, "admin", PW)
    assert r.status == "locked" and r.retry_after_s == 60
    clock.advance(60)
    assert auth.login(accounts, "admin", PW).user is not None


def test_an_attacker_cannot_keep_admin_waiting(accounts, clock):
    """The attacker guesses again the moment every wait ends; its own client's wait outgrows
    the account's, so the owner, on a machine that never logged in before, gets in."""
    attacker, owner = "10.0.0.66", "10.0.0.7"
    guess_until_checked(accounts, clock, 20, client=attacker)
    assert throttle.clients.wait_s(attacker, clock()) > 60
    r = auth.login(accounts, "admin", PW, client=owner)
    if r.status == "locked":
        assert r.retry_after_s <= 60
        clock.advance(r.retry_after_s)
    assert auth.login(accounts, "admin", "guess", client=attacker).status == "locked"
    assert auth.login(accounts, "admin", PW, client=owner).user is not None


def test_a_client_that_logged_in_before_skips_the_accounts_wait(accounts, clock):
    owner = "10.0.0.7"
    assert auth.login(accounts, "admin", PW, client=owner).user is not None
    for i in range(6):
        auth.login(accounts, "admin", "guess", client=f"10.9.0.{i}")
    assert auth.login(accounts, "admin", PW, client="10.0.0.8").status == "locked"
    assert auth.login(accounts, "admin", PW, client=owner).user is not None


def test_a_client_guessing_many_names_waits_per_client(accounts, clock):
    client = "10.0.0.66"
    for i in range(3):
        assert auth.login(accounts, f"name{i}", "guess", client=client).status == "invalid"
    r = auth.login(accounts, "li", PW, client=client)  # a fresh name: still this client's wait
    assert r.status == "locked"
    assert auth.login(accounts, "li", PW, client="10.0.0.9").user is not None


def test_concurrent_password_checks_beyond_the_cap_are_refused_at_once(accounts, monkeypatch):
    monkeypatch.setenv("LAWSTATS_LOGIN_MAX_CONCURRENT", "1")
    entered, release = threading.Event(), threading.Event()
    real_verify = auth._verify
    calls = []

    def slow_verify(password_hash: str, password: str) -> bool:
        calls.append(password)
        entered.set()
        release.wait(20)
        return real_verify(password_hash, password)

    monkeypatch.setattr(auth, "_verify", slow_verify)
    results = {}
    first = threading.Thread(target=lambda: results.update(a=auth.login(accounts, "admin", PW)))
    first.start()
    try:
        assert entered.wait(20)
        t0 = time.monotonic()
        busy = auth.login(accounts, "li", PW)
        assert time.monotonic() - t0 < 1.0
        assert busy.status == "busy" and busy.user is None
        assert len(calls) == 1  # the refused attempt checked no password
    finally:
        release.set()
        first.join(30)
    assert results["a"].user is not None
    assert count(accounts, store.login_attempts) == 0  # 'busy' is not a failure
    with pytest.raises(auth.AuthError, match="登录过于频繁"):
        entered.clear()
        release.clear()
        t2 = threading.Thread(target=lambda: auth.login(accounts, "admin", PW))
        t2.start()
        try:
            assert entered.wait(20)
            auth.change_own_password(accounts, "li", PW, "another pw 22")
        finally:
            release.set()
            t2.join(30)


def test_the_login_form_tells_how_long_to_wait(real_db, monkeypatch):
    monkeypatch.setenv("LAWSTATS_LOGIN_MAX_FAILURES", "1")
    at = run_app()
    for password in ("wrong password", PW):
        at.text_input(key="login_username").input("tianshui")
        at.text_input(key="login_password").input(password)
        at.button[0].click().run()
        ok(at)
    errors = [e.value for e in at.error]
    assert any(e.startswith("登录失败次数过多，请 ") and "秒后再试" in e for e in errors), errors
    assert "auth_user" not in at.session_state


# --------------------------------------------------------------------------- 4. single sign-on


def test_sso_claims_are_checked(monkeypatch):
    good = {"email": "li@sfj.example.gov.cn", "email_verified": True}
    assert sso.sso_refusal(good) is None
    assert sso.sso_refusal({"email_verified": True}) == "no_email"
    assert sso.sso_refusal({"email": "a@b@c.cn", "email_verified": True}) == "no_email"
    assert sso.sso_refusal({"email": "li@sfj.example.gov.cn"}) == "unverified"
    assert sso.sso_refusal({**good, "email_verified": "false"}) == "unverified"
    monkeypatch.setenv("LAWSTATS_SSO_REQUIRE_VERIFIED_EMAIL", "false")
    assert sso.sso_refusal({"email": "li@sfj.example.gov.cn"}) is None
    monkeypatch.setenv("LAWSTATS_SSO_ALLOWED_DOMAINS", "sfj.example.gov.cn, @other.cn")
    assert sso.sso_refusal(good) is None
    assert sso.sso_refusal({**good, "email": "li@other.cn"}) is None
    assert sso.sso_refusal({**good, "email": "li@evil.cn"}) == "domain"
    assert sso.sso_refusal({**good, "email": "li@x.sfj.example.gov.cn"}) == "domain"


def test_sso_expires_like_a_password_login(monkeypatch):
    monkeypatch.setenv("LAWSTATS_SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("LAWSTATS_SESSION_MAX_HOURS", "12")
    sessions = sso.SsoSessions()
    now = 1_800_000_000.0
    claims = {"email": "li@sfj.example.gov.cn", "iat": now}
    assert sessions.touch(claims, now)
    assert sessions.touch(claims, now + 29 * 60)
    assert not sessions.touch(claims, now + 60 * 60)  # 31 minutes idle
    assert not sessions.touch(claims, now + 60 * 60 + 1)  # and it stays refused
    fresh = {**claims, "iat": now + 61 * 60}  # a new st.login() brings a new token
    assert sessions.touch(fresh, now + 61 * 60)
    old = {"email": "li@sfj.example.gov.cn", "iat": now - 13 * 3600}
    assert not sessions.touch(old, now)  # the absolute limit counts from the token's login
    sessions.end(fresh, now + 62 * 60)
    assert not sessions.touch(fresh, now + 62 * 60)  # logged out: refused in every tab


SSO_SCRIPT = """
import streamlit as st
from lawstats.ui import auth_ui
user = auth_ui.current_user()
st.text(user.username if user else "-")
st.text(st.session_state.get("auth_notice") or "")
"""


@pytest.mark.parametrize(
    ("claims", "shown", "notice"),
    [
        ({"email": "li@sfj.example.gov.cn", "email_verified": True}, "li@sfj.example.gov.cn", ""),
        ({"email": "li@sfj.example.gov.cn"}, "-", "auth_sso_unverified"),
        ({"email": "x@evil.cn", "email_verified": True}, "-", "auth_sso_domain"),
        (
            {"email": "nobody@sfj.example.gov.cn", "email_verified": True},
            "-",
            "auth_sso_no_account",
        ),
        (
            {"email": "li@sfj.example.gov.cn", "email_verified": True, "iat": time.time() - 86400},
            "-",
            "auth_expired",
        ),
    ],
)
def test_the_sso_path_checks_claims_and_expiry(real_db, monkeypatch, claims, shown, notice):
    from lawstats.ui import auth_ui

    monkeypatch.setenv("LAWSTATS_SSO", "true")
    monkeypatch.setenv("LAWSTATS_SSO_ALLOWED_DOMAINS", "sfj.example.gov.cn")
    auth.add_user(real_db, "li@sfj.example.gov.cn", PW, "viewer")
    monkeypatch.setattr(auth_ui, "_sso_claims", lambda: dict(claims))
    monkeypatch.setattr(sso, "sso_sessions", sso.SsoSessions())
    at = AppTest.from_string(SSO_SCRIPT, default_timeout=60)
    at.run()
    ok(at)
    assert [x.value for x in at.text] == [shown, notice]
    assert notice == "" or t(notice)  # each refusal has its message


# --------------------------------------------------------------------------- 5. network


def test_the_default_bind_is_loopback():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    start = (ROOT / "scripts" / "start").read_text(encoding="utf-8")
    assert 'ADDRESS="${LAWSTATS_BIND:-127.0.0.1}"' in start
    assert '--server.address "$ADDRESS"' in start
    assert (ROOT / "docs" / "deployment-security.md").is_file()


def _fake_start(tmp_path):
    """scripts/start in a copy whose _env.sh installs nothing and whose .venv python only
    records its arguments."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "start", tmp_path / "scripts" / "start")
    (tmp_path / "scripts" / "_env.sh").write_text(
        "set -euo pipefail\n"
        'ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"\n'
        'cd "$ROOT"\nVENV="$ROOT/.venv"\nensure_venv() { :; }\n',
        encoding="utf-8",
    )
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text('#!/bin/sh\necho "$*" >> "$(dirname "$0")/calls.log"\n', encoding="utf-8")
    python.chmod(0o755)
    return python.parent / "calls.log"


@pytest.mark.parametrize(
    ("args", "bind", "expected"),
    [
        ([], None, "127.0.0.1"),
        ([], "0.0.0.0", "0.0.0.0"),
        (["--address", "10.1.2.3", "--port", "8600"], None, "10.1.2.3"),
    ],
)
def test_scripts_start_passes_the_bind_address(tmp_path, args, bind, expected):
    log = _fake_start(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "LAWSTATS_BIND"}
    env["LAWSTATS_DB_URL"] = str(tmp_path / "x.duckdb")
    if bind:
        env["LAWSTATS_BIND"] = bind
    out = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "start"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    run_line = log.read_text(encoding="utf-8").splitlines()[-1]
    port = "8600" if "--port" in args else "8501"
    assert run_line == (
        f"-m streamlit run lawstats/ui/asgi.py --server.port {port} --server.address {expected}"
    )
    assert ("warning" in out.stderr) == (expected == "0.0.0.0")


def test_scripts_start_refuses_a_bad_port(tmp_path):
    _fake_start(tmp_path)
    out = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "start"), "--port", "80; rm"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and "--port" in out.stderr


def _listening(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp*) listening on `port`."""
    found = set()
    for name in ("tcp", "tcp6"):
        path = f"/proc/net/{name}"
        if not os.path.exists(path):
            continue
        with open(path, encoding="ascii") as f:
            next(f)
            for line in f:
                local, state = line.split()[1], line.split()[3]
                address, _, hex_port = local.partition(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


def _other_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses (none on a machine without a network)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
            address = s.getsockname()[0]
    except OSError:
        return []
    return [] if address.startswith("127.") or address == "0.0.0.0" else [address]


def test_the_server_listens_on_loopback_only(tmp_path):
    if not os.path.exists("/proc/net/tcp"):
        pytest.skip("needs /proc/net/tcp")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_SERVER_ADDRESS")}
    env["LAWSTATS_DB_URL"] = str(tmp_path / "bind.duckdb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_healthy(proc, port, 60)
        assert _listening(port) == {"0100007F"}  # 127.0.0.1, not 0.0.0.0 nor ::
        for address in _other_addresses():
            with socket.socket() as s, pytest.raises(OSError):
                s.settimeout(2)
                s.connect((address, port))
    finally:
        stop(proc)


# --------------------------------------------------------------------------- 5. exports


FORMULAS = [
    "=1+1",
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
]
HARMLESS = ["秦州区", "1,2", "http://x"]


def _frame() -> pd.DataFrame:
    texts_ = FORMULAS + HARMLESS
    return pd.DataFrame(
        {
            "text": texts_,
            "category": pd.Categorical(texts_),
            "=header": list(range(len(texts_))),
        }
    )


def test_safe_cell_quotes_every_formula_start():
    for value in FORMULAS:
        assert safecell.safe_cell(value) == "'" + value, repr(value)
    for value in HARMLESS + [5, None, -3.5]:
        assert safecell.safe_cell(value) == value


def test_csv_export_quotes_formulas_and_keeps_rows_whole():
    data = safecell.to_csv_bytes(_frame())
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert '"\'\r=1+1"' in text  # a CR inside a field is quoted, so it starts no new row
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["text", "category", "'=header"]
    assert len(rows) == 1 + len(FORMULAS) + len(HARMLESS)
    for row, value in zip(rows[1:], FORMULAS + HARMLESS, strict=True):
        expected = "'" + value if value in FORMULAS else value
        assert row[0] == expected and row[1] == expected, (row, value)


def test_excel_export_writes_text_as_text_and_no_links():
    wb = openpyxl.load_workbook(io.BytesIO(safecell.to_excel_bytes(_frame())))
    ws = wb.active
    assert ws["C1"].value == "'=header"
    for r, value in enumerate(FORMULAS + HARMLESS, start=2):
        for col in "AB":
            cell = ws[f"{col}{r}"]
            expected = "'" + value if value in FORMULAS else value
            shown = cell.value.replace("_x000D_", "\r")  # xlsxwriter's escape of a CR
            assert cell.data_type == "s" and shown == expected, (cell.coordinate, value)
            assert cell.hyperlink is None, cell.coordinate
    assert not ws._hyperlinks


def _workbook_calls(path) -> list[tuple[int, str]]:
    """xlsxwriter.Workbook(...) and pandas ExcelWriter(...) calls in a file (an import of
    xlsxwriter's Workbook by name counts as one, to be spelled the checked way)."""
    source = path.read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "xlsxwriter":
            found.append((node.lineno, ast.get_source_segment(source, node) or ""))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = ast.unparse(node.func)
            if target == "xlsxwriter.Workbook" or node.func.attr == "ExcelWriter":
                found.append((node.lineno, ast.get_source_segment(source, node) or ""))
    return found


def test_every_workbook_is_made_without_automatic_links():
    """Every xlsxwriter workbook (directly or through pandas) gets strings_to_urls False:
    safecell.XLSX_OPTIONS, safecell.excel_writer, or the option spelled out."""
    bad, seen = [], 0
    for folder in ("lawstats", "etl", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            for line, call in _workbook_calls(path):
                seen += 1
                compact = call.replace(" ", "")
                if not (
                    "XLSX_OPTIONS" in call
                    or '"strings_to_urls":False' in compact
                    or path.name == "safecell.py"
                ):
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {call[:80]}")
    assert seen >= 3  # the check still finds the workbooks
    assert bad == []
    assert safecell.XLSX_OPTIONS["strings_to_urls"] is False
    writer = safecell.excel_writer(io.BytesIO())
    try:
        assert writer.book.strings_to_urls is False
        assert writer.book.strings_to_formulas is False
    finally:
        writer.close()


# --------------------------------------------------------------------------- 5. file names as plain text


NAME = "**bold** [x](http://e) <b>x</b> _i_ #1.xlsx"


def shows_literally(source: str, text: str) -> bool:
    """Markdown `source` renders as exactly `text`: every ASCII punctuation mark escaped."""
    out, i = [], 0
    while i < len(source):
        c = source[i]
        if c == "\\" and i + 1 < len(source) and source[i + 1] in string.punctuation:
            out.append(source[i + 1])
            i += 2
            continue
        if c in string.punctuation:
            return False
        out.append(c)
        i += 1
    return "".join(out) == text


def test_md_escape_makes_markdown_literal():
    assert shows_literally(md_escape(NAME), NAME)
    assert not shows_literally(NAME, NAME)
    assert md_escape("a\nb\rc") == "a b c"


def test_the_upload_page_shows_a_file_name_as_text(real_db):
    at = page_alone("pages/upload.py")
    at.session_state["auth_user"] = "tianshui"
    at.run()
    ok(at)
    data = wide_xlsx(tianshui_rows())
    at.file_uploader(key="up_files").set_value([(NAME, data, "application/octet-stream")]).run()
    ok(at)
    heads = [s.value for s in at.subheader]
    assert heads == [md_escape(NAME)] and shows_literally(heads[0], NAME)
    assert not any("**bold**" in x or "](http" in x for x in texts(at))


def test_the_data_and_admin_pages_show_file_text_as_text(real_db):
    from lawstats.workflow import workspace as ws

    user = auth.get_user(real_db, "tianshui")
    loaded = ws.commit(
        real_db, user, wide_xlsx(tianshui_rows()), NAME, ws.UploadOptions(), confirm_warnings=True
    )
    assert loaded.status == "loaded"
    reason = "**wrong** [see](http://e)"
    ws.rollback(real_db, user, loaded.batch_id, reason)
    at = page_alone("pages/data.py")
    at.session_state["auth_user"] = "tianshui"
    at.run()
    ok(at)
    assert at.dataframe[0].value[t("data_col_file")].tolist() == [NAME]  # a table cell: text
    info = [i.value for i in at.info if md_escape(reason) in i.value]
    assert info, [i.value for i in at.info]
    assert not any("**wrong**" in x or "](http" in x for x in texts(at))

    spelling = "**x** [y](http://e)"
    add_spelling(real_db, spelling)
    at = page_alone("pages/admin.py")
    at.session_state["auth_user"] = "boss"
    at.run()
    ok(at)
    at.button(key="admin_revoke").click().run()
    ok(at)
    assert t("admin_revoked", spelling=md_escape(spelling)) in [s.value for s in at.success]
    assert not any("**x**" in x or "](http" in x for x in texts(at))
