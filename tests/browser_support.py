"""Real-browser helpers: start the app as scripts/start does (`streamlit run lawstats/ui/asgi.py`:
app.py plus the session cookie's routes) on a free port, wait for health and for runs to finish."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def browser_available() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(db_path: str, timeout: float = 30.0, script: str = "lawstats/ui/asgi.py"):
    """A running app on a free port serving `db_path`; yields its base URL."""
    port = free_port()
    env = {**os.environ, "LAWSTATS_DB_URL": db_path}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script,
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, port, timeout)
        yield base
    finally:
        stop(proc)


def wait_healthy(proc: subprocess.Popen, port: int, timeout: float) -> None:
    """Until the server on `port` answers /_stcore/health; raises with its stderr's tail when
    the process ends or `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            url = f"http://127.0.0.1:{port}/_stcore/health"
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"streamlit did not start: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextmanager
def served_page(db_path: str, *, height: int = 2200, timeout: float = 30.0):
    """The app serving `db_path` and a Chromium page on it (zh-CN, 1400 px wide); yields (base, page).

    Skips (fails in CI) when Chromium or Playwright is missing.
    """
    from tests.conftest import require_or_skip

    require_or_skip(browser_available(), "Chromium + Playwright")
    from playwright.sync_api import sync_playwright

    with streamlit_server(db_path, timeout=timeout) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield base, browser.new_page(viewport={"width": 1400, "height": height}, locale="zh-CN")
        finally:
            browser.close()


def wait_idle(page, ready: str | None = None, timeout_ms: int = 30_000) -> None:
    """Wait for the app container, the `ready` selector, and no script run for three polls in a row."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    if ready:
        page.wait_for_selector(ready, timeout=timeout_ms, state="attached")
    page.wait_for_function(
        """() => {
            const busy = document.querySelector('[data-testid="stStatusWidget"]') !== null
                || document.querySelectorAll('[data-testid="stSkeleton"]').length > 0;
            window.__idle = busy ? 0 : (window.__idle || 0) + 1;
            return window.__idle >= 3;
        }""",
        timeout=timeout_ms,
        polling=150,
    )
