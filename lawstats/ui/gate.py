"""Every page runs through app.py's navigation, also when Streamlit runs a page file on its own.

With a folder named pages/ next to app.py, Streamlit 1.67 runs a page file directly on the first
request of a session that names the page (a deep link such as /trends, or AppTest's
`switch_page` before the first run): app.py, with its login gate and role-based navigation, is
skipped (measured: tests/test_pages.py::test_direct_page_link_cannot_bypass_login failed
without this). So app.py marks the runs it starts, and `page_gate()`, the first statement of every
page, runs app.py in place when the mark is missing: app.py then decides, as on any other request,
whether that page may be shown to this session, and shows it (the deep link is kept) or the login.
"""

from __future__ import annotations

import runpy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

APP = Path(__file__).resolve().parents[2] / "app.py"
_run = threading.local()  # Streamlit runs each script run in its own thread


@contextmanager
def through_app() -> Iterator[None]:
    """app.py wraps `page.run()` in this: the page knows the navigation chose it."""
    _run.active = True
    try:
        yield
    finally:
        _run.active = False


def page_gate() -> None:
    """First statement of every page file: outside app.py's navigation, run app.py instead."""
    if getattr(_run, "active", False):
        return
    runpy.run_path(str(APP), run_name="__main__")
    st.stop()
