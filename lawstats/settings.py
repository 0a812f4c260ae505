"""Typed, documented settings: every knob with its default, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"


@dataclass(frozen=True)
class Setting:
    env: str
    default: str
    help: str


SETTINGS: dict[str, Setting] = {
    s.env: s
    for s in [
        Setting(
            "LAWSTATS_DB_URL",
            str(DATA_DIR / "lawstats.duckdb"),
            "Database: a SQLAlchemy URL (duckdb:///path, postgresql+psycopg://...) or a DuckDB file path.",
        ),
        Setting(
            "LAWSTATS_TEST_PG_URL",
            "",
            "Tests only: a PostgreSQL URL whose database the test suite may wipe; enables the PostgreSQL leg.",
        ),
        Setting(
            "LAWSTATS_MAX_UPLOAD_MB",
            "50",
            "Largest spreadsheet accepted for upload, in megabytes.",
        ),
        Setting(
            "LAWSTATS_LOCK_TIMEOUT_S",
            "60",
            "How long a writer waits for another process's DuckDB write lock before giving up, in seconds.",
        ),
    ]
}


def get(env: str) -> str:
    """Value of a setting: the environment variable if set and non-empty, else its default."""
    setting = SETTINGS[env]
    value = os.environ.get(env, "").strip()
    return value or setting.default


def db_url() -> str:
    return get("LAWSTATS_DB_URL")


def max_upload_bytes() -> int:
    return int(float(get("LAWSTATS_MAX_UPLOAD_MB")) * 1024 * 1024)


def lock_timeout_s() -> float:
    return float(get("LAWSTATS_LOCK_TIMEOUT_S"))
