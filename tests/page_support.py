"""AppTest helpers for running one page file by itself."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def page_alone(script: str, default_timeout: float = 90) -> AppTest:
    """The page file `script` run as app.py's navigation runs it, without app.py around it.

    A page file started by Streamlit on its own goes through app.py first (lawstats/ui/gate.py);
    this runs the page inside the navigation's mark instead, so a test sees the page's own role
    checks, the second line of defence behind the navigation."""
    code = (
        "import runpy\n"
        "from lawstats.ui.gate import through_app\n"
        "with through_app():\n"
        f"    runpy.run_path({str(ROOT / script)!r}, run_name='__main__')\n"
    )
    return AppTest.from_string(code, default_timeout=default_timeout)


def page_on_store(store: str, monkeypatch, page: str, **params: str) -> AppTest:
    """`page` run on the store at `store` (public reading pages), with these query parameters."""
    monkeypatch.setenv("LAWSTATS_DB_URL", str(store))
    monkeypatch.setenv("LAWSTATS_REQUIRE_LOGIN", "false")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page(page)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
