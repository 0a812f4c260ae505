"""Shared fixtures: a fresh store on each backend (DuckDB always; PostgreSQL when configured)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pg_url() -> str:
    return os.environ.get("LAWSTATS_TEST_PG_URL", "").strip()


def require_or_skip(available: bool, what: str) -> None:
    """Skip a test whose tool is missing, except in CI, where a missing tool is a failure."""
    if available:
        return
    if IN_CI or os.environ.get("LAWSTATS_REQUIRE_ALL") == "1":
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} not available (set it up to run this test; see README 'Quick start')")


@pytest.fixture(autouse=True)
def _summary_refreshed_in_line():
    """app.py (run by AppTest) turns on the background refresh: each test ends with none running
    and the in-line refresh of commands restored."""
    yield
    from lawstats.store import summary

    summary.wait_for_background()
    summary.BACKGROUND = False


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:
    """A URL of an empty store, once per backend."""
    from lawstats.store import get_engine, wipe

    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'test.duckdb'}"
    url = pg_url()
    require_or_skip(bool(url), "PostgreSQL (LAWSTATS_TEST_PG_URL)")
    wipe(get_engine(url, create=False))
    return url


@pytest.fixture
def engine(store_url):
    from lawstats.store import get_engine

    return get_engine(store_url)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> str:
    """A DuckDB file with the full demo data, built once per test session."""
    from lawstats.demo.database import build_demo
    from lawstats.store import get_engine

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(get_engine(str(path)))
    return str(path)


# AppTest stores: a private copy of the demo database, or an empty store with public pages
@pytest.fixture
def demo_copy(demo_db, tmp_path, monkeypatch):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv("LAWSTATS_DB_URL", str(path))
    return str(path)


@pytest.fixture
def empty_db(tmp_path, monkeypatch):
    """An empty store whose reading pages are public (LAWSTATS_REQUIRE_LOGIN=false)."""
    path = tmp_path / "empty.duckdb"
    monkeypatch.setenv("LAWSTATS_DB_URL", str(path))
    monkeypatch.setenv("LAWSTATS_REQUIRE_LOGIN", "false")
    return str(path)
