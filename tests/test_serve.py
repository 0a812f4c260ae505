"""scripts/serve: two Streamlit processes behind nginx on one PostgreSQL store. A browser logs in
through nginx and uploads a file on one process; a browser session on the other process sees
the new figure. Also: the nginx configuration is valid, and a process that dies is restarted."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from lawstats import store
from lawstats.store import auth
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, browser_available, free_port, wait_idle
from tests.conftest import ROOT, pg_url, require_or_skip
from tests.test_browser_workspace import TIMEOUT, choose_file, commit, county_file, go

pytestmark = pytest.mark.browser
QINZHOU = "620502"
ADMIN, PASSWORD = "chief", "serve-test-password"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_available() -> bool:
    return os.path.exists(NGINX)


def two_free_ports() -> int:
    """A port whose next port is free too (the processes' ports)."""
    for _ in range(50):
        first = free_port()
        try:
            import socket

            with socket.socket() as s:
                s.bind(("127.0.0.1", first + 1))
            return first
        except OSError:
            continue
    raise RuntimeError("no two free ports in a row")


def start_serve(db_url: str, run_dir, processes: int = 2) -> tuple[subprocess.Popen, str, int]:
    port, first = free_port(), two_free_ports()
    proc = subprocess.Popen(
        [
            str(ROOT / "scripts" / "serve"),
            "--processes",
            str(processes),
            "--port",
            str(port),
            "--first-port",
            str(first),
            "--run-dir",
            str(run_dir),
        ],
        cwd=ROOT,
        env={**os.environ, "LAWSTATS_DB_URL": db_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("==> 法治统计看板 at"):
            return proc, f"http://127.0.0.1:{port}", first
        if time.monotonic() > deadline:
            break
    stop_serve(proc)
    raise AssertionError("scripts/serve did not start:\n" + "".join(lines[-30:]))


def stop_serve(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def session_on(browser, base: str, avoid: str | None = None):
    """A browser context whose sticky cookie lands on a process other than `avoid`: (page,
    that process's address)."""
    for n in range(40):
        context = browser.new_context(viewport={"width": 1400, "height": 2400}, locale="zh-CN")
        context.add_cookies([{"name": "lawstats_node", "value": f"test-{n}", "url": base}])
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        node = page.goto(base + "/login").headers["x-lawstats-node"]
        if node != avoid:
            return page, node
        context.close()
    raise AssertionError("every sticky cookie went to the same process")


def log_in(page, base: str) -> None:
    """Log in, unless the session cookie of an earlier login in this browser still holds."""
    logout = '[data-testid="stSidebar"] button:has-text("退出登录")'
    wait_idle(page, f'[data-testid="stForm"], {logout}', timeout_ms=TIMEOUT)
    if page.locator(logout).count():
        return
    page.get_by_label("用户名").fill(ADMIN)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector('[data-testid="stSidebar"] >> text=退出登录', timeout=TIMEOUT)
    page.wait_for_function("() => !location.pathname.endsWith('/login')", timeout=TIMEOUT)
    wait_idle(page, timeout_ms=TIMEOUT)


def qinzhou_2024(page, base: str) -> str:
    """The 调解矛盾纠纷件数 card of 秦州区, 2024, on a fresh load (a new session: log in)."""
    from urllib.parse import quote

    page.goto(f"{base}/?region={QINZHOU}&period={quote('2024年')}")
    log_in(page, base)
    wait_idle(page, '[data-testid="stMetric"]', timeout_ms=TIMEOUT)
    card = page.locator('[data-testid="stMetric"]', has_text="调解矛盾纠纷件数").first
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def test_nginx_configuration_is_valid(tmp_path):
    require_or_skip(nginx_available(), "nginx")
    import argparse
    import importlib.util

    spec = importlib.util.spec_from_file_location("lawstats_serve", ROOT / "deploy" / "serve.py")
    serve = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = serve  # (its dataclasses look their module up)
    spec.loader.exec_module(serve)
    args = argparse.Namespace(address="127.0.0.1", port=free_port())
    conf = tmp_path / "nginx.conf"
    conf.write_text(serve.nginx_conf(args, tmp_path, [18601, 18602]))
    done = subprocess.run(
        [NGINX, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_two_processes_on_postgresql_share_uploads(tmp_path):
    require_or_skip(nginx_available(), "nginx")
    require_or_skip(browser_available(), "Chromium + Playwright")
    url = pg_url()
    require_or_skip(bool(url), "PostgreSQL (LAWSTATS_TEST_PG_URL)")
    from playwright.sync_api import sync_playwright

    from etl.load import load_bytes

    store.wipe(store.get_engine(url, create=False))
    engine = store.get_engine(url)
    first = open(county_file(tmp_path, "秦州区_v1.xlsx", [("秦州区", 2449)]), "rb").read()
    assert load_bytes(engine, first, "秦州区_v1.xlsx").status == "loaded"
    auth.add_user(engine, ADMIN, PASSWORD, "admin")
    proc, base, first_port = start_serve(url, tmp_path / "run")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            uploader, node_a = session_on(browser, base)
            reader, node_b = session_on(browser, base, avoid=node_a)
            assert {node_a, node_b} == {f"127.0.0.1:{first_port}", f"127.0.0.1:{first_port + 1}"}
            assert qinzhou_2024(reader, base) == "2,449 件"

            # process A: log in through nginx, upload a corrected figure
            log_in(uploader, base)
            go(uploader, "数据上报", '[data-testid="stFileUploader"]')
            choose_file(uploader, county_file(tmp_path, "秦州区_v2.xlsx", [("秦州区", 2468)]))
            commit(uploader)

            # process B: a new session there shows the new figure
            assert qinzhou_2024(reader, base) == "2,468 件"
            assert reader.goto(base + "/").headers["x-lawstats-node"] == node_b
            browser.close()
    finally:
        stop_serve(proc)
    # every process and nginx ended with the supervisor
    for port in (first_port, first_port + 1):
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)


def test_a_process_that_dies_is_restarted(tmp_path, demo_db):
    require_or_skip(nginx_available(), "nginx")
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    proc, base, first_port = start_serve(str(db), tmp_path / "run", processes=2)
    try:
        pid_file = tmp_path / "run" / "nginx.pid"
        assert pid_file.exists()
        victim = int((tmp_path / "run" / f"streamlit-{first_port}.pid").read_text())
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{first_port}/_stcore/health", timeout=2
                ) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("the process was not restarted")
        assert int((tmp_path / "run" / f"streamlit-{first_port}.pid").read_text()) != victim
        # nginx answers meanwhile and after
        with urllib.request.urlopen(base + "/_stcore/health", timeout=10) as r:
            assert r.status == 200
    finally:
        stop_serve(proc)
