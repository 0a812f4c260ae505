"""One-click PDF of a dashboard view, rendered on this server by headless Chromium (the one kaleido
already drives, through choreographer): the same URL with ?print=1 (no sidebar, no widgets that
do nothing on paper) printed with the print stylesheet, A4 landscape, fonts embedded (the
system's WenQuanYi Micro Hei for Chinese). Nothing leaves the machine.

The print browser is a stranger to this Streamlit session: when viewing needs a login, it gets a
session of its own for the viewer (lawstats.store.sessions, claimed here and ended right after
printing), so it sees exactly what the viewer may see.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import shutil
import time
from urllib.parse import urlencode

import streamlit as st

from lawstats.ui import common as ui

READY_JS = """
(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const busy = document.querySelector('[data-testid="stStatusWidget"]') !== null
    || document.querySelectorAll('[data-testid="stSkeleton"]').length > 0;
  const shown = document.querySelector('[data-testid="stMain"] [data-testid="stMarkdownContainer"]');
  window.__idle = (app && shown && !busy) ? (window.__idle || 0) + 1 : 0;
  return window.__idle;
})()
"""
TIMEOUT_S = 60
PAGE_PATH_KEY = "_page_url_path"  # app.py: the url path of the page this run shows


def chromium_path() -> str | None:
    return (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )


def print_url(port: int, page_path: str, params: dict[str, str]) -> str:
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}" if base else ""
    query = urlencode({**params, "print": "1"})
    return f"http://127.0.0.1:{port}{prefix}/{page_path}?{query}"


async def _render(url: str, cookie: dict | None, timeout_s: float) -> bytes:
    import choreographer as choreo

    async with choreo.Browser(path=chromium_path(), headless=True) as browser:
        tab = browser.get_tab() or await browser.create_tab("about:blank")
        await tab.send_command(
            "Emulation.setDeviceMetricsOverride",
            params={"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
        )
        if cookie:
            await tab.send_command("Network.enable")
            await tab.send_command("Network.setCookie", params=cookie)
        await tab.send_command("Page.enable")
        await tab.send_command("Page.navigate", params={"url": url})
        deadline = time.monotonic() + timeout_s
        while True:
            await asyncio.sleep(0.3)
            got = await tab.send_command(
                "Runtime.evaluate", params={"expression": READY_JS, "returnByValue": True}
            )
            idle = got.get("result", {}).get("result", {}).get("value") or 0
            if idle >= 5:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"the view did not finish drawing within {timeout_s:.0f} s")
        await asyncio.sleep(0.5)  # charts' last transition
        result = await tab.send_command(
            "Page.printToPDF",
            params={
                "printBackground": True,
                "preferCSSPageSize": True,
                "landscape": True,
                "marginTop": 0.4,
                "marginBottom": 0.4,
                "marginLeft": 0.4,
                "marginRight": 0.4,
            },
        )
        return base64.b64decode(result["result"]["data"])


def render(url: str, cookie: dict | None = None, timeout_s: float = TIMEOUT_S) -> bytes:
    """The PDF of a URL (its own event loop in a worker thread: the caller may be inside one)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _render(url, cookie, timeout_s)).result()


def _deferred(page_path: str, params: dict[str, str], username: str | None):
    """The download's data, computed on click (outside the script run: everything it needs is
    captured here)."""
    from lawstats import settings
    from lawstats.store import get_engine, sessions
    from lawstats.ui import session as cookie_mod

    port = int(st.get_option("server.port"))
    url = print_url(port, page_path, params)
    db_url = settings.db_url()

    def make() -> bytes:
        cookie = None
        handle = None
        if username:
            engine = get_engine(db_url)
            handle, token = sessions.create(engine, username)
            sid = sessions.claim(engine, token)
            if sid:
                cookie = {
                    "name": cookie_mod.COOKIE,
                    "value": cookie_mod.sign(sid),
                    "domain": "127.0.0.1",
                    "path": "/",
                    "httpOnly": True,
                }
        try:
            return render(url, cookie)
        finally:
            if handle:
                sessions.end(get_engine(db_url), handle)

    return make


def button(name: str) -> None:
    """The 'PDF' download of the view on screen (hidden on paper and in the print view)."""
    if st.query_params.get("print") == "1" or chromium_path() is None:
        return
    from lawstats.ui import auth_ui

    user = auth_ui.current_user()
    params = {k: v for k, v in st.query_params.to_dict().items() if k != "print"}
    path = st.session_state.get(PAGE_PATH_KEY, "")
    st.download_button(
        ui.tr("pdf_download"),
        _deferred(path, params, user.username if user else None),
        file_name=f"{name}_{params.get('region', '')}_{params.get('period', '')}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        key=f"pdf_{name}",
        on_click="ignore",
    )
